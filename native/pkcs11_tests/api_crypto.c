/* SPDX-License-Identifier: Apache-2.0 */
/* API test: digests, ECDH derivation (both sides agree; raw and DER peer points; X9.63 KDF),
 * random numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#define F A.f

void test_digest(void) {
    section("digests");
    CK_SESSION_HANDLE s = api_open(false, false);
    static const struct {
        CK_MECHANISM_TYPE m;
        const char *hex;
    } abc[] = {
        {CKM_SHA_1, "a9993e364706816aba3e25717850c26c9cd0d89d"},
        {CKM_SHA224, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"},
        {CKM_SHA256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {CKM_SHA384, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7"
                     "cc2358baeca134c825a7"},
        {CKM_SHA512, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274f"
                     "c1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
    };
    for (size_t i = 0; i < sizeof abc / sizeof abc[0]; i++) {
        uint8_t want[64], got[64];
        size_t wl = unhex(abc[i].hex, want, sizeof want);
        CK_MECHANISM m = {abc[i].m, NULL, 0};
        check_rv(F->C_DigestInit(s, &m), CKR_OK, "digest 0x%lx init", abc[i].m);
        CK_ULONG gl = 0;
        check_rv(F->C_Digest(s, (CK_BYTE_PTR) "abc", 3, NULL, &gl), CKR_OK, "size query");
        check(gl == wl, "digest length %lu", gl);
        gl = 4;
        check_rv(F->C_Digest(s, (CK_BYTE_PTR) "abc", 3, got, &gl), CKR_BUFFER_TOO_SMALL,
                 "short buffer");
        gl = sizeof got;
        check_rv(F->C_Digest(s, (CK_BYTE_PTR) "abc", 3, got, &gl), CKR_OK, "C_Digest");
        check(gl == wl && memcmp(got, want, wl) == 0, "digest 0x%lx of \"abc\"", abc[i].m);
        check_rv(F->C_DigestInit(s, &m), CKR_OK, "multi-part init");
        F->C_DigestUpdate(s, (CK_BYTE_PTR) "a", 1);
        F->C_DigestUpdate(s, (CK_BYTE_PTR) "bc", 2);
        gl = sizeof got;
        check_rv(F->C_DigestFinal(s, got, &gl), CKR_OK, "C_DigestFinal");
        check(gl == wl && memcmp(got, want, wl) == 0, "multi-part digest 0x%lx", abc[i].m);
    }
    CK_MECHANISM sha = {CKM_SHA256, NULL, 0};
    check_rv(F->C_DigestInit(s, &sha), CKR_OK, "init");
    check_rv(F->C_DigestInit(s, &sha), CKR_OPERATION_ACTIVE, "init twice");
    check_rv(F->C_DigestKey(s, 1), CKR_KEY_INDIGESTIBLE, "C_DigestKey");
    uint8_t out[32];
    CK_ULONG ol = 32;
    check_rv(F->C_DigestFinal(s, out, &ol), CKR_OPERATION_NOT_INITIALIZED, "ended by DigestKey");
    CK_MECHANISM md5 = {0x210, NULL, 0};
    check_rv(F->C_DigestInit(s, &md5), CKR_MECHANISM_INVALID, "MD5");
    F->C_CloseSession(s);
}

/* ---- derive
 * --------------------------------------------------------------------------------------- */

static CK_RV derive(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE base, CK_EC_KDF_TYPE kdf,
                    const uint8_t *peer, size_t peer_len, const char *shared, CK_ULONG value_len,
                    CK_OBJECT_HANDLE *out) {
    CK_ECDH1_DERIVE_PARAMS p = {kdf, shared ? strlen(shared) : 0, (CK_BYTE_PTR)shared, peer_len,
                                (CK_BYTE_PTR)peer};
    CK_MECHANISM m = {CKM_ECDH1_DERIVE, &p, sizeof p};
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
    CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                        {CKA_KEY_TYPE, &kt, sizeof kt},
                        {CKA_SENSITIVE, &no, 1},
                        {CKA_EXTRACTABLE, &yes, 1},
                        {CKA_VALUE_LEN, &value_len, sizeof value_len}};
    return F->C_DeriveKey(s, &m, base, t, value_len ? 5 : 4, out);
}

/* The derived key's value (malloc'ed) or NULL. */
static uint8_t *value_of(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE k, size_t *len) {
    return get_attr(s, k, CKA_VALUE, len);
}

static void pair(CK_SESSION_HANDLE s, const api_key *a, const api_key *b) {
    size_t la, lb;
    uint8_t *pa = get_attr(s, a->pub, CKA_EC_POINT, &la);
    uint8_t *pb = get_attr(s, b->pub, CKA_EC_POINT, &lb);
    if (!check(pa && pb, "%s: public points", a->curve))
        goto out;
    CK_OBJECT_HANDLE ka, kb;
    /* side A gets the DER OCTET STRING, side B the raw point */
    check_rv(derive(s, a->priv, CKD_NULL, pb, lb, NULL, 0, &ka), CKR_OK, "%s: derive A (DER peer)",
             a->curve);
    check_rv(derive(s, b->priv, CKD_NULL, pa + 2, la - 2, NULL, 0, &kb), CKR_OK,
             "%s: derive B (raw peer)", a->curve);
    size_t va, vb;
    uint8_t *xa = value_of(s, ka, &va), *xb = value_of(s, kb, &vb);
    check(xa && xb && va == 32 && vb == 32 && memcmp(xa, xb, 32) == 0, "%s: both sides agree",
          a->curve);
    CK_OBJECT_CLASS cls = 0;
    CK_BBOOL token = CK_TRUE;
    CK_ATTRIBUTE attrs[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_TOKEN, &token, 1}};
    F->C_GetAttributeValue(s, ka, attrs, 2);
    check(cls == CKO_SECRET_KEY && token == CK_FALSE, "%s: a session secret key", a->curve);

    CK_OBJECT_HANDLE ha, hb;
    check_rv(derive(s, a->priv, CKD_SHA256_KDF, pb, lb, "ctx", 48, &ha), CKR_OK,
             "%s: CKD_SHA256_KDF A", a->curve);
    check_rv(derive(s, b->priv, CKD_SHA256_KDF, pa, la, "ctx", 48, &hb), CKR_OK,
             "%s: CKD_SHA256_KDF B", a->curve);
    size_t ka_len, kb_len;
    uint8_t *za = value_of(s, ha, &ka_len), *zb = value_of(s, hb, &kb_len);
    check(za && zb && ka_len == 48 && kb_len == 48 && memcmp(za, zb, 48) == 0,
          "%s: KDF sides agree (48 bytes)", a->curve);
    if (za && xa) {
        /* X9.63: SHA-256(Z || counter || shared info), counter from 1 */
        uint8_t in[32 + 4 + 3], want[64];
        memcpy(in, xa, 32);
        memcpy(in + 36, "ctx", 3);
        for (uint8_t c = 1; c <= 2; c++) {
            uint8_t ctr[4] = {0, 0, 0, c};
            memcpy(in + 32, ctr, 4);
            api_digest(s, CKM_SHA256, in, sizeof in, want + 32 * (c - 1));
        }
        check(memcmp(za, want, 48) == 0, "%s: KDF output is ANSI X9.63 over the raw secret",
              a->curve);
    }
    free(za);
    free(zb);
    free(xa);
    free(xb);
    F->C_DestroyObject(s, ka);
    F->C_DestroyObject(s, kb);
    check_rv(F->C_DestroyObject(s, ka), CKR_OBJECT_HANDLE_INVALID, "%s: derived key destroyed",
             a->curve);
out:
    free(pa);
    free(pb);
}

void test_derive(void) {
    section("ECDH derive");
    CK_SESSION_HANDLE s = api_open(true, true);
    pair(s, &K_P256, &K_P256B);
    pair(s, &K_K1, &K_K1B);
    pair(s, &K_X, &K_XB);
    size_t lb;
    uint8_t *pb = get_attr(s, K_P256B.pub, CKA_EC_POINT, &lb);
    CK_OBJECT_HANDLE k;
    check_rv(derive(s, K_P256.priv, CKD_NULL, pb, lb, "x", 0, &k), CKR_MECHANISM_PARAM_INVALID,
             "CKD_NULL with shared data");
    uint8_t bad[65];
    memset(bad, 0x11, sizeof bad);
    bad[0] = 0x04;
    check_rv(derive(s, K_P256.priv, CKD_NULL, bad, sizeof bad, NULL, 0, &k),
             CKR_MECHANISM_PARAM_INVALID, "peer point not on the curve");
    check_rv(derive(s, K_ED.priv, CKD_NULL, pb, lb, NULL, 0, &k), CKR_KEY_FUNCTION_NOT_PERMITTED,
             "Ed25519 does not derive");
    check_rv(derive(s, K_P256.priv, CKD_NULL, pb, lb, NULL, 33, &k), CKR_ATTRIBUTE_VALUE_INVALID,
             "raw secret longer than 32 bytes");
    check_rv(derive(s, K_P256.pub, CKD_NULL, pb, lb, NULL, 0, &k), CKR_KEY_TYPE_INCONSISTENT,
             "public key as base");
    /* a token secret key lands in the device store */
    CK_ECDH1_DERIVE_PARAMS p = {CKD_NULL, 0, NULL, lb, pb};
    CK_MECHANISM m = {CKM_ECDH1_DERIVE, &p, sizeof p};
    CK_BBOOL yes = CK_TRUE;
    CK_KEY_TYPE aes = CKK_AES;
    CK_ULONG sixteen = 16;
    CK_ATTRIBUTE t[] = {{CKA_TOKEN, &yes, 1},
                        {CKA_KEY_TYPE, &aes, sizeof aes},
                        {CKA_VALUE_LEN, &sixteen, sizeof sixteen},
                        {CKA_LABEL, "derived", 7}};
    check_rv(F->C_DeriveKey(s, &m, K_P256.priv, t, 4, &k), CKR_OK, "derive a token AES key");
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_ATTRIBUTE q[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, "derived", 7}};
    check(count_objects(s, q, 2) == 1, "found in the token");
    uint8_t v[16];
    CK_ATTRIBUTE va = {CKA_VALUE, v, sizeof v};
    check_rv(F->C_GetAttributeValue(s, k, &va, 1), CKR_OK, "AES key value readable");
    check_rv(F->C_DestroyObject(s, k), CKR_OK, "destroy the token key");
    check(count_objects(s, q, 2) == 0, "gone");
    free(pb);
    F->C_CloseSession(s);
}

void test_random(void) {
    section("random");
    CK_SESSION_HANDLE s = api_open(false, false);
    uint8_t a[32], b[32];
    check_rv(F->C_GenerateRandom(s, a, 0), CKR_OK, "0 bytes");
    check_rv(F->C_GenerateRandom(s, a, sizeof a), CKR_OK, "32 bytes");
    check_rv(F->C_GenerateRandom(s, b, sizeof b), CKR_OK, "32 more");
    check(memcmp(a, b, 32) != 0, "different");
    size_t big = 200000;
    uint8_t *r = calloc(1, big);
    check_rv(F->C_GenerateRandom(s, r, big), CKR_OK, "200000 bytes (chunked)");
    size_t zeros = 0;
    for (size_t i = big - 1000; i < big; i++)
        zeros += r[i] == 0;
    check(zeros < 30, "the tail is filled too (%zu zero bytes of 1000)", zeros);
    free(r);
    check_rv(F->C_SeedRandom(s, a, 4), CKR_RANDOM_SEED_NOT_SUPPORTED, "C_SeedRandom");
    check_rv(F->C_GenerateRandom(123456, a, 4), CKR_SESSION_HANDLE_INVALID, "bad session");
    F->C_CloseSession(s);
}
