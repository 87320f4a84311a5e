/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Payload writer / reader tests: byte-exact layout of every field type (docs/protocol.md
 * section 5), sticky errors on overflow and underflow, and seeded random round trips where
 * every capacity short of the full size must fail cleanly.
 */
#include "test_util.h"
#include "wire.h"

static int bytes_are(const uint8_t *got, size_t got_len, const char *hex) {
    size_t n;
    uint8_t *want = t_unhex(hex, &n);
    int ok = n == got_len && memcmp(got, want, n) == 0;
    free(want);
    return ok;
}

static void test_layout(void) {
    uint8_t buf[128];
    zkp_writer w;
    zkp_writer_init(&w, buf, sizeof buf);
    zkp_put_u8(&w, 0xab);
    zkp_put_u16(&w, 0x1234);
    zkp_put_u32(&w, 0xdeadbeefu);
    zkp_put_i32(&w, -2);
    zkp_put_u64(&w, 0x0102030405060708ull);
    zkp_put_bytes(&w, (const uint8_t *)"\x01\x02", 2);
    zkp_put_blob(&w, (const uint8_t *)"xyz", 3);
    zkp_put_str(&w, "hi", 2);
    zkp_put_blob(&w, NULL, 0);
    zkp_put_str(&w, "", 0);
    zkp_put_bytes(&w, NULL, 0);
    CHECK(w.err == 0, "no error");
    CHECK(bytes_are(buf, w.len,
                    "ab"
                    "1234"
                    "deadbeef"
                    "fffffffe"
                    "0102030405060708"
                    "0102"
                    "00000003"
                    "78797a"
                    "0002"
                    "6869"
                    "00000000"
                    "0000"),
          "layout");

    zkp_reader r;
    zkp_reader_init(&r, buf, w.len);
    CHECK(zkp_get_u8(&r) == 0xab, "u8");
    CHECK(zkp_get_u16(&r) == 0x1234, "u16");
    CHECK(zkp_get_u32(&r) == 0xdeadbeefu, "u32");
    CHECK(zkp_get_i32(&r) == -2, "i32");
    CHECK(zkp_get_u64(&r) == 0x0102030405060708ull, "u64");
    const uint8_t *p = zkp_get_bytes(&r, 2);
    CHECK(p && p == buf + 19 && p[0] == 1 && p[1] == 2, "bytes point into the input");
    size_t n = 99;
    p = zkp_get_blob(&r, &n);
    CHECK(p && n == 3 && memcmp(p, "xyz", 3) == 0, "blob");
    p = zkp_get_str(&r, &n);
    CHECK(p && n == 2 && memcmp(p, "hi", 2) == 0, "str");
    p = zkp_get_blob(&r, &n);
    CHECK(p != NULL && n == 0, "empty blob is not an error");
    p = zkp_get_str(&r, &n);
    CHECK(p != NULL && n == 0, "empty str is not an error");
    CHECK(zkp_reader_done(&r) == 0, "all consumed");
    CHECK(zkp_get_bytes(&r, 0) != NULL && r.err == 0, "zero bytes at the end is fine");
    CHECK(zkp_get_u8(&r) == 0 && r.err, "read past the end sets err");
    CHECK(zkp_reader_done(&r) == -1, "done reports the error");
}

static void test_i32_extremes(void) {
    static const int32_t values[] = {0, 1, -1, INT32_MAX, INT32_MIN, 0x7f, -0x80, 123456, -654321};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        uint8_t buf[4];
        zkp_writer w;
        zkp_writer_init(&w, buf, sizeof buf);
        zkp_put_i32(&w, values[i]);
        zkp_reader r;
        zkp_reader_init(&r, buf, 4);
        CHECK(zkp_get_i32(&r) == values[i], "i32 %d round trip", (int)values[i]);
    }
    uint8_t min[4] = {0x80, 0, 0, 0};
    zkp_reader r;
    zkp_reader_init(&r, min, 4);
    CHECK(zkp_get_i32(&r) == INT32_MIN, "80000000 is INT32_MIN");
}

static void test_writer_errors(void) {
    uint8_t buf[8];
    zkp_writer w;
    zkp_writer_init(&w, buf, 3);
    zkp_put_u16(&w, 1);
    zkp_put_u16(&w, 2); /* does not fit */
    CHECK(w.err && w.len == 2, "overflow sets err and writes nothing");
    zkp_put_u8(&w, 3); /* would fit, but the writer is spent */
    CHECK(w.err && w.len == 2, "sticky after overflow");

    zkp_writer_init(&w, buf, sizeof buf);
    zkp_put_bytes(&w, NULL, 4);
    CHECK(w.err, "NULL bytes with a length");

    static uint8_t big[70000];
    uint8_t *large = malloc(80000);
    zkp_writer_init(&w, large, 80000);
    zkp_put_str(&w, (const char *)big, 65536);
    CHECK(w.err && w.len == 0, "str longer than 65535");
    zkp_writer_init(&w, large, 80000);
    zkp_put_str(&w, (const char *)big, 65535);
    CHECK(!w.err && w.len == 65537, "str of 65535 bytes");
    free(large);

    zkp_writer_init(&w, NULL, 100);
    zkp_put_u8(&w, 1);
    CHECK(w.err, "NULL buffer has no room");
    zkp_writer_init(&w, NULL, 0);
    zkp_put_bytes(&w, NULL, 0);
    CHECK(!w.err && w.len == 0, "empty write into NULL buffer");
}

static void test_reader_errors(void) {
    const uint8_t data[] = {0x00, 0x00, 0x00, 0x05, 'a', 'b'};
    zkp_reader r;
    size_t n = 77;
    zkp_reader_init(&r, data, sizeof data);
    CHECK(zkp_get_blob(&r, &n) == NULL && n == 0 && r.err, "blob longer than the input");
    CHECK(zkp_get_u8(&r) == 0, "sticky after underflow");

    zkp_reader_init(&r, data, 3);
    CHECK(zkp_get_u32(&r) == 0 && r.err, "u32 from 3 bytes");

    const uint8_t s[] = {0x00, 0x02, 'o', 'k', 0x99};
    zkp_reader_init(&r, s, sizeof s);
    const uint8_t *p = zkp_get_str(&r, &n);
    CHECK(p && n == 2, "str");
    CHECK(zkp_reader_done(&r) == -1 && r.err == 0, "a byte left over is not done");

    zkp_reader_init(&r, NULL, 10);
    CHECK(r.len == 0, "NULL input has no bytes");
    CHECK(zkp_get_bytes(&r, 0) != NULL, "zero bytes from an empty reader");
    CHECK(zkp_reader_done(&r) == 0, "empty reader is done");
    CHECK(zkp_get_u16(&r) == 0 && r.err, "u16 from empty");
}

/* Random field sequences: the full capacity round-trips; every smaller capacity errs and
 * never writes past it; every truncated input errs when read back. */
static void test_random(void) {
    uint64_t seed = 0x5eed;
    for (int iter = 0; iter < 300; iter++) {
        int kinds[12];
        uint64_t vals[12];
        size_t lens[12];
        int nf = 1 + (int)(t_rand(&seed) % 12);
        uint8_t payload[40];
        for (size_t i = 0; i < sizeof payload; i++)
            payload[i] = (uint8_t)t_rand(&seed);
        for (int i = 0; i < nf; i++) {
            kinds[i] = (int)(t_rand(&seed) % 7);
            vals[i] = t_rand(&seed);
            lens[i] = (size_t)(t_rand(&seed) % sizeof payload);
        }
        uint8_t full[1024];
        size_t total = 0;
        for (size_t cap = 0;; cap++) {
            uint8_t *buf = malloc(cap ? cap : 1);
            zkp_writer w;
            zkp_writer_init(&w, buf, cap);
            for (int i = 0; i < nf; i++) {
                switch (kinds[i]) {
                case 0:
                    zkp_put_u8(&w, (uint8_t)vals[i]);
                    break;
                case 1:
                    zkp_put_u16(&w, (uint16_t)vals[i]);
                    break;
                case 2:
                    zkp_put_u32(&w, (uint32_t)vals[i]);
                    break;
                case 3:
                    zkp_put_u64(&w, vals[i]);
                    break;
                case 4:
                    zkp_put_bytes(&w, payload, lens[i]);
                    break;
                case 5:
                    zkp_put_blob(&w, payload, lens[i]);
                    break;
                default:
                    zkp_put_str(&w, (const char *)payload, lens[i]);
                    break;
                }
            }
            int done = !w.err;
            if (done) {
                memcpy(full, buf, w.len);
                total = w.len;
            }
            CHECK(w.len <= cap, "len within cap");
            free(buf);
            if (done)
                break;
        }
        for (size_t cut = 0; cut <= total; cut++) {
            uint8_t *in = malloc(cut ? cut : 1);
            memcpy(in, full, cut);
            zkp_reader r;
            zkp_reader_init(&r, in, cut);
            int ok = 1;
            size_t n;
            const uint8_t *p;
            for (int i = 0; i < nf; i++) {
                switch (kinds[i]) {
                case 0:
                    ok &= zkp_get_u8(&r) == (uint8_t)vals[i] || r.err;
                    break;
                case 1:
                    ok &= zkp_get_u16(&r) == (uint16_t)vals[i] || r.err;
                    break;
                case 2:
                    ok &= zkp_get_u32(&r) == (uint32_t)vals[i] || r.err;
                    break;
                case 3:
                    ok &= zkp_get_u64(&r) == vals[i] || r.err;
                    break;
                case 4:
                    p = zkp_get_bytes(&r, lens[i]);
                    ok &= r.err || (p && memcmp(p, payload, lens[i]) == 0);
                    break;
                case 5:
                    p = zkp_get_blob(&r, &n);
                    ok &= r.err || (p && n == lens[i] && memcmp(p, payload, n) == 0);
                    break;
                default:
                    p = zkp_get_str(&r, &n);
                    ok &= r.err || (p && n == lens[i] && memcmp(p, payload, n) == 0);
                    break;
                }
            }
            CHECK(ok, "iter %d cut %zu: values read back", iter, cut);
            CHECK((zkp_reader_done(&r) == 0) == (cut == total), "iter %d cut %zu: done", iter, cut);
            free(in);
        }
    }
}

int main(int argc, char **argv) {
    (void)argc;
    (void)argv;
    test_layout();
    test_i32_extremes();
    test_writer_errors();
    test_reader_errors();
    test_random();
    return t_report("pk11_wire");
}
