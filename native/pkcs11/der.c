/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DER for the four curves. Every structure the token emits has a fixed shape per curve, so it
 * is written from constant prefixes plus the key bytes rather than through a general encoder;
 * the parsers accept exactly the DER forms (minimal lengths, no trailing bytes), which keeps
 * "two encodings of one key" out of the object store.
 */
#include "der.h"

#include <string.h>

#define TAG_OCTET_STRING     0x04u
#define TAG_OID              0x06u
#define TAG_PRINTABLE_STRING 0x13u

/* Content bytes of the OIDs. */
static const uint8_t OID_P256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t OID_SECP256K1[] = {0x2b, 0x81, 0x04, 0x00, 0x0a};
static const uint8_t OID_ED25519[] = {0x2b, 0x65, 0x70};
static const uint8_t OID_X25519[] = {0x2b, 0x65, 0x6e};
static const uint8_t OID_EC_PUBLIC_KEY[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};

typedef struct {
    const uint8_t *oid;
    size_t oid_len;
} curve_oid;

static curve_oid oid_of(zkp_curve c) {
    switch (c) {
    case ZKP_CURVE_P256:
        return (curve_oid){OID_P256, sizeof OID_P256};
    case ZKP_CURVE_SECP256K1:
        return (curve_oid){OID_SECP256K1, sizeof OID_SECP256K1};
    case ZKP_CURVE_ED25519:
        return (curve_oid){OID_ED25519, sizeof OID_ED25519};
    case ZKP_CURVE_X25519:
        return (curve_oid){OID_X25519, sizeof OID_X25519};
    default:
        return (curve_oid){NULL, 0};
    }
}

static int is_weierstrass(zkp_curve c) {
    return c == ZKP_CURVE_P256 || c == ZKP_CURVE_SECP256K1;
}

size_t zkp_curve_raw_pubkey_size(zkp_curve c) {
    switch (c) {
    case ZKP_CURVE_P256:
    case ZKP_CURVE_SECP256K1:
        return 64;
    case ZKP_CURVE_ED25519:
    case ZKP_CURVE_X25519:
        return 32;
    default:
        return 0;
    }
}

/* Parses a DER length at p (avail bytes). Returns the number of length bytes and sets
 * *content, or 0 when malformed. */
static size_t read_length(const uint8_t *p, size_t avail, size_t *content) {
    if (avail < 1)
        return 0;
    if (p[0] < 0x80) {
        *content = p[0];
        return 1;
    }
    size_t count = p[0] & 0x7f;
    /* 0x80 is BER's indefinite length; more than 4 length bytes is beyond anything valid
     * here; a leading zero byte or a long form for a short length is not DER. */
    if (count == 0 || count > 4 || avail < 1 + count || p[1] == 0)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        n = (n << 8) | p[1 + i];
    if (n < 0x80)
        return 0;
    *content = n;
    return 1 + count;
}

/* Parses one TLV header with a single-byte tag (all this file emits or reads). Returns the
 * header size and sets *content_len, or 0 when malformed or when the content does not fit. */
static size_t read_header(const uint8_t *in, size_t len, size_t *content_len) {
    if (len < 2 || (in[0] & 0x1f) == 0x1f)
        return 0;
    size_t n;
    size_t ll = read_length(in + 1, len - 1, &n);
    if (ll == 0 || n > len - 1 - ll)
        return 0;
    *content_len = n;
    return 1 + ll;
}

size_t zkp_der_tlv_size(const uint8_t *in, size_t len) {
    if (!in || len < 2)
        return 0;
    size_t tag_len = 1;
    if ((in[0] & 0x1f) == 0x1f) {
        /* High tag number form: base-128 digits, bit 8 set on all but the last, no leading
         * 0x80 digit. Certificates do not use it, but a generic size query must not misread
         * it as a length. */
        if (in[1] == 0x80)
            return 0;
        while (tag_len < len && tag_len < 5 && (in[tag_len] & 0x80))
            tag_len++;
        if (tag_len >= len || (in[tag_len] & 0x80))
            return 0;
        tag_len++;
    }
    size_t n;
    size_t ll = read_length(in + tag_len, len - tag_len, &n);
    if (ll == 0 || n > len - tag_len - ll)
        return 0;
    return tag_len + ll + n;
}

/* The whole input is exactly one TLV with this tag; returns its content (and length). */
static const uint8_t *whole_tlv(const uint8_t *in, size_t len, uint8_t tag, size_t *content_len) {
    if (!in || len < 2 || in[0] != tag)
        return NULL;
    size_t n;
    size_t hdr = read_header(in, len, &n);
    if (hdr == 0 || hdr + n != len)
        return NULL;
    *content_len = n;
    return in + hdr;
}

static int bytes_eq(const uint8_t *a, size_t alen, const void *b, size_t blen) {
    return alen == blen && memcmp(a, b, blen) == 0;
}

zkp_curve zkp_der_parse_ec_params(const uint8_t *der, size_t len) {
    size_t n;
    const uint8_t *p = whole_tlv(der, len, TAG_OID, &n);
    if (p) {
        for (int c = ZKP_CURVE_P256; c <= ZKP_CURVE_X25519; c++) {
            curve_oid o = oid_of((zkp_curve)c);
            if (bytes_eq(p, n, o.oid, o.oid_len))
                return (zkp_curve)c;
        }
        return ZKP_CURVE_NONE;
    }
    /* PKCS#11 3.0 names the Edwards/Montgomery curves by PrintableString; some applications
     * do the same for the Weierstrass curves. */
    p = whole_tlv(der, len, TAG_PRINTABLE_STRING, &n);
    if (p) {
        static const struct {
            const char *name;
            zkp_curve curve;
        } NAMES[] = {
            {"edwards25519", ZKP_CURVE_ED25519}, {"curve25519", ZKP_CURVE_X25519},
            {"prime256v1", ZKP_CURVE_P256},      {"secp256r1", ZKP_CURVE_P256},
            {"secp256k1", ZKP_CURVE_SECP256K1},
        };
        for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
            if (bytes_eq(p, n, NAMES[i].name, strlen(NAMES[i].name)))
                return NAMES[i].curve;
    }
    /* Known client bug, accepted as exactly these bytes: OpenSC's pkcs11-tool up to 0.25 (Debian
     * 12 ships 0.23) sends "curve25519" with the length byte of an 11-character string, so its
     * X25519 key generation would otherwise always fail. Nothing else malformed gets through. */
    static const uint8_t OPENSC_X25519[] = {0x13, 0x0b, 'c', 'u', 'r', 'v',
                                            'e',  '2',  '5', '5', '1', '9'};
    if (bytes_eq(der, len, OPENSC_X25519, sizeof OPENSC_X25519))
        return ZKP_CURVE_X25519;
    return ZKP_CURVE_NONE;
}

/* Copies src to out when it fits; returns the full size either way (0 for an unknown curve is
 * returned by the callers before this). Implements the header's "size query" convention. */
static size_t emit(const uint8_t *src, size_t n, uint8_t *out, size_t cap) {
    if (out && cap >= n)
        memcpy(out, src, n);
    else if (out && cap > 0)
        return 0;
    return n;
}

size_t zkp_der_ec_params(zkp_curve c, uint8_t *out, size_t cap) {
    curve_oid o = oid_of(c);
    if (!o.oid)
        return 0;
    uint8_t buf[2 + 16];
    buf[0] = TAG_OID;
    buf[1] = (uint8_t)o.oid_len;
    memcpy(buf + 2, o.oid, o.oid_len);
    return emit(buf, 2 + o.oid_len, out, cap);
}

size_t zkp_der_ec_point(zkp_curve c, const uint8_t *raw, uint8_t *out, size_t cap) {
    size_t rs = zkp_curve_raw_pubkey_size(c);
    if (rs == 0 || !raw)
        return 0;
    uint8_t buf[2 + 1 + 64];
    size_t n = 0;
    buf[n++] = TAG_OCTET_STRING;
    if (is_weierstrass(c)) {
        buf[n++] = (uint8_t)(1 + rs);
        buf[n++] = 0x04; /* uncompressed point */
    } else {
        buf[n++] = (uint8_t)rs;
    }
    memcpy(buf + n, raw, rs);
    return emit(buf, n + rs, out, cap);
}

int zkp_der_read_point(zkp_curve c, const uint8_t *in, size_t len, uint8_t *raw_out) {
    size_t rs = zkp_curve_raw_pubkey_size(c);
    if (rs == 0 || !in || !raw_out)
        return -1;
    /* The encodings cannot be confused: each form has its own total length for the curve
     * (Weierstrass: 65 raw / 67 DER; 25519: 32 raw / 34 DER). */
    const uint8_t *p = in;
    size_t n = len;
    size_t inner;
    const uint8_t *content = whole_tlv(in, len, TAG_OCTET_STRING, &inner);
    size_t raw_form = is_weierstrass(c) ? 1 + rs : rs;
    if (content && inner == raw_form && len == 2 + raw_form) {
        p = content;
        n = inner;
    }
    if (n != raw_form)
        return -1;
    if (is_weierstrass(c)) {
        if (p[0] != 0x04) /* 0x02 / 0x03 compressed, 0x06 / 0x07 hybrid: refused */
            return -1;
        p++;
    }
    memcpy(raw_out, p, rs);
    return 0;
}

size_t zkp_der_spki(zkp_curve c, const uint8_t *raw, uint8_t *out, size_t cap) {
    curve_oid o = oid_of(c);
    size_t rs = zkp_curve_raw_pubkey_size(c);
    if (!o.oid || !raw)
        return 0;
    /* SEQUENCE { SEQUENCE { algorithm OID [, curve OID] }, BIT STRING { 0 unused bits, key } }
     * RFC 5480: algorithm id-ecPublicKey with the named curve as parameters, key 04||X||Y.
     * RFC 8410: the curve OID is the algorithm, parameters absent, key the 32 raw bytes.
     * All lengths stay below 128, so every length is one byte. */
    uint8_t alg[2 + 16 + 2 + 16];
    size_t alg_len = 0;
    if (is_weierstrass(c)) {
        alg[alg_len++] = TAG_OID;
        alg[alg_len++] = (uint8_t)sizeof OID_EC_PUBLIC_KEY;
        memcpy(alg + alg_len, OID_EC_PUBLIC_KEY, sizeof OID_EC_PUBLIC_KEY);
        alg_len += sizeof OID_EC_PUBLIC_KEY;
    }
    alg[alg_len++] = TAG_OID;
    alg[alg_len++] = (uint8_t)o.oid_len;
    memcpy(alg + alg_len, o.oid, o.oid_len);
    alg_len += o.oid_len;

    size_t key_len = 1 + (is_weierstrass(c) ? 1 : 0) + rs; /* unused-bits byte [+ 04] + key */
    size_t body = 2 + alg_len + 2 + key_len;
    uint8_t buf[2 + 2 + sizeof alg + 2 + 1 + 1 + 64];
    size_t n = 0;
    buf[n++] = 0x30;
    buf[n++] = (uint8_t)body;
    buf[n++] = 0x30;
    buf[n++] = (uint8_t)alg_len;
    memcpy(buf + n, alg, alg_len);
    n += alg_len;
    buf[n++] = 0x03; /* BIT STRING */
    buf[n++] = (uint8_t)key_len;
    buf[n++] = 0x00; /* no unused bits */
    if (is_weierstrass(c))
        buf[n++] = 0x04;
    memcpy(buf + n, raw, rs);
    n += rs;
    return emit(buf, n, out, cap);
}
