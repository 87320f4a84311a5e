/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Frame codec tests over test/vectors/frames.json (shared with the TypeScript tests): every
 * decode case fed whole, byte by byte and in seeded random chunks; every encode case byte-exact;
 * plus argument checks and random round trips.
 */
#include "test_util.h"
#include "zkb_frame.h"

typedef struct {
    zkb_frame f;
    uint8_t *payload; /* copy: the decoder's pointer is only valid until its next call */
} got_frame;

typedef struct {
    got_frame *frames;
    size_t count, cap;
} got_list;

static void got_push(got_list *g, const zkb_frame *f) {
    if (g->count == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 16;
        g->frames = realloc(g->frames, g->cap * sizeof *g->frames);
    }
    got_frame *x = &g->frames[g->count++];
    x->f = *f;
    x->payload = malloc(f->length + 1);
    if (f->length)
        memcpy(x->payload, f->payload, f->length);
}

static void got_free(got_list *g) {
    for (size_t i = 0; i < g->count; i++)
        free(g->frames[i].payload);
    free(g->frames);
    memset(g, 0, sizeof *g);
}

/* Feeds `input` in chunks chosen by `mode` (0 whole, 1 byte by byte, 2 random sizes). Each
 * chunk is copied to its own heap block so ASan catches any read past a chunk. */
static void decode_all(zkb_decoder *d, const uint8_t *input, size_t len, int mode, uint64_t seed,
                       got_list *out) {
    size_t pos = 0;
    while (pos < len || (len == 0 && pos == 0)) {
        size_t n = len - pos;
        if (mode == 1 && n > 1)
            n = 1;
        if (mode == 2 && n > 1)
            n = 1 + (size_t)(t_rand(&seed) % (n < 300 ? n : 300));
        uint8_t *chunk = malloc(n ? n : 1);
        memcpy(chunk, input + pos, n);
        const uint8_t *in = chunk;
        size_t in_len = n;
        zkb_frame f;
        while (zkb_decoder_next(d, &in, &in_len, &f))
            got_push(out, &f);
        free(chunk);
        pos += n;
        if (len == 0)
            break;
    }
}

static void check_case(const cJSON *c, int mode) {
    const char *name = t_str(c, "name");
    const cJSON *mp = cJSON_GetObjectItemCaseSensitive(c, "max_payload");
    uint32_t max_payload = cJSON_IsNumber(mp) ? (uint32_t)mp->valuedouble : ZKB_MAX_PAYLOAD;
    size_t len;
    uint8_t *input = t_unhex(t_str(c, "input"), &len);
    size_t cap = zkb_frame_size(max_payload);
    uint8_t *buf = malloc(cap);
    zkb_decoder d;
    CHECK(zkb_decoder_init(&d, buf, cap, max_payload) == ZKB_OK, "%s: init", name);
    got_list got = {0};
    decode_all(&d, input, len, mode, 0x9E3779B97F4A7C15ULL ^ len, &got);

    const cJSON *frames = cJSON_GetObjectItemCaseSensitive(c, "frames");
    size_t want = (size_t)cJSON_GetArraySize(frames);
    CHECK(got.count == want, "%s (mode %d): %zu frames, want %zu", name, mode, got.count, want);
    for (size_t i = 0; i < got.count && i < want; i++) {
        const cJSON *e = cJSON_GetArrayItem(frames, (int)i);
        const zkb_frame *f = &got.frames[i].f;
        size_t plen;
        uint8_t *payload = t_unhex(t_str(e, "payload"), &plen);
        int more = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "more"));
        CHECK(f->kind == (uint8_t)t_num(e, "kind") && f->more == more &&
                  f->request_id == (uint32_t)t_num(e, "request_id") &&
                  f->command == (uint16_t)t_num(e, "command") &&
                  f->status == (uint16_t)t_num(e, "status") &&
                  f->frag_index == (uint16_t)t_num(e, "frag_index"),
              "%s (mode %d): frame %zu header fields", name, mode, i);
        CHECK(f->length == plen && memcmp(got.frames[i].payload, payload, plen) == 0,
              "%s (mode %d): frame %zu payload", name, mode, i);
        free(payload);
    }
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(c, "stats");
    const zkb_decoder_stats *s = &d.stats;
    CHECK(s->frames == (uint64_t)t_num(st, "frames"), "%s (mode %d): frames %llu", name, mode,
          (unsigned long long)s->frames);
    CHECK(s->garbage_bytes == (uint64_t)t_num(st, "garbage_bytes"), "%s (mode %d): garbage %llu",
          name, mode, (unsigned long long)s->garbage_bytes);
    CHECK(s->header_errors == (uint64_t)t_num(st, "header_errors"), "%s (mode %d): header %llu",
          name, mode, (unsigned long long)s->header_errors);
    CHECK(s->version_errors == (uint64_t)t_num(st, "version_errors"), "%s (mode %d): version %llu",
          name, mode, (unsigned long long)s->version_errors);
    CHECK(s->oversize_errors == (uint64_t)t_num(st, "oversize_errors"),
          "%s (mode %d): oversize %llu", name, mode, (unsigned long long)s->oversize_errors);
    CHECK(s->crc_errors == (uint64_t)t_num(st, "crc_errors"), "%s (mode %d): crc %llu", name, mode,
          (unsigned long long)s->crc_errors);
    CHECK(zkb_decoder_pending(&d) == (size_t)t_num(c, "pending"), "%s (mode %d): pending %zu", name,
          mode, zkb_decoder_pending(&d));
    got_free(&got);
    free(buf);
    free(input);
}

static void check_encode(const cJSON *c) {
    const char *name = t_str(c, "name");
    const cJSON *fr = cJSON_GetObjectItemCaseSensitive(c, "frame");
    size_t plen, elen;
    uint8_t *payload = t_unhex(t_str(fr, "payload"), &plen);
    uint8_t *expected = t_unhex(t_str(c, "encoded"), &elen);
    zkb_frame f = {0};
    f.kind = (uint8_t)t_num(fr, "kind");
    f.more = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fr, "more"));
    f.request_id = (uint32_t)t_num(fr, "request_id");
    f.command = (uint16_t)t_num(fr, "command");
    f.status = (uint16_t)t_num(fr, "status");
    f.frag_index = (uint16_t)t_num(fr, "frag_index");
    f.length = (uint32_t)plen;
    uint8_t *out = malloc(zkb_frame_size(f.length));
    long n = zkb_frame_encode(&f, payload, out, zkb_frame_size(f.length));
    CHECK(n == (long)elen && memcmp(out, expected, elen) == 0, "%s: encoding differs", name);
    CHECK(zkb_frame_encode(&f, payload, out, elen - 1) == ZKB_ERR_SPACE, "%s: short buffer", name);
    free(out);
    free(payload);
    free(expected);
}

static void check_arguments(void) {
    static uint8_t buf[ZKB_MAX_FRAME];
    zkb_decoder d;
    CHECK(zkb_decoder_init(&d, buf, sizeof buf, ZKB_MAX_PAYLOAD + 1) == ZKB_ERR_ARG, "max+1");
    CHECK(zkb_decoder_init(&d, buf, sizeof buf, ZKB_MIN_PAYLOAD - 1) == ZKB_ERR_ARG, "min-1");
    CHECK(zkb_decoder_init(&d, buf, zkb_frame_size(1000) - 1, 1000) == ZKB_ERR_ARG, "small buf");
    CHECK(zkb_decoder_init(&d, buf, sizeof buf, ZKB_MAX_PAYLOAD) == ZKB_OK, "init");

    zkb_frame f = {.kind = 3};
    uint8_t out[64];
    CHECK(zkb_frame_encode(&f, NULL, out, sizeof out) == ZKB_ERR_ARG, "kind 3");
    f.kind = ZKB_KIND_REQUEST;
    f.length = ZKB_MAX_PAYLOAD + 1;
    CHECK(zkb_frame_encode(&f, out, out, sizeof out) == ZKB_ERR_ARG, "oversize");
    f.length = 4;
    CHECK(zkb_frame_encode(&f, NULL, out, sizeof out) == ZKB_ERR_ARG, "NULL payload");
    f.length = 0;
    CHECK(zkb_frame_encode(&f, NULL, out, sizeof out) == (long)ZKB_OVERHEAD, "empty frame");

    /* A partial frame is pending; reset turns it into garbage and keeps counting. */
    const uint8_t *in = out;
    size_t in_len = 10;
    zkb_frame got;
    CHECK(zkb_decoder_next(&d, &in, &in_len, &got) == 0 && in_len == 0, "partial");
    CHECK(zkb_decoder_pending(&d) == 10, "pending 10");
    zkb_decoder_reset(&d);
    CHECK(zkb_decoder_pending(&d) == 0 && d.stats.garbage_bytes == 10, "reset");
}

/* Random frames of random sizes, encoded back to back with garbage, decoded in random chunks. */
static void check_round_trips(void) {
    uint64_t seed = 42;
    size_t cap = 1u << 20, len = 0, expected = 0;
    uint8_t *stream = malloc(cap);
    uint8_t payload[3000];
    while (len + sizeof payload + 64 < cap) {
        zkb_frame f = {0};
        f.kind = (uint8_t)(t_rand(&seed) % 3);
        f.more = (uint8_t)(t_rand(&seed) & 1);
        f.request_id = (uint32_t)t_rand(&seed);
        f.command = (uint16_t)t_rand(&seed);
        f.status = (uint16_t)t_rand(&seed);
        f.frag_index = (uint16_t)t_rand(&seed);
        f.length = (uint32_t)(t_rand(&seed) % sizeof payload);
        for (uint32_t i = 0; i < f.length; i++)
            payload[i] = (uint8_t)t_rand(&seed);
        long n = zkb_frame_encode(&f, payload, stream + len, cap - len);
        CHECK(n > 0, "encode");
        len += (size_t)n;
        expected++;
        size_t junk = (size_t)(t_rand(&seed) % 8); /* garbage without the magic's first byte */
        for (size_t i = 0; i < junk; i++)
            stream[len++] = (uint8_t)(t_rand(&seed) % 0xA5);
    }
    static uint8_t buf[ZKB_MAX_FRAME];
    zkb_decoder d;
    zkb_decoder_init(&d, buf, sizeof buf, ZKB_MAX_PAYLOAD);
    got_list got = {0};
    decode_all(&d, stream, len, 2, 7, &got);
    CHECK(got.count == expected, "round trip: %zu of %zu frames", got.count, expected);
    CHECK(d.stats.crc_errors == 0 && d.stats.header_errors == 0, "round trip: no errors");
    got_free(&got);
    free(stream);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_frame frames.json\n");
        return 2;
    }
    cJSON *root = t_load_json(argv[1]);
    const cJSON *c;
    size_t decode_cases = 0, encode_cases = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "decode")) {
        for (int mode = 0; mode < 3; mode++)
            check_case(c, mode);
        decode_cases++;
    }
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "encode")) {
        check_encode(c);
        encode_cases++;
    }
    CHECK(decode_cases >= 20 && encode_cases >= 6, "vector file too small: %zu decode, %zu encode",
          decode_cases, encode_cases);
    check_arguments();
    check_round_trips();
    cJSON_Delete(root);
    return t_report("frame");
}
