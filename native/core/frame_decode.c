/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Streaming frame decoder: docs/protocol.md section 4, rule for rule.
 *
 * Input is decoded in place whenever a whole frame lies inside it (zero copy). Only the tail of
 * an input chunk that starts a frame candidate is copied into the caller's buffer, and while a
 * candidate is pending, only the bytes it still needs are appended. When a buffered candidate
 * is rejected, the bytes after its first byte are rescanned (older ones inside the buffer, the
 * current input's in place), so a frame hidden in a rejected one (a truncated frame followed by
 * a good one) is still found, and without a copy when it lies in the current input.
 */
#include <string.h>

#include "zkb_bytes.h"
#include "zkb_crc.h"
#include "zkb_frame.h"

enum { CAND_NEED, CAND_REJECT, CAND_FRAME };

/* Offset of the first candidate start in p[0..n): 0xA5 followed by 0x5A, or a lone 0xA5 as the
 * very last byte (it may still become a frame start). Returns n when there is none. */
static size_t scan(const uint8_t *p, size_t n) {
    size_t i = 0;
    while (i < n) {
        const uint8_t *hit = memchr(p + i, ZKB_MAGIC0, n - i);
        if (!hit)
            return n;
        i = (size_t)(hit - p);
        if (i + 1 == n || p[i + 1] == ZKB_MAGIC1)
            return i;
        i++;
    }
    return n;
}

/*
 * Judges the candidate at p (p[0] is the magic's first byte, `avail` bytes present).
 * `*need` is 0 while the header has not been validated, else the candidate's full size; it is
 * updated so a candidate's header is checked once however many chunks its body takes.
 */
static int judge(zkb_decoder *d, const uint8_t *p, size_t avail, size_t *need, zkb_frame *out) {
    uint32_t hcrc = 0;
    int have_hcrc = 0;
    if (*need == 0) {
        if (avail >= 2 && p[1] != ZKB_MAGIC1)
            return CAND_REJECT; /* a lone 0xA5 that turned out to be garbage: no error kind */
        if (avail < ZKB_HEADER_SIZE)
            return CAND_NEED;
        hcrc = zkb_crc32c(0, p, 18);
        have_hcrc = 1;
        if ((uint16_t)hcrc != zkb_dec16be(p + 18)) {
            d->stats.header_errors++;
            return CAND_REJECT;
        }
        uint8_t flags = p[3];
        if (p[2] != ZKB_VERSION || (flags & ZKB_FLAG_KIND_MASK) == 3u ||
            (flags & ZKB_FLAG_RESERVED) != 0) {
            d->stats.version_errors++;
            return CAND_REJECT;
        }
        uint32_t length = zkb_dec32be(p + 12);
        if (length > d->max_payload) {
            d->stats.oversize_errors++;
            return CAND_REJECT;
        }
        *need = zkb_frame_size(length);
    }
    if (avail < *need)
        return CAND_NEED;

    size_t length = *need - ZKB_OVERHEAD;
    /* Continue from the header's CRC state when it was just computed. */
    if (!have_hcrc)
        hcrc = zkb_crc32c(0, p, 18);
    uint32_t crc = zkb_crc32c(hcrc, p + 18, 2 + length);
    if (crc != zkb_dec32be(p + ZKB_HEADER_SIZE + length)) {
        d->stats.crc_errors++;
        return CAND_REJECT;
    }
    out->kind = p[3] & ZKB_FLAG_KIND_MASK;
    out->more = (p[3] & ZKB_FLAG_MORE) ? 1 : 0;
    out->request_id = zkb_dec32be(p + 4);
    out->command = zkb_dec16be(p + 8);
    out->status = zkb_dec16be(p + 10);
    out->length = (uint32_t)length;
    out->frag_index = zkb_dec16be(p + 16);
    out->payload = p + ZKB_HEADER_SIZE;
    d->stats.frames++;
    return CAND_FRAME;
}

/* Moves d->start to the next candidate inside the buffer, counting skipped bytes as garbage. */
static void buffer_rescan(zkb_decoder *d) {
    size_t n = d->len - d->start;
    size_t skip = scan(d->buf + d->start, n);
    d->stats.garbage_bytes += skip;
    d->start += skip;
    d->need = 0;
    if (d->start == d->len)
        d->start = d->len = 0;
}

int zkb_decoder_init(zkb_decoder *d, uint8_t *buf, size_t cap, uint32_t max_payload) {
    if (!d || !buf || max_payload < ZKB_MIN_PAYLOAD || max_payload > ZKB_MAX_PAYLOAD ||
        cap < zkb_frame_size(max_payload))
        return ZKB_ERR_ARG;
    memset(d, 0, sizeof *d);
    d->buf = buf;
    d->cap = cap;
    d->max_payload = max_payload;
    return ZKB_OK;
}

void zkb_decoder_reset(zkb_decoder *d) {
    d->stats.garbage_bytes += d->len - d->start;
    d->start = d->len = d->need = 0;
}

/*
 * Works on the pending candidate in the buffer until it yields a frame (1), runs out of input
 * (0), or the buffer empties (-1: continue on the input directly). Bytes appended from the
 * current input are handed back to it when the candidate is rejected, so only older bytes are
 * rescanned in the buffer and a frame lying wholly in this input is still returned in place.
 */
static int decode_buffered(zkb_decoder *d, const uint8_t **in, size_t *in_len, zkb_frame *out) {
    size_t taken = 0; /* bytes at the end of buf that came from *in during this call */
    while (d->len > d->start) {
        size_t want = d->need ? d->need : ZKB_HEADER_SIZE;
        size_t have = d->len - d->start;
        if (have<want && * in_len> 0) {
            if (d->start + want > d->cap) { /* make room: nothing references the buffer now */
                memmove(d->buf, d->buf + d->start, have);
                d->start = 0;
                d->len = have;
            }
            size_t take = want - have < *in_len ? want - have : *in_len;
            memcpy(d->buf + d->len, *in, take);
            d->len += take;
            *in += take;
            *in_len -= take;
            have += take;
            taken += take;
        }
        switch (judge(d, d->buf + d->start, have, &d->need, out)) {
        case CAND_FRAME:
            d->start += zkb_frame_size(out->length);
            buffer_rescan(d);
            return 1;
        case CAND_REJECT:
            /* The candidate starts at an older byte, so len - taken > start. */
            d->len -= taken;
            *in -= taken;
            *in_len += taken;
            taken = 0;
            d->stats.garbage_bytes++;
            d->start++;
            buffer_rescan(d);
            break;
        default: /* CAND_NEED */
            if (*in_len == 0)
                return 0;
            break;
        }
    }
    return -1;
}

int zkb_decoder_next(zkb_decoder *d, const uint8_t **in, size_t *in_len, zkb_frame *out) {
    /* The previous frame (if it came from the buffer) is no longer referenced: compact. */
    if (d->start > 0) {
        memmove(d->buf, d->buf + d->start, d->len - d->start);
        d->len -= d->start;
        d->start = 0;
    }
    if (d->len > 0) {
        int r = decode_buffered(d, in, in_len, out);
        if (r >= 0)
            return r;
    }

    const uint8_t *p = *in;
    size_t n = *in_len;
    while (n > 0) {
        size_t skip = scan(p, n);
        d->stats.garbage_bytes += skip;
        p += skip;
        n -= skip;
        if (n == 0)
            break;
        size_t need = 0;
        switch (judge(d, p, n, &need, out)) {
        case CAND_FRAME:
            *in = p + need;
            *in_len = n - need;
            return 1;
        case CAND_REJECT:
            d->stats.garbage_bytes++;
            p++;
            n--;
            break;
        default: /* CAND_NEED: keep the partial candidate; it fits (n < need <= cap). */
            memcpy(d->buf, p, n);
            d->start = 0;
            d->len = n;
            d->need = need;
            p += n;
            n = 0;
            break;
        }
    }
    *in = p;
    *in_len = 0;
    return 0;
}
