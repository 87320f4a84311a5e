/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Key-pair generation on the device (GEN_KEY_PAIR). Device keys are always token objects,
 * sensitive and never extractable; a template asking otherwise is refused rather than silently
 * ignored. Label, id and usage restrictions from the templates go into a store object bound to
 * the new slot (the key's metadata), which applies to both objects of the pair.
 */
#include <string.h>

#include "p11.h"
#include "wire.h"

typedef struct {
    zkp_curve curve;       /* from CKA_EC_PARAMS, NONE when absent */
    bool params_bad;       /* CKA_EC_PARAMS present but not a curve we know */
    zkp_attr_builder meta; /* label, id, usage restrictions */
    bool need_meta;
} keygen_req;

static bool bool_value(const CK_ATTRIBUTE *a) {
    return *(const CK_BBOOL *)a->pValue != CK_FALSE;
}

/* Checks one template; label/id of the private template win over the public one's because it
 * is read second. */
static CK_RV scan(const CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_CLASS cls, CK_KEY_TYPE kt,
                  keygen_req *r) {
    for (CK_ULONG i = 0; i < n; i++) {
        const CK_ATTRIBUTE *a = &t[i];
        CK_RV rv = zkp_attr_check_value(a);
        if (rv != CKR_OK)
            return rv;
        CK_ULONG ul = 0;
        if (zkp_attr_shape(a->type) == ZKP_AV_ULONG)
            memcpy(&ul, a->pValue, sizeof ul);
        switch (a->type) {
        case CKA_CLASS:
            if (ul != cls)
                return CKR_TEMPLATE_INCONSISTENT;
            break;
        case CKA_KEY_TYPE:
            if (kt != CK_UNAVAILABLE_INFORMATION && ul != kt)
                return CKR_TEMPLATE_INCONSISTENT;
            break;
        case CKA_TOKEN:
            if (!bool_value(a))
                return CKR_ATTRIBUTE_VALUE_INVALID; /* device keys are token objects */
            break;
        case CKA_SENSITIVE:
            if (cls == CKO_PRIVATE_KEY && !bool_value(a))
                return CKR_ATTRIBUTE_VALUE_INVALID;
            break;
        case CKA_EXTRACTABLE:
            if (cls == CKO_PRIVATE_KEY && bool_value(a))
                return CKR_ATTRIBUTE_VALUE_INVALID;
            break;
        case CKA_EC_PARAMS: {
            zkp_curve c = zkp_der_parse_ec_params(a->pValue, a->ulValueLen);
            if (c == ZKP_CURVE_NONE)
                r->params_bad = true;
            else if (r->curve != ZKP_CURVE_NONE && r->curve != c)
                return CKR_TEMPLATE_INCONSISTENT;
            else
                r->curve = c;
            break;
        }
        case CKA_LABEL:
        case CKA_ID:
            zkp_ab_bytes(&r->meta, a->type, a->pValue, a->ulValueLen);
            r->need_meta = true;
            break;
        case CKA_SIGN:
        case CKA_DERIVE:
            if (cls == CKO_PRIVATE_KEY && !bool_value(a)) {
                zkp_ab_bool(&r->meta, a->type, false);
                r->need_meta = true;
            }
            break;
        case CKA_VERIFY:
            if (cls == CKO_PUBLIC_KEY && !bool_value(a)) {
                zkp_ab_bool(&r->meta, a->type, false);
                r->need_meta = true;
            }
            break;
        default:
            /* other attributes (CKA_PRIVATE, CKA_MODIFIABLE, usage flags the key type has
             * anyway, ...) describe what the key is in any case */
            break;
        }
    }
    return CKR_OK;
}

static CK_RV mech_curve(CK_MECHANISM_TYPE m, keygen_req *r) {
    zkp_curve want;
    switch (m) {
    case CKM_EC_KEY_PAIR_GEN:
        if (r->params_bad)
            return CKR_CURVE_NOT_SUPPORTED;
        if (r->curve == ZKP_CURVE_NONE)
            return CKR_TEMPLATE_INCOMPLETE;
        return r->curve == ZKP_CURVE_P256 || r->curve == ZKP_CURVE_SECP256K1
                   ? CKR_OK
                   : CKR_TEMPLATE_INCONSISTENT;
    case CKM_EC_EDWARDS_KEY_PAIR_GEN:
        want = ZKP_CURVE_ED25519;
        break;
    case CKM_EC_MONTGOMERY_KEY_PAIR_GEN:
        want = ZKP_CURVE_X25519;
        break;
    default:
        return CKR_MECHANISM_INVALID;
    }
    if (r->params_bad)
        return CKR_CURVE_NOT_SUPPORTED;
    if (r->curve != ZKP_CURVE_NONE && r->curve != want)
        return CKR_TEMPLATE_INCONSISTENT;
    r->curve = want;
    return CKR_OK;
}

static void remove_key(zkp_slot *s, int32_t slot) {
    uint8_t req[5];
    zkp_writer w;
    zkp_writer_init(&w, req, sizeof req);
    zkp_put_i32(&w, slot);
    zkp_put_u8(&w, 0);
    zkp_response r;
    (void)zkp_call(s, ZKB_CMD_REMOVE_KEY, req, w.len, &r);
    zkp_response_free(&r);
}

CK_RV zkp_generate_key_pair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR pub_t,
                            CK_ULONG pub_n, CK_ATTRIBUTE_PTR priv_t, CK_ULONG priv_n,
                            CK_OBJECT_HANDLE_PTR pub, CK_OBJECT_HANDLE_PTR priv) {
    if (!m || !pub || !priv || (pub_n && !pub_t) || (priv_n && !priv_t))
        return CKR_ARGUMENTS_BAD;
    zkp_session *sess;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_NONE, &sess);
    if (rv != CKR_OK)
        return rv;
    zkp_slot *s = sess->slot;
    keygen_req r;
    memset(&r, 0, sizeof r);
    r.curve = ZKP_CURVE_NONE;
    zkp_ab_init(&r.meta);
    zkp_device_info info;

    zkp_lock();
    if (s->login != ZKP_LOGIN_USER)
        rv = CKR_USER_NOT_LOGGED_IN;
    else if (!zkp_session_rw(sess))
        rv = CKR_SESSION_READ_ONLY;
    zkp_unlock();
    if (rv == CKR_OK && m->pParameter != NULL && m->ulParameterLen != 0)
        rv = CKR_MECHANISM_PARAM_INVALID;
    /* the key type the templates must name (if they name one) follows from the mechanism */
    CK_KEY_TYPE kt = m->mechanism == CKM_EC_EDWARDS_KEY_PAIR_GEN      ? CKK_EC_EDWARDS
                     : m->mechanism == CKM_EC_MONTGOMERY_KEY_PAIR_GEN ? CKK_EC_MONTGOMERY
                     : m->mechanism == CKM_EC_KEY_PAIR_GEN            ? CKK_EC
                                                                      : CK_UNAVAILABLE_INFORMATION;
    if (rv == CKR_OK)
        rv = scan(pub_t, pub_n, CKO_PUBLIC_KEY, kt, &r);
    if (rv == CKR_OK)
        rv = scan(priv_t, priv_n, CKO_PRIVATE_KEY, kt, &r);
    if (rv == CKR_OK)
        rv = mech_curve(m->mechanism, &r);
    if (rv == CKR_OK)
        rv = zkp_slot_device_info(s, &info);
    if (rv == CKR_OK && !zkp_mech_allows(&info, m->mechanism, r.curve)) {
        CK_MECHANISM_INFO mi;
        rv = zkp_mech_info(&info, m->mechanism, &mi) == CKR_OK ? CKR_CURVE_NOT_SUPPORTED
                                                               : CKR_MECHANISM_INVALID;
    }
    int32_t slot = -1;
    if (rv == CKR_OK) {
        uint8_t req[1] = {(uint8_t)r.curve};
        zkp_response resp;
        rv = zkp_call(s, ZKB_CMD_GEN_KEY_PAIR, req, sizeof req, &resp);
        if (rv == CKR_OK) {
            zkp_reader rd;
            zkp_reader_init(&rd, resp.payload, resp.len);
            slot = zkp_get_i32(&rd);
            if (zkp_reader_done(&rd) != 0 || slot < 0)
                rv = CKR_DEVICE_ERROR;
        }
        zkp_response_free(&resp);
        zkp_lock();
        zkp_cache_invalidate_locked(s); /* a new slot: list again */
        zkp_unlock();
    }
    if (rv == CKR_OK && r.need_meta) {
        rv = zkp_write_key_meta(sess, slot, false, &r.meta, true);
        if (rv != CKR_OK)
            remove_key(s, slot); /* no half-labelled keys */
    }
    if (rv == CKR_OK) {
        *pub = ZKP_HANDLE(ZKP_KIND_PUBLIC_KEY, (uint32_t)slot);
        *priv = ZKP_HANDLE(ZKP_KIND_PRIVATE_KEY, (uint32_t)slot);
        zkp_log("generated key pair in slot %d (curve %d)", (int)slot, (int)r.curve);
    }
    zkp_ab_free(&r.meta);
    zkp_session_release(sess, ZKP_USE_NONE);
    return rv;
}
