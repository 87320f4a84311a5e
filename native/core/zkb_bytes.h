/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Explicit byte-order helpers. Every multi-byte wire field is read and written through these,
 * one byte at a time; no struct is ever overlaid on wire bytes. Compilers turn them into single
 * loads/stores (plus a bswap) where the target allows it.
 */
#ifndef ZKB_BYTES_H
#define ZKB_BYTES_H

#include <stdint.h>

static inline uint16_t zkb_dec16be(const uint8_t *p) {
    return (uint16_t)(((uint16_t)p[0] << 8) | (uint16_t)p[1]);
}

static inline uint32_t zkb_dec32be(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline void zkb_enc16be(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void zkb_enc32be(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline uint32_t zkb_dec32le(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t zkb_dec64le(const uint8_t *p) {
    return (uint64_t)zkb_dec32le(p) | ((uint64_t)zkb_dec32le(p + 4) << 32);
}

static inline void zkb_enc16le(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

#endif
