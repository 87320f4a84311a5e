/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verification. Keys of the device (key-store and foreign slots) verify by slot number
 * (VERIFY_DIGEST / VERIFY_EDDSA); public key objects given by value (imported store or session
 * objects) verify with the key sent along (VERIFY_DIGEST_WITH_PUBKEY / VERIFY_EDDSA_WITH_PUBKEY).
 * The device answers a mismatch with valid=false, which becomes CKR_SIGNATURE_INVALID.
 */
#include <stdlib.h>
#include <string.h>

#include "p11.h"
#include "wire.h"

#define SIG_LEN 64

CK_RV zkp_verify_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key) {
    zkp_session *s;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_VERIFY, &s);
    if (rv != CKR_OK)
        return rv;
    rv = zkp_sig_op_init(s, &s->verify, m, key, false);
    zkp_session_release(s, ZKP_USE_VERIFY);
    return rv;
}

static CK_RV device_verify(zkp_slot *slot, zkp_op *op, const uint8_t *msg, size_t len,
                           const uint8_t sig[SIG_LEN]) {
    const zkp_keyref *k = &op->key;
    size_t cap = 1 + 4 + 64 + 32 + SIG_LEN + 8 + (op->mech == CKM_EDDSA ? len : 0);
    uint8_t small[256];
    uint8_t *req = cap <= sizeof small ? small : malloc(cap);
    if (!req)
        return CKR_HOST_MEMORY;
    zkp_writer w;
    zkp_writer_init(&w, req, cap);
    uint16_t cmd;
    CK_RV rv = CKR_OK;
    if (op->mech == CKM_EDDSA) {
        if (k->is_slot) {
            cmd = ZKB_CMD_VERIFY_EDDSA;
            zkp_put_i32(&w, k->dev_slot);
            zkp_put_u8(&w, k->foreign);
        } else {
            cmd = ZKB_CMD_VERIFY_EDDSA_WITH_PUBKEY;
            zkp_put_bytes(&w, k->pub, 32);
        }
        zkp_put_bytes(&w, sig, SIG_LEN);
        zkp_put_bytes(&w, msg, len);
    } else {
        uint8_t digest[32];
        rv = zkp_sig_op_digest(op, msg, len, !op->multipart, digest);
        if (k->is_slot) {
            cmd = ZKB_CMD_VERIFY_DIGEST;
            zkp_put_i32(&w, k->dev_slot);
            zkp_put_u8(&w, k->foreign);
        } else {
            cmd = ZKB_CMD_VERIFY_DIGEST_WITH_PUBKEY;
            zkp_put_u8(&w, (uint8_t)k->curve);
            zkp_put_blob(&w, k->pub, k->pub_len);
        }
        zkp_put_bytes(&w, digest, 32);
        zkp_put_bytes(&w, sig, SIG_LEN);
    }
    if (rv == CKR_OK) {
        zkp_response r;
        rv = zkp_call(slot, cmd, req, w.len, &r);
        if (rv == CKR_OK)
            rv = r.len >= 1 && r.payload[0] == 1 ? CKR_OK : CKR_SIGNATURE_INVALID;
        else if (r.status == ZKB_ST_ERR_INVALID_PUBKEY)
            rv = CKR_KEY_TYPE_INCONSISTENT; /* the object's point is not on its curve */
        zkp_response_free(&r);
    }
    if (req != small)
        free(req);
    return rv;
}

CK_RV zkp_verify(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
                 CK_ULONG sig_len) {
    zkp_session *s;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_VERIFY, &s);
    if (rv != CKR_OK)
        return rv;
    zkp_op *op = &s->verify;
    if (!op->active) {
        zkp_session_release(s, ZKP_USE_VERIFY);
        return CKR_OPERATION_NOT_INITIALIZED;
    }
    if ((!data && len > 0) || !sig)
        rv = CKR_ARGUMENTS_BAD;
    else if (op->multipart)
        rv = CKR_FUNCTION_FAILED;
    else if (op->mech == CKM_ECDSA && len == 0)
        rv = CKR_DATA_LEN_RANGE;
    else if (op->mech == CKM_EDDSA && len > zkp_max_eddsa_message(s->slot))
        rv = CKR_DATA_LEN_RANGE;
    else if (sig_len != SIG_LEN)
        rv = CKR_SIGNATURE_LEN_RANGE;
    else
        rv = device_verify(s->slot, op, data, len, sig);
    zkp_op_end(op);
    zkp_session_release(s, ZKP_USE_VERIFY);
    return rv;
}

CK_RV zkp_verify_update(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len) {
    zkp_session *s;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_VERIFY, &s);
    if (rv != CKR_OK)
        return rv;
    zkp_op *op = &s->verify;
    if (!op->active) {
        rv = CKR_OPERATION_NOT_INITIALIZED;
    } else {
        rv = !part && len > 0 ? CKR_ARGUMENTS_BAD
                              : zkp_sig_op_update(op, part, len, zkp_max_eddsa_message(s->slot));
        if (rv != CKR_OK)
            zkp_op_end(op);
    }
    zkp_session_release(s, ZKP_USE_VERIFY);
    return rv;
}

CK_RV zkp_verify_final(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG sig_len) {
    zkp_session *s;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_VERIFY, &s);
    if (rv != CKR_OK)
        return rv;
    zkp_op *op = &s->verify;
    if (!op->active) {
        zkp_session_release(s, ZKP_USE_VERIFY);
        return CKR_OPERATION_NOT_INITIALIZED;
    }
    if (!sig)
        rv = CKR_ARGUMENTS_BAD;
    else if (op->mech == CKM_ECDSA)
        rv = CKR_FUNCTION_NOT_SUPPORTED;
    else if (sig_len != SIG_LEN)
        rv = CKR_SIGNATURE_LEN_RANGE;
    else {
        op->multipart = true;
        rv = device_verify(s->slot, op, op->buf, op->len, sig);
    }
    zkp_op_end(op);
    zkp_session_release(s, ZKP_USE_VERIFY);
    return rv;
}
