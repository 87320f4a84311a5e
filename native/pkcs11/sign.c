/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signing, plus the parts of a signature operation that verify.c shares: mechanism and key
 * checks at init, message accumulation, and the ECDSA input rule.
 *
 * CKM_ECDSA takes the input as the (already hashed) value to sign: longer than 32 bytes ->
 * the leftmost 32, shorter -> left-padded with zeros (the integer conversion of ANSI X9.62 for a
 * 256-bit group order). CKM_ECDSA_SHA* hash here and then apply the same rule. CKM_EDDSA signs
 * the whole message on the device (pure Ed25519). Signatures are r||s / R||S, 64 bytes.
 *
 * Operation lifetime: a size query (NULL output) and CKR_BUFFER_TOO_SMALL keep the operation;
 * every other return ends it, so an error never leaves a stale CKR_OPERATION_ACTIVE behind.
 */
#include <stdlib.h>
#include <string.h>

#include "p11.h"
#include "wire.h"

#define SIG_LEN 64

void zkp_ecdsa_input(const uint8_t *data, size_t len, uint8_t out[32]) {
    if (len >= 32) {
        memcpy(out, data, 32);
    } else {
        memset(out, 0, 32 - len);
        memcpy(out + 32 - len, data, len);
    }
}

static bool is_ecdsa(CK_MECHANISM_TYPE m) {
    return m == CKM_ECDSA || m == CKM_ECDSA_SHA1 || m == CKM_ECDSA_SHA224 ||
           m == CKM_ECDSA_SHA256 || m == CKM_ECDSA_SHA384 || m == CKM_ECDSA_SHA512;
}

static CK_RV check_params(const CK_MECHANISM *m) {
    if (m->mechanism == CKM_EDDSA) {
        if (m->pParameter == NULL || m->ulParameterLen == 0)
            return CKR_OK;
        if (m->ulParameterLen != sizeof(CK_EDDSA_PARAMS))
            return CKR_MECHANISM_PARAM_INVALID;
        const CK_EDDSA_PARAMS *p = m->pParameter;
        /* only pure Ed25519: no pre-hash (Ed25519ph), no context (Ed25519ctx) */
        if (p->phFlag || p->ulContextDataLen != 0)
            return CKR_MECHANISM_PARAM_INVALID;
        return CKR_OK;
    }
    if (m->pParameter != NULL || m->ulParameterLen != 0)
        return CKR_MECHANISM_PARAM_INVALID;
    return CKR_OK;
}

/* The device figures of the session's slot. */
static CK_RV slot_info(zkp_slot *s, zkp_device_info *info) {
    zkp_lock();
    bool valid = s->info_valid;
    if (valid)
        *info = s->info;
    zkp_unlock();
    return valid ? CKR_OK : zkp_slot_device_info(s, info);
}

/* Fills the key reference of an object for a signing (private key) or verifying operation.
 * Module lock held. */
static CK_RV key_for(const zkp_slot *s, const zkp_object *o, bool signing, zkp_keyref *k) {
    memset(k, 0, sizeof *k);
    if (o->priv && s->login != ZKP_LOGIN_USER)
        return CKR_USER_NOT_LOGGED_IN;
    unsigned kind = ZKP_HANDLE_KIND(o->handle);
    if (signing) {
        if (o->cls != CKO_PRIVATE_KEY || kind != ZKP_KIND_PRIVATE_KEY)
            return CKR_KEY_TYPE_INCONSISTENT;
        if (!zkp_obj_bool(o, CKA_SIGN, false))
            return CKR_KEY_FUNCTION_NOT_PERMITTED;
    } else {
        if (o->cls != CKO_PUBLIC_KEY)
            return CKR_KEY_TYPE_INCONSISTENT;
        if (!zkp_obj_bool(o, CKA_VERIFY, false))
            return CKR_KEY_FUNCTION_NOT_PERMITTED;
    }
    if (kind == ZKP_KIND_PRIVATE_KEY || kind == ZKP_KIND_PUBLIC_KEY || kind == ZKP_KIND_FOREIGN) {
        k->is_slot = true;
        k->dev_slot = o->dev_slot;
        k->foreign = o->foreign;
        k->curve = o->curve;
        return CKR_OK;
    }
    /* a public key object by value (imported, store or session object) */
    k->curve = zkp_obj_curve(o);
    const zkp_attr *pt = zkp_obj_attr(o, CKA_EC_POINT);
    if (k->curve == ZKP_CURVE_NONE || !pt)
        return CKR_KEY_TYPE_INCONSISTENT;
    if (zkp_der_read_point(k->curve, pt->value, pt->len, k->pub) != 0)
        return CKR_KEY_TYPE_INCONSISTENT;
    k->pub_len = zkp_curve_raw_pubkey_size(k->curve);
    return CKR_OK;
}

CK_RV zkp_sig_op_init(zkp_session *s, zkp_op *op, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key,
                      bool signing) {
    if (!m)
        return CKR_ARGUMENTS_BAD;
    if (op->active)
        return CKR_OPERATION_ACTIVE;
    if (!is_ecdsa(m->mechanism) && m->mechanism != CKM_EDDSA)
        return CKR_MECHANISM_INVALID;
    CK_RV rv = check_params(m);
    if (rv != CKR_OK)
        return rv;
    zkp_device_info info;
    rv = slot_info(s->slot, &info);
    if (rv != CKR_OK)
        return rv;
    const zkp_object *o;
    rv = zkp_key_lock(s->slot, key, &o);
    if (rv == CKR_OBJECT_HANDLE_INVALID)
        return CKR_KEY_HANDLE_INVALID;
    if (rv != CKR_OK)
        return rv;
    zkp_keyref k;
    rv = key_for(s->slot, o, signing, &k);
    zkp_unlock();
    if (rv != CKR_OK)
        return rv;
    bool wants_edwards = m->mechanism == CKM_EDDSA;
    if (wants_edwards != (k.curve == ZKP_CURVE_ED25519) || k.curve == ZKP_CURVE_X25519)
        return CKR_KEY_TYPE_INCONSISTENT;
    if (!zkp_mech_allows(&info, m->mechanism, k.curve))
        return CKR_MECHANISM_INVALID;
    memset(op, 0, sizeof *op);
    op->mech = m->mechanism;
    op->key = k;
    zkp_hash_alg alg = zkp_mech_hash(m->mechanism);
    if (alg) {
        zkp_hash_init(&op->hash, alg);
        op->hashing = true;
    }
    op->active = true;
    return CKR_OK;
}

CK_RV zkp_sig_op_update(zkp_op *op, const uint8_t *part, size_t len, size_t max_message) {
    op->multipart = true;
    if (op->hashing) {
        zkp_hash_update(&op->hash, part, len);
        return CKR_OK;
    }
    if (op->mech != CKM_EDDSA)
        return CKR_FUNCTION_NOT_SUPPORTED; /* raw ECDSA is single-part only */
    /* EdDSA hashes the message twice, so the device needs all of it: buffer it here, within
     * what one device message can carry */
    if (len > max_message || op->len > max_message - len)
        return CKR_DATA_LEN_RANGE;
    if (op->len + len > op->cap) {
        size_t cap = op->cap ? op->cap : 1024;
        while (cap < op->len + len)
            cap *= 2;
        uint8_t *b = realloc(op->buf, cap);
        if (!b)
            return CKR_HOST_MEMORY;
        op->buf = b;
        op->cap = cap;
    }
    if (len)
        memcpy(op->buf + op->len, part, len);
    op->len += len;
    return CKR_OK;
}

CK_RV zkp_sig_op_digest(zkp_op *op, const uint8_t *data, size_t len, bool single, uint8_t out[32]) {
    if (op->hashing) {
        if (single)
            zkp_hash_update(&op->hash, data, len);
        uint8_t h[ZKP_HASH_MAX_SIZE];
        size_t hl = zkp_hash_size(op->hash.alg);
        zkp_hash_final(&op->hash, h);
        zkp_ecdsa_input(h, hl, out);
        return CKR_OK;
    }
    if (len == 0)
        return CKR_DATA_LEN_RANGE;
    zkp_ecdsa_input(data, len, out);
    return CKR_OK;
}

size_t zkp_max_eddsa_message(zkp_slot *s) {
    zkp_lock();
    size_t max = s->info_valid ? s->info.max_message : 65536;
    zkp_unlock();
    return max > 256 ? max - 256 : 0;
}

/* ---- C_Sign* ------------------------------------------------------------------------------------
 */

CK_RV zkp_sign_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key) {
    zkp_session *s;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_SIGN, &s);
    if (rv != CKR_OK)
        return rv;
    rv = zkp_sig_op_init(s, &s->sign, m, key, true);
    zkp_session_release(s, ZKP_USE_SIGN);
    return rv;
}

/* The device signature of a prepared operation. */
static CK_RV device_sign(zkp_slot *slot, zkp_op *op, const uint8_t *msg, size_t len,
                         uint8_t sig[SIG_LEN]) {
    zkp_response r;
    CK_RV rv;
    if (op->mech == CKM_EDDSA) {
        uint8_t small[4 + 1024];
        uint8_t *req = len <= 1024 ? small : malloc(4 + len);
        if (!req)
            return CKR_HOST_MEMORY;
        zkp_writer w;
        zkp_writer_init(&w, req, 4 + len);
        zkp_put_i32(&w, op->key.dev_slot);
        zkp_put_bytes(&w, msg, len);
        rv = zkp_call(slot, ZKB_CMD_SIGN_EDDSA, req, w.len, &r);
        if (req != small)
            free(req);
    } else {
        uint8_t req[4 + 32];
        zkp_writer w;
        zkp_writer_init(&w, req, sizeof req);
        zkp_put_i32(&w, op->key.dev_slot);
        uint8_t digest[32];
        rv = zkp_sig_op_digest(op, msg, len, !op->multipart, digest);
        if (rv != CKR_OK)
            return rv;
        zkp_put_bytes(&w, digest, 32);
        rv = zkp_call(slot, ZKB_CMD_SIGN_DIGEST, req, w.len, &r);
    }
    if (rv == CKR_OK && r.len < SIG_LEN)
        rv = CKR_DEVICE_ERROR;
    if (rv == CKR_OK)
        memcpy(sig, r.payload, SIG_LEN);
    zkp_response_free(&r);
    return rv;
}

/* Common tail of C_Sign and C_SignFinal. */
static CK_RV finish(zkp_session *s, const uint8_t *data, size_t len, CK_BYTE_PTR sig,
                    CK_ULONG_PTR sig_len) {
    zkp_op *op = &s->sign;
    CK_RV rv;
    if (!zkp_output_ready(sig, sig_len, SIG_LEN, &rv))
        return rv; /* size query or short buffer: the operation stays */
    uint8_t out[SIG_LEN];
    rv = device_sign(s->slot, op, data, len, out);
    if (rv == CKR_OK) {
        memcpy(sig, out, SIG_LEN);
        *sig_len = SIG_LEN;
    }
    zkp_op_end(op);
    return rv;
}

CK_RV zkp_sign(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
               CK_ULONG_PTR sig_len) {
    zkp_session *s;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_SIGN, &s);
    if (rv != CKR_OK)
        return rv;
    zkp_op *op = &s->sign;
    if (!op->active) {
        rv = CKR_OPERATION_NOT_INITIALIZED;
    } else if (!sig_len || (!data && len > 0)) {
        zkp_op_end(op);
        rv = CKR_ARGUMENTS_BAD;
    } else if (op->multipart) {
        /* C_Sign after C_SignUpdate: the single-part call does not fit this operation */
        zkp_op_end(op);
        rv = CKR_FUNCTION_FAILED;
    } else if (op->mech == CKM_ECDSA && len == 0) {
        zkp_op_end(op);
        rv = CKR_DATA_LEN_RANGE;
    } else if (op->mech == CKM_EDDSA && len > zkp_max_eddsa_message(s->slot)) {
        zkp_op_end(op);
        rv = CKR_DATA_LEN_RANGE;
    } else {
        rv = finish(s, data, len, sig, sig_len);
    }
    zkp_session_release(s, ZKP_USE_SIGN);
    return rv;
}

CK_RV zkp_sign_update(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len) {
    zkp_session *s;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_SIGN, &s);
    if (rv != CKR_OK)
        return rv;
    zkp_op *op = &s->sign;
    if (!op->active) {
        rv = CKR_OPERATION_NOT_INITIALIZED;
    } else if (!part && len > 0) {
        rv = CKR_ARGUMENTS_BAD;
    } else {
        rv = zkp_sig_op_update(op, part, len, zkp_max_eddsa_message(s->slot));
    }
    if (rv != CKR_OK && rv != CKR_OPERATION_NOT_INITIALIZED)
        zkp_op_end(op);
    zkp_session_release(s, ZKP_USE_SIGN);
    return rv;
}

CK_RV zkp_sign_final(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len) {
    zkp_session *s;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_SIGN, &s);
    if (rv != CKR_OK)
        return rv;
    zkp_op *op = &s->sign;
    if (!op->active) {
        rv = CKR_OPERATION_NOT_INITIALIZED;
    } else if (!sig_len) {
        zkp_op_end(op);
        rv = CKR_ARGUMENTS_BAD;
    } else if (op->mech == CKM_ECDSA) {
        zkp_op_end(op);
        rv = CKR_FUNCTION_NOT_SUPPORTED; /* single-part only */
    } else {
        op->multipart = true;
        rv = finish(s, op->buf, op->len, sig, sig_len);
    }
    zkp_session_release(s, ZKP_USE_SIGN);
    return rv;
}
