/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attribute machinery without a device: the builder and attribute lookups, the store-object TLV
 * codec (exact bytes), template matching, C_GetAttributeValue rules, key-object synthesis from
 * TOKEN_LIST records (defaults and metadata overrides), the mechanism filter, the ECDSA input
 * rule, the X9.63 KDF and the certificate field reader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p11.h"
#include "test_util.h"

static bool attr_is(const zkp_object *o, CK_ATTRIBUTE_TYPE t, const void *v, size_t len) {
    const zkp_attr *a = zkp_obj_attr(o, t);
    return a && a->len == len && (len == 0 || memcmp(a->value, v, len) == 0);
}

static void test_builder(void) {
    zkp_attr_builder b;
    zkp_ab_init(&b);
    zkp_ab_ulong(&b, CKA_CLASS, CKO_DATA);
    zkp_ab_bytes(&b, CKA_LABEL, "one", 3);
    zkp_ab_bool(&b, CKA_TOKEN, true);
    zkp_ab_bytes(&b, CKA_LABEL, "second", 6); /* replaces */
    zkp_ab_bytes(&b, CKA_VALUE, NULL, 0);
    zkp_object head;
    memset(&head, 0, sizeof head);
    head.handle = 42;
    zkp_object *o = zkp_ab_finish(&b, &head);
    CHECK(o != NULL, "finish");
    CHECK(o->handle == 42 && o->nattrs == 4, "head copied, 4 attributes (%zu)", o->nattrs);
    for (size_t i = 1; i < o->nattrs; i++)
        CHECK(o->attrs[i - 1].type < o->attrs[i].type, "sorted by type");
    CHECK(attr_is(o, CKA_LABEL, "second", 6), "later value wins");
    CHECK(attr_is(o, CKA_VALUE, "", 0), "empty value present");
    CHECK(zkp_obj_attr(o, CKA_ID) == NULL, "absent attribute");
    CHECK(zkp_obj_bool(o, CKA_TOKEN, false) && zkp_obj_ulong(o, CKA_CLASS, 99) == CKO_DATA,
          "typed getters");

    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_BBOOL yes = CK_TRUE;
    CK_ATTRIBUTE match[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_TOKEN, &yes, 1}};
    CHECK(zkp_obj_match(o, match, 2), "template matches");
    CK_ATTRIBUTE empty_val[] = {{CKA_VALUE, NULL, 0}};
    CHECK(zkp_obj_match(o, empty_val, 1), "empty value matches empty template value");
    CK_ATTRIBUTE wrong[] = {{CKA_LABEL, "secone", 6}};
    CHECK(!zkp_obj_match(o, wrong, 1), "different bytes do not match");
    CK_ATTRIBUTE missing[] = {{CKA_ID, "x", 1}};
    CHECK(!zkp_obj_match(o, missing, 1), "absent attribute does not match");
    CHECK(zkp_obj_match(o, NULL, 0), "empty template matches all");

    /* C_GetAttributeValue rules */
    char buf[4];
    CK_ATTRIBUTE get[] = {{CKA_LABEL, NULL, 0}, {CKA_ID, buf, sizeof buf}, {CKA_CLASS, &cls, 8}};
    CK_RV rv = zkp_obj_get_attributes(o, get, 3);
    CHECK(rv == CKR_ATTRIBUTE_TYPE_INVALID, "missing attribute -> TYPE_INVALID (0x%lx)", rv);
    CHECK(get[0].ulValueLen == 6, "size query gives the length");
    CHECK(get[1].ulValueLen == CK_UNAVAILABLE_INFORMATION, "missing -> unavailable");
    CHECK(get[2].ulValueLen == sizeof(CK_ULONG), "later attributes still processed");
    CK_ATTRIBUTE small[] = {{CKA_LABEL, buf, sizeof buf}};
    rv = zkp_obj_get_attributes(o, small, 1);
    CHECK(rv == CKR_BUFFER_TOO_SMALL && small[0].ulValueLen == CK_UNAVAILABLE_INFORMATION,
          "short buffer");
    CHECK(zkp_obj_size(o) > 0, "object size");

    /* TLV: CK_ULONG as u64 BE, CK_BBOOL one byte, bytes as they are; sorted object order */
    size_t len;
    uint8_t *tlv = zkp_tlv_encode(o, &len);
    static const uint8_t want[] = {
        0, 0, 0, 0x00, 0, 0, 0, 8, 0,   0,   0,   0,   0,   0,   0, 0, /* CLASS = DATA */
        0, 0, 0, 0x01, 0, 0, 0, 1, 1,                                  /* TOKEN = true */
        0, 0, 0, 0x03, 0, 0, 0, 6, 's', 'e', 'c', 'o', 'n', 'd',       /* LABEL */
        0, 0, 0, 0x11, 0, 0, 0, 0,                                     /* VALUE empty */
    };
    CHECK(tlv && len == sizeof want && memcmp(tlv, want, len) == 0, "TLV bytes (%zu)", len);
    zkp_attr_builder d;
    zkp_ab_init(&d);
    CHECK(zkp_tlv_decode(tlv, len, &d) == 0, "decode");
    zkp_object *back = zkp_ab_finish(&d, &head);
    CHECK(back && back->nattrs == o->nattrs, "round trip count");
    for (size_t i = 0; back && i < o->nattrs; i++)
        CHECK(attr_is(back, o->attrs[i].type, o->attrs[i].value, o->attrs[i].len),
              "round trip attribute 0x%lx", o->attrs[i].type);
    CHECK(zkp_tlv_decode(tlv, len - 1, &d) != 0, "truncated TLV refused");
    free(back);
    zkp_ab_free(&d);
    free(tlv);

    /* CK_ULONG arrays */
    zkp_attr_builder m;
    zkp_ab_init(&m);
    CK_MECHANISM_TYPE mechs[2] = {CKM_ECDSA, CKM_EDDSA};
    zkp_ab_bytes(&m, CKA_ALLOWED_MECHANISMS, mechs, sizeof mechs);
    uint8_t *t2 = zkp_tlv_encode_builder(&m, &len);
    CHECK(t2 && len == 8 + 16 && t2[8 + 6] == 0x10 && t2[8 + 7] == 0x41 && t2[16 + 7] == 0x57,
          "mechanism array as u64 values");
    free(t2);
    zkp_ab_free(&m);

    CK_ATTRIBUTE bad_bool = {CKA_TOKEN, &cls, sizeof cls};
    CHECK(zkp_attr_check_value(&bad_bool) == CKR_ATTRIBUTE_VALUE_INVALID, "bool size checked");
    CK_ATTRIBUTE bad_ulong = {CKA_CLASS, &yes, 1};
    CHECK(zkp_attr_check_value(&bad_ulong) == CKR_ATTRIBUTE_VALUE_INVALID, "ulong size checked");
    free(o);
    zkp_ab_free(&b);
}

static void test_key_objects(void) {
    uint8_t pub[64];
    for (int i = 0; i < 64; i++)
        pub[i] = (uint8_t)(i + 1);
    zkp_key_record r = {16, false, ZKP_CURVE_P256, 0, pub, 64};
    zkp_object *priv = zkp_key_object(&r, CKO_PRIVATE_KEY, NULL);
    zkp_object *pubo = zkp_key_object(&r, CKO_PUBLIC_KEY, NULL);
    CHECK(priv && pubo, "key objects");
    if (!priv || !pubo)
        return;
    CHECK(priv->handle == ZKP_HANDLE(ZKP_KIND_PRIVATE_KEY, 16) &&
              pubo->handle == ZKP_HANDLE(ZKP_KIND_PUBLIC_KEY, 16),
          "derived handles");
    static const uint8_t id16[] = {0, 0, 0, 0x10};
    CHECK(attr_is(priv, CKA_ID, id16, 4) && attr_is(pubo, CKA_ID, id16, 4), "default id");
    CHECK(attr_is(priv, CKA_LABEL, "slot-16", 7), "default label");
    CHECK(zkp_obj_ulong(priv, CKA_KEY_TYPE, 0) == CKK_EC, "key type");
    CHECK(zkp_obj_bool(priv, CKA_SIGN, false) && zkp_obj_bool(priv, CKA_DERIVE, false),
          "P-256 signs and derives");
    CHECK(zkp_obj_bool(priv, CKA_SENSITIVE, false) && !zkp_obj_bool(priv, CKA_EXTRACTABLE, true) &&
              zkp_obj_bool(priv, CKA_PRIVATE, false) && zkp_obj_bool(priv, CKA_DESTROYABLE, false),
          "private key flags");
    CHECK(!zkp_obj_bool(pubo, CKA_PRIVATE, true) && zkp_obj_bool(pubo, CKA_VERIFY, false),
          "public key flags");
    const zkp_attr *pt = zkp_obj_attr(priv, CKA_EC_POINT);
    CHECK(pt && pt->len == 67 && pt->value[0] == 0x04 && pt->value[1] == 65 &&
              pt->value[2] == 0x04 && pt->value[3] == 1,
          "EC_POINT is an OCTET STRING of 04||X||Y, on the private key too");
    static const uint8_t p256_oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    CHECK(attr_is(pubo, CKA_EC_PARAMS, p256_oid, sizeof p256_oid), "EC_PARAMS OID");
    CHECK(zkp_obj_attr(pubo, CKA_PUBLIC_KEY_INFO) != NULL, "SPKI on public key");
    CK_ATTRIBUTE value = {CKA_VALUE, NULL, 0};
    CHECK(zkp_obj_get_attributes(priv, &value, 1) == CKR_ATTRIBUTE_SENSITIVE &&
              value.ulValueLen == CK_UNAVAILABLE_INFORMATION,
          "private value sensitive");
    free(priv);
    free(pubo);

    /* factory flag, X25519, metadata overrides */
    zkp_key_record x = {17, false, ZKP_CURVE_X25519, ZKP_KEYREC_FACTORY, pub, 32};
    zkp_attr_builder mb;
    zkp_ab_init(&mb);
    zkp_ab_bytes(&mb, CKA_LABEL, "agree", 5);
    zkp_ab_bytes(&mb, CKA_ID, "\x01\x02", 2);
    zkp_ab_bool(&mb, CKA_DERIVE, false);
    size_t ml;
    uint8_t *mt = zkp_tlv_encode_builder(&mb, &ml);
    zkp_key_meta meta = {7, mt, ml};
    zkp_object *xo = zkp_key_object(&x, CKO_PRIVATE_KEY, &meta);
    CHECK(xo && attr_is(xo, CKA_LABEL, "agree", 5) && attr_is(xo, CKA_ID, "\x01\x02", 2),
          "metadata label/id");
    CHECK(xo && !zkp_obj_bool(xo, CKA_SIGN, true) && !zkp_obj_bool(xo, CKA_DERIVE, true),
          "X25519 never signs; metadata restricts derive");
    CHECK(xo && !zkp_obj_bool(xo, CKA_DESTROYABLE, true) && xo->meta_handle == 7,
          "factory key not destroyable");
    CHECK(xo && zkp_obj_ulong(xo, CKA_KEY_TYPE, 0) == CKK_EC_MONTGOMERY, "montgomery type");
    free(xo);
    free(mt);
    zkp_ab_free(&mb);

    zkp_key_record f = {3, true, ZKP_CURVE_SECP256K1, ZKP_KEYREC_PUBLIC_ONLY, pub, 64};
    zkp_object *fo = zkp_key_object(&f, CKO_PUBLIC_KEY, NULL);
    static const uint8_t idf[] = {0x80, 0, 0, 3};
    CHECK(fo && fo->handle == ZKP_HANDLE(ZKP_KIND_FOREIGN, 3) && attr_is(fo, CKA_ID, idf, 4) &&
              attr_is(fo, CKA_LABEL, "foreign-3", 9) && !zkp_obj_bool(fo, CKA_LOCAL, true),
          "foreign key defaults");
    free(fo);

    zkp_key_record e = {20, false, ZKP_CURVE_ED25519, ZKP_KEYREC_EXPORT_DISABLED, NULL, 0};
    zkp_object *eo = zkp_key_object(&e, CKO_PRIVATE_KEY, NULL);
    CHECK(eo && zkp_obj_attr(eo, CKA_EC_POINT) == NULL && !zkp_obj_bool(eo, CKA_DERIVE, true) &&
              zkp_obj_bool(eo, CKA_SIGN, false),
          "export-disabled Ed25519: no point, signs, no derive");
    free(eo);
}

static void test_mechanisms(void) {
    zkp_device_info z4, h6;
    memset(&z4, 0, sizeof z4);
    memset(&h6, 0, sizeof h6);
    z4.curves = ZKB_CURVES_P256;
    z4.factory_slots = 3;
    h6.curves = 0x0F;
    h6.features = ZKB_FEATURE_KEY_STORE | ZKB_FEATURE_ECDH | ZKB_FEATURE_EDDSA;
    h6.key_slots = 512;
    CK_MECHANISM_TYPE list[32];
    size_t n = zkp_mech_list(&z4, list, 32);
    bool has_gen = false, has_eddsa = false, has_ecdh = false, has_ecdsa = false;
    for (size_t i = 0; i < n; i++) {
        has_gen |= list[i] == CKM_EC_KEY_PAIR_GEN || list[i] == CKM_EC_EDWARDS_KEY_PAIR_GEN;
        has_eddsa |= list[i] == CKM_EDDSA;
        has_ecdh |= list[i] == CKM_ECDH1_DERIVE;
        has_ecdsa |= list[i] == CKM_ECDSA;
    }
    CHECK(has_ecdsa && !has_gen && !has_eddsa && !has_ecdh, "zymkey4 mechanisms (%zu)", n);
    CHECK(zkp_mech_list(&h6, NULL, 0) == 16, "hsm6 offers all 16");
    CK_MECHANISM_INFO mi;
    CHECK(zkp_mech_info(&h6, CKM_ECDH1_DERIVE, &mi) == CKR_OK && mi.ulMinKeySize == 255 &&
              mi.ulMaxKeySize == 256 && (mi.flags & CKF_DERIVE),
          "ECDH info");
    CHECK(zkp_mech_info(&z4, CKM_EDDSA, &mi) == CKR_MECHANISM_INVALID, "no EdDSA on zymkey4");
    CHECK(zkp_mech_allows(&h6, CKM_ECDSA, ZKP_CURVE_SECP256K1) &&
              !zkp_mech_allows(&h6, CKM_ECDSA, ZKP_CURVE_ED25519) &&
              !zkp_mech_allows(&z4, CKM_ECDSA, ZKP_CURVE_SECP256K1),
          "curve filter");
}

static void test_ecdsa_input_and_kdf(void) {
    uint8_t in[64], out[32];
    for (int i = 0; i < 64; i++)
        in[i] = (uint8_t)(0xA0 + i);
    zkp_ecdsa_input(in, 48, out);
    CHECK(memcmp(out, in, 32) == 0, "48 bytes -> leftmost 32");
    zkp_ecdsa_input(in, 20, out);
    static const uint8_t zero[12] = {0};
    CHECK(memcmp(out, zero, 12) == 0 && memcmp(out + 12, in, 20) == 0, "20 bytes -> left pad");

    uint8_t z[32], k[40];
    for (int i = 0; i < 32; i++)
        z[i] = (uint8_t)(i + 1);
    CHECK(zkp_x963_kdf(ZKP_HASH_SHA256, z, 32, (const uint8_t *)"abc", 3, k, 40) == 0, "kdf");
    size_t wl;
    uint8_t *want = t_unhex(
        "3c175218df74146ae75d1fc6bb9388427c66b8fd6268a134db2108da4aca69662ec72059f48856e3", &wl);
    CHECK(wl == 40 && memcmp(k, want, 40) == 0, "X9.63 SHA-256 KDF vector");
    free(want);
}

static const char CERT_HEX[] =
    "3082017330820119a00302010202143f4e46c486e09222d5979dfe6c84aa1fff04d299300a06082a8648ce3d04"
    "0302300f310d300b06035504030c0474657374301e170d3236313132313233333832355a170d32363131323232"
    "33333832355a300f310d300b06035504030c04746573743059301306072a8648ce3d020106082a8648ce3d0301"
    "0703420004c7cc617eb53dd10af1a32eaf869f58f3a3d285060a355e00c12bab5bbab7d2acbf8a5fa4fb4ec9f0"
    "8f6bd58eabdd3296060a041115e6ff8ea57a371b4bf51ebba3533051301d0603551d0e04160414305ade2cf8b9"
    "dd352da2fb3f36fbe8d9dabe8ac9301f0603551d23041830168014305ade2cf8b9dd352da2fb3f36fbe8d9dabe"
    "8ac9300f0603551d130101ff040530030101ff300a06082a8648ce3d0403020348003045022100fadd8096e53e"
    "d8a08a7e3c26aed00b80743338b800ac0c6814baa3eb5bb1dde80220072fa0f1522f2e4062b5a45d62e4e0311b"
    "7dea592a9220b6b546ce76f1afb26f";

static void test_cert(void) {
    size_t len;
    uint8_t *der = t_unhex(CERT_HEX, &len);
    zkp_cert_fields f;
    CHECK(zkp_cert_parse(der, len, &f) == 0, "certificate parsed");
    static const uint8_t cn_test[] = {0x30, 0x0f, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55,
                                      0x04, 0x03, 0x0c, 0x04, 't',  'e',  's',  't'};
    CHECK(f.subject_len == sizeof cn_test && memcmp(f.subject, cn_test, sizeof cn_test) == 0,
          "subject DER");
    CHECK(f.issuer_len == f.subject_len && memcmp(f.issuer, f.subject, f.subject_len) == 0,
          "self-signed: issuer = subject");
    CHECK(f.serial_len == 22 && f.serial[0] == 0x02 && f.serial[1] == 20 && f.serial[2] == 0x3F,
          "serial INTEGER");
    CHECK(f.spki && f.spki[0] == 0x30 && f.spki_len == 91, "P-256 SPKI (%zu)", f.spki_len);
    CHECK(zkp_cert_parse(der, len / 2, &f) != 0, "truncated certificate refused");
    free(der);
}

int main(int argc, char **argv) {
    (void)argc;
    (void)argv;
    test_builder();
    test_key_objects();
    test_mechanisms();
    test_ecdsa_input_and_kdf();
    test_cert();
    return t_report("pk11_attrs");
}
