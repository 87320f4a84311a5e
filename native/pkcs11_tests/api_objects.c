/* SPDX-License-Identifier: Apache-2.0 */
/* API test: data and certificate objects (create, find, read, change, copy, destroy), template
 * validation, session-object lifetime, imported public keys, persistence of labels and ids
 * across module restarts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#define F A.f

/* A small self-signed P-256 certificate (CN=test), DER. */
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

static CK_RV create_data(CK_SESSION_HANDLE s, bool token, bool priv, const char *label,
                         const char *value, CK_OBJECT_HANDLE *h) {
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_BBOOL tk = token, pv = priv;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_TOKEN, &tk, 1},
                        {CKA_PRIVATE, &pv, 1},         {CKA_LABEL, (void *)label, strlen(label)},
                        {CKA_APPLICATION, "api", 3},   {CKA_VALUE, (void *)value, strlen(value)}};
    return F->C_CreateObject(s, t, 6, h);
}

static size_t count_label(CK_SESSION_HANDLE s, const char *label) {
    CK_ATTRIBUTE t[] = {{CKA_LABEL, (void *)label, strlen(label)}};
    return count_objects(s, t, 1);
}

static void data_objects(void) {
    CK_SESSION_HANDLE rw = api_open(true, true), ro = api_open(false, false);
    CK_OBJECT_HANDLE h, priv, sess_obj, copy;
    check_rv(create_data(rw, true, false, "api-data", "hello", &h), CKR_OK, "token data object");
    check(count_label(ro, "api-data") == 1, "found from another session");
    size_t len;
    uint8_t *v = get_attr(ro, h, CKA_VALUE, &len);
    check(v && len == 5 && memcmp(v, "hello", 5) == 0, "CKA_VALUE read back");
    free(v);
    CK_ULONG size = 0;
    check_rv(F->C_GetObjectSize(ro, h, &size), CKR_OK, "C_GetObjectSize");
    check(size > 0, "size %lu", size);
    CK_ATTRIBUTE change[] = {{CKA_LABEL, "api-data-2", 10}, {CKA_VALUE, "world!", 6}};
    check_rv(F->C_SetAttributeValue(ro, h, change, 2), CKR_SESSION_READ_ONLY,
             "change a token object from a RO session");
    check_rv(F->C_SetAttributeValue(rw, h, change, 2), CKR_OK, "C_SetAttributeValue");
    check(count_label(ro, "api-data-2") == 1 && count_label(ro, "api-data") == 0, "label changed");
    CK_OBJECT_CLASS other = CKO_CERTIFICATE;
    CK_ATTRIBUTE ro_attr[] = {{CKA_CLASS, &other, sizeof other}};
    check_rv(F->C_SetAttributeValue(rw, h, ro_attr, 1), CKR_ATTRIBUTE_READ_ONLY, "CKA_CLASS");
    CK_BBOOL no = CK_FALSE;
    CK_ATTRIBUTE to_session[] = {{CKA_TOKEN, &no, 1}, {CKA_LABEL, "api-copy", 8}};
    check_rv(F->C_CopyObject(rw, h, to_session, 2, &copy), CKR_OK,
             "C_CopyObject to a session object");
    v = get_attr(rw, copy, CKA_VALUE, &len);
    check(v && len == 6 && memcmp(v, "world!", 6) == 0, "copy has the value");
    free(v);
    check_rv(F->C_DestroyObject(ro, h), CKR_SESSION_READ_ONLY, "destroy token object from RO");
    check_rv(F->C_DestroyObject(rw, h), CKR_OK, "destroy");
    check_rv(F->C_DestroyObject(rw, h), CKR_OBJECT_HANDLE_INVALID, "destroy twice");
    check(count_label(ro, "api-data-2") == 0, "gone");

    check_rv(create_data(ro, true, false, "x", "y", &h), CKR_SESSION_READ_ONLY,
             "token object in a RO session");
    check_rv(create_data(ro, false, false, "api-session", "s", &sess_obj), CKR_OK,
             "session object in a RO session");
    check(count_label(rw, "api-session") == 1, "visible to the other session");
    check_rv(create_data(rw, true, true, "api-private", "p", &priv), CKR_OK, "private object");
    F->C_Logout(rw);
    check(count_label(rw, "api-private") == 0, "private object hidden after logout");
    check_rv(create_data(rw, true, true, "x", "y", &h), CKR_USER_NOT_LOGGED_IN,
             "private object without login");
    uint8_t buf[8];
    CK_ATTRIBUTE rd = {CKA_VALUE, buf, sizeof buf};
    check_rv(F->C_GetAttributeValue(rw, priv, &rd, 1), CKR_OBJECT_HANDLE_INVALID,
             "private handle unusable while logged out");
    F->C_Login(rw, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN));
    check(count_label(rw, "api-private") == 1, "visible again after login");
    check_rv(F->C_DestroyObject(rw, priv), CKR_OK, "destroy private object");

    F->C_CloseSession(ro);
    check_rv(F->C_GetObjectSize(rw, sess_obj, &size), CKR_OBJECT_HANDLE_INVALID,
             "session object died with its session");
    check(count_label(rw, "api-copy") == 1, "the copy (owned by the other session) lives");
    F->C_DestroyObject(rw, copy);
    F->C_CloseSession(rw);
}

static void template_rules(void) {
    CK_SESSION_HANDLE s = api_open(true, true);
    CK_OBJECT_HANDLE h;
    CK_OBJECT_CLASS data = CKO_DATA, privk = CKO_PRIVATE_KEY, cert = CKO_CERTIFICATE;
    CK_ATTRIBUTE no_class[] = {{CKA_LABEL, "x", 1}};
    check_rv(F->C_CreateObject(s, no_class, 1, &h), CKR_TEMPLATE_INCOMPLETE, "no CKA_CLASS");
    CK_ATTRIBUTE unknown[] = {{CKA_CLASS, &data, sizeof data}, {0x7777, "x", 1}};
    check_rv(F->C_CreateObject(s, unknown, 2, &h), CKR_ATTRIBUTE_TYPE_INVALID, "unknown type");
    CK_ATTRIBUTE dup[] = {
        {CKA_CLASS, &data, sizeof data}, {CKA_LABEL, "a", 1}, {CKA_LABEL, "b", 1}};
    check_rv(F->C_CreateObject(s, dup, 3, &h), CKR_TEMPLATE_INCONSISTENT, "conflicting duplicates");
    CK_ATTRIBUTE same[] = {
        {CKA_CLASS, &data, sizeof data}, {CKA_LABEL, "a", 1}, {CKA_LABEL, "a", 1}};
    check_rv(F->C_CreateObject(s, same, 3, &h), CKR_OK, "agreeing duplicates");
    F->C_DestroyObject(s, h);
    CK_BBOOL yes = CK_TRUE;
    CK_ATTRIBUTE local[] = {{CKA_CLASS, &data, sizeof data}, {CKA_LOCAL, &yes, 1}};
    check_rv(F->C_CreateObject(s, local, 2, &h), CKR_ATTRIBUTE_READ_ONLY, "CKA_LOCAL");
    CK_ATTRIBUTE badbool[] = {{CKA_CLASS, &data, sizeof data}, {CKA_TOKEN, &data, sizeof data}};
    check_rv(F->C_CreateObject(s, badbool, 2, &h), CKR_ATTRIBUTE_VALUE_INVALID, "8-byte CK_BBOOL");
    CK_ATTRIBUTE pk[] = {{CKA_CLASS, &privk, sizeof privk}};
    check_rv(F->C_CreateObject(s, pk, 1, &h), CKR_TEMPLATE_INCONSISTENT, "private key import");
    CK_CERTIFICATE_TYPE x509 = CKC_X_509;
    CK_ATTRIBUTE nov[] = {{CKA_CLASS, &cert, sizeof cert},
                          {CKA_CERTIFICATE_TYPE, &x509, sizeof x509}};
    check_rv(F->C_CreateObject(s, nov, 2, &h), CKR_TEMPLATE_INCOMPLETE,
             "certificate without value");
    check_rv(F->C_CreateObject(s, NULL, 1, &h), CKR_ARGUMENTS_BAD, "NULL template");
    F->C_CloseSession(s);
}

static void certificates(void) {
    CK_SESSION_HANDLE s = api_open(true, true);
    uint8_t der[600];
    size_t n = unhex(CERT_HEX, der, sizeof der);
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    CK_CERTIFICATE_TYPE x509 = CKC_X_509;
    CK_BBOOL yes = CK_TRUE;
    uint8_t id[2] = {0xA0, 1}; /* the P-256 key's id: certificate goes with it */
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_CERTIFICATE_TYPE, &x509, sizeof x509},
                        {CKA_TOKEN, &yes, 1},          {CKA_ID, id, 2},
                        {CKA_LABEL, "api-cert", 8},    {CKA_VALUE, der, n}};
    CK_OBJECT_HANDLE h;
    check_rv(F->C_CreateObject(s, t, 6, &h), CKR_OK, "certificate object (%zu bytes)", n);
    size_t len;
    uint8_t *subj = get_attr(s, h, CKA_SUBJECT, &len);
    static const uint8_t cn_test[] = {0x30, 0x0f, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55,
                                      0x04, 0x03, 0x0c, 0x04, 't',  'e',  's',  't'};
    check(subj && len == sizeof cn_test && memcmp(subj, cn_test, len) == 0,
          "CKA_SUBJECT filled from the certificate");
    free(subj);
    uint8_t *serial = get_attr(s, h, CKA_SERIAL_NUMBER, &len);
    check(serial && len == 22 && serial[0] == 0x02, "CKA_SERIAL_NUMBER filled");
    free(serial);
    CK_ATTRIBUTE q[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, id, 2}};
    check(count_objects(s, q, 2) == 1, "certificate found by key id");
    check_rv(F->C_DestroyObject(s, h), CKR_OK, "destroy certificate");
    F->C_CloseSession(s);
}

void test_objects(void) {
    section("objects");
    data_objects();
    template_rules();
    certificates();
}

/* ---- imported public keys
 * ------------------------------------------------------------------------- */

static CK_RV import_pub(CK_SESSION_HANDLE s, bool token, CK_KEY_TYPE kt, const uint8_t *params,
                        size_t plen, const uint8_t *point, size_t ptlen, CK_OBJECT_HANDLE *h) {
    CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
    CK_BBOOL tk = token;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                        {CKA_KEY_TYPE, &kt, sizeof kt},
                        {CKA_TOKEN, &tk, 1},
                        {CKA_LABEL, "api-imported", 12},
                        {CKA_EC_PARAMS, (void *)params, plen},
                        {CKA_EC_POINT, (void *)point, ptlen}};
    return F->C_CreateObject(s, t, 6, h);
}

static CK_RV sig_verify(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE m, CK_OBJECT_HANDLE priv,
                        CK_OBJECT_HANDLE pub, bool corrupt) {
    CK_MECHANISM mech = {m, NULL, 0};
    uint8_t sig[64];
    CK_ULONG sl = 64;
    static const char msg[] = "imported keys verify by value";
    CK_RV rv = F->C_SignInit(s, &mech, priv);
    if (rv == CKR_OK)
        rv = F->C_Sign(s, (CK_BYTE_PTR)msg, sizeof msg, sig, &sl);
    if (rv != CKR_OK)
        return rv;
    if (corrupt)
        sig[0] ^= 1;
    rv = F->C_VerifyInit(s, &mech, pub);
    if (rv == CKR_OK)
        rv = F->C_Verify(s, (CK_BYTE_PTR)msg, sizeof msg, sig, 64);
    return rv;
}

void test_imported_keys(void) {
    section("imported public keys");
    CK_SESSION_HANDLE s = api_open(true, true);
    size_t l1, l2, l3;
    uint8_t *p256 = get_attr(s, K_P256B.pub, CKA_EC_POINT, &l1);
    uint8_t *k1 = get_attr(s, K_K1B.pub, CKA_EC_POINT, &l2);
    uint8_t *ed = get_attr(s, K_ED.pub, CKA_EC_POINT, &l3);
    CK_OBJECT_HANDLE h1, h2, h3, h4, bad;
    check_rv(import_pub(s, false, CKK_EC, OID_P256, sizeof OID_P256, p256, l1, &h1), CKR_OK,
             "P-256 public key as a session object (DER point)");
    check_rv(sig_verify(s, CKM_ECDSA_SHA256, K_P256B.priv, h1, false), CKR_OK,
             "verify with it (by value)");
    check_rv(sig_verify(s, CKM_ECDSA_SHA256, K_P256B.priv, h1, true), CKR_SIGNATURE_INVALID,
             "altered signature");
    check_rv(import_pub(s, true, CKK_EC, OID_SECP256K1, sizeof OID_SECP256K1, k1 + 2, l2 - 2, &h2),
             CKR_OK, "secp256k1 public key as a token object (raw point)");
    check_rv(sig_verify(s, CKM_ECDSA, K_K1B.priv, h2, false), CKR_OK, "verify secp256k1");
    size_t norm_len;
    uint8_t *norm = get_attr(s, h2, CKA_EC_POINT, &norm_len);
    check(norm && norm_len == l2 && memcmp(norm, k1, l2) == 0, "EC_POINT stored as DER");
    free(norm);
    static const char ed_name[] = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r',
                                   'd',  's',  '2', '5', '5', '1', '9'};
    check_rv(
        import_pub(s, false, CKK_EC_EDWARDS, (const uint8_t *)ed_name, sizeof ed_name, ed, l3, &h3),
        CKR_OK, "Ed25519 public key with the printable curve name");
    check_rv(sig_verify(s, CKM_EDDSA, K_ED.priv, h3, false), CKR_OK, "verify EdDSA by value");
    check_rv(sig_verify(s, CKM_EDDSA, K_ED.priv, h3, true), CKR_SIGNATURE_INVALID,
             "altered EdDSA signature");
    check_rv(import_pub(s, false, CKK_EC_EDWARDS, OID_P256, sizeof OID_P256, p256, l1, &bad),
             CKR_TEMPLATE_INCONSISTENT, "key type and curve disagree");
    check_rv(import_pub(s, false, CKK_EC, OID_P256, sizeof OID_P256, p256, 10, &bad),
             CKR_ATTRIBUTE_VALUE_INVALID, "truncated point");
    check_rv(import_pub(s, false, CKK_EC, OID_P384, sizeof OID_P384, p256, l1, &bad),
             CKR_CURVE_NOT_SUPPORTED, "P-384 key");
    check_rv(sig_verify(s, CKM_ECDSA, K_P256.priv, h1, false), CKR_SIGNATURE_INVALID,
             "another key's signature");
    (void)h4;
    check_rv(F->C_DestroyObject(s, h2), CKR_OK, "destroy the token public key");

    /* keys in the device's foreign store (put there by other tools) show as public keys */
    CK_OBJECT_CLASS pubc = CKO_PUBLIC_KEY;
    CK_BBOOL local = CK_FALSE;
    CK_ATTRIBUTE q[] = {
        {CKA_CLASS, &pubc, sizeof pubc}, {CKA_LOCAL, &local, 1}, {CKA_TOKEN, &local, 1}};
    size_t imported = count_objects(s, q, 3);
    check(imported == 2, "two imported session public keys listed (%zu)", imported);
    free(p256);
    free(k1);
    free(ed);
    F->C_CloseSession(s);
}

/* ---- persistence
 * ---------------------------------------------------------------------------------- */

void test_persistence(void) {
    section("labels and ids persist across module restarts");
    CK_SESSION_HANDLE s = api_open(true, true);
    uint8_t new_id[3] = {0xBE, 0xEF, 0x01};
    CK_ATTRIBUTE change[] = {{CKA_LABEL, "renamed-key", 11}, {CKA_ID, new_id, 3}};
    check_rv(F->C_SetAttributeValue(s, K_P256.priv, change, 2), CKR_OK,
             "set label and id of a device key");
    check(find_one(s, CKO_PUBLIC_KEY, new_id, 3) == K_P256.pub, "the public key follows");
    CK_KEY_TYPE kt = CKK_EC;
    CK_ATTRIBUTE ro[] = {{CKA_KEY_TYPE, &kt, sizeof kt}};
    check_rv(F->C_SetAttributeValue(s, K_P256.priv, ro, 1), CKR_OK,
             "writing back an unchanged attribute is accepted");
    CK_BBOOL no = CK_FALSE;
    CK_ATTRIBUTE sens[] = {{CKA_SENSITIVE, &no, 1}};
    check_rv(F->C_SetAttributeValue(s, K_P256.priv, sens, 1), CKR_ATTRIBUTE_READ_ONLY,
             "CKA_SENSITIVE of a device key");
    CK_OBJECT_HANDLE data;
    CK_OBJECT_CLASS dc = CKO_DATA;
    CK_BBOOL yes = CK_TRUE;
    CK_ATTRIBUTE dt[] = {{CKA_CLASS, &dc, sizeof dc},
                         {CKA_TOKEN, &yes, 1},
                         {CKA_LABEL, "api-persist", 11},
                         {CKA_VALUE, "kept", 4}};
    check_rv(F->C_CreateObject(s, dt, 4, &data), CKR_OK, "a token data object");
    api_finalize();
    api_init();
    s = api_open(false, true);
    check(find_one(s, CKO_PRIVATE_KEY, new_id, 3) == K_P256.priv, "private key found by new id");
    check(find_one(s, CKO_PUBLIC_KEY, new_id, 3) == K_P256.pub, "public key found by new id");
    size_t len;
    uint8_t *label = get_attr(s, K_P256.pub, CKA_LABEL, &len);
    check(label && len == 11 && memcmp(label, "renamed-key", 11) == 0, "label kept");
    free(label);
    CK_ATTRIBUTE q[] = {{CKA_LABEL, "api-persist", 11}};
    CK_OBJECT_HANDLE found = 0;
    CK_ULONG got = 0;
    F->C_FindObjectsInit(s, q, 1);
    F->C_FindObjects(s, &found, 1, &got);
    F->C_FindObjectsFinal(s);
    check(got == 1 && found == data, "data object found with the same handle");
    /* give the key its test id back for the later sections */
    F->C_CloseSession(s);
    s = api_open(true, true);
    CK_ATTRIBUTE back[] = {{CKA_ID, K_P256.id, 2}};
    check_rv(F->C_SetAttributeValue(s, K_P256.pub, back, 1), CKR_OK, "set id via the public key");
    check(find_one(s, CKO_PRIVATE_KEY, K_P256.id, 2) == K_P256.priv, "applies to the pair");
    F->C_DestroyObject(s, data);
    F->C_CloseSession(s);
}
