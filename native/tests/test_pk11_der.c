/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DER tests over test/vectors/pkcs11_der.json: SPKI and CKA_EC_PARAMS must equal what OpenSSL
 * wrote for the same keys byte for byte; CKA_EC_POINT and peer-point parsing in both forms;
 * refusal of truncated, padded, non-minimal, compressed and unknown encodings; TLV sizes.
 */
#include "der.h"
#include "test_util.h"

typedef struct {
    uint8_t *p;
    size_t n;
} blob;

static blob hexfield(const cJSON *o, const char *key) {
    blob b;
    b.p = t_unhex(t_str(o, key), &b.n);
    return b;
}

/* Heap copy of exactly n bytes, so ASan flags any read past the input. */
static uint8_t *exact_copy(const uint8_t *p, size_t n) {
    uint8_t *c = malloc(n ? n : 1);
    if (n)
        memcpy(c, p, n);
    return c;
}

/* Checks one writer against the expected bytes, including the size-query convention. */
static void check_writer(const char *what, const char *curve_name, const blob *want,
                         size_t (*write)(zkp_curve, const uint8_t *, uint8_t *, size_t),
                         zkp_curve c, const uint8_t *raw) {
    uint8_t out[256];
    memset(out, 0xee, sizeof out);
    size_t n = write(c, raw, out, sizeof out);
    CHECK(n == want->n && memcmp(out, want->p, n) == 0, "%s %s: output differs (len %zu vs %zu)",
          what, curve_name, n, want->n);
    CHECK(out[n] == 0xee, "%s %s: wrote past its length", what, curve_name);
    CHECK(write(c, raw, NULL, 0) == want->n, "%s %s: size query (NULL, 0)", what, curve_name);
    CHECK(write(c, raw, out, 0) == want->n, "%s %s: size query (buf, 0)", what, curve_name);
    CHECK(write(c, raw, out, want->n - 1) == 0, "%s %s: short buffer", what, curve_name);
    uint8_t *exact = malloc(want->n);
    CHECK(write(c, raw, exact, want->n) == want->n && memcmp(exact, want->p, want->n) == 0,
          "%s %s: exact-size buffer", what, curve_name);
    free(exact);
}

static size_t params_writer(zkp_curve c, const uint8_t *raw, uint8_t *out, size_t cap) {
    (void)raw;
    return zkp_der_ec_params(c, out, cap);
}

static void test_curves(const cJSON *curves) {
    const cJSON *c;
    int count = 0;
    cJSON_ArrayForEach(c, curves) {
        count++;
        const char *name = t_str(c, "name");
        zkp_curve curve = (zkp_curve)(int)t_num(c, "curve");
        blob raw = hexfield(c, "raw"), spki = hexfield(c, "spki");
        blob params = hexfield(c, "ec_params"), point = hexfield(c, "ec_point");
        CHECK(zkp_curve_raw_pubkey_size(curve) == raw.n, "%s raw size", name);

        check_writer("ec_params", name, &params, params_writer, curve, raw.p);
        check_writer("ec_point", name, &point, zkp_der_ec_point, curve, raw.p);
        check_writer("spki", name, &spki, zkp_der_spki, curve, raw.p);

        uint8_t *cp = exact_copy(params.p, params.n);
        CHECK(zkp_der_parse_ec_params(cp, params.n) == curve, "%s: parse own ec_params", name);
        for (size_t cut = 0; cut < params.n; cut++)
            CHECK(zkp_der_parse_ec_params(cp, cut) == ZKP_CURVE_NONE, "%s: params cut at %zu", name,
                  cut);
        free(cp);

        CHECK(zkp_der_tlv_size(spki.p, spki.n) == spki.n, "%s: tlv size of spki", name);
        CHECK(zkp_der_tlv_size(point.p, point.n) == point.n, "%s: tlv size of point", name);
        int cuts_ok = 1;
        for (size_t cut = 0; cut < spki.n; cut++) {
            uint8_t *pre = exact_copy(spki.p, cut);
            cuts_ok &= zkp_der_tlv_size(pre, cut) == 0;
            free(pre);
        }
        CHECK(cuts_ok, "%s: every truncated spki has tlv size 0", name);

        const cJSON *comp = cJSON_GetObjectItemCaseSensitive(c, "compressed");
        if (comp) {
            blob cb = hexfield(c, "compressed");
            uint8_t out[64];
            CHECK(zkp_der_read_point(curve, cb.p, cb.n, out) == -1, "%s: compressed refused", name);
            free(cb.p);
        }
        free(raw.p);
        free(spki.p);
        free(params.p);
        free(point.p);
    }
    CHECK(count == 4, "four curves in the vectors");
}

static void test_params(const cJSON *valid, const cJSON *invalid) {
    const cJSON *v;
    cJSON_ArrayForEach(v, valid) {
        blob b = hexfield(v, "hex");
        uint8_t *cp = exact_copy(b.p, b.n);
        zkp_curve want = (zkp_curve)(int)t_num(v, "curve");
        CHECK(zkp_der_parse_ec_params(cp, b.n) == want, "ec_params '%s'", t_str(v, "name"));
        free(cp);
        free(b.p);
    }
    cJSON_ArrayForEach(v, invalid) {
        blob b = hexfield(v, "hex");
        uint8_t *cp = exact_copy(b.p, b.n);
        CHECK(zkp_der_parse_ec_params(cp, b.n) == ZKP_CURVE_NONE, "ec_params '%s' must fail",
              t_str(v, "name"));
        free(cp);
        free(b.p);
    }
    CHECK(zkp_der_parse_ec_params(NULL, 0) == ZKP_CURVE_NONE, "NULL ec_params");
}

static void test_points(const cJSON *valid, const cJSON *invalid) {
    const cJSON *v;
    cJSON_ArrayForEach(v, valid) {
        blob in = hexfield(v, "hex"), raw = hexfield(v, "raw");
        uint8_t *cp = exact_copy(in.p, in.n);
        uint8_t out[64];
        memset(out, 0, sizeof out);
        zkp_curve c = (zkp_curve)(int)t_num(v, "curve");
        CHECK(zkp_der_read_point(c, cp, in.n, out) == 0 && memcmp(out, raw.p, raw.n) == 0,
              "read_point '%s'", t_str(v, "name"));
        free(cp);
        free(in.p);
        free(raw.p);
    }
    cJSON_ArrayForEach(v, invalid) {
        blob in = hexfield(v, "hex");
        uint8_t *cp = exact_copy(in.p, in.n);
        uint8_t out[64];
        zkp_curve c = (zkp_curve)(int)t_num(v, "curve");
        CHECK(zkp_der_read_point(c, cp, in.n, out) == -1, "read_point '%s' must fail",
              t_str(v, "name"));
        free(cp);
        free(in.p);
    }
}

static void test_tlv(const cJSON *cases) {
    const cJSON *v;
    cJSON_ArrayForEach(v, cases) {
        blob b = hexfield(v, "hex");
        uint8_t *cp = exact_copy(b.p, b.n);
        size_t want = (size_t)t_num(v, "size");
        size_t got = zkp_der_tlv_size(cp, b.n);
        CHECK(got == want, "tlv_size '%s': %zu, want %zu", t_str(v, "name"), got, want);
        free(cp);
        free(b.p);
    }
    CHECK(zkp_der_tlv_size(NULL, 5) == 0, "tlv_size NULL");
}

static void test_unknown_curve(void) {
    uint8_t raw[64] = {0}, out[128];
    CHECK(zkp_curve_raw_pubkey_size(ZKP_CURVE_NONE) == 0, "raw size of NONE");
    CHECK(zkp_curve_raw_pubkey_size((zkp_curve)4) == 0, "raw size of 4");
    CHECK(zkp_der_ec_params(ZKP_CURVE_NONE, out, sizeof out) == 0, "ec_params of NONE");
    CHECK(zkp_der_ec_params(ZKP_CURVE_NONE, NULL, 0) == 0, "ec_params size of NONE");
    CHECK(zkp_der_ec_point(ZKP_CURVE_NONE, raw, out, sizeof out) == 0, "ec_point of NONE");
    CHECK(zkp_der_spki(ZKP_CURVE_NONE, raw, out, sizeof out) == 0, "spki of NONE");
    CHECK(zkp_der_read_point(ZKP_CURVE_NONE, raw, 32, out) == -1, "read_point of NONE");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <vectors dir>\n", argv[0]);
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/pkcs11_der.json", argv[1]);
    cJSON *root = t_load_json(path);
    test_curves(cJSON_GetObjectItemCaseSensitive(root, "curves"));
    test_params(cJSON_GetObjectItemCaseSensitive(root, "ec_params_valid"),
                cJSON_GetObjectItemCaseSensitive(root, "ec_params_invalid"));
    test_points(cJSON_GetObjectItemCaseSensitive(root, "read_point_valid"),
                cJSON_GetObjectItemCaseSensitive(root, "read_point_invalid"));
    test_tlv(cJSON_GetObjectItemCaseSensitive(root, "tlv_size"));
    test_unknown_curve();
    cJSON_Delete(root);
    return t_report("pk11_der");
}
