/* SPDX-License-Identifier: Apache-2.0 */
/*
 * C benchmark of the core: CRC-32C (hardware and portable paths) and the frame codec.
 *
 *   bench_codec [--quick]
 *
 * Prints human-readable lines, then ONE JSON object on the last line. Each figure is the best
 * of 3 timed runs (about 0.4 s each, 0.05 s with --quick) after a warm-up; every result feeds
 * a volatile sink so the compiler cannot drop the work.
 */
#define _POSIX_C_SOURCE 199309L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zkb_crc.h"
#include "zkb_frame.h"

static volatile uint64_t sink;
static double run_seconds = 0.4;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A benchmark body performs `reps` operations and returns something derived from all of them. */
typedef uint64_t (*bench_fn)(void *ctx, uint64_t reps);

/* Operations per second: calibrate a batch of about 2 ms, warm up, then best of 3 runs. */
static double measure(bench_fn fn, void *ctx) {
    uint64_t reps = 1;
    for (;;) {
        double t0 = now();
        sink += fn(ctx, reps);
        if (now() - t0 >= 0.002 || reps >= (1ull << 40))
            break;
        reps *= 2;
    }
    double t0 = now();
    while (now() - t0 < run_seconds / 4)
        sink += fn(ctx, reps);

    double best = 0;
    for (int run = 0; run < 3; run++) {
        uint64_t ops = 0;
        double dt;
        t0 = now();
        do {
            sink += fn(ctx, reps);
            ops += reps;
        } while ((dt = now() - t0) < run_seconds);
        if ((double)ops / dt > best)
            best = (double)ops / dt;
    }
    return best;
}

static uint8_t *xmalloc(size_t n) {
    uint8_t *p = malloc(n);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return p;
}

static void fill(uint8_t *p, size_t n, uint64_t seed) {
    for (size_t i = 0; i < n; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        p[i] = (uint8_t)(seed >> 56);
    }
}

/* ---- CRC ------------------------------------------------------------------------------------ */

typedef struct {
    uint32_t (*fn)(uint32_t, const uint8_t *, size_t);
    const uint8_t *buf;
    size_t len;   /* bytes per CRC */
    size_t count; /* distinct buffers of `len` bytes, back to back in buf */
} crc_ctx;

/* Independent CRCs (each from 0) over a rotating set of buffers, as a stream of frames would. */
static uint64_t bench_crc(void *ctx, uint64_t reps) {
    const crc_ctx *c = ctx;
    uint64_t acc = 0;
    size_t k = 0;
    for (uint64_t i = 0; i < reps; i++) {
        acc += c->fn(0, c->buf + k * c->len, c->len);
        if (++k == c->count)
            k = 0;
    }
    return acc;
}

/* ---- frame codec -------------------------------------------------------------------------- */

static zkb_frame sample_frame(uint32_t length) {
    zkb_frame f;
    memset(&f, 0, sizeof f);
    f.kind = ZKB_KIND_RESPONSE;
    f.command = 0x0102;
    f.request_id = 1;
    f.length = length;
    return f;
}

typedef struct {
    const uint8_t *payload;
    uint32_t length;
    uint8_t *out;
    size_t cap;
} encode_ctx;

static uint64_t bench_encode(void *ctx, uint64_t reps) {
    const encode_ctx *e = ctx;
    zkb_frame f = sample_frame(e->length);
    uint64_t acc = 0;
    for (uint64_t i = 0; i < reps; i++) {
        f.request_id = (uint32_t)i;
        long n = zkb_frame_encode(&f, e->payload, e->out, e->cap);
        acc += (uint64_t)n + e->out[n - 1]; /* the last CRC byte differs per frame */
    }
    return acc;
}

typedef struct {
    const uint8_t *stream; /* back-to-back frames, replayed in a loop */
    size_t stream_len;
    size_t chunk;      /* bytes handed to the decoder at a time */
    size_t next;       /* offset of the next chunk */
    const uint8_t *in; /* rest of the current chunk */
    size_t in_len;
    zkb_decoder dec;
} decode_ctx;

/* One op = one decoded frame; the position in the stream carries over between calls. */
static uint64_t bench_decode(void *ctx, uint64_t reps) {
    decode_ctx *d = ctx;
    uint64_t acc = 0;
    zkb_frame f;
    size_t idle_chunks = 0; /* a decoder that never yields would otherwise loop forever */
    for (uint64_t got = 0; got < reps;) {
        if (d->in_len == 0) {
            if (++idle_chunks > d->stream_len / d->chunk + 2) {
                fprintf(stderr, "decoder returns no frames\n");
                exit(1);
            }
            if (d->next == d->stream_len)
                d->next = 0;
            size_t left = d->stream_len - d->next;
            d->in = d->stream + d->next;
            d->in_len = left < d->chunk ? left : d->chunk;
            d->next += d->in_len;
        }
        if (zkb_decoder_next(&d->dec, &d->in, &d->in_len, &f)) {
            acc += f.length + f.payload[0] + f.request_id;
            got++;
            idle_chunks = 0;
        }
    }
    return acc;
}

typedef struct {
    const uint8_t *payload;
    uint8_t *frame;
    size_t cap;
    zkb_decoder dec;
} roundtrip_ctx;

/* One op = encode one 64 KiB-payload frame, then decode it in one piece (zero-copy). */
static uint64_t bench_roundtrip(void *ctx, uint64_t reps) {
    roundtrip_ctx *r = ctx;
    zkb_frame f = sample_frame(ZKB_MAX_PAYLOAD), out;
    uint64_t acc = 0;
    for (uint64_t i = 0; i < reps; i++) {
        f.request_id = (uint32_t)i;
        long n = zkb_frame_encode(&f, r->payload, r->frame, r->cap);
        const uint8_t *in = r->frame;
        size_t in_len = (size_t)n;
        while (zkb_decoder_next(&r->dec, &in, &in_len, &out))
            acc += out.length + out.request_id + out.payload[out.length - 1];
    }
    return acc;
}

static void init_decoder(zkb_decoder *d, uint8_t **buf) {
    size_t cap = zkb_frame_size(ZKB_MAX_PAYLOAD);
    *buf = xmalloc(cap);
    if (zkb_decoder_init(d, *buf, cap, ZKB_MAX_PAYLOAD) != ZKB_OK) {
        fprintf(stderr, "zkb_decoder_init failed\n");
        exit(1);
    }
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            run_seconds = 0.05;
        } else {
            fprintf(stderr, "usage: %s [--quick]\n", argv[0]);
            return 2;
        }
    }

    /* CRC-32C: 64 KiB buffers (4 of them, L2-resident) and 64-byte buffers (256, L1). */
    enum { BIG = 65536, BIG_COUNT = 4, SMALL = 64, SMALL_COUNT = 256 };
    uint8_t *crc_data = xmalloc(BIG * BIG_COUNT);
    fill(crc_data, BIG * BIG_COUNT, 1);
    int hw = zkb_crc32c_hw_available();
    double hw_big = 0, hw_small = 0;
    if (hw) {
        crc_ctx big = {zkb_crc32c_hw, crc_data, BIG, BIG_COUNT};
        crc_ctx small = {zkb_crc32c_hw, crc_data, SMALL, SMALL_COUNT};
        hw_big = measure(bench_crc, &big) * BIG / 1e9;
        hw_small = measure(bench_crc, &small) / 1e6;
        printf("crc32c hw (sse4.2+pclmul)  64 KiB: %7.2f GB/s   64 B: %7.2f M CRC/s\n", hw_big,
               hw_small);
    } else {
        printf("crc32c hw: not available on this CPU\n");
    }
    crc_ctx pbig = {zkb_crc32c_portable, crc_data, BIG, BIG_COUNT};
    crc_ctx psmall = {zkb_crc32c_portable, crc_data, SMALL, SMALL_COUNT};
    double sw_big = measure(bench_crc, &pbig) * BIG / 1e9;
    double sw_small = measure(bench_crc, &psmall) / 1e6;
    printf("crc32c portable (slice-8)  64 KiB: %7.2f GB/s   64 B: %7.2f M CRC/s\n", sw_big,
           sw_small);

    /* Encoding 64-byte payloads. */
    uint8_t payload64[64];
    fill(payload64, sizeof payload64, 2);
    uint8_t frame64[64 + ZKB_OVERHEAD];
    encode_ctx enc = {payload64, 64, frame64, sizeof frame64};
    double enc_fps = measure(bench_encode, &enc);
    printf("encode 64-byte payload frames:   %7.2f M frames/s\n", enc_fps / 1e6);

    /* Decoding a 4 MiB stream of back-to-back 64-byte-payload frames in 64 KiB chunks. */
    decode_ctx dc;
    memset(&dc, 0, sizeof dc);
    size_t frames = (4u << 20) / zkb_frame_size(64);
    dc.stream_len = frames * zkb_frame_size(64);
    dc.chunk = 65536;
    uint8_t *stream = xmalloc(dc.stream_len);
    zkb_frame f64 = sample_frame(64);
    for (size_t i = 0; i < frames; i++) {
        f64.request_id = (uint32_t)i;
        payload64[0] = (uint8_t)i;
        if (zkb_frame_encode(&f64, payload64, stream + i * zkb_frame_size(64),
                             zkb_frame_size(64)) != (long)zkb_frame_size(64)) {
            fprintf(stderr, "zkb_frame_encode failed\n");
            return 1;
        }
    }
    dc.stream = stream;
    uint8_t *dec_buf;
    init_decoder(&dc.dec, &dec_buf);
    double dec_fps = measure(bench_decode, &dc);
    int dec_ok = dc.dec.stats.crc_errors == 0 && dc.dec.stats.header_errors == 0 &&
                 dc.dec.stats.garbage_bytes == 0 && dc.dec.stats.frames > 0;
    printf("decode 64-byte payload frames:   %7.2f M frames/s (64 KiB chunks)%s\n", dec_fps / 1e6,
           dec_ok ? "" : "  ** DECODER REPORTED ERRORS **");

    /* 64 KiB payloads: encode + decode. */
    roundtrip_ctx rt;
    uint8_t *big_payload = xmalloc(ZKB_MAX_PAYLOAD);
    fill(big_payload, ZKB_MAX_PAYLOAD, 3);
    rt.payload = big_payload;
    rt.cap = zkb_frame_size(ZKB_MAX_PAYLOAD);
    rt.frame = xmalloc(rt.cap);
    uint8_t *rt_buf;
    init_decoder(&rt.dec, &rt_buf);
    double rt_gbps = measure(bench_roundtrip, &rt) * ZKB_MAX_PAYLOAD / 1e9;
    int rt_ok = rt.dec.stats.crc_errors == 0 && rt.dec.stats.frames > 0;
    printf("encode+decode 64 KiB payloads:   %7.2f GB/s of payload%s\n", rt_gbps,
           rt_ok ? "" : "  ** DECODER REPORTED ERRORS **");

    printf("{\"crc32c_impl\": \"%s\", ", zkb_crc32c_impl());
    if (hw)
        printf("\"crc32c_hw_gbps\": %.3f, \"crc32c_hw_64b_mops\": %.3f, ", hw_big, hw_small);
    else
        printf("\"crc32c_hw_gbps\": null, \"crc32c_hw_64b_mops\": null, ");
    printf("\"crc32c_portable_gbps\": %.3f, \"crc32c_portable_64b_mops\": %.3f, ", sw_big,
           sw_small);
    printf("\"encode64_c_fps\": %.0f, \"decode64_c_fps\": %.0f, \"decode64k_c_gbps\": %.3f}\n",
           enc_fps, dec_fps, rt_gbps);

    free(crc_data);
    free(stream);
    free(dec_buf);
    free(big_payload);
    free(rt.frame);
    free(rt_buf);
    return dec_ok && rt_ok ? 0 : 1;
}
