/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Message digests, computed in the library (hash.h): SHA-1 and SHA-2. No device involved.
 */
#include <string.h>

#include "p11.h"

CK_RV zkp_digest_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m) {
    if (!m)
        return CKR_ARGUMENTS_BAD;
    zkp_session *s;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_DIGEST, &s);
    if (rv != CKR_OK)
        return rv;
    zkp_op *op = &s->digest;
    zkp_hash_alg alg = zkp_mech_hash(m->mechanism);
    bool digest_mech = m->mechanism == CKM_SHA_1 || m->mechanism == CKM_SHA224 ||
                       m->mechanism == CKM_SHA256 || m->mechanism == CKM_SHA384 ||
                       m->mechanism == CKM_SHA512;
    if (op->active)
        rv = CKR_OPERATION_ACTIVE;
    else if (!digest_mech || !alg)
        rv = CKR_MECHANISM_INVALID;
    else if (m->pParameter || m->ulParameterLen)
        rv = CKR_MECHANISM_PARAM_INVALID;
    if (rv == CKR_OK) {
        memset(op, 0, sizeof *op);
        zkp_hash_init(&op->hash, alg);
        op->mech = m->mechanism;
        op->hashing = true;
        op->active = true;
    }
    zkp_session_release(s, ZKP_USE_DIGEST);
    return rv;
}

/* Output step shared by C_Digest and C_DigestFinal: size query and short buffer keep the
 * operation, everything else ends it. */
static CK_RV output(zkp_op *op, CK_BYTE_PTR out, CK_ULONG_PTR out_len) {
    CK_ULONG size = zkp_hash_size(op->hash.alg);
    CK_RV rv;
    if (!zkp_output_ready(out, out_len, size, &rv))
        return rv;
    zkp_hash_final(&op->hash, out);
    *out_len = size;
    zkp_op_end(op);
    return CKR_OK;
}

CK_RV zkp_digest(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR out,
                 CK_ULONG_PTR out_len) {
    zkp_session *s;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_DIGEST, &s);
    if (rv != CKR_OK)
        return rv;
    zkp_op *op = &s->digest;
    if (!op->active) {
        rv = CKR_OPERATION_NOT_INITIALIZED;
    } else if (!out_len || (!data && len)) {
        zkp_op_end(op);
        rv = CKR_ARGUMENTS_BAD;
    } else if (op->multipart) {
        zkp_op_end(op);
        rv = CKR_FUNCTION_FAILED;
    } else {
        /* hash only when the output is actually written, so a size query leaves the
         * state untouched for the real call */
        CK_ULONG size = zkp_hash_size(op->hash.alg);
        if (out && *out_len >= size)
            zkp_hash_update(&op->hash, data, len);
        rv = output(op, out, out_len);
    }
    zkp_session_release(s, ZKP_USE_DIGEST);
    return rv;
}

CK_RV zkp_digest_update(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len) {
    zkp_session *s;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_DIGEST, &s);
    if (rv != CKR_OK)
        return rv;
    zkp_op *op = &s->digest;
    if (!op->active) {
        rv = CKR_OPERATION_NOT_INITIALIZED;
    } else if (!part && len) {
        zkp_op_end(op);
        rv = CKR_ARGUMENTS_BAD;
    } else {
        op->multipart = true;
        zkp_hash_update(&op->hash, part, len);
    }
    zkp_session_release(s, ZKP_USE_DIGEST);
    return rv;
}

CK_RV zkp_digest_key(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key) {
    (void)key;
    zkp_session *s;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_DIGEST, &s);
    if (rv != CKR_OK)
        return rv;
    zkp_op *op = &s->digest;
    if (!op->active) {
        rv = CKR_OPERATION_NOT_INITIALIZED;
    } else {
        /* no key value ever leaves the device, and secret keys here are not worth the
         * special case: the key cannot be digested */
        zkp_op_end(op);
        rv = CKR_KEY_INDIGESTIBLE;
    }
    zkp_session_release(s, ZKP_USE_DIGEST);
    return rv;
}

CK_RV zkp_digest_final(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR out_len) {
    zkp_session *s;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_DIGEST, &s);
    if (rv != CKR_OK)
        return rv;
    zkp_op *op = &s->digest;
    if (!op->active) {
        rv = CKR_OPERATION_NOT_INITIALIZED;
    } else if (!out_len) {
        zkp_op_end(op);
        rv = CKR_ARGUMENTS_BAD;
    } else {
        op->multipart = true;
        rv = output(op, out, out_len);
    }
    zkp_session_release(s, ZKP_USE_DIGEST);
    return rv;
}
