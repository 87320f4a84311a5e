/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CKM_ECDH1_DERIVE: the device computes the raw shared secret (ECDH_RAW) with a key-store
 * private key and the peer's public point (raw or DER OCTET STRING); the optional PKCS#11 KDF
 * (CKD_SHA*_KDF, ANSI X9.63) runs here. The result is a secret key object, a session object
 * unless the template asks for a token object. Defaults (not sensitive, extractable) let tools
 * such as pkcs11-tool --derive read the value.
 */
#include <stdlib.h>
#include <string.h>

#include "p11.h"
#include "wire.h"

#define SECRET_LEN 32

int zkp_x963_kdf(zkp_hash_alg alg, const uint8_t *z, size_t zlen, const uint8_t *shared,
                 size_t shared_len, uint8_t *out, size_t out_len) {
    size_t hl = zkp_hash_size(alg);
    if (!hl)
        return -1;
    uint32_t counter = 1;
    for (size_t done = 0; done < out_len; counter++) {
        zkp_hash_ctx ctx;
        zkp_hash_init(&ctx, alg);
        zkp_hash_update(&ctx, z, zlen);
        uint8_t c[4] = {(uint8_t)(counter >> 24), (uint8_t)(counter >> 16), (uint8_t)(counter >> 8),
                        (uint8_t)counter};
        zkp_hash_update(&ctx, c, 4);
        if (shared_len)
            zkp_hash_update(&ctx, shared, shared_len);
        uint8_t block[ZKP_HASH_MAX_SIZE];
        zkp_hash_final(&ctx, block);
        size_t take = out_len - done < hl ? out_len - done : hl;
        memcpy(out + done, block, take);
        done += take;
        memset(block, 0, sizeof block);
    }
    return 0;
}

static zkp_hash_alg kdf_hash(CK_EC_KDF_TYPE kdf) {
    switch (kdf) {
    case CKD_SHA1_KDF:
        return ZKP_HASH_SHA1;
    case CKD_SHA224_KDF:
        return ZKP_HASH_SHA224;
    case CKD_SHA256_KDF:
        return ZKP_HASH_SHA256;
    case CKD_SHA384_KDF:
        return ZKP_HASH_SHA384;
    case CKD_SHA512_KDF:
        return ZKP_HASH_SHA512;
    default:
        return (zkp_hash_alg)0;
    }
}

/* Template attributes a derived secret key may carry. */
static const CK_ATTRIBUTE_TYPE ALLOWED[] = {CKA_CLASS,       CKA_KEY_TYPE,
                                            CKA_VALUE_LEN,   CKA_TOKEN,
                                            CKA_PRIVATE,     CKA_SENSITIVE,
                                            CKA_EXTRACTABLE, CKA_LABEL,
                                            CKA_ID,          CKA_START_DATE,
                                            CKA_END_DATE,    CKA_MODIFIABLE,
                                            CKA_COPYABLE,    CKA_DESTROYABLE,
                                            CKA_ENCRYPT,     CKA_DECRYPT,
                                            CKA_SIGN,        CKA_VERIFY,
                                            CKA_WRAP,        CKA_UNWRAP,
                                            CKA_DERIVE,      CKA_WRAP_WITH_TRUSTED,
                                            CKA_TRUSTED};

static CK_RV read_template(const CK_ATTRIBUTE *t, CK_ULONG n, zkp_attr_builder *b) {
    for (CK_ULONG i = 0; i < n; i++) {
        bool ok = t[i].type >= CKA_VENDOR_DEFINED;
        for (size_t k = 0; k < sizeof ALLOWED / sizeof ALLOWED[0] && !ok; k++)
            ok = ALLOWED[k] == t[i].type;
        if (t[i].type == CKA_VALUE)
            return CKR_TEMPLATE_INCONSISTENT; /* the value is what we derive */
        if (!ok)
            return CKR_ATTRIBUTE_TYPE_INVALID;
        CK_RV rv = zkp_attr_check_value(&t[i]);
        if (rv != CKR_OK)
            return rv;
        zkp_ab_bytes(b, t[i].type, t[i].pValue, t[i].ulValueLen);
    }
    return CKR_OK;
}

static CK_ULONG get_ulong(const zkp_attr_builder *b, CK_ATTRIBUTE_TYPE t, CK_ULONG dflt) {
    CK_ULONG len, v;
    const uint8_t *p = zkp_ab_get(b, t, &len);
    if (!p || len != sizeof v)
        return dflt;
    memcpy(&v, p, sizeof v);
    return v;
}

static bool get_bool(const zkp_attr_builder *b, CK_ATTRIBUTE_TYPE t, bool dflt) {
    CK_ULONG len;
    const uint8_t *p = zkp_ab_get(b, t, &len);
    return p && len == 1 ? p[0] != 0 : dflt;
}

static void set_default(zkp_attr_builder *b, CK_ATTRIBUTE_TYPE t, bool v) {
    if (!zkp_ab_get(b, t, NULL))
        zkp_ab_bool(b, t, v);
}

/* Checks the template and fills in the secret key's attributes except its value. */
static CK_RV shape_key(zkp_attr_builder *b, CK_EC_KDF_TYPE kdf, size_t *key_len) {
    if (get_ulong(b, CKA_CLASS, CKO_SECRET_KEY) != CKO_SECRET_KEY)
        return CKR_TEMPLATE_INCONSISTENT;
    CK_KEY_TYPE kt = get_ulong(b, CKA_KEY_TYPE, CKK_GENERIC_SECRET);
    if (kt != CKK_GENERIC_SECRET && kt != CKK_AES)
        return CKR_TEMPLATE_INCONSISTENT;
    CK_ULONG len = get_ulong(b, CKA_VALUE_LEN, kt == CKK_AES ? 0 : SECRET_LEN);
    if (kt == CKK_AES && len != 16 && len != 24 && len != 32)
        return len == 0 ? CKR_TEMPLATE_INCOMPLETE : CKR_ATTRIBUTE_VALUE_INVALID;
    /* without a KDF the key is (a prefix of) the shared secret itself */
    if (len == 0 || (kdf == CKD_NULL && len > SECRET_LEN) || len > 4096)
        return CKR_ATTRIBUTE_VALUE_INVALID;
    *key_len = len;
    zkp_ab_ulong(b, CKA_CLASS, CKO_SECRET_KEY);
    zkp_ab_ulong(b, CKA_KEY_TYPE, kt);
    zkp_ab_ulong(b, CKA_VALUE_LEN, len);
    set_default(b, CKA_TOKEN, false);
    set_default(b, CKA_PRIVATE, true);
    set_default(b, CKA_SENSITIVE, false);
    set_default(b, CKA_EXTRACTABLE, true);
    set_default(b, CKA_MODIFIABLE, true);
    set_default(b, CKA_COPYABLE, true);
    set_default(b, CKA_DESTROYABLE, true);
    static const CK_ATTRIBUTE_TYPE usage[] = {
        CKA_ENCRYPT, CKA_DECRYPT,           CKA_SIGN,   CKA_VERIFY, CKA_WRAP, CKA_UNWRAP,
        CKA_DERIVE,  CKA_WRAP_WITH_TRUSTED, CKA_TRUSTED};
    for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++)
        set_default(b, usage[i], false);
    if (!zkp_ab_get(b, CKA_LABEL, NULL))
        zkp_ab_bytes(b, CKA_LABEL, NULL, 0);
    if (!zkp_ab_get(b, CKA_ID, NULL))
        zkp_ab_bytes(b, CKA_ID, NULL, 0);
    if (!zkp_ab_get(b, CKA_START_DATE, NULL))
        zkp_ab_bytes(b, CKA_START_DATE, NULL, 0);
    if (!zkp_ab_get(b, CKA_END_DATE, NULL))
        zkp_ab_bytes(b, CKA_END_DATE, NULL, 0);
    zkp_ab_bool(b, CKA_LOCAL, false);
    zkp_ab_ulong(b, CKA_KEY_GEN_MECHANISM, CKM_ECDH1_DERIVE);
    zkp_ab_bool(b, CKA_ALWAYS_SENSITIVE, get_bool(b, CKA_SENSITIVE, false));
    zkp_ab_bool(b, CKA_NEVER_EXTRACTABLE, !get_bool(b, CKA_EXTRACTABLE, true));
    return b->err ? CKR_HOST_MEMORY : CKR_OK;
}

/* Base key checks; fills slot and curve. Module lock held. */
static CK_RV base_key(const zkp_slot *s, const zkp_object *o, int32_t *slot, zkp_curve *c) {
    if (o->priv && s->login != ZKP_LOGIN_USER)
        return CKR_USER_NOT_LOGGED_IN;
    if (o->cls != CKO_PRIVATE_KEY || ZKP_HANDLE_KIND(o->handle) != ZKP_KIND_PRIVATE_KEY)
        return CKR_KEY_TYPE_INCONSISTENT;
    if (!zkp_obj_bool(o, CKA_DERIVE, false))
        return CKR_KEY_FUNCTION_NOT_PERMITTED;
    if (o->curve == ZKP_CURVE_ED25519)
        return CKR_KEY_TYPE_INCONSISTENT;
    *slot = o->dev_slot;
    *c = o->curve;
    return CKR_OK;
}

static CK_RV ecdh(zkp_slot *s, int32_t slot, zkp_curve c, const uint8_t *peer,
                  uint8_t secret[SECRET_LEN]) {
    uint8_t req[4 + 4 + 64];
    size_t plen = zkp_curve_raw_pubkey_size(c);
    zkp_writer w;
    zkp_writer_init(&w, req, sizeof req);
    zkp_put_i32(&w, slot);
    zkp_put_blob(&w, peer, plen);
    zkp_response r;
    CK_RV rv = zkp_call(s, ZKB_CMD_ECDH_RAW, req, w.len, &r);
    if (rv != CKR_OK &&
        (r.status == ZKB_ST_ERR_INVALID_PUBKEY || r.status == ZKB_ST_ERR_KEY_TYPE_MISMATCH))
        rv = CKR_MECHANISM_PARAM_INVALID; /* the peer point, not our key */
    if (rv == CKR_OK && r.len != SECRET_LEN)
        rv = CKR_DEVICE_ERROR;
    if (rv == CKR_OK)
        memcpy(secret, r.payload, SECRET_LEN);
    if (r.payload)
        memset(r.payload, 0, r.len);
    zkp_response_free(&r);
    return rv;
}

CK_RV zkp_derive_key(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE base,
                     CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR out) {
    if (!m || !out || (n && !t))
        return CKR_ARGUMENTS_BAD;
    if (m->mechanism != CKM_ECDH1_DERIVE)
        return CKR_MECHANISM_INVALID;
    if (!m->pParameter || m->ulParameterLen != sizeof(CK_ECDH1_DERIVE_PARAMS))
        return CKR_MECHANISM_PARAM_INVALID;
    const CK_ECDH1_DERIVE_PARAMS *p = m->pParameter;
    zkp_hash_alg alg = kdf_hash(p->kdf);
    if (p->kdf != CKD_NULL && !alg)
        return CKR_MECHANISM_PARAM_INVALID;
    if ((p->kdf == CKD_NULL && p->ulSharedDataLen) || (p->ulSharedDataLen && !p->pSharedData) ||
        !p->pPublicData || !p->ulPublicDataLen)
        return CKR_MECHANISM_PARAM_INVALID;

    zkp_session *sess;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_NONE, &sess);
    if (rv != CKR_OK)
        return rv;
    zkp_slot *s = sess->slot;
    zkp_attr_builder b;
    zkp_ab_init(&b);
    size_t key_len = 0;
    int32_t slot = -1;
    zkp_curve c = ZKP_CURVE_NONE;
    zkp_device_info info;
    rv = read_template(t, n, &b);
    if (rv == CKR_OK)
        rv = shape_key(&b, p->kdf, &key_len);
    if (rv == CKR_OK)
        rv = zkp_slot_device_info(s, &info);
    if (rv == CKR_OK) {
        const zkp_object *o;
        rv = zkp_key_lock(s, base, &o);
        if (rv == CKR_OK) {
            rv = base_key(s, o, &slot, &c);
            zkp_unlock();
        } else if (rv == CKR_OBJECT_HANDLE_INVALID) {
            rv = CKR_KEY_HANDLE_INVALID;
        }
    }
    if (rv == CKR_OK && !zkp_mech_allows(&info, CKM_ECDH1_DERIVE, c))
        rv = CKR_KEY_TYPE_INCONSISTENT;
    uint8_t peer[64];
    if (rv == CKR_OK && zkp_der_read_point(c, p->pPublicData, p->ulPublicDataLen, peer) != 0)
        rv = CKR_MECHANISM_PARAM_INVALID;
    uint8_t secret[SECRET_LEN];
    if (rv == CKR_OK)
        rv = ecdh(s, slot, c, peer, secret);
    if (rv == CKR_OK) {
        uint8_t *key = malloc(key_len);
        if (!key) {
            rv = CKR_HOST_MEMORY;
        } else {
            if (p->kdf == CKD_NULL)
                memcpy(key, secret, key_len);
            else
                zkp_x963_kdf(alg, secret, SECRET_LEN, p->pSharedData, p->ulSharedDataLen, key,
                             key_len);
            zkp_ab_bytes(&b, CKA_VALUE, key, key_len);
            memset(key, 0, key_len);
            free(key);
            rv = b.err ? CKR_HOST_MEMORY : zkp_store_new_object(sess, &b, out);
        }
        memset(secret, 0, sizeof secret);
    }
    zkp_ab_free(&b);
    zkp_session_release(sess, ZKP_USE_NONE);
    return rv;
}
