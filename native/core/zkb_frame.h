/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Frame codec of the device protocol (docs/protocol.md, "Framing"). Pure C11: no I/O, no
 * allocation; every buffer is owned by the caller.
 *
 * Wire layout, all fields big-endian:
 *
 *   off size field
 *     0    2 magic        0xA5 0x5A
 *     2    1 version      1
 *     3    1 flags        bits 0-1 kind (0 request, 1 response, 2 event), bit 2 MORE, bits 3-7 zero
 *     4    4 request_id
 *     8    2 command
 *    10    2 status       0 in requests
 *    12    4 length       payload bytes, 0 .. max_payload (never more than ZKB_MAX_PAYLOAD)
 *    16    2 frag_index   0 for the first (or only) fragment of a message
 *    18    2 hcheck       low 16 bits of CRC-32C over bytes 0..17
 *    20  len payload
 *  20+len  4 crc          CRC-32C over bytes 0 .. 19+len (header, hcheck and payload)
 *
 * THREAD SAFETY: a decoder belongs to one thread at a time; encoding is pure.
 */
#ifndef ZKB_FRAME_H
#define ZKB_FRAME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZKB_MAGIC0       0xA5u
#define ZKB_MAGIC1       0x5Au
#define ZKB_VERSION      1u
#define ZKB_HEADER_SIZE  20u
#define ZKB_TRAILER_SIZE 4u
#define ZKB_OVERHEAD     (ZKB_HEADER_SIZE + ZKB_TRAILER_SIZE)
#define ZKB_MAX_PAYLOAD  65536u /* absolute ceiling; a link may agree on less (hello) */
#define ZKB_MIN_PAYLOAD  256u   /* smallest max_payload a peer may ask for */
#define ZKB_MAX_FRAME    (ZKB_MAX_PAYLOAD + ZKB_OVERHEAD)

#define ZKB_KIND_REQUEST   0u
#define ZKB_KIND_RESPONSE  1u
#define ZKB_KIND_EVENT     2u
#define ZKB_FLAG_KIND_MASK 0x03u
#define ZKB_FLAG_MORE      0x04u
#define ZKB_FLAG_RESERVED  0xF8u

/* One frame, fields in host order. `payload` points into the decoder's input or its buffer and
 * stays valid until the next call on that decoder. */
typedef struct {
    uint8_t kind; /* ZKB_KIND_* */
    uint8_t more; /* 1 when more fragments of this message follow */
    uint16_t command;
    uint32_t request_id;
    uint16_t status;
    uint16_t frag_index;
    uint32_t length;
    const uint8_t *payload;
} zkb_frame;

/* Return codes of the encoder and decoder. */
#define ZKB_OK        0
#define ZKB_ERR_ARG   (-1) /* invalid argument (bad kind, payload over the limit, ...) */
#define ZKB_ERR_SPACE (-2) /* output buffer too small */

/* Writes one frame to `out` (capacity `cap`). Returns the frame size, or ZKB_ERR_ARG when
 * f->kind is not 0..2 or f->length > ZKB_MAX_PAYLOAD, or ZKB_ERR_SPACE when cap is too small.
 * `payload` may be NULL only when f->length is 0; f->payload is ignored. */
long zkb_frame_encode(const zkb_frame *f, const uint8_t *payload, uint8_t *out, size_t cap);

/* Size of the encoded frame for a payload of `length` bytes. */
static inline size_t zkb_frame_size(uint32_t length) {
    return (size_t)length + ZKB_OVERHEAD;
}

/* Error counters of a decoder. All counts only grow. */
typedef struct {
    uint64_t frames;          /* valid frames returned */
    uint64_t garbage_bytes;   /* bytes dropped while looking for a frame start */
    uint64_t header_errors;   /* candidates whose hcheck did not match */
    uint64_t version_errors;  /* good hcheck, but unknown version, kind 3 or reserved flag bits */
    uint64_t oversize_errors; /* good header announcing more than max_payload */
    uint64_t crc_errors;      /* complete candidates whose frame CRC did not match */
} zkb_decoder_stats;

/* Streaming decoder. Caller-allocated; `buf` holds at most one partial frame, so its capacity
 * must be at least zkb_frame_size(max_payload). Fields are private to frame_decode.c. */
typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t start; /* current candidate begins at buf[start] (bytes before it are spent) */
    size_t len;   /* end of the bytes held in buf */
    size_t need;  /* full size of the candidate once its header passed, else 0 */
    uint32_t max_payload;
    zkb_decoder_stats stats;
} zkb_decoder;

/* Prepares a decoder. Returns ZKB_ERR_ARG when max_payload is outside
 * ZKB_MIN_PAYLOAD..ZKB_MAX_PAYLOAD or cap < zkb_frame_size(max_payload). */
int zkb_decoder_init(zkb_decoder *d, uint8_t *buf, size_t cap, uint32_t max_payload);

/* Drops pending bytes (they count as garbage) and keeps the counters. */
void zkb_decoder_reset(zkb_decoder *d);

/* Decodes from *in (length *in_len). Returns 1 and fills *out when a frame is complete, with
 * *in / *in_len advanced past the bytes consumed; returns 0 when all input has been consumed
 * (kept as a pending partial frame or dropped as garbage) and more is needed. Never reads past
 * *in + *in_len. Call again with the remaining input until it returns 0. */
int zkb_decoder_next(zkb_decoder *d, const uint8_t **in, size_t *in_len, zkb_frame *out);

/* Number of bytes held as a partial frame. */
static inline size_t zkb_decoder_pending(const zkb_decoder *d) {
    return d->len - d->start;
}

#ifdef __cplusplus
}
#endif

#endif
