/* SPDX-License-Identifier: Apache-2.0 */
/* API test: key-pair generation, signing and verification with every mechanism. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#define F A.f

api_key K_P256 = {"p256", 0, 0, {0xA0, 1}}, K_P256B = {"p256", 0, 0, {0xA0, 2}},
        K_K1 = {"secp256k1", 0, 0, {0xA0, 3}}, K_K1B = {"secp256k1", 0, 0, {0xA0, 4}},
        K_ED = {"ed25519", 0, 0, {0xA0, 5}}, K_X = {"x25519", 0, 0, {0xA0, 6}},
        K_XB = {"x25519", 0, 0, {0xA0, 7}};

static api_key *const ALL_KEYS[] = {&K_P256, &K_P256B, &K_K1, &K_K1B, &K_ED, &K_X, &K_XB};

size_t unhex(const char *hex, uint8_t *out, size_t cap) {
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n && i < cap; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
    return n < cap ? n : cap;
}

size_t api_digest(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE m, const void *data, size_t len,
                  uint8_t *out) {
    CK_MECHANISM mech = {m, NULL, 0};
    CK_ULONG ol = 64;
    if (F->C_DigestInit(s, &mech) != CKR_OK ||
        F->C_Digest(s, (CK_BYTE_PTR)data, len, out, &ol) != CKR_OK)
        return 0;
    return ol;
}

/* ---- key generation
 * ------------------------------------------------------------------------------ */

static CK_RV gen_with(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, CK_ATTRIBUTE *pt, CK_ULONG pn,
                      CK_ATTRIBUTE *vt, CK_ULONG vn) {
    CK_MECHANISM m = {mech, NULL, 0};
    CK_OBJECT_HANDLE pub, priv;
    return F->C_GenerateKeyPair(s, &m, pt, pn, vt, vn, &pub, &priv);
}

void test_keygen(void) {
    section("key-pair generation");
    CK_SESSION_HANDLE s = api_open(true, true);
    for (size_t i = 0; i < sizeof ALL_KEYS / sizeof ALL_KEYS[0]; i++) {
        api_key *k = ALL_KEYS[i];
        char label[32];
        snprintf(label, sizeof label, "api-%s-%zu", k->curve, i);
        check_rv(gen_keypair(s, k->curve, label, k->id, 2, &k->pub, &k->priv), CKR_OK,
                 "generate %s", label);
        check(k->pub && k->priv && k->pub != k->priv, "%s: two handles", label);
        size_t len = 0;
        uint8_t *pt = get_attr(s, k->pub, CKA_EC_POINT, &len);
        bool weier = strcmp(k->curve, "p256") == 0 || strcmp(k->curve, "secp256k1") == 0;
        check(pt && len == (weier ? 67u : 34u) && pt[0] == 0x04, "%s: EC_POINT (%zu bytes)", label,
              len);
        free(pt);
        uint8_t *lb = get_attr(s, k->priv, CKA_LABEL, &len);
        check(lb && len == strlen(label) && memcmp(lb, label, len) == 0, "%s: label", label);
        free(lb);
        check(find_one(s, CKO_PRIVATE_KEY, k->id, 2) == k->priv, "%s: private key found by id",
              label);
        check(find_one(s, CKO_PUBLIC_KEY, k->id, 2) == k->pub, "%s: public key found by id", label);
        CK_KEY_TYPE kt = 0;
        CK_ATTRIBUTE a = {CKA_KEY_TYPE, &kt, sizeof kt};
        F->C_GetAttributeValue(s, k->priv, &a, 1);
        CK_KEY_TYPE want = weier                              ? CKK_EC
                           : strcmp(k->curve, "ed25519") == 0 ? CKK_EC_EDWARDS
                                                              : CKK_EC_MONTGOMERY;
        check(kt == want, "%s: key type", label);
    }
    uint8_t buf[8];
    CK_ATTRIBUTE value = {CKA_VALUE, buf, sizeof buf};
    check_rv(F->C_GetAttributeValue(s, K_P256.priv, &value, 1), CKR_ATTRIBUTE_SENSITIVE,
             "private value is sensitive");
    check(value.ulValueLen == CK_UNAVAILABLE_INFORMATION, "... and unavailable");
    size_t plen;
    uint8_t *ppt = get_attr(s, K_P256.priv, CKA_EC_POINT, &plen);
    check(ppt && plen == 67, "EC_POINT on the private key too");
    free(ppt);

    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE p256[] = {{CKA_EC_PARAMS, (void *)OID_P256, sizeof OID_P256}};
    CK_ATTRIBUTE p384[] = {{CKA_EC_PARAMS, (void *)OID_P384, sizeof OID_P384}};
    CK_ATTRIBUTE session_key[] = {{CKA_EC_PARAMS, (void *)OID_P256, sizeof OID_P256},
                                  {CKA_TOKEN, &no, 1}};
    CK_ATTRIBUTE extractable[] = {{CKA_EXTRACTABLE, &yes, 1}};
    check_rv(gen_with(s, CKM_EC_KEY_PAIR_GEN, p384, 1, NULL, 0), CKR_CURVE_NOT_SUPPORTED, "P-384");
    check_rv(gen_with(s, CKM_EC_KEY_PAIR_GEN, NULL, 0, NULL, 0), CKR_TEMPLATE_INCOMPLETE,
             "no CKA_EC_PARAMS");
    check_rv(gen_with(s, CKM_EC_KEY_PAIR_GEN, session_key, 2, NULL, 0), CKR_ATTRIBUTE_VALUE_INVALID,
             "CKA_TOKEN false");
    check_rv(gen_with(s, CKM_EC_KEY_PAIR_GEN, p256, 1, extractable, 1), CKR_ATTRIBUTE_VALUE_INVALID,
             "extractable private key");
    check_rv(gen_with(s, CKM_EC_EDWARDS_KEY_PAIR_GEN, p256, 1, NULL, 0), CKR_TEMPLATE_INCONSISTENT,
             "Edwards mechanism with P-256 parameters");
    check_rv(gen_with(s, 0x0 /* RSA */, p256, 1, NULL, 0), CKR_MECHANISM_INVALID, "RSA key gen");
    CK_MECHANISM aes = {0x1080 /* AES_KEY_GEN */, NULL, 0};
    CK_OBJECT_HANDLE h;
    check_rv(F->C_GenerateKey(s, &aes, NULL, 0, &h), CKR_MECHANISM_INVALID, "C_GenerateKey");

    /* usage restriction from the template persists on the key */
    uint8_t nid[2] = {0xA0, 0x99};
    CK_ATTRIBUTE nosign_pub[] = {{CKA_EC_PARAMS, (void *)OID_P256, sizeof OID_P256},
                                 {CKA_ID, nid, 2}};
    CK_ATTRIBUTE nosign_priv[] = {{CKA_SIGN, &no, 1}, {CKA_ID, nid, 2}};
    check_rv(gen_with(s, CKM_EC_KEY_PAIR_GEN, nosign_pub, 2, nosign_priv, 2), CKR_OK,
             "key with CKA_SIGN false");
    CK_OBJECT_HANDLE ns = find_one(s, CKO_PRIVATE_KEY, nid, 2);
    CK_BBOOL sign_attr = CK_TRUE;
    CK_ATTRIBUTE sa = {CKA_SIGN, &sign_attr, 1};
    F->C_GetAttributeValue(s, ns, &sa, 1);
    check(ns && sign_attr == CK_FALSE, "CKA_SIGN false kept");
    CK_MECHANISM ecdsa = {CKM_ECDSA, NULL, 0};
    check_rv(F->C_SignInit(s, &ecdsa, ns), CKR_KEY_FUNCTION_NOT_PERMITTED, "sign with it");
    check_rv(F->C_DestroyObject(s, ns), CKR_OK, "destroy it");
    check(find_one(s, CKO_PUBLIC_KEY, nid, 2) == CK_INVALID_HANDLE, "both objects gone");

    CK_SESSION_HANDLE ro = api_open(false, false);
    check_rv(gen_with(ro, CKM_EC_KEY_PAIR_GEN, p256, 1, NULL, 0), CKR_SESSION_READ_ONLY,
             "generate in a RO session");
    F->C_CloseSession(ro);
    F->C_Logout(s);
    check_rv(gen_with(s, CKM_EC_KEY_PAIR_GEN, p256, 1, NULL, 0), CKR_USER_NOT_LOGGED_IN,
             "generate without login");
    F->C_CloseSession(s);
}

/* ---- signatures
 * ---------------------------------------------------------------------------------- */

static CK_RV sign(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE m, CK_OBJECT_HANDLE k, const void *d,
                  size_t n, uint8_t sig[64]) {
    CK_MECHANISM mech = {m, NULL, 0};
    CK_RV rv = F->C_SignInit(s, &mech, k);
    if (rv != CKR_OK)
        return rv;
    CK_ULONG sl = 64;
    return F->C_Sign(s, (CK_BYTE_PTR)d, n, sig, &sl);
}

static CK_RV verify(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE m, CK_OBJECT_HANDLE k, const void *d,
                    size_t n, const uint8_t *sig, size_t sl) {
    CK_MECHANISM mech = {m, NULL, 0};
    CK_RV rv = F->C_VerifyInit(s, &mech, k);
    if (rv != CKR_OK)
        return rv;
    return F->C_Verify(s, (CK_BYTE_PTR)d, n, (CK_BYTE_PTR)sig, sl);
}

static const struct {
    CK_MECHANISM_TYPE m;
    const char *name;
} ECDSA_MECHS[] = {{CKM_ECDSA, "ECDSA"},
                   {CKM_ECDSA_SHA1, "ECDSA_SHA1"},
                   {CKM_ECDSA_SHA224, "ECDSA_SHA224"},
                   {CKM_ECDSA_SHA256, "ECDSA_SHA256"},
                   {CKM_ECDSA_SHA384, "ECDSA_SHA384"},
                   {CKM_ECDSA_SHA512, "ECDSA_SHA512"}};

static void ecdsa_key(CK_SESSION_HANDLE s, const api_key *k) {
    uint8_t msg[100];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 7 + 1);
    for (size_t i = 0; i < sizeof ECDSA_MECHS / sizeof ECDSA_MECHS[0]; i++) {
        const char *mn = ECDSA_MECHS[i].name;
        CK_MECHANISM mech = {ECDSA_MECHS[i].m, NULL, 0};
        size_t n = mech.mechanism == CKM_ECDSA ? 32 : sizeof msg;
        uint8_t sig[64], sig2[64];
        check_rv(F->C_SignInit(s, &mech, k->priv), CKR_OK, "%s %s: C_SignInit", k->curve, mn);
        CK_ULONG sl = 0;
        check_rv(F->C_Sign(s, msg, n, NULL, &sl), CKR_OK, "%s %s: size query", k->curve, mn);
        check(sl == 64, "%s %s: 64 bytes", k->curve, mn);
        sl = 10;
        check_rv(F->C_Sign(s, msg, n, sig, &sl), CKR_BUFFER_TOO_SMALL, "%s %s: short buffer",
                 k->curve, mn);
        check(sl == 64, "%s %s: short buffer reports 64", k->curve, mn);
        sl = sizeof sig;
        check_rv(F->C_Sign(s, msg, n, sig, &sl), CKR_OK, "%s %s: C_Sign (operation kept)", k->curve,
                 mn);
        check_rv(F->C_Sign(s, msg, n, sig2, &sl), CKR_OPERATION_NOT_INITIALIZED,
                 "%s %s: operation ended", k->curve, mn);
        check_rv(verify(s, mech.mechanism, k->pub, msg, n, sig, 64), CKR_OK, "%s %s: verify",
                 k->curve, mn);
        sig[5] ^= 0x40;
        check_rv(verify(s, mech.mechanism, k->pub, msg, n, sig, 64), CKR_SIGNATURE_INVALID,
                 "%s %s: altered signature", k->curve, mn);
        sig[5] ^= 0x40;
        check_rv(verify(s, mech.mechanism, k->pub, msg, n, sig, 63), CKR_SIGNATURE_LEN_RANGE,
                 "%s %s: 63-byte signature", k->curve, mn);
        check_rv(verify(s, mech.mechanism, k->pub, msg, n - 1, sig, 64), CKR_SIGNATURE_INVALID,
                 "%s %s: other data", k->curve, mn);
        if (mech.mechanism == CKM_ECDSA) {
            check_rv(F->C_SignInit(s, &mech, k->priv), CKR_OK, "ECDSA init for update");
            check_rv(F->C_SignUpdate(s, msg, 16), CKR_FUNCTION_NOT_SUPPORTED,
                     "%s ECDSA is single-part", k->curve);
            check_rv(F->C_SignInit(s, &mech, k->priv), CKR_OK, "no stale operation after it");
            sl = 64;
            check_rv(F->C_Sign(s, msg, 0, sig2, &sl), CKR_DATA_LEN_RANGE, "%s ECDSA of 0 bytes",
                     k->curve);
            continue;
        }
        /* multi-part sign, single-part verify, and the other way round */
        check_rv(F->C_SignInit(s, &mech, k->priv), CKR_OK, "%s %s: multi-part init", k->curve, mn);
        F->C_SignUpdate(s, msg, 30);
        F->C_SignUpdate(s, msg + 30, 0);
        check_rv(F->C_SignUpdate(s, msg + 30, sizeof msg - 30), CKR_OK, "%s %s: update", k->curve,
                 mn);
        sl = 0;
        check_rv(F->C_SignFinal(s, NULL, &sl), CKR_OK, "%s %s: final size", k->curve, mn);
        sl = 64;
        check_rv(F->C_SignFinal(s, sig2, &sl), CKR_OK, "%s %s: final", k->curve, mn);
        check_rv(verify(s, mech.mechanism, k->pub, msg, sizeof msg, sig2, 64), CKR_OK,
                 "%s %s: multi-part signature verifies", k->curve, mn);
        check_rv(F->C_VerifyInit(s, &mech, k->pub), CKR_OK, "verify init");
        F->C_VerifyUpdate(s, msg, 50);
        F->C_VerifyUpdate(s, msg + 50, 50);
        check_rv(F->C_VerifyFinal(s, sig, 64), CKR_OK, "%s %s: multi-part verify", k->curve, mn);
        /* the hash-then-sign rule is exactly CKM_ECDSA over the digest */
        uint8_t dg[64];
        CK_MECHANISM_TYPE hm = mech.mechanism == CKM_ECDSA_SHA1     ? CKM_SHA_1
                               : mech.mechanism == CKM_ECDSA_SHA224 ? CKM_SHA224
                               : mech.mechanism == CKM_ECDSA_SHA256 ? CKM_SHA256
                               : mech.mechanism == CKM_ECDSA_SHA384 ? CKM_SHA384
                                                                    : CKM_SHA512;
        size_t dl = api_digest(s, hm, msg, sizeof msg, dg);
        check_rv(verify(s, CKM_ECDSA, k->pub, dg, dl, sig, 64), CKR_OK,
                 "%s %s = CKM_ECDSA over the %zu-byte digest", k->curve, mn, dl);
    }
}

static void ecdsa_input_rules(CK_SESSION_HANDLE s) {
    uint8_t in[64], sig[64];
    for (int i = 0; i < 64; i++)
        in[i] = (uint8_t)(0xC0 ^ i);
    check_rv(sign(s, CKM_ECDSA, K_P256.priv, in, 48, sig), CKR_OK, "ECDSA of 48 bytes");
    check_rv(verify(s, CKM_ECDSA, K_P256.pub, in, 48, sig, 64), CKR_OK, "verifies with 48 bytes");
    check_rv(verify(s, CKM_ECDSA, K_P256.pub, in, 32, sig, 64), CKR_OK, "= the leftmost 32 bytes");
    check_rv(verify(s, CKM_ECDSA, K_P256.pub, in + 16, 32, sig, 64), CKR_SIGNATURE_INVALID,
             "not the rightmost 32");
    check_rv(sign(s, CKM_ECDSA, K_K1.priv, in, 64, sig), CKR_OK, "ECDSA of 64 bytes (secp256k1)");
    check_rv(verify(s, CKM_ECDSA, K_K1.pub, in, 32, sig, 64), CKR_OK, "= leftmost 32");
    uint8_t padded[32] = {0};
    memcpy(padded + 12, in, 20);
    check_rv(sign(s, CKM_ECDSA, K_P256.priv, in, 20, sig), CKR_OK, "ECDSA of 20 bytes");
    check_rv(verify(s, CKM_ECDSA, K_P256.pub, in, 20, sig, 64), CKR_OK, "verifies with 20 bytes");
    check_rv(verify(s, CKM_ECDSA, K_P256.pub, padded, 32, sig, 64), CKR_OK,
             "= left zero-padded to 32");
}

static void eddsa(CK_SESSION_HANDLE s) {
    static const char msg[] = "a message of some length for EdDSA";
    uint8_t sig[64], sig2[64];
    check_rv(sign(s, CKM_EDDSA, K_ED.priv, msg, sizeof msg, sig), CKR_OK, "EdDSA sign");
    check_rv(verify(s, CKM_EDDSA, K_ED.pub, msg, sizeof msg, sig, 64), CKR_OK, "EdDSA verify");
    CK_MECHANISM m = {CKM_EDDSA, NULL, 0};
    check_rv(F->C_SignInit(s, &m, K_ED.priv), CKR_OK, "EdDSA multi-part init");
    F->C_SignUpdate(s, (CK_BYTE_PTR)msg, 10);
    F->C_SignUpdate(s, (CK_BYTE_PTR)msg + 10, sizeof msg - 10);
    CK_ULONG sl = 64;
    check_rv(F->C_SignFinal(s, sig2, &sl), CKR_OK, "EdDSA multi-part final");
    check(memcmp(sig, sig2, 64) == 0, "Ed25519 is deterministic: same signature");
    sig[63] ^= 1;
    check_rv(verify(s, CKM_EDDSA, K_ED.pub, msg, sizeof msg, sig, 64), CKR_SIGNATURE_INVALID,
             "EdDSA altered");
    check_rv(verify(s, CKM_EDDSA, K_ED.pub, msg, sizeof msg, sig, 65), CKR_SIGNATURE_LEN_RANGE,
             "EdDSA 65 bytes");
    CK_EDDSA_PARAMS ph = {CK_TRUE, 0, NULL};
    CK_MECHANISM mph = {CKM_EDDSA, &ph, sizeof ph};
    check_rv(F->C_SignInit(s, &mph, K_ED.priv), CKR_MECHANISM_PARAM_INVALID, "Ed25519ph refused");
    CK_EDDSA_PARAMS pure = {CK_FALSE, 0, NULL};
    CK_MECHANISM mpure = {CKM_EDDSA, &pure, sizeof pure};
    check_rv(F->C_SignInit(s, &mpure, K_ED.priv), CKR_OK, "explicit pure parameters");
    sl = 64;
    check_rv(F->C_Sign(s, (CK_BYTE_PTR)msg, sizeof msg, sig2, &sl), CKR_OK, "sign");
    static uint8_t big[20000];
    memset(big, 0x5A, sizeof big);
    check_rv(sign(s, CKM_EDDSA, K_ED.priv, big, sizeof big, sig), CKR_OK, "EdDSA of 20000 bytes");
    check_rv(verify(s, CKM_EDDSA, K_ED.pub, big, sizeof big, sig, 64), CKR_OK, "verify it");
}

static void wrong_uses(CK_SESSION_HANDLE s) {
    uint8_t d[32] = {1}, sig[64];
    CK_MECHANISM ecdsa = {CKM_ECDSA, NULL, 0}, ed = {CKM_EDDSA, NULL, 0};
    check_rv(F->C_SignInit(s, &ecdsa, K_ED.priv), CKR_KEY_TYPE_INCONSISTENT, "ECDSA, Ed25519 key");
    check_rv(F->C_SignInit(s, &ed, K_P256.priv), CKR_KEY_TYPE_INCONSISTENT, "EdDSA, P-256 key");
    check_rv(F->C_SignInit(s, &ecdsa, K_X.priv), CKR_KEY_FUNCTION_NOT_PERMITTED,
             "X25519 does not sign");
    check_rv(F->C_SignInit(s, &ecdsa, K_P256.pub), CKR_KEY_TYPE_INCONSISTENT, "sign, public key");
    check_rv(F->C_VerifyInit(s, &ecdsa, K_P256.priv), CKR_KEY_TYPE_INCONSISTENT,
             "verify, private key");
    check_rv(F->C_SignInit(s, &ecdsa, 0x777777), CKR_KEY_HANDLE_INVALID, "bad key handle");
    CK_MECHANISM rsa = {0x1, NULL, 0};
    check_rv(F->C_SignInit(s, &rsa, K_P256.priv), CKR_MECHANISM_INVALID, "RSA mechanism");
    CK_MECHANISM with_param = {CKM_ECDSA, d, 4};
    check_rv(F->C_SignInit(s, &with_param, K_P256.priv), CKR_MECHANISM_PARAM_INVALID,
             "ECDSA with a parameter");
    CK_ULONG sl = 64;
    check_rv(F->C_Sign(s, d, 32, sig, &sl), CKR_OPERATION_NOT_INITIALIZED, "C_Sign without init");
    check_rv(F->C_SignInit(s, &ecdsa, K_P256.priv), CKR_OK, "init");
    check_rv(F->C_SignInit(s, &ecdsa, K_P256.priv), CKR_OPERATION_ACTIVE, "init twice");
    check_rv(F->C_Sign(s, d, 32, sig, &sl), CKR_OK, "the first operation still completes");
    check_rv(F->C_SignInit(s, &ecdsa, K_P256.priv), CKR_OK, "init");
    check_rv(A.f3->C_SessionCancel(s, CKF_SIGN), CKR_OK, "C_SessionCancel");
    check_rv(F->C_Sign(s, d, 32, sig, &sl), CKR_OPERATION_NOT_INITIALIZED, "cancelled");
    check_rv(F->C_VerifyInit(s, &ecdsa, K_P256.pub), CKR_OK, "verify init");
    check_rv(F->C_Verify(s, d, 32, sig, 12), CKR_SIGNATURE_LEN_RANGE, "bad length ends it");
    check_rv(F->C_VerifyInit(s, &ecdsa, K_P256.pub), CKR_OK, "no stale verify operation");
    check_rv(F->C_Verify(s, d, 32, sig, 64), CKR_OK, "verify the earlier signature");

    F->C_Logout(s);
    check_rv(F->C_SignInit(s, &ecdsa, K_P256.priv), CKR_USER_NOT_LOGGED_IN, "sign without login");
    check_rv(F->C_VerifyInit(s, &ecdsa, K_P256.pub), CKR_OK, "verify needs no login");
    check_rv(F->C_Verify(s, d, 32, sig, 64), CKR_OK, "public verify");
    F->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN));

    static const uint8_t slot0[4] = {0, 0, 0, 0};
    CK_OBJECT_HANDLE f0 = find_one(s, CKO_PRIVATE_KEY, slot0, 4);
    CK_OBJECT_HANDLE f0p = find_one(s, CKO_PUBLIC_KEY, slot0, 4);
    check(f0 && f0p, "factory slot 0 key pair (id 00000000)");
    check_rv(sign(s, CKM_ECDSA_SHA256, f0, "x", 1, sig), CKR_OK, "sign with factory slot 0");
    check_rv(verify(s, CKM_ECDSA_SHA256, f0p, "x", 1, sig, 64), CKR_OK, "verify");
    check_rv(F->C_DestroyObject(s, f0), CKR_ACTION_PROHIBITED, "factory key is permanent");
}

void test_sign_verify(void) {
    section("sign / verify");
    CK_SESSION_HANDLE s = api_open(true, true);
    ecdsa_key(s, &K_P256);
    ecdsa_key(s, &K_K1);
    ecdsa_input_rules(s);
    eddsa(s);
    wrong_uses(s);
    F->C_CloseSession(s);
}
