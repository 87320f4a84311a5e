/* SPDX-License-Identifier: Apache-2.0 */
/* Tiny helpers shared by the C unit tests: checks that count, file loading, hex decoding. */
#ifndef ZKB_TEST_UTIL_H
#define ZKB_TEST_UTIL_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_checks, t_failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        t_checks++;                                                                                \
        if (!(cond)) {                                                                             \
            t_failures++;                                                                          \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

/* Prints the summary line and returns the process exit code. */
static inline int t_report(const char *suite) {
    printf("%s: %d checks, %d failed\n", suite, t_checks, t_failures);
    return t_failures == 0 ? 0 : 1;
}

/* Reads a whole file; exits on error. The caller frees the result. */
static inline char *t_read_file(const char *path, size_t *len_out) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    buf[n] = 0;
    fclose(f);
    if (len_out)
        *len_out = (size_t)n;
    return buf;
}

/* Parses a JSON file; exits on error. */
static inline cJSON *t_load_json(const char *path) {
    char *text = t_read_file(path, NULL);
    cJSON *root = cJSON_Parse(text);
    free(text);
    if (!root) {
        fprintf(stderr, "%s: invalid JSON\n", path);
        exit(2);
    }
    return root;
}

static inline int t_hexval(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes a hex string into a new buffer (length in *len); exits on malformed input. */
static inline uint8_t *t_unhex(const char *hex, size_t *len) {
    size_t n = strlen(hex);
    if (n % 2) {
        fprintf(stderr, "odd-length hex string\n");
        exit(2);
    }
    uint8_t *out = malloc(n / 2 + 1);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = t_hexval(hex[2 * i]), lo = t_hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            fprintf(stderr, "bad hex digit\n");
            exit(2);
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = n / 2;
    return out;
}

/* Field accessors that exit when the vector file lacks a field. */
static inline const char *t_str(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v)) {
        fprintf(stderr, "vector field '%s' missing or not a string\n", key);
        exit(2);
    }
    return v->valuestring;
}

static inline double t_num(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v)) {
        fprintf(stderr, "vector field '%s' missing or not a number\n", key);
        exit(2);
    }
    return v->valuedouble;
}

/* Deterministic PRNG for chunking and property tests (xorshift64*). */
static inline uint64_t t_rand(uint64_t *s) {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

#endif
