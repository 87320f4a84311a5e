/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Changing existing objects: C_DestroyObject, C_SetAttributeValue, C_CopyObject.
 * Device keys: destroying either object of a generated pair removes the key (REMOVE_KEY; the
 * device drops its bound metadata with it); factory keys are permanent. Their label and id can
 * be changed (kept in the metadata store object); nothing else about them can.
 */
#include <stdlib.h>
#include <string.h>

#include "p11.h"
#include "wire.h"

/* Attributes an application may change after creation, and how. */
static CK_RV check_change(const zkp_object *o, const CK_ATTRIBUTE *a, bool copying) {
    CK_RV rv = zkp_attr_check_value(a);
    if (rv != CKR_OK)
        return rv;
    if (a->type >= CKA_VENDOR_DEFINED)
        return CKR_OK;
    const zkp_attr *cur = zkp_obj_attr(o, a->type);
    bool v = zkp_attr_shape(a->type) == ZKP_AV_BOOL && *(const CK_BBOOL *)a->pValue;
    switch (a->type) {
    case CKA_LABEL:
    case CKA_START_DATE:
    case CKA_END_DATE:
        return CKR_OK;
    case CKA_ID:
    case CKA_SUBJECT:
        return o->cls == CKO_DATA ? CKR_ATTRIBUTE_TYPE_INVALID : CKR_OK;
    case CKA_APPLICATION:
    case CKA_OBJECT_ID:
    case CKA_VALUE:
        return o->cls == CKO_DATA ? CKR_OK : CKR_ATTRIBUTE_READ_ONLY;
    case CKA_ISSUER:
    case CKA_SERIAL_NUMBER:
    case CKA_URL:
        return o->cls == CKO_CERTIFICATE ? CKR_OK : CKR_ATTRIBUTE_TYPE_INVALID;
    case CKA_ENCRYPT:
    case CKA_DECRYPT:
    case CKA_SIGN:
    case CKA_VERIFY:
    case CKA_WRAP:
    case CKA_UNWRAP:
    case CKA_DERIVE:
    case CKA_VERIFY_RECOVER:
    case CKA_SIGN_RECOVER:
        return cur ? CKR_OK : CKR_ATTRIBUTE_TYPE_INVALID;
    case CKA_SENSITIVE: /* may only become stricter */
        if (!cur)
            return CKR_ATTRIBUTE_TYPE_INVALID;
        return v || !zkp_obj_bool(o, a->type, false) ? CKR_OK : CKR_ATTRIBUTE_READ_ONLY;
    case CKA_EXTRACTABLE:
    case CKA_COPYABLE:
    case CKA_DESTROYABLE:
        if (!cur)
            return CKR_ATTRIBUTE_TYPE_INVALID;
        return !v || zkp_obj_bool(o, a->type, true) ? CKR_OK : CKR_ATTRIBUTE_READ_ONLY;
    case CKA_TOKEN:
    case CKA_PRIVATE:
    case CKA_MODIFIABLE:
        return copying ? CKR_OK : CKR_ATTRIBUTE_READ_ONLY;
    default:
        return cur ? CKR_ATTRIBUTE_READ_ONLY : CKR_ATTRIBUTE_TYPE_INVALID;
    }
}

static bool is_device_key(CK_OBJECT_HANDLE h) {
    unsigned k = ZKP_HANDLE_KIND(h);
    return k == ZKP_KIND_PRIVATE_KEY || k == ZKP_KIND_PUBLIC_KEY || k == ZKP_KIND_FOREIGN;
}

/* ---- destroy -------------------------------------------------------------------------------- */

static CK_RV remove_key(zkp_slot *s, int32_t slot, bool foreign) {
    uint8_t req[5];
    zkp_writer w;
    zkp_writer_init(&w, req, sizeof req);
    zkp_put_i32(&w, slot);
    zkp_put_u8(&w, foreign);
    zkp_response r;
    CK_RV rv = zkp_call(s, ZKB_CMD_REMOVE_KEY, req, w.len, &r);
    if (rv != CKR_OK && r.status == ZKB_ST_ERR_NO_SUCH_SLOT)
        rv = CKR_OBJECT_HANDLE_INVALID;
    zkp_response_free(&r);
    zkp_lock();
    zkp_cache_invalidate_locked(s); /* slots (and wallet descendants) went away */
    zkp_unlock();
    return rv;
}

static CK_RV destroy_store(zkp_slot *s, uint32_t handle, const uint8_t ticket[ZKP_TICKET_LEN]) {
    uint8_t req[ZKP_TICKET_LEN + 4];
    zkp_writer w;
    zkp_writer_init(&w, req, sizeof req);
    zkp_put_bytes(&w, ticket, ZKP_TICKET_LEN);
    zkp_put_u32(&w, handle);
    zkp_response r;
    zkp_mutation_begin(s);
    CK_RV rv = zkp_call(s, ZKB_CMD_TOKEN_DESTROY_OBJECT, req, w.len, &r);
    if (rv == CKR_OK) {
        zkp_reader rd;
        zkp_reader_init(&rd, r.payload, r.len);
        uint64_t gen = zkp_get_u64(&rd);
        zkp_lock();
        zkp_cache_apply_locked(s, gen, NULL, ZKP_HANDLE(ZKP_KIND_STORE, handle));
        zkp_unlock();
    } else if (rv == CKR_USER_NOT_LOGGED_IN) {
        zkp_ticket_rejected(s, ticket);
    }
    zkp_lock();
    zkp_mutation_end_locked(s);
    zkp_unlock();
    zkp_response_free(&r);
    return rv;
}

CK_RV zkp_destroy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj) {
    zkp_session *sess;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_NONE, &sess);
    if (rv != CKR_OK)
        return rv;
    zkp_slot *s = sess->slot;
    const zkp_object *o;
    rv = zkp_object_lock(s, obj, true, &o);
    if (rv != CKR_OK) {
        zkp_session_release(sess, ZKP_USE_NONE);
        return rv;
    }
    /* decide under the lock, act without it */
    uint8_t ticket[ZKP_TICKET_LEN];
    memcpy(ticket, s->ticket, sizeof ticket);
    if (s->login != ZKP_LOGIN_USER)
        memset(ticket, 0, sizeof ticket);
    unsigned kind = ZKP_HANDLE_KIND(obj);
    int32_t dev_slot = o->dev_slot;
    bool foreign = o->foreign;
    if (o->priv && s->login != ZKP_LOGIN_USER)
        rv = CKR_USER_NOT_LOGGED_IN;
    else if (o->token && !zkp_session_rw(sess))
        rv = CKR_SESSION_READ_ONLY;
    else if (is_device_key(obj) && s->login != ZKP_LOGIN_USER)
        rv = CKR_USER_NOT_LOGGED_IN; /* removes the private key as well */
    else if (!zkp_obj_bool(o, CKA_DESTROYABLE, true))
        rv = CKR_ACTION_PROHIBITED;
    else if (kind == ZKP_KIND_SESSION)
        zkp_sobj_remove_locked(s, obj);
    zkp_unlock();
    if (rv == CKR_OK) {
        if (is_device_key(obj))
            rv = remove_key(s, dev_slot, foreign);
        else if (kind == ZKP_KIND_STORE)
            rv = destroy_store(s, ZKP_HANDLE_NUMBER(obj), ticket);
    }
    zkp_session_release(sess, ZKP_USE_NONE);
    return rv;
}

/* ---- set / copy -------------------------------------------------------------------------------
 */

/* Writes new attributes of a store object (TOKEN_SET_OBJECT) and updates the cache. */
static CK_RV set_store(zkp_slot *s, uint32_t handle, bool priv, const zkp_attr_builder *b,
                       const uint8_t ticket[ZKP_TICKET_LEN]) {
    size_t alen;
    uint8_t *attrs = zkp_tlv_encode_builder(b, &alen);
    if (!attrs)
        return CKR_HOST_MEMORY;
    size_t cap = ZKP_TICKET_LEN + 5 + alen;
    uint8_t *req = malloc(cap);
    if (!req) {
        free(attrs);
        return CKR_HOST_MEMORY;
    }
    zkp_writer w;
    zkp_writer_init(&w, req, cap);
    zkp_put_bytes(&w, ticket, ZKP_TICKET_LEN);
    zkp_put_u32(&w, handle);
    zkp_put_u8(&w, priv);
    zkp_put_bytes(&w, attrs, alen);
    zkp_response r;
    zkp_mutation_begin(s);
    CK_RV rv = zkp_call(s, ZKB_CMD_TOKEN_SET_OBJECT, req, w.len, &r);
    free(req);
    if (rv != CKR_OK && r.status == ZKB_ST_ERR_DATA_TOO_LARGE)
        rv = CKR_DEVICE_MEMORY;
    if (rv == CKR_OK) {
        zkp_reader rd;
        zkp_reader_init(&rd, r.payload, r.len);
        uint64_t gen = zkp_get_u64(&rd);
        zkp_object *o = zkp_store_object(handle, priv, attrs, alen);
        zkp_lock();
        if (o)
            zkp_cache_apply_locked(s, gen, o, 0);
        else
            zkp_cache_invalidate_locked(s);
        zkp_unlock();
    } else if (rv == CKR_USER_NOT_LOGGED_IN) {
        zkp_ticket_rejected(s, ticket);
    }
    zkp_lock();
    zkp_mutation_end_locked(s);
    zkp_unlock();
    zkp_response_free(&r);
    free(attrs);
    return rv;
}

/* Label / id of a device key go to its metadata object. */
static CK_RV set_key_meta(zkp_session *sess, const zkp_object *o, const CK_ATTRIBUTE *t, CK_ULONG n,
                          zkp_attr_builder *changes) {
    for (CK_ULONG i = 0; i < n; i++) {
        CK_RV rv = zkp_attr_check_value(&t[i]);
        if (rv != CKR_OK)
            return rv;
        if (t[i].type == CKA_LABEL || t[i].type == CKA_ID) {
            zkp_ab_bytes(changes, t[i].type, t[i].pValue, t[i].ulValueLen);
        } else if (zkp_obj_attr(o, t[i].type)) {
            /* unchanged values are fine (some tools write back what they read) */
            const zkp_attr *cur = zkp_obj_attr(o, t[i].type);
            if (cur->len != t[i].ulValueLen ||
                (cur->len && memcmp(cur->value, t[i].pValue, cur->len) != 0))
                return CKR_ATTRIBUTE_READ_ONLY;
        } else {
            return CKR_ATTRIBUTE_TYPE_INVALID;
        }
    }
    (void)sess;
    return changes->err ? CKR_HOST_MEMORY : CKR_OK;
}

CK_RV zkp_set_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR t,
                              CK_ULONG n) {
    if (!t && n)
        return CKR_ARGUMENTS_BAD;
    zkp_session *sess;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_NONE, &sess);
    if (rv != CKR_OK)
        return rv;
    zkp_slot *s = sess->slot;
    const zkp_object *o;
    rv = zkp_object_lock(s, obj, false, &o);
    if (rv != CKR_OK) {
        zkp_session_release(sess, ZKP_USE_NONE);
        return rv;
    }
    unsigned kind = ZKP_HANDLE_KIND(obj);
    uint8_t ticket[ZKP_TICKET_LEN];
    memcpy(ticket, s->ticket, sizeof ticket);
    if (s->login != ZKP_LOGIN_USER)
        memset(ticket, 0, sizeof ticket);
    bool priv = o->priv;
    int32_t dev_slot = o->dev_slot;
    bool foreign = o->foreign;
    zkp_attr_builder b;
    zkp_ab_init(&b);
    if (o->token && !zkp_session_rw(sess))
        rv = CKR_SESSION_READ_ONLY;
    else if (!zkp_obj_bool(o, CKA_MODIFIABLE, true))
        rv = CKR_ACTION_PROHIBITED;
    else if (is_device_key(obj) && s->login != ZKP_LOGIN_USER)
        rv = CKR_USER_NOT_LOGGED_IN;
    else if (is_device_key(obj))
        rv = set_key_meta(sess, o, t, n, &b);
    else {
        for (size_t i = 0; i < o->nattrs; i++)
            zkp_ab_bytes(&b, o->attrs[i].type, o->attrs[i].value, o->attrs[i].len);
        for (CK_ULONG i = 0; i < n && rv == CKR_OK; i++) {
            rv = check_change(o, &t[i], false);
            if (rv == CKR_OK)
                zkp_ab_bytes(&b, t[i].type, t[i].pValue, t[i].ulValueLen);
        }
        if (rv == CKR_OK && b.err)
            rv = CKR_HOST_MEMORY;
        if (rv == CKR_OK && kind == ZKP_KIND_SESSION) {
            zkp_object *no = zkp_ab_finish(&b, o);
            rv = no ? zkp_sobj_replace_locked(s, no) : CKR_HOST_MEMORY;
        }
    }
    zkp_unlock();
    if (rv == CKR_OK && is_device_key(obj))
        rv = zkp_write_key_meta(sess, dev_slot, foreign, &b, false);
    else if (rv == CKR_OK && kind == ZKP_KIND_STORE)
        rv = set_store(s, ZKP_HANDLE_NUMBER(obj), priv, &b, ticket);
    zkp_ab_free(&b);
    zkp_session_release(sess, ZKP_USE_NONE);
    return rv;
}

CK_RV zkp_copy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR t, CK_ULONG n,
                      CK_OBJECT_HANDLE_PTR out) {
    if (!out || (!t && n))
        return CKR_ARGUMENTS_BAD;
    zkp_session *sess;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_NONE, &sess);
    if (rv != CKR_OK)
        return rv;
    const zkp_object *o;
    rv = zkp_object_lock(sess->slot, obj, false, &o);
    if (rv != CKR_OK) {
        zkp_session_release(sess, ZKP_USE_NONE);
        return rv;
    }
    zkp_attr_builder b;
    zkp_ab_init(&b);
    if (is_device_key(obj) || !zkp_obj_bool(o, CKA_COPYABLE, true)) {
        rv = CKR_ACTION_PROHIBITED;
    } else {
        for (size_t i = 0; i < o->nattrs; i++)
            zkp_ab_bytes(&b, o->attrs[i].type, o->attrs[i].value, o->attrs[i].len);
        for (CK_ULONG i = 0; i < n && rv == CKR_OK; i++) {
            rv = check_change(o, &t[i], true);
            if (rv == CKR_OK)
                zkp_ab_bytes(&b, t[i].type, t[i].pValue, t[i].ulValueLen);
        }
        if (rv == CKR_OK && b.err)
            rv = CKR_HOST_MEMORY;
    }
    zkp_unlock();
    if (rv == CKR_OK)
        rv = zkp_store_new_object(sess, &b, out);
    zkp_ab_free(&b);
    zkp_session_release(sess, ZKP_USE_NONE);
    return rv;
}
