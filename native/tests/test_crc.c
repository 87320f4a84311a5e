/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CRC tests: the shared vectors (argv[1] = test/vectors/crc.json) on every implementation,
 * chained calls, hardware == portable on random lengths and misalignments, the dispatch switch,
 * and the hardware path's combine constants recomputed with slow polynomial arithmetic.
 */
#include "crc32c_internal.h"
#include "test_util.h"
#include "zkb_bytes.h"
#include "zkb_crc.h"

typedef uint32_t (*crc32c_fn)(uint32_t, const uint8_t *, size_t);

struct impl {
    const char *name;
    crc32c_fn fn;
};

static struct impl impls[3];
static size_t n_impls;

static void setup_impls(void) {
    impls[n_impls++] = (struct impl){"zkb_crc32c", zkb_crc32c};
    impls[n_impls++] = (struct impl){"portable", zkb_crc32c_portable};
    if (zkb_crc32c_hw_available())
        impls[n_impls++] = (struct impl){"hw", zkb_crc32c_hw};
}

/* CRC of buf computed in pieces: [0, a), [a, b), [b, len). */
static uint32_t crc32c_split(crc32c_fn fn, const uint8_t *buf, size_t len, size_t a, size_t b) {
    uint32_t c = fn(0, buf, a);
    c = fn(c, buf + a, b - a);
    return fn(c, buf + b, len - b);
}

static void check_crc32c_case(const char *name, const uint8_t *in, size_t len, uint32_t want) {
    size_t cuts[] = {0, 1, 7, 8, 9, len / 3, len / 2, len > 0 ? len - 1 : 0, len};
    for (size_t i = 0; i < n_impls; i++) {
        uint32_t got = impls[i].fn(0, in, len);
        CHECK(got == want, "%s: %s = %08x, want %08x", name, impls[i].name, got, want);
        for (size_t a = 0; a < sizeof cuts / sizeof cuts[0]; a++) {
            for (size_t b = a; b < sizeof cuts / sizeof cuts[0]; b++) {
                size_t ca = cuts[a] < len ? cuts[a] : len, cb = cuts[b] < len ? cuts[b] : len;
                if (cb < ca)
                    continue;
                got = crc32c_split(impls[i].fn, in, len, ca, cb);
                CHECK(got == want, "%s: %s split at %zu,%zu = %08x, want %08x", name, impls[i].name,
                      ca, cb, got, want);
            }
        }
    }
}

static void check_crc16_case(const char *name, const uint8_t *in, size_t len, uint16_t want,
                             const char *wire_hex) {
    uint16_t got = zkb_crc16_atecc(0, in, len);
    CHECK(got == want, "%s: crc16 = %04x, want %04x", name, got, want);
    for (size_t cut = 0; cut <= len; cut++) {
        uint16_t c = zkb_crc16_atecc(zkb_crc16_atecc(0, in, cut), in + cut, len - cut);
        CHECK(c == want, "%s: crc16 split at %zu = %04x, want %04x", name, cut, c, want);
    }
    if (wire_hex) {
        size_t wire_len;
        uint8_t *wire = t_unhex(wire_hex, &wire_len);
        uint8_t sent[2];
        zkb_enc16le(sent, got);
        CHECK(wire_len == 2 && memcmp(sent, wire, 2) == 0, "%s: wire bytes %02x%02x, want %s", name,
              sent[0], sent[1], wire_hex);
        free(wire);
    }
}

static void test_vectors(const char *path) {
    cJSON *root = t_load_json(path);
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(root, "cases");
    CHECK(cJSON_IsArray(cases) && cJSON_GetArraySize(cases) > 0, "no cases in %s", path);
    int n32 = 0, n16 = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cases) {
        const char *name = t_str(c, "name");
        const char *alg = t_str(c, "algorithm");
        size_t len;
        uint8_t *in = t_unhex(t_str(c, "input_hex"), &len);
        unsigned long want = strtoul(t_str(c, "expected"), NULL, 16);
        if (strcmp(alg, "crc32c") == 0) {
            CHECK(strlen(t_str(c, "expected")) == 8, "%s: expected must have 8 digits", name);
            check_crc32c_case(name, in, len, (uint32_t)want);
            n32++;
        } else if (strcmp(alg, "crc16_atecc") == 0) {
            CHECK(strlen(t_str(c, "expected")) == 4, "%s: expected must have 4 digits", name);
            const cJSON *wire = cJSON_GetObjectItemCaseSensitive(c, "wire_hex");
            check_crc16_case(name, in, len, (uint16_t)want,
                             cJSON_IsString(wire) ? wire->valuestring : NULL);
            n16++;
        } else {
            CHECK(0, "%s: unknown algorithm %s", name, alg);
        }
        free(in);
    }
    CHECK(n32 > 0 && n16 > 0, "vectors cover both algorithms (%d crc32c, %d crc16)", n32, n16);
    cJSON_Delete(root);
}

/* Hardware == portable on random lengths 0..200000 at start offsets 0..15, whole and chained. */
static void test_hw_matches_portable(void) {
    if (!zkb_crc32c_hw_available()) {
        printf("crc: no hardware CRC-32C on this CPU, property checks skipped\n");
        return;
    }
    enum { MAX_LEN = 200000, SLACK = 16 };
    uint8_t *buf = malloc(MAX_LEN + SLACK);
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < MAX_LEN + SLACK; i++)
        buf[i] = (uint8_t)(t_rand(&s) >> 56);

    for (int iter = 0; iter < 4000; iter++) {
        /* Half the draws are short (every small-size path), half anywhere up to MAX_LEN. */
        size_t len = (size_t)(t_rand(&s) % (iter % 2 ? MAX_LEN + 1 : 1025));
        size_t off = (size_t)(t_rand(&s) % SLACK);
        uint32_t seed = (uint32_t)t_rand(&s);
        const uint8_t *p = buf + off;
        uint32_t want = zkb_crc32c_portable(seed, p, len);
        uint32_t got = zkb_crc32c_hw(seed, p, len);
        CHECK(got == want, "len %zu off %zu seed %08x: hw %08x, portable %08x", len, off, seed, got,
              want);

        size_t a = len ? (size_t)(t_rand(&s) % (len + 1)) : 0;
        size_t b = a + (len > a ? (size_t)(t_rand(&s) % (len - a + 1)) : 0);
        got = crc32c_split(zkb_crc32c_hw, p, len, a, b);
        uint32_t want0 = zkb_crc32c_portable(0, p, len);
        CHECK(got == want0, "len %zu off %zu split %zu,%zu: hw %08x, portable %08x", len, off, a, b,
              got, want0);
    }
    free(buf);
}

static void test_force_portable(void) {
    static const uint8_t check[] = "123456789";
    int hw = zkb_crc32c_hw_available();
    const char *automatic = hw ? "sse4.2+pclmul" : "portable";

    CHECK(strcmp(zkb_crc32c_impl(), automatic) == 0, "impl %s, want %s", zkb_crc32c_impl(),
          automatic);
    for (int round = 0; round < 3; round++) {
        zkb_crc32c_force_portable(1);
        CHECK(strcmp(zkb_crc32c_impl(), "portable") == 0, "forced impl %s", zkb_crc32c_impl());
        CHECK(zkb_crc32c(0, check, 9) == 0xE3069283u, "forced portable check value");
        zkb_crc32c_force_portable(0);
        CHECK(strcmp(zkb_crc32c_impl(), automatic) == 0, "restored impl %s, want %s",
              zkb_crc32c_impl(), automatic);
        CHECK(zkb_crc32c(0, check, 9) == 0xE3069283u, "automatic check value");
    }
}

/* ---- slow polynomial arithmetic over GF(2) mod P, reflected (bit i = coefficient x^(31-i)) -- */

static uint32_t poly_times_x(uint32_t v) {
    return (v >> 1) ^ ((v & 1u) ? ZKB_CRC32C_POLY : 0u);
}

static uint32_t poly_x_pow(uint64_t e) {
    uint32_t v = 0x80000000u; /* x^0 */
    for (uint64_t i = 0; i < e; i++)
        v = poly_times_x(v);
    return v;
}

/* a * b mod P, by Horner's rule over a's coefficients from x^31 down to x^0. */
static uint32_t poly_mulmod(uint32_t a, uint32_t b) {
    uint32_t r = 0;
    for (int i = 0; i < 32; i++) {
        r = poly_times_x(r);
        if ((a >> i) & 1u)
            r ^= b;
    }
    return r;
}

static void test_hw_constants(void) {
    size_t n;
    const zkb_crc32c_shift_const *k = zkb_crc32c_hw_constants(&n);
#if defined(__x86_64__) && defined(__GNUC__)
    CHECK(n > 0, "the x86-64 build must expose its combine constants");
#endif
    uint64_t s = 42;
    for (size_t i = 0; i < n; i++) {
        CHECK(k[i].shift_bytes >= 5, "constant %zu: shift of %zu bytes too small", i,
              k[i].shift_bytes);
        uint32_t want = poly_x_pow(8 * (uint64_t)k[i].shift_bytes - 33);
        CHECK(k[i].k == want, "constant %zu (%zu bytes): %08x, want x^(8n-33) mod P = %08x", i,
              k[i].shift_bytes, k[i].k, want);

        /* The claim the hardware path rests on: multiplying a register by k and then by x^33
         * (what clmul + crc32 do) equals running the register over shift_bytes zero bytes. */
        static const uint8_t zeros[8192];
        if (k[i].shift_bytes > sizeof zeros)
            continue;
        for (int j = 0; j < 4; j++) {
            uint32_t reg = (uint32_t)t_rand(&s);
            uint32_t via_k = poly_mulmod(poly_mulmod(reg, k[i].k), poly_x_pow(33));
            uint32_t via_zeros = ~zkb_crc32c_portable(~reg, zeros, k[i].shift_bytes);
            CHECK(via_k == via_zeros, "constant %zu: shift of %08x is %08x, zero bytes give %08x",
                  i, reg, via_k, via_zeros);
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s test/vectors/crc.json\n", argv[0]);
        return 2;
    }
    setup_impls();
    printf("crc: zkb_crc32c uses %s\n", zkb_crc32c_impl());
    test_vectors(argv[1]);
    test_hw_matches_portable();
    test_force_portable();
    test_hw_constants();
    return t_report("crc");
}
