/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-1, SHA-224/256 and SHA-384/512 after FIPS 180-4. Plain C with explicit big-endian loads
 * and stores, so the result does not depend on the host's byte order or alignment rules.
 * Speed is secondary: the token hashes at most a few kilobytes per signature (the device signs
 * digests), so small and obviously-correct code wins over unrolled assembly-like code.
 */
#include "hash.h"

#include <string.h>

static uint32_t load32be(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static uint64_t load64be(const uint8_t *p) {
    return ((uint64_t)load32be(p) << 32) | (uint64_t)load32be(p + 4);
}

static void store32be(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void store64be(uint8_t *p, uint64_t v) {
    store32be(p, (uint32_t)(v >> 32));
    store32be(p + 4, (uint32_t)v);
}

static uint32_t rotl32(uint32_t x, unsigned n) {
    return (x << n) | (x >> (32 - n));
}
static uint32_t rotr32(uint32_t x, unsigned n) {
    return (x >> n) | (x << (32 - n));
}
static uint64_t rotr64(uint64_t x, unsigned n) {
    return (x >> n) | (x << (64 - n));
}

/* Wipes memory in a way the compiler may not drop as a dead store. */
static void wipe(void *p, size_t n) {
    volatile uint8_t *v = p;
    while (n--)
        *v++ = 0;
}

/* --- SHA-1 (FIPS 180-4 section 6.1) ------------------------------------------------------- */

static void sha1_block(uint32_t s[8], const uint8_t *blk) {
    uint32_t w[80];
    for (int t = 0; t < 16; t++)
        w[t] = load32be(blk + 4 * t);
    for (int t = 16; t < 80; t++)
        w[t] = rotl32(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    uint32_t a = s[0], b = s[1], c = s[2], d = s[3], e = s[4];
    for (int t = 0; t < 80; t++) {
        uint32_t f, k;
        if (t < 20) {
            f = (b & c) | (~b & d);
            k = 0x5a827999u;
        } else if (t < 40) {
            f = b ^ c ^ d;
            k = 0x6ed9eba1u;
        } else if (t < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8f1bbcdcu;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6u;
        }
        uint32_t tmp = rotl32(a, 5) + f + e + k + w[t];
        e = d;
        d = c;
        c = rotl32(b, 30);
        b = a;
        a = tmp;
    }
    s[0] += a;
    s[1] += b;
    s[2] += c;
    s[3] += d;
    s[4] += e;
}

/* --- SHA-224/256 (section 6.2) ------------------------------------------------------------- */

static const uint32_t K256[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u,
    0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu,
    0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu,
    0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau, 0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u,
    0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu,
    0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
    0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u, 0x19a4c116u,
    0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u,
    0xc67178f2u,
};

static void sha256_block(uint32_t s[8], const uint8_t *blk) {
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = load32be(blk + 4 * t);
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = rotr32(w[t - 15], 7) ^ rotr32(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = rotr32(w[t - 2], 17) ^ rotr32(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
    for (int t = 0; t < 64; t++) {
        uint32_t t1 = h + (rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25)) + ((e & f) ^ (~e & g)) +
                      K256[t] + w[t];
        uint32_t t2 =
            (rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    s[0] += a;
    s[1] += b;
    s[2] += c;
    s[3] += d;
    s[4] += e;
    s[5] += f;
    s[6] += g;
    s[7] += h;
}

/* --- SHA-384/512 (section 6.4) ------------------------------------------------------------- */

static const uint64_t K512[80] = {
    0x428a2f98d728ae22ull, 0x7137449123ef65cdull, 0xb5c0fbcfec4d3b2full, 0xe9b5dba58189dbbcull,
    0x3956c25bf348b538ull, 0x59f111f1b605d019ull, 0x923f82a4af194f9bull, 0xab1c5ed5da6d8118ull,
    0xd807aa98a3030242ull, 0x12835b0145706fbeull, 0x243185be4ee4b28cull, 0x550c7dc3d5ffb4e2ull,
    0x72be5d74f27b896full, 0x80deb1fe3b1696b1ull, 0x9bdc06a725c71235ull, 0xc19bf174cf692694ull,
    0xe49b69c19ef14ad2ull, 0xefbe4786384f25e3ull, 0x0fc19dc68b8cd5b5ull, 0x240ca1cc77ac9c65ull,
    0x2de92c6f592b0275ull, 0x4a7484aa6ea6e483ull, 0x5cb0a9dcbd41fbd4ull, 0x76f988da831153b5ull,
    0x983e5152ee66dfabull, 0xa831c66d2db43210ull, 0xb00327c898fb213full, 0xbf597fc7beef0ee4ull,
    0xc6e00bf33da88fc2ull, 0xd5a79147930aa725ull, 0x06ca6351e003826full, 0x142929670a0e6e70ull,
    0x27b70a8546d22ffcull, 0x2e1b21385c26c926ull, 0x4d2c6dfc5ac42aedull, 0x53380d139d95b3dfull,
    0x650a73548baf63deull, 0x766a0abb3c77b2a8ull, 0x81c2c92e47edaee6ull, 0x92722c851482353bull,
    0xa2bfe8a14cf10364ull, 0xa81a664bbc423001ull, 0xc24b8b70d0f89791ull, 0xc76c51a30654be30ull,
    0xd192e819d6ef5218ull, 0xd69906245565a910ull, 0xf40e35855771202aull, 0x106aa07032bbd1b8ull,
    0x19a4c116b8d2d0c8ull, 0x1e376c085141ab53ull, 0x2748774cdf8eeb99ull, 0x34b0bcb5e19b48a8ull,
    0x391c0cb3c5c95a63ull, 0x4ed8aa4ae3418acbull, 0x5b9cca4f7763e373ull, 0x682e6ff3d6b2b8a3ull,
    0x748f82ee5defb2fcull, 0x78a5636f43172f60ull, 0x84c87814a1f0ab72ull, 0x8cc702081a6439ecull,
    0x90befffa23631e28ull, 0xa4506cebde82bde9ull, 0xbef9a3f7b2c67915ull, 0xc67178f2e372532bull,
    0xca273eceea26619cull, 0xd186b8c721c0c207ull, 0xeada7dd6cde0eb1eull, 0xf57d4f7fee6ed178ull,
    0x06f067aa72176fbaull, 0x0a637dc5a2c898a6ull, 0x113f9804bef90daeull, 0x1b710b35131c471bull,
    0x28db77f523047d84ull, 0x32caab7b40c72493ull, 0x3c9ebe0a15c9bebcull, 0x431d67c49c100d4cull,
    0x4cc5d4becb3e42b6ull, 0x597f299cfc657e2aull, 0x5fcb6fab3ad6faecull, 0x6c44198c4a475817ull,
};

static void sha512_block(uint64_t s[8], const uint8_t *blk) {
    uint64_t w[80];
    for (int t = 0; t < 16; t++)
        w[t] = load64be(blk + 8 * t);
    for (int t = 16; t < 80; t++) {
        uint64_t s0 = rotr64(w[t - 15], 1) ^ rotr64(w[t - 15], 8) ^ (w[t - 15] >> 7);
        uint64_t s1 = rotr64(w[t - 2], 19) ^ rotr64(w[t - 2], 61) ^ (w[t - 2] >> 6);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint64_t a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
    for (int t = 0; t < 80; t++) {
        uint64_t t1 = h + (rotr64(e, 14) ^ rotr64(e, 18) ^ rotr64(e, 41)) + ((e & f) ^ (~e & g)) +
                      K512[t] + w[t];
        uint64_t t2 =
            (rotr64(a, 28) ^ rotr64(a, 34) ^ rotr64(a, 39)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    s[0] += a;
    s[1] += b;
    s[2] += c;
    s[3] += d;
    s[4] += e;
    s[5] += f;
    s[6] += g;
    s[7] += h;
}

/* --- common streaming layer ------------------------------------------------------------- */

static const uint32_t IV1[5] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u, 0xc3d2e1f0u};
static const uint32_t IV224[8] = {0xc1059ed8u, 0x367cd507u, 0x3070dd17u, 0xf70e5939u,
                                  0xffc00b31u, 0x68581511u, 0x64f98fa7u, 0xbefa4fa4u};
static const uint32_t IV256[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                                  0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
static const uint64_t IV384[8] = {
    0xcbbb9d5dc1059ed8ull, 0x629a292a367cd507ull, 0x9159015a3070dd17ull, 0x152fecd8f70e5939ull,
    0x67332667ffc00b31ull, 0x8eb44a8768581511ull, 0xdb0c2e0d64f98fa7ull, 0x47b5481dbefa4fa4ull};
static const uint64_t IV512[8] = {
    0x6a09e667f3bcc908ull, 0xbb67ae8584caa73bull, 0x3c6ef372fe94f82bull, 0xa54ff53a5f1d36f1ull,
    0x510e527fade682d1ull, 0x9b05688c2b3e6c1full, 0x1f83d9abfb41bd6bull, 0x5be0cd19137e2179ull};

static int is_wide(zkp_hash_alg alg) {
    return alg == ZKP_HASH_SHA384 || alg == ZKP_HASH_SHA512;
}

static size_t block_size(zkp_hash_alg alg) {
    return is_wide(alg) ? 128 : 64;
}

static void compress(zkp_hash_ctx *ctx, const uint8_t *blk) {
    switch (ctx->alg) {
    case ZKP_HASH_SHA1:
        sha1_block(ctx->state.s32, blk);
        break;
    case ZKP_HASH_SHA224:
    case ZKP_HASH_SHA256:
        sha256_block(ctx->state.s32, blk);
        break;
    case ZKP_HASH_SHA384:
    case ZKP_HASH_SHA512:
        sha512_block(ctx->state.s64, blk);
        break;
    default:
        break; /* a context whose init failed: never read a block of unknown size */
    }
}

size_t zkp_hash_size(zkp_hash_alg alg) {
    switch (alg) {
    case ZKP_HASH_SHA1:
        return 20;
    case ZKP_HASH_SHA224:
        return 28;
    case ZKP_HASH_SHA256:
        return 32;
    case ZKP_HASH_SHA384:
        return 48;
    case ZKP_HASH_SHA512:
        return 64;
    }
    return 0;
}

int zkp_hash_init(zkp_hash_ctx *ctx, zkp_hash_alg alg) {
    if (zkp_hash_size(alg) == 0)
        return -1;
    memset(ctx, 0, sizeof *ctx);
    ctx->alg = alg;
    switch (alg) {
    case ZKP_HASH_SHA1:
        memcpy(ctx->state.s32, IV1, sizeof IV1);
        break;
    case ZKP_HASH_SHA224:
        memcpy(ctx->state.s32, IV224, sizeof IV224);
        break;
    case ZKP_HASH_SHA256:
        memcpy(ctx->state.s32, IV256, sizeof IV256);
        break;
    case ZKP_HASH_SHA384:
        memcpy(ctx->state.s64, IV384, sizeof IV384);
        break;
    case ZKP_HASH_SHA512:
        memcpy(ctx->state.s64, IV512, sizeof IV512);
        break;
    }
    return 0;
}

void zkp_hash_update(zkp_hash_ctx *ctx, const uint8_t *data, size_t len) {
    if (len == 0)
        return;
    size_t bs = block_size(ctx->alg);
    /* The byte count is kept as 128 bits so SHA-384/512 can encode it; SHA-1/256 use the low
     * 64 bits (their messages are limited to 2^64 - 1 bits anyway). */
    uint64_t before = ctx->total_lo;
    ctx->total_lo += (uint64_t)len;
    if (ctx->total_lo < before)
        ctx->total_hi++;
    if (ctx->buffered) {
        size_t take = bs - ctx->buffered;
        if (take > len)
            take = len;
        memcpy(ctx->block + ctx->buffered, data, take);
        ctx->buffered += take;
        data += take;
        len -= take;
        if (ctx->buffered < bs)
            return;
        compress(ctx, ctx->block);
        ctx->buffered = 0;
    }
    /* Whole blocks straight from the caller's buffer: no copy. */
    while (len >= bs) {
        compress(ctx, data);
        data += bs;
        len -= bs;
    }
    if (len) {
        memcpy(ctx->block, data, len);
        ctx->buffered = len;
    }
}

void zkp_hash_final(zkp_hash_ctx *ctx, uint8_t *out) {
    size_t bs = block_size(ctx->alg);
    size_t len_field = is_wide(ctx->alg) ? 16 : 8;
    /* Bit length = bytes * 8, as a 128-bit big-endian number (the low 64 bits for SHA-1/256). */
    uint64_t bits_lo = ctx->total_lo << 3;
    uint64_t bits_hi = (ctx->total_hi << 3) | (ctx->total_lo >> 61);

    ctx->block[ctx->buffered++] = 0x80;
    if (ctx->buffered > bs - len_field) {
        memset(ctx->block + ctx->buffered, 0, bs - ctx->buffered);
        compress(ctx, ctx->block);
        ctx->buffered = 0;
    }
    memset(ctx->block + ctx->buffered, 0, bs - ctx->buffered);
    if (len_field == 16)
        store64be(ctx->block + bs - 16, bits_hi);
    store64be(ctx->block + bs - 8, bits_lo);
    compress(ctx, ctx->block);

    size_t n = zkp_hash_size(ctx->alg);
    if (is_wide(ctx->alg)) {
        for (size_t i = 0; i < n / 8; i++)
            store64be(out + 8 * i, ctx->state.s64[i]);
    } else {
        /* SHA-224 outputs 7 words: the loop covers whole words only. */
        for (size_t i = 0; i < n / 4; i++)
            store32be(out + 4 * i, ctx->state.s32[i]);
    }
    wipe(ctx, sizeof *ctx);
}

size_t zkp_hash(zkp_hash_alg alg, const uint8_t *data, size_t len, uint8_t *out) {
    zkp_hash_ctx ctx;
    if (zkp_hash_init(&ctx, alg) != 0)
        return 0;
    zkp_hash_update(&ctx, data, len);
    zkp_hash_final(&ctx, out);
    return zkp_hash_size(alg);
}
