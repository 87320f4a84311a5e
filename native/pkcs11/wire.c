/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Payload writer and reader. Both are "sticky": the first overflow / underflow sets err and
 * turns every later call into a no-op, so command builders and parsers read as straight lists
 * of fields with one check at the end.
 */
#include "wire.h"

#include <string.h>

#include "zkb_bytes.h"

void zkp_writer_init(zkp_writer *w, uint8_t *buf, size_t cap) {
    w->buf = buf;
    w->cap = buf ? cap : 0;
    w->len = 0;
    w->err = 0;
}

/* Reserves n bytes and returns where they go, or NULL (and err) when they do not fit. */
static uint8_t *reserve(zkp_writer *w, size_t n) {
    if (w->err || n > w->cap - w->len) {
        w->err = 1;
        return NULL;
    }
    uint8_t *p = w->buf + w->len;
    w->len += n;
    return p;
}

void zkp_put_u8(zkp_writer *w, uint8_t v) {
    uint8_t *p = reserve(w, 1);
    if (p)
        p[0] = v;
}

void zkp_put_u16(zkp_writer *w, uint16_t v) {
    uint8_t *p = reserve(w, 2);
    if (p)
        zkb_enc16be(p, v);
}

void zkp_put_u32(zkp_writer *w, uint32_t v) {
    uint8_t *p = reserve(w, 4);
    if (p)
        zkb_enc32be(p, v);
}

void zkp_put_i32(zkp_writer *w, int32_t v) {
    /* Two's complement by definition of the conversion to uint32_t (C11 6.3.1.3). */
    zkp_put_u32(w, (uint32_t)v);
}

void zkp_put_u64(zkp_writer *w, uint64_t v) {
    uint8_t *p = reserve(w, 8);
    if (p) {
        zkb_enc32be(p, (uint32_t)(v >> 32));
        zkb_enc32be(p + 4, (uint32_t)v);
    }
}

void zkp_put_bytes(zkp_writer *w, const uint8_t *p, size_t n) {
    if (n == 0)
        return; /* nothing to place (and no arithmetic on a possibly NULL buffer) */
    if (!p) {
        w->err = 1;
        return;
    }
    uint8_t *dst = reserve(w, n);
    if (dst)
        memcpy(dst, p, n);
}

void zkp_put_blob(zkp_writer *w, const uint8_t *p, size_t n) {
    if ((uint64_t)n > UINT32_MAX) {
        w->err = 1;
        return;
    }
    zkp_put_u32(w, (uint32_t)n);
    zkp_put_bytes(w, p, n);
}

void zkp_put_str(zkp_writer *w, const char *s, size_t n) {
    if (n > UINT16_MAX) {
        w->err = 1;
        return;
    }
    zkp_put_u16(w, (uint16_t)n);
    zkp_put_bytes(w, (const uint8_t *)s, n);
}

void zkp_reader_init(zkp_reader *r, const uint8_t *p, size_t len) {
    r->p = p;
    r->len = p ? len : 0;
    r->err = 0;
}

/* Takes n bytes from the input, or NULL (and err) when fewer remain. */
static const uint8_t *take(zkp_reader *r, size_t n) {
    if (r->err || n > r->len) {
        r->err = 1;
        return NULL;
    }
    const uint8_t *p = r->p;
    if (!p) {
        /* Only reachable for n == 0 on an empty reader: return a valid, empty location so that
         * NULL keeps meaning "error". */
        static const uint8_t empty[1];
        return empty;
    }
    r->p += n;
    r->len -= n;
    return p;
}

uint8_t zkp_get_u8(zkp_reader *r) {
    const uint8_t *p = take(r, 1);
    return p ? p[0] : 0;
}

uint16_t zkp_get_u16(zkp_reader *r) {
    const uint8_t *p = take(r, 2);
    return p ? zkb_dec16be(p) : 0;
}

uint32_t zkp_get_u32(zkp_reader *r) {
    const uint8_t *p = take(r, 4);
    return p ? zkb_dec32be(p) : 0;
}

int32_t zkp_get_i32(zkp_reader *r) {
    uint32_t u = zkp_get_u32(r);
    /* Explicit two's complement decode: converting an out-of-range uint32_t to int32_t is
     * implementation-defined, so build the negative value arithmetically. */
    if (u <= (uint32_t)INT32_MAX)
        return (int32_t)u;
    return (int32_t)(u - 0x80000000u) - INT32_MAX - 1;
}

uint64_t zkp_get_u64(zkp_reader *r) {
    const uint8_t *p = take(r, 8);
    return p ? ((uint64_t)zkb_dec32be(p) << 32) | zkb_dec32be(p + 4) : 0;
}

const uint8_t *zkp_get_bytes(zkp_reader *r, size_t n) {
    return take(r, n);
}

const uint8_t *zkp_get_blob(zkp_reader *r, size_t *n) {
    uint32_t len = zkp_get_u32(r);
    const uint8_t *p = take(r, len);
    *n = p ? len : 0;
    return p;
}

const uint8_t *zkp_get_str(zkp_reader *r, size_t *n) {
    uint16_t len = zkp_get_u16(r);
    const uint8_t *p = take(r, len);
    *n = p ? len : 0;
    return p;
}

int zkp_reader_done(const zkp_reader *r) {
    return r->err == 0 && r->len == 0 ? 0 : -1;
}
