/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checksums of the device protocol.
 *
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, init and xorout 0xFFFFFFFF): the frame
 * check of docs/protocol.md. zkb_crc32c() picks the fastest implementation the CPU has at run
 * time (x86-64 SSE4.2 `crc32` in three interleaved streams, combined with PCLMULQDQ); the
 * portable slice-by-8 version is always available as zkb_crc32c_portable().
 *
 * CRC-16 as computed by ATECC508A/608 secure elements (polynomial 0x8005, init 0, data bits fed
 * LSB first, no output reflection, no xorout; check value 0xBCDD for "123456789"). It is sent
 * little-endian after the bytes it covers. For a future I2C link.
 *
 * THREAD SAFETY: all functions are pure; tables are constant; CPU detection is idempotent.
 */
#ifndef ZKB_CRC_H
#define ZKB_CRC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CRC-32C of `len` bytes. Chain calls by passing the previous result as `crc` (start with 0). */
uint32_t zkb_crc32c(uint32_t crc, const uint8_t *buf, size_t len);

/* Same result, always on the portable table-driven path. */
uint32_t zkb_crc32c_portable(uint32_t crc, const uint8_t *buf, size_t len);

/* Same result on the hardware path; only call when zkb_crc32c_hw_available() returns 1. */
uint32_t zkb_crc32c_hw(uint32_t crc, const uint8_t *buf, size_t len);

/* 1 when this CPU has the instructions zkb_crc32c_hw() needs, else 0. */
int zkb_crc32c_hw_available(void);

/* Name of the implementation zkb_crc32c() uses: "sse4.2+pclmul" or "portable". */
const char *zkb_crc32c_impl(void);

/* Forces zkb_crc32c() onto the portable path (1) or back to automatic selection (0). For tests
 * and benchmarks; not meant to be toggled while other threads compute CRCs. */
void zkb_crc32c_force_portable(int on);

/* ATECC CRC-16 of `len` bytes (see above). Chain by passing the previous result (start with 0). */
uint16_t zkb_crc16_atecc(uint16_t crc, const uint8_t *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
