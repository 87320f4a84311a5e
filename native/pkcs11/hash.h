/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-1 and SHA-2 (FIPS 180-4), streaming. Our own small implementation: the PKCS#11 library
 * must not link the system libcrypto (Node exports its own OpenSSL into the same process).
 * Contexts are caller-allocated; no allocation, no I/O.
 */
#ifndef ZKP_HASH_H
#define ZKP_HASH_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    ZKP_HASH_SHA1 = 1,
    ZKP_HASH_SHA224,
    ZKP_HASH_SHA256,
    ZKP_HASH_SHA384,
    ZKP_HASH_SHA512,
} zkp_hash_alg;

#define ZKP_HASH_MAX_SIZE 64u

typedef struct {
    zkp_hash_alg alg;
    uint64_t total_lo; /* message length in bytes (128-bit counter for SHA-384/512) */
    uint64_t total_hi;
    size_t buffered; /* bytes held in block */
    union {
        uint32_t s32[8];
        uint64_t s64[8];
    } state;
    uint8_t block[128];
} zkp_hash_ctx;

/* Digest size in bytes (20, 28, 32, 48, 64), or 0 for an unknown algorithm. */
size_t zkp_hash_size(zkp_hash_alg alg);
/* Returns 0, or -1 for an unknown algorithm. */
int zkp_hash_init(zkp_hash_ctx *ctx, zkp_hash_alg alg);
void zkp_hash_update(zkp_hash_ctx *ctx, const uint8_t *data, size_t len);
/* Writes zkp_hash_size(alg) bytes to out and wipes the context. */
void zkp_hash_final(zkp_hash_ctx *ctx, uint8_t *out);
/* One-shot convenience. Returns the digest size, or 0 for an unknown algorithm. */
size_t zkp_hash(zkp_hash_alg alg, const uint8_t *data, size_t len, uint8_t *out);

#endif
