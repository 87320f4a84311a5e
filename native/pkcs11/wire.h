/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Payload writer and reader for the device protocol's field types (docs/protocol.md section 5):
 * big-endian integers, bool, fixed bytes, blob (u32 length), str (u16 length), rest.
 * Buffers are caller-owned. A writer or reader that overflows / underflows sets `err` and
 * ignores everything after, so a caller checks once at the end.
 */
#ifndef ZKP_WIRE_H
#define ZKP_WIRE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t len;
    int err;
} zkp_writer;

typedef struct {
    const uint8_t *p;
    size_t len; /* bytes left */
    int err;
} zkp_reader;

void zkp_writer_init(zkp_writer *w, uint8_t *buf, size_t cap);
void zkp_put_u8(zkp_writer *w, uint8_t v);
void zkp_put_u16(zkp_writer *w, uint16_t v);
void zkp_put_u32(zkp_writer *w, uint32_t v);
void zkp_put_i32(zkp_writer *w, int32_t v);
void zkp_put_u64(zkp_writer *w, uint64_t v);
void zkp_put_bytes(zkp_writer *w, const uint8_t *p, size_t n); /* fixed-size / rest */
void zkp_put_blob(zkp_writer *w, const uint8_t *p, size_t n);  /* u32 length + bytes */
void zkp_put_str(zkp_writer *w, const char *s, size_t n);      /* u16 length + bytes */

void zkp_reader_init(zkp_reader *r, const uint8_t *p, size_t len);
uint8_t zkp_get_u8(zkp_reader *r);
uint16_t zkp_get_u16(zkp_reader *r);
uint32_t zkp_get_u32(zkp_reader *r);
int32_t zkp_get_i32(zkp_reader *r);
uint64_t zkp_get_u64(zkp_reader *r);
/* Points into the reader's input (no copy); NULL (and err) when fewer than n bytes remain. */
const uint8_t *zkp_get_bytes(zkp_reader *r, size_t n);
/* blob / str: *n receives the length; returns a pointer into the input or NULL (and err). */
const uint8_t *zkp_get_blob(zkp_reader *r, size_t *n);
const uint8_t *zkp_get_str(zkp_reader *r, size_t *n);
/* 0 when no error happened and every byte was consumed; -1 otherwise. */
int zkp_reader_done(const zkp_reader *r);

#endif
