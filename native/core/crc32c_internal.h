/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by the CRC-32C translation units and the C unit test. Not part of the public
 * API (the library is built with hidden visibility, so none of this leaves the addon).
 */
#ifndef ZKB_CRC32C_INTERNAL_H
#define ZKB_CRC32C_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Reflected CRC-32C polynomial (x^32 term implied, bit i = coefficient of x^(31-i)). */
#define ZKB_CRC32C_POLY 0x82F63B78u

/* Slice-by-8 tables, generated into crc32c_table.c by scripts/gen_crc_tables.mjs. */
extern const uint32_t zkb_crc32c_table[8][256];

/*
 * One combine constant of the hardware path: k = x^(8 * shift_bytes - 33) mod P, reflected.
 * Carry-less multiplying a stream's CRC register by k and reducing the 64-bit product with one
 * crc32 instruction moves that register forward over `shift_bytes` zero bytes.
 */
typedef struct {
    size_t shift_bytes;
    uint32_t k;
} zkb_crc32c_shift_const;

/* The constants crc32c_hw_x86.c uses (count in *n; zero entries on builds without it). */
const zkb_crc32c_shift_const *zkb_crc32c_hw_constants(size_t *n);

#endif
