/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-1 / SHA-2 tests over test/vectors/fips180_sha.json: the FIPS 180-4 example messages
 * (one-shot, byte by byte, random chunks), the generated messages of length 0..300 one-shot and
 * split at every point (so every buffer state meets every block boundary), plus argument checks.
 */
#include "hash.h"
#include "test_util.h"

static const struct {
    zkp_hash_alg alg;
    const char *key;
    size_t size;
} ALGS[] = {
    {ZKP_HASH_SHA1, "sha1", 20},     {ZKP_HASH_SHA224, "sha224", 28},
    {ZKP_HASH_SHA256, "sha256", 32}, {ZKP_HASH_SHA384, "sha384", 48},
    {ZKP_HASH_SHA512, "sha512", 64},
};
#define NALGS (sizeof ALGS / sizeof ALGS[0])

static int same_digest(const uint8_t *got, const char *want_hex, size_t size) {
    size_t n;
    uint8_t *want = t_unhex(want_hex, &n);
    int ok = n == size && memcmp(got, want, n) == 0;
    free(want);
    return ok;
}

/* Hashes msg in chunks: mode 0 one update, 1 byte by byte, 2 seeded random sizes. */
static void hash_chunked(zkp_hash_alg alg, const uint8_t *msg, size_t len, int mode, uint64_t seed,
                         uint8_t *out) {
    zkp_hash_ctx ctx;
    zkp_hash_init(&ctx, alg);
    size_t pos = 0;
    while (pos < len) {
        size_t n = len - pos;
        if (mode == 1)
            n = 1;
        else if (mode == 2 && n > 1)
            n = 1 + (size_t)(t_rand(&seed) % (n < 1000 ? n : 1000));
        zkp_hash_update(&ctx, msg + pos, n);
        pos += n;
    }
    zkp_hash_final(&ctx, out);
}

static void test_examples(const cJSON *examples) {
    const cJSON *e;
    cJSON_ArrayForEach(e, examples) {
        const char *name = t_str(e, "name");
        uint8_t *msg;
        size_t len;
        const cJSON *rep = cJSON_GetObjectItemCaseSensitive(e, "repeat");
        if (rep) {
            const char *unit = t_str(rep, "ascii");
            size_t count = (size_t)t_num(rep, "count"), ul = strlen(unit);
            len = ul * count;
            msg = malloc(len + 1);
            for (size_t i = 0; i < count; i++)
                memcpy(msg + i * ul, unit, ul);
        } else {
            const char *ascii = t_str(e, "ascii");
            len = strlen(ascii);
            msg = malloc(len + 1);
            memcpy(msg, ascii, len);
        }
        for (size_t a = 0; a < NALGS; a++) {
            const char *want = t_str(e, ALGS[a].key);
            uint8_t out[ZKP_HASH_MAX_SIZE];
            CHECK(zkp_hash(ALGS[a].alg, msg, len, out) == ALGS[a].size, "%s %s size", name,
                  ALGS[a].key);
            CHECK(same_digest(out, want, ALGS[a].size), "%s %s one-shot", name, ALGS[a].key);
            for (int mode = 1; mode <= 2; mode++) {
                if (mode == 1 && len > 100000)
                    continue; /* a million single-byte updates add nothing over the others */
                memset(out, 0, sizeof out);
                hash_chunked(ALGS[a].alg, msg, len, mode, 0x1234 + a, out);
                CHECK(same_digest(out, want, ALGS[a].size), "%s %s chunk mode %d", name,
                      ALGS[a].key, mode);
            }
        }
        free(msg);
    }
}

static void test_generated(const cJSON *gen) {
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(gen, "cases");
    CHECK(cJSON_GetArraySize(cases) == 301, "expected 301 generated cases");
    const cJSON *c;
    cJSON_ArrayForEach(c, cases) {
        size_t n = (size_t)t_num(c, "len");
        uint8_t *msg = malloc(n + 1); /* heap, so ASan sees any read past the message */
        for (size_t i = 0; i < n; i++)
            msg[i] = (uint8_t)((i * 31 + n) & 0xff);
        for (size_t a = 0; a < NALGS; a++) {
            const char *want = t_str(c, ALGS[a].key);
            uint8_t one[ZKP_HASH_MAX_SIZE], split[ZKP_HASH_MAX_SIZE];
            zkp_hash(ALGS[a].alg, msg, n, one);
            CHECK(same_digest(one, want, ALGS[a].size), "len %zu %s", n, ALGS[a].key);
            int split_ok = 1;
            for (size_t at = 0; at <= n; at++) {
                zkp_hash_ctx ctx;
                zkp_hash_init(&ctx, ALGS[a].alg);
                zkp_hash_update(&ctx, msg, at);
                zkp_hash_update(&ctx, msg + at, n - at);
                zkp_hash_final(&ctx, split);
                split_ok &= memcmp(one, split, ALGS[a].size) == 0;
            }
            CHECK(split_ok, "len %zu %s: some split point differs from one-shot", n, ALGS[a].key);
            /* Three pieces with an empty update in between. */
            zkp_hash_ctx ctx;
            zkp_hash_init(&ctx, ALGS[a].alg);
            zkp_hash_update(&ctx, msg, n / 3);
            zkp_hash_update(&ctx, NULL, 0);
            zkp_hash_update(&ctx, msg + n / 3, n / 3);
            zkp_hash_update(&ctx, msg + 2 * (n / 3), n - 2 * (n / 3));
            zkp_hash_final(&ctx, split);
            CHECK(memcmp(one, split, ALGS[a].size) == 0, "len %zu %s three pieces", n, ALGS[a].key);
        }
        free(msg);
    }
}

static void test_api(void) {
    for (size_t a = 0; a < NALGS; a++)
        CHECK(zkp_hash_size(ALGS[a].alg) == ALGS[a].size, "size of %s", ALGS[a].key);
    CHECK(zkp_hash_size((zkp_hash_alg)0) == 0, "unknown alg 0");
    CHECK(zkp_hash_size((zkp_hash_alg)99) == 0, "unknown alg 99");
    zkp_hash_ctx ctx;
    CHECK(zkp_hash_init(&ctx, (zkp_hash_alg)0) == -1, "init unknown alg");
    uint8_t out[ZKP_HASH_MAX_SIZE];
    CHECK(zkp_hash((zkp_hash_alg)6, (const uint8_t *)"x", 1, out) == 0, "one-shot unknown alg");

    /* final wipes the context (the state of a keyed use must not linger). */
    zkp_hash_init(&ctx, ZKP_HASH_SHA256);
    zkp_hash_update(&ctx, (const uint8_t *)"secret", 6);
    zkp_hash_final(&ctx, out);
    const uint8_t *raw = (const uint8_t *)&ctx;
    int zero = 1;
    for (size_t i = 0; i < sizeof ctx; i++)
        zero &= raw[i] == 0;
    CHECK(zero, "context wiped after final");

    /* A context is reusable after a fresh init. */
    uint8_t a1[32], a2[32];
    zkp_hash_init(&ctx, ZKP_HASH_SHA256);
    zkp_hash_update(&ctx, (const uint8_t *)"abc", 3);
    zkp_hash_final(&ctx, a1);
    zkp_hash_init(&ctx, ZKP_HASH_SHA256);
    zkp_hash_update(&ctx, (const uint8_t *)"abc", 3);
    zkp_hash_final(&ctx, a2);
    CHECK(memcmp(a1, a2, 32) == 0, "reinit gives the same digest");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <vectors dir>\n", argv[0]);
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/fips180_sha.json", argv[1]);
    cJSON *root = t_load_json(path);
    test_examples(cJSON_GetObjectItemCaseSensitive(root, "examples"));
    test_generated(cJSON_GetObjectItemCaseSensitive(root, "generated"));
    test_api();
    cJSON_Delete(root);
    return t_report("pk11_hash");
}
