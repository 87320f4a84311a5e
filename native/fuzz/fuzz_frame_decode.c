/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the streaming decoder. The first input byte picks the decoder's
 * max_payload (bit 0), raw or structured mode (bit 7) and a chunking seed (bits 1-6). In raw mode
 * the rest of the input is the stream; in structured mode it is a recipe of frames that are
 * encoded properly and then corrupted, truncated and padded with garbage, so the fuzzer spends
 * its time on the interesting paths (buffered candidates, rescans) instead of on CRC guessing.
 * The stream is fed in chunks that each live in their own heap block (ASan flags any read past
 * a chunk). Invariants checked on every input:
 * decoding is independent of chunking, every frame re-encodes to the exact bytes it came from,
 * pending never exceeds one frame, and the counters add up.
 */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zkb_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    size_t count;
    size_t bytes;    /* total size of the frames found */
    uint64_t digest; /* FNV-1a over the frames' encodings */
} summary;

static uint8_t dec_buf[ZKB_MAX_FRAME];
static uint8_t enc_buf[ZKB_MAX_FRAME];

static void fold(summary *s, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        s->digest = (s->digest ^ p[i]) * 0x100000001B3ULL;
}

static void run(const uint8_t *data, size_t size, uint32_t max_payload, unsigned chunk_seed,
                summary *s, zkb_decoder_stats *stats) {
    zkb_decoder d;
    if (zkb_decoder_init(&d, dec_buf, sizeof dec_buf, max_payload) != ZKB_OK)
        abort();
    s->count = 0;
    s->bytes = 0;
    s->digest = 0xCBF29CE484222325ULL;
    size_t pos = 0;
    unsigned state = chunk_seed | 1u;
    while (pos < size) {
        size_t n = size - pos;
        if (chunk_seed) {
            state = state * 1103515245u + 12345u;
            size_t c = 1 + (state >> 16) % 97;
            n = c < n ? c : n;
        }
        uint8_t *chunk = malloc(n);
        memcpy(chunk, data + pos, n);
        const uint8_t *in = chunk;
        size_t in_len = n;
        zkb_frame f;
        while (zkb_decoder_next(&d, &in, &in_len, &f)) {
            if (f.length > max_payload)
                abort();
            long e = zkb_frame_encode(&f, f.payload, enc_buf, sizeof enc_buf);
            if (e != (long)zkb_frame_size(f.length))
                abort();
            /* The decoded frame must be a verbatim copy of bytes of the stream (checked on
             * small streams only, to keep the fuzzer fast). */
            if (size <= 8192 && !memmem(data, size, enc_buf, (size_t)e))
                abort();
            fold(s, enc_buf, (size_t)e);
            s->count++;
            s->bytes += (size_t)e;
        }
        if (in_len != 0 || zkb_decoder_pending(&d) > zkb_frame_size(max_payload))
            abort();
        free(chunk);
        pos += n;
    }
    *stats = d.stats;
    if (stats->frames != s->count)
        abort();
    /* Every input byte is accounted for: in a frame, dropped as garbage, or pending. */
    if (s->bytes + stats->garbage_bytes + zkb_decoder_pending(&d) != size)
        abort();
}

/* Structured mode: each recipe step is [ctrl, len_hi, len_lo, fill]. ctrl bits: 0-1 kind
 * (3 gives a bad kind after encoding), 2 MORE, 3 flip one byte, 4 truncate, 5-7 garbage bytes
 * to append. The payload is `fill` repeated. */
static size_t build_stream(const uint8_t *r, size_t n, uint8_t *out, size_t cap) {
    static uint8_t payload[1100];
    size_t len = 0;
    for (size_t i = 0; i + 4 <= n; i += 4) {
        uint8_t ctrl = r[i];
        zkb_frame f = {0};
        f.kind = (uint8_t)((ctrl & 3u) == 3u ? 0u : (ctrl & 3u));
        f.more = (uint8_t)((ctrl >> 2) & 1u);
        f.request_id = (uint32_t)i;
        f.command = (uint16_t)(i * 7u);
        f.length = (((uint32_t)r[i + 1] << 8) | r[i + 2]) % (uint32_t)sizeof payload;
        memset(payload, r[i + 3], f.length);
        if (len + zkb_frame_size(f.length) + 8 > cap)
            break;
        long e = zkb_frame_encode(&f, payload, out + len, cap - len);
        if (e < 0)
            abort();
        if ((ctrl & 3u) == 3u)
            out[len + 3] |= 3u; /* kind 3 with a stale hcheck */
        if (ctrl & 8u)
            out[len + (size_t)r[i + 3] % (size_t)e] ^= (uint8_t)(1u << (ctrl >> 5));
        if (ctrl & 16u)
            e = (long)((size_t)r[i + 1] % (size_t)e);
        len += (size_t)e;
        for (unsigned g = 0; g < (ctrl >> 5); g++)
            out[len++] = (uint8_t)(g & 1u ? ZKB_MAGIC1 : ZKB_MAGIC0);
    }
    return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static uint8_t built[1u << 16]; /* small streams keep the fuzzer fast */
    if (size < 1)
        return 0;
    uint32_t max_payload = (data[0] & 1) ? ZKB_MIN_PAYLOAD : ZKB_MAX_PAYLOAD;
    unsigned seed = (data[0] >> 1) & 0x3Fu;
    const uint8_t *stream = data + 1;
    size_t stream_len = size - 1;
    if (data[0] & 0x80u) {
        stream_len = build_stream(data + 1, size - 1, built, sizeof built);
        stream = built;
    }
    summary whole, chunked;
    zkb_decoder_stats a, b;
    run(stream, stream_len, max_payload, 0, &whole, &a);
    run(stream, stream_len, max_payload, seed + 1, &chunked, &b);
    if (whole.count != chunked.count || whole.digest != chunked.digest || memcmp(&a, &b, sizeof a))
        abort();
    return 0;
}
