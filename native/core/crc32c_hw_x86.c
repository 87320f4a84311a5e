/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CRC-32C with the x86-64 SSE4.2 `crc32` and PCLMULQDQ instructions.
 *
 * The functions carry __attribute__((target(...))), so no per-file compiler flags are needed;
 * callers must check zkb_crc32c_hw_available() first (zkb_crc32c() does). Other targets get
 * stubs at the bottom of this file.
 *
 * WHY STREAMS. `crc32 r64` has a latency of 3 cycles but a throughput of one per cycle, so a
 * single dependency chain reaches a third of the machine. PCLMULQDQ runs on another port. Long
 * buffers are therefore cut into blocks whose parts are computed independently and at once:
 *
 *   MIX block (4352 bytes)   | A 768 | B 768 | C 768 |      R 2048       |
 *                             crc32    crc32   crc32   4 x 128-bit lanes folded with PCLMULQDQ
 *   TRIPLE block (192 bytes) | A 64 | B 64 | C 64 |   three crc32 streams
 *   tail                     one crc32 stream (8, 4, 2, 1 bytes)
 *
 * Each part starts from a zero register. A CRC register is linear, so the register after a
 * block is  shift(in, block) ^ shift(A, |B|+|C|+|R|) ^ shift(B, |C|+|R|) ^ shift(C, |R|) ^ R,
 * where shift(r, n) advances r over n zero bytes: r * x^(8n) mod P. The incoming register is
 * shifted too instead of seeding stream A, so consecutive blocks do not wait on each other.
 *
 * THE SHIFT. In the reflected domain bit i of a 32-bit register is the coefficient of x^(31-i).
 * A carry-less product of two such values, read as 64 bits of message data, is a*b*x (one
 * place is lost to the reflection), and `crc32` over 8 data bytes d from a zero register gives
 * d * x^32 mod P. So crc32_u64(0, clmul(r, k)) = r * k * x^33 mod P, and with
 * k = x^(8n - 33) mod P that is shift(r, n). Products of several parts are XORed first and
 * reduced once.
 *
 * THE FOLD. A 128-bit lane holding 16 message bytes [lo | hi] stands for lo * x^64 + hi. To
 * move it D bits further (onto the data it is XORed with) it is replaced by
 * clmul(lo, x^(D+31)) ^ clmul(hi, x^(D-33)) -- the same shift constants, for D/8 + 8 and D/8
 * bytes -- which is congruent mod P and still fits 128 bits. After the loop the four lanes are
 * folded onto the last one, whose 16 bytes then have the CRC of the whole region: two `crc32`
 * instructions finish it.
 *
 * Every constant below is x^(8n - 33) mod P (reflected, P = CRC-32C) for the byte count n next
 * to it, as printed by `node scripts/gen_crc_tables.mjs --shift-constants n...`; test_crc.c
 * recomputes each one bit by bit from its byte count.
 */
#include "crc32c_internal.h"
#include "zkb_crc.h"

#if defined(__x86_64__) && defined(__GNUC__) /* GCC and Clang */

#include <immintrin.h>
#include <string.h>

#define ZKB_HW_TARGET __attribute__((target("sse4.2,pclmul")))

/* Geometry of the two block kinds (bytes). */
#define MIX_ITERS     32u               /* loop iterations per MIX block */
#define MIX_STREAM    (MIX_ITERS * 24u) /* 3 words per stream and iteration: 768 */
#define MIX_REGION    (MIX_ITERS * 64u) /* 4 lanes of 16 bytes per iteration: 2048 */
#define MIX_BLOCK     (3u * MIX_STREAM + MIX_REGION)
#define TRIPLE_STREAM 64u
#define TRIPLE_BLOCK  (3u * TRIPLE_STREAM)

enum {
    K_MIX_IN,     /* incoming register over a whole MIX block */
    K_MIX_A,      /* stream A over B, C and R */
    K_MIX_B,      /* stream B over C and R */
    K_MIX_C,      /* stream C over R */
    K_FOLD512_LO, /* lane folds by 4 lanes (main loop) */
    K_FOLD512_HI,
    K_FOLD384_LO, /* lane 0 onto lane 3 */
    K_FOLD384_HI,
    K_FOLD256_LO, /* lane 1 onto lane 3 */
    K_FOLD256_HI,
    K_FOLD128_LO, /* lane 2 onto lane 3 */
    K_FOLD128_HI,
    K_TRIPLE_IN, /* incoming register over a TRIPLE block */
    K_TRIPLE_A,  /* stream A over B and C */
    K_TRIPLE_B,  /* stream B over C */
    K_COUNT
};

/* k = x^(8 * shift_bytes - 33) mod P; see the top of the file. */
static const zkb_crc32c_shift_const shift_k[K_COUNT] = {
    [K_MIX_IN] = {MIX_BLOCK, 0xCFEFF4B3u},                  /* 4352 */
    [K_MIX_A] = {2 * MIX_STREAM + MIX_REGION, 0x96A1F19Bu}, /* 3584 */
    [K_MIX_B] = {MIX_STREAM + MIX_REGION, 0x8515C07Fu},     /* 2816 */
    [K_MIX_C] = {MIX_REGION, 0xA51B6135u},                  /* 2048 */
    [K_FOLD512_LO] = {72, 0x740EEF02u},
    [K_FOLD512_HI] = {64, 0x9E4ADDF8u},
    [K_FOLD384_LO] = {56, 0x1C291D04u},
    [K_FOLD384_HI] = {48, 0xDDC0152Bu},
    [K_FOLD256_LO] = {40, 0x3DA6D0CBu},
    [K_FOLD256_HI] = {32, 0xBA4FC28Eu},
    [K_FOLD128_LO] = {24, 0xF20C0DFEu},
    [K_FOLD128_HI] = {16, 0x493C7D27u},
    [K_TRIPLE_IN] = {TRIPLE_BLOCK, 0xAB7AFF2Au},     /* 192 */
    [K_TRIPLE_A] = {2 * TRIPLE_STREAM, 0x0D3B6092u}, /* 128 */
    [K_TRIPLE_B] = {TRIPLE_STREAM, 0x9E4ADDF8u},     /* 64 */
};

const zkb_crc32c_shift_const *zkb_crc32c_hw_constants(size_t *n) {
    *n = K_COUNT;
    return shift_k;
}

/* Unaligned little-endian loads (x86 is little-endian; memcpy compiles to one mov). */
ZKB_HW_TARGET static inline uint64_t load64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

ZKB_HW_TARGET static inline __m128i load128(const uint8_t *p) {
    __m128i v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* r * k as 64 bits of message data: crc32_u64(0, result) = shift(r, n) when k = shift_k[n]. */
ZKB_HW_TARGET static inline uint64_t clmul32(uint64_t r, uint32_t k) {
    __m128i p = _mm_clmulepi64_si128(_mm_cvtsi64_si128((long long)r), _mm_cvtsi32_si128((int)k), 0);
    return (uint64_t)_mm_cvtsi128_si64(p);
}

/* Fold constants: low qword multiplies the lane's first 8 bytes, high qword its last 8. */
ZKB_HW_TARGET static inline __m128i fold_k(int lo, int hi) {
    return _mm_set_epi64x((long long)shift_k[hi].k, (long long)shift_k[lo].k);
}

/* Moves `lane` forward onto `data` (see THE FOLD) and adds it in. */
ZKB_HW_TARGET static inline __m128i fold(__m128i lane, __m128i k, __m128i data) {
    __m128i lo = _mm_clmulepi64_si128(lane, k, 0x00);
    __m128i hi = _mm_clmulepi64_si128(lane, k, 0x11);
    return _mm_xor_si128(_mm_xor_si128(lo, hi), data);
}

/* CRC register (not inverted) after one MIX block, given the register before it. */
ZKB_HW_TARGET static inline uint64_t mix_block(uint64_t in, const uint8_t *p) {
    const uint8_t *pa = p, *pb = p + MIX_STREAM, *pc = p + 2 * MIX_STREAM;
    const uint8_t *pr = p + 3 * MIX_STREAM;
    const __m128i k512 = fold_k(K_FOLD512_LO, K_FOLD512_HI);
    uint64_t a = 0, b = 0, c = 0;
    __m128i x0 = load128(pr), x1 = load128(pr + 16), x2 = load128(pr + 32), x3 = load128(pr + 48);

    for (unsigned i = 0;;) {
        a = _mm_crc32_u64(a, load64(pa));
        b = _mm_crc32_u64(b, load64(pb));
        c = _mm_crc32_u64(c, load64(pc));
        a = _mm_crc32_u64(a, load64(pa + 8));
        b = _mm_crc32_u64(b, load64(pb + 8));
        c = _mm_crc32_u64(c, load64(pc + 8));
        a = _mm_crc32_u64(a, load64(pa + 16));
        b = _mm_crc32_u64(b, load64(pb + 16));
        c = _mm_crc32_u64(c, load64(pc + 16));
        pa += 24;
        pb += 24;
        pc += 24;
        if (++i == MIX_ITERS)
            break;
        pr += 64; /* the lanes start with R's first 64 bytes; each later iteration folds 64 more */
        x0 = fold(x0, k512, load128(pr));
        x1 = fold(x1, k512, load128(pr + 16));
        x2 = fold(x2, k512, load128(pr + 32));
        x3 = fold(x3, k512, load128(pr + 48));
    }

    /* Region: fold lanes 0..2 onto lane 3, then run its 16 bytes through crc32. */
    x3 = fold(x0, fold_k(K_FOLD384_LO, K_FOLD384_HI), x3);
    x3 = fold(x1, fold_k(K_FOLD256_LO, K_FOLD256_HI), x3);
    x3 = fold(x2, fold_k(K_FOLD128_LO, K_FOLD128_HI), x3);
    uint64_t r = _mm_crc32_u64(0, (uint64_t)_mm_cvtsi128_si64(x3));
    r = _mm_crc32_u64(r, (uint64_t)_mm_extract_epi64(x3, 1));

    uint64_t prod = clmul32(in, shift_k[K_MIX_IN].k) ^ clmul32(a, shift_k[K_MIX_A].k) ^
                    clmul32(b, shift_k[K_MIX_B].k) ^ clmul32(c, shift_k[K_MIX_C].k);
    return _mm_crc32_u64(0, prod) ^ r;
}

/* CRC register (not inverted) after one TRIPLE block, given the register before it. */
ZKB_HW_TARGET static inline uint64_t triple_block(uint64_t in, const uint8_t *p) {
    uint64_t a = 0, b = 0, c = 0;
    for (unsigned i = 0; i < TRIPLE_STREAM; i += 8) {
        a = _mm_crc32_u64(a, load64(p + i));
        b = _mm_crc32_u64(b, load64(p + TRIPLE_STREAM + i));
        c = _mm_crc32_u64(c, load64(p + 2 * TRIPLE_STREAM + i));
    }
    uint64_t prod = clmul32(in, shift_k[K_TRIPLE_IN].k) ^ clmul32(a, shift_k[K_TRIPLE_A].k) ^
                    clmul32(b, shift_k[K_TRIPLE_B].k);
    return _mm_crc32_u64(0, prod) ^ c;
}

ZKB_HW_TARGET uint32_t zkb_crc32c_hw(uint32_t crc, const uint8_t *buf, size_t len) {
    uint64_t r = (uint32_t)~crc;

    for (; len >= MIX_BLOCK; buf += MIX_BLOCK, len -= MIX_BLOCK)
        r = mix_block(r, buf);
    for (; len >= TRIPLE_BLOCK; buf += TRIPLE_BLOCK, len -= TRIPLE_BLOCK)
        r = triple_block(r, buf);
    for (; len >= 8; buf += 8, len -= 8)
        r = _mm_crc32_u64(r, load64(buf));

    uint32_t r32 = (uint32_t)r;
    if (len & 4) {
        uint32_t v;
        memcpy(&v, buf, 4);
        r32 = _mm_crc32_u32(r32, v);
        buf += 4;
    }
    if (len & 2) {
        uint16_t v;
        memcpy(&v, buf, 2);
        r32 = _mm_crc32_u16(r32, v);
        buf += 2;
    }
    if (len & 1)
        r32 = _mm_crc32_u8(r32, *buf);
    return ~r32;
}

int zkb_crc32c_hw_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("pclmul");
}

#else /* not x86-64 with GCC/Clang: no hardware path */

const zkb_crc32c_shift_const *zkb_crc32c_hw_constants(size_t *n) {
    *n = 0;
    return NULL;
}

uint32_t zkb_crc32c_hw(uint32_t crc, const uint8_t *buf, size_t len) {
    return zkb_crc32c_portable(crc, buf, len);
}

int zkb_crc32c_hw_available(void) {
    return 0;
}

#endif
