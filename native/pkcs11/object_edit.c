/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Creating, changing, copying and destroying objects. Token objects live in the device store
 * (TOKEN_CREATE_OBJECT / SET / DESTROY, attributes as an opaque TLV blob); session objects live
 * here and die with their session. Keys cannot be imported as private keys: the device makes
 * them (keygen.c). Label and id of device keys are kept in a store object bound to the slot.
 */
#include <stdlib.h>
#include <string.h>

#include "p11.h"
#include "wire.h"

/* ---- template rules ---------------------------------------------------------------------------
 */

static bool in(CK_ATTRIBUTE_TYPE t, const CK_ATTRIBUTE_TYPE *set, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (set[i] == t)
            return true;
    }
    return false;
}
#define IN(t, arr) in((t), (arr), sizeof(arr) / sizeof((arr)[0]))

static const CK_ATTRIBUTE_TYPE STORAGE[] = {CKA_CLASS, CKA_TOKEN,    CKA_PRIVATE,    CKA_MODIFIABLE,
                                            CKA_LABEL, CKA_COPYABLE, CKA_DESTROYABLE};
static const CK_ATTRIBUTE_TYPE DATA[] = {CKA_APPLICATION, CKA_OBJECT_ID, CKA_VALUE};
static const CK_ATTRIBUTE_TYPE CERT[] = {CKA_CERTIFICATE_TYPE,
                                         CKA_TRUSTED,
                                         CKA_CERTIFICATE_CATEGORY,
                                         CKA_CHECK_VALUE,
                                         CKA_START_DATE,
                                         CKA_END_DATE,
                                         CKA_PUBLIC_KEY_INFO,
                                         CKA_SUBJECT,
                                         CKA_ID,
                                         CKA_ISSUER,
                                         CKA_SERIAL_NUMBER,
                                         CKA_VALUE,
                                         CKA_URL,
                                         CKA_HASH_OF_SUBJECT_PUBLIC_KEY,
                                         CKA_HASH_OF_ISSUER_PUBLIC_KEY,
                                         CKA_JAVA_MIDP_SECURITY_DOMAIN,
                                         CKA_NAME_HASH_ALGORITHM};
static const CK_ATTRIBUTE_TYPE KEY[] = {CKA_KEY_TYPE, CKA_ID,     CKA_START_DATE,
                                        CKA_END_DATE, CKA_DERIVE, CKA_ALLOWED_MECHANISMS};
static const CK_ATTRIBUTE_TYPE PUBKEY[] = {CKA_SUBJECT,         CKA_ENCRYPT,   CKA_VERIFY,
                                           CKA_VERIFY_RECOVER,  CKA_WRAP,      CKA_TRUSTED,
                                           CKA_PUBLIC_KEY_INFO, CKA_EC_PARAMS, CKA_EC_POINT};
static const CK_ATTRIBUTE_TYPE SECRET[] = {
    CKA_SENSITIVE, CKA_ENCRYPT, CKA_DECRYPT,     CKA_SIGN,        CKA_VERIFY,
    CKA_WRAP,      CKA_UNWRAP,  CKA_EXTRACTABLE, CKA_CHECK_VALUE, CKA_WRAP_WITH_TRUSTED,
    CKA_TRUSTED,   CKA_VALUE,   CKA_VALUE_LEN};
/* Set by the token only. */
static const CK_ATTRIBUTE_TYPE READ_ONLY[] = {
    CKA_LOCAL, CKA_KEY_GEN_MECHANISM, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE, CKA_UNIQUE_ID};

static bool allowed_for(CK_OBJECT_CLASS cls, CK_ATTRIBUTE_TYPE t) {
    if (t >= CKA_VENDOR_DEFINED || IN(t, STORAGE))
        return true;
    switch (cls) {
    case CKO_DATA:
        return IN(t, DATA);
    case CKO_CERTIFICATE:
        return IN(t, CERT);
    case CKO_PUBLIC_KEY:
        return IN(t, KEY) || IN(t, PUBKEY);
    case CKO_SECRET_KEY:
        return IN(t, KEY) || IN(t, SECRET);
    default:
        return false;
    }
}

/*
 * Reads a creation template into a builder: sizes checked, duplicates must agree, read-only
 * and foreign attributes refused. *cls receives CKA_CLASS (CKR_TEMPLATE_INCOMPLETE without).
 */
static CK_RV read_template(const CK_ATTRIBUTE *t, CK_ULONG n, zkp_attr_builder *b,
                           CK_OBJECT_CLASS *cls) {
    bool have_class = false;
    for (CK_ULONG i = 0; i < n; i++) {
        if (t[i].type == CKA_CLASS) {
            CK_RV rv = zkp_attr_check_value(&t[i]);
            if (rv != CKR_OK)
                return rv;
            CK_OBJECT_CLASS c;
            memcpy(&c, t[i].pValue, sizeof c);
            if (have_class && c != *cls)
                return CKR_TEMPLATE_INCONSISTENT;
            *cls = c;
            have_class = true;
        }
    }
    if (!have_class)
        return CKR_TEMPLATE_INCOMPLETE;
    if (*cls == CKO_PRIVATE_KEY)
        return CKR_TEMPLATE_INCONSISTENT; /* private keys are born on the device */
    if (*cls != CKO_DATA && *cls != CKO_CERTIFICATE && *cls != CKO_PUBLIC_KEY &&
        *cls != CKO_SECRET_KEY)
        return CKR_ATTRIBUTE_VALUE_INVALID;
    for (CK_ULONG i = 0; i < n; i++) {
        const CK_ATTRIBUTE *a = &t[i];
        if (IN(a->type, READ_ONLY))
            return CKR_ATTRIBUTE_READ_ONLY;
        if (!allowed_for(*cls, a->type))
            return CKR_ATTRIBUTE_TYPE_INVALID;
        CK_RV rv = zkp_attr_check_value(a);
        if (rv != CKR_OK)
            return rv;
        CK_ULONG prev_len;
        const uint8_t *prev = zkp_ab_get(b, a->type, &prev_len);
        if (prev &&
            (prev_len != a->ulValueLen || (prev_len && memcmp(prev, a->pValue, prev_len) != 0)))
            return CKR_TEMPLATE_INCONSISTENT;
        zkp_ab_bytes(b, a->type, a->pValue, a->ulValueLen);
    }
    return b->err ? CKR_HOST_MEMORY : CKR_OK;
}

/* Adds an attribute only when the template did not give it. */
static void dflt_bool(zkp_attr_builder *b, CK_ATTRIBUTE_TYPE t, bool v) {
    if (!zkp_ab_get(b, t, NULL))
        zkp_ab_bool(b, t, v);
}
static void dflt_bytes(zkp_attr_builder *b, CK_ATTRIBUTE_TYPE t, const void *p, size_t len) {
    if (!zkp_ab_get(b, t, NULL))
        zkp_ab_bytes(b, t, p, len);
}
static void dflt_ulong(zkp_attr_builder *b, CK_ATTRIBUTE_TYPE t, CK_ULONG v) {
    if (!zkp_ab_get(b, t, NULL))
        zkp_ab_ulong(b, t, v);
}
static bool ab_bool(const zkp_attr_builder *b, CK_ATTRIBUTE_TYPE t, bool dflt) {
    CK_ULONG len;
    const uint8_t *v = zkp_ab_get(b, t, &len);
    return v && len == 1 ? v[0] != 0 : dflt;
}
static CK_ULONG ab_ulong(const zkp_attr_builder *b, CK_ATTRIBUTE_TYPE t, CK_ULONG dflt) {
    CK_ULONG len, v;
    const uint8_t *p = zkp_ab_get(b, t, &len);
    if (!p || len != sizeof v)
        return dflt;
    memcpy(&v, p, sizeof v);
    return v;
}

static CK_RV complete_certificate(zkp_attr_builder *b) {
    CK_ULONG ctype = ab_ulong(b, CKA_CERTIFICATE_TYPE, CK_UNAVAILABLE_INFORMATION);
    if (ctype == CK_UNAVAILABLE_INFORMATION)
        return CKR_TEMPLATE_INCOMPLETE;
    if (ctype != CKC_X_509)
        return CKR_ATTRIBUTE_VALUE_INVALID;
    CK_ULONG vlen;
    const uint8_t *value = zkp_ab_get(b, CKA_VALUE, &vlen);
    if (!value || vlen == 0)
        return CKR_TEMPLATE_INCOMPLETE;
    /* copy: later additions may move the builder's data */
    uint8_t *der = malloc(vlen);
    if (!der)
        return CKR_HOST_MEMORY;
    memcpy(der, value, vlen);
    zkp_cert_fields f;
    if (zkp_cert_parse(der, vlen, &f) == 0) {
        dflt_bytes(b, CKA_SUBJECT, f.subject, f.subject_len);
        dflt_bytes(b, CKA_ISSUER, f.issuer, f.issuer_len);
        dflt_bytes(b, CKA_SERIAL_NUMBER, f.serial, f.serial_len);
        dflt_bytes(b, CKA_PUBLIC_KEY_INFO, f.spki, f.spki_len);
    } else if (!zkp_ab_get(b, CKA_SUBJECT, NULL)) {
        free(der);
        return CKR_ATTRIBUTE_VALUE_INVALID; /* neither readable DER nor a subject given */
    }
    uint8_t sha1[20];
    zkp_hash(ZKP_HASH_SHA1, der, vlen, sha1);
    free(der);
    dflt_bytes(b, CKA_CHECK_VALUE, sha1, 3);
    dflt_bool(b, CKA_TRUSTED, false);
    dflt_ulong(b, CKA_CERTIFICATE_CATEGORY, CK_CERTIFICATE_CATEGORY_UNSPECIFIED);
    dflt_bytes(b, CKA_ID, NULL, 0);
    dflt_bytes(b, CKA_START_DATE, NULL, 0);
    dflt_bytes(b, CKA_END_DATE, NULL, 0);
    dflt_bytes(b, CKA_ISSUER, NULL, 0);
    dflt_bytes(b, CKA_SERIAL_NUMBER, NULL, 0);
    dflt_bytes(b, CKA_URL, NULL, 0);
    dflt_bytes(b, CKA_HASH_OF_SUBJECT_PUBLIC_KEY, NULL, 0);
    dflt_bytes(b, CKA_HASH_OF_ISSUER_PUBLIC_KEY, NULL, 0);
    dflt_ulong(b, CKA_JAVA_MIDP_SECURITY_DOMAIN, 0);
    return CKR_OK;
}

static void key_defaults(zkp_attr_builder *b) {
    dflt_bytes(b, CKA_ID, NULL, 0);
    dflt_bytes(b, CKA_START_DATE, NULL, 0);
    dflt_bytes(b, CKA_END_DATE, NULL, 0);
    dflt_bool(b, CKA_DERIVE, false);
    zkp_ab_bool(b, CKA_LOCAL, false);
    zkp_ab_ulong(b, CKA_KEY_GEN_MECHANISM, CK_UNAVAILABLE_INFORMATION);
}

static CK_RV complete_public_key(zkp_attr_builder *b) {
    CK_KEY_TYPE kt = ab_ulong(b, CKA_KEY_TYPE, CK_UNAVAILABLE_INFORMATION);
    CK_ULONG plen, ptlen;
    const uint8_t *params = zkp_ab_get(b, CKA_EC_PARAMS, &plen);
    const uint8_t *point = zkp_ab_get(b, CKA_EC_POINT, &ptlen);
    if (kt == CK_UNAVAILABLE_INFORMATION || !params || !point)
        return CKR_TEMPLATE_INCOMPLETE;
    if (kt != CKK_EC && kt != CKK_EC_EDWARDS && kt != CKK_EC_MONTGOMERY)
        return CKR_ATTRIBUTE_VALUE_INVALID;
    zkp_curve c = zkp_der_parse_ec_params(params, plen);
    if (c == ZKP_CURVE_NONE)
        return CKR_CURVE_NOT_SUPPORTED;
    if (zkp_curve_key_type(c) != kt)
        return CKR_TEMPLATE_INCONSISTENT;
    uint8_t raw[64];
    if (zkp_der_read_point(c, point, ptlen, raw) != 0)
        return CKR_ATTRIBUTE_VALUE_INVALID;
    /* keep one canonical form so searches by CKA_EC_POINT find it (DER OCTET STRING) */
    uint8_t der[80];
    size_t dl = zkp_der_ec_point(c, raw, der, sizeof der);
    zkp_ab_bytes(b, CKA_EC_POINT, der, dl);
    uint8_t spki[128];
    size_t sl = zkp_der_spki(c, raw, spki, sizeof spki);
    dflt_bytes(b, CKA_PUBLIC_KEY_INFO, spki, sl);
    key_defaults(b);
    dflt_bytes(b, CKA_SUBJECT, NULL, 0);
    dflt_bool(b, CKA_ENCRYPT, false);
    dflt_bool(b, CKA_VERIFY, c != ZKP_CURVE_X25519);
    dflt_bool(b, CKA_VERIFY_RECOVER, false);
    dflt_bool(b, CKA_WRAP, false);
    dflt_bool(b, CKA_TRUSTED, false);
    return CKR_OK;
}

static CK_RV complete_secret_key(zkp_attr_builder *b) {
    CK_KEY_TYPE kt = ab_ulong(b, CKA_KEY_TYPE, CK_UNAVAILABLE_INFORMATION);
    CK_ULONG vlen;
    const uint8_t *v = zkp_ab_get(b, CKA_VALUE, &vlen);
    if (kt == CK_UNAVAILABLE_INFORMATION || !v)
        return CKR_TEMPLATE_INCOMPLETE;
    if (kt != CKK_GENERIC_SECRET && kt != CKK_AES)
        return CKR_ATTRIBUTE_VALUE_INVALID;
    if (kt == CKK_AES && vlen != 16 && vlen != 24 && vlen != 32)
        return CKR_ATTRIBUTE_VALUE_INVALID;
    if (ab_ulong(b, CKA_VALUE_LEN, vlen) != vlen)
        return CKR_TEMPLATE_INCONSISTENT;
    zkp_ab_ulong(b, CKA_VALUE_LEN, vlen);
    key_defaults(b);
    dflt_bool(b, CKA_SENSITIVE, false);
    dflt_bool(b, CKA_EXTRACTABLE, true);
    zkp_ab_bool(b, CKA_ALWAYS_SENSITIVE, false);
    zkp_ab_bool(b, CKA_NEVER_EXTRACTABLE, false);
    static const CK_ATTRIBUTE_TYPE usage[] = {CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN,
                                              CKA_VERIFY,  CKA_WRAP,    CKA_UNWRAP};
    for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++)
        dflt_bool(b, usage[i], false);
    dflt_bool(b, CKA_WRAP_WITH_TRUSTED, false);
    dflt_bool(b, CKA_TRUSTED, false);
    return CKR_OK;
}

/* ---- storing
 * -------------------------------------------------------------------------------------- */

CK_RV zkp_store_new_object(zkp_session *sess, const zkp_attr_builder *b, CK_OBJECT_HANDLE *out) {
    zkp_slot *s = sess->slot;
    bool token = ab_bool(b, CKA_TOKEN, false);
    bool priv = ab_bool(b, CKA_PRIVATE, false);
    CK_OBJECT_CLASS cls = ab_ulong(b, CKA_CLASS, CKO_DATA);
    uint8_t ticket[ZKP_TICKET_LEN];
    CK_RV rv = CKR_OK;
    zkp_lock();
    if (token && !zkp_session_rw(sess))
        rv = CKR_SESSION_READ_ONLY;
    else if (priv && s->login != ZKP_LOGIN_USER)
        rv = CKR_USER_NOT_LOGGED_IN;
    memcpy(ticket, s->ticket, sizeof ticket);
    if (s->login != ZKP_LOGIN_USER)
        memset(ticket, 0, sizeof ticket);
    zkp_unlock();
    if (rv != CKR_OK)
        return rv;
    if (!token) {
        zkp_object head;
        memset(&head, 0, sizeof head);
        head.cls = cls;
        head.priv = priv;
        head.dev_slot = -1;
        head.curve = ZKP_CURVE_NONE;
        head.owner = sess->handle;
        zkp_object *o = zkp_ab_finish(b, &head);
        if (!o)
            return CKR_HOST_MEMORY;
        zkp_lock();
        rv = zkp_sobj_add_locked(s, o);
        if (rv == CKR_OK)
            *out = o->handle;
        zkp_unlock();
        if (rv != CKR_OK)
            free(o);
        return rv;
    }
    size_t alen;
    uint8_t *attrs = zkp_tlv_encode_builder(b, &alen);
    if (!attrs)
        return CKR_HOST_MEMORY;
    size_t cap = ZKP_TICKET_LEN + 6 + alen;
    uint8_t *req = malloc(cap);
    if (!req) {
        free(attrs);
        return CKR_HOST_MEMORY;
    }
    zkp_writer w;
    zkp_writer_init(&w, req, cap);
    zkp_put_bytes(&w, ticket, ZKP_TICKET_LEN);
    zkp_put_u8(&w, priv);
    zkp_put_u8(&w, 0); /* binding: none */
    zkp_put_i32(&w, 0);
    zkp_put_bytes(&w, attrs, alen);
    zkp_response r;
    zkp_mutation_begin(s);
    rv = zkp_call(s, ZKB_CMD_TOKEN_CREATE_OBJECT, req, w.len, &r);
    free(req);
    if (rv != CKR_OK && r.status == ZKB_ST_ERR_DATA_TOO_LARGE)
        rv = CKR_DEVICE_MEMORY; /* the object is larger than the token takes */
    if (rv == CKR_USER_NOT_LOGGED_IN)
        zkp_ticket_rejected(s, ticket);
    if (rv == CKR_OK) {
        zkp_reader rd;
        zkp_reader_init(&rd, r.payload, r.len);
        uint32_t handle = zkp_get_u32(&rd);
        uint64_t gen = zkp_get_u64(&rd);
        if (zkp_reader_done(&rd) != 0) {
            rv = CKR_DEVICE_ERROR;
        } else {
            zkp_object *o = zkp_store_object(handle, priv, attrs, alen);
            zkp_lock();
            if (o)
                zkp_cache_apply_locked(s, gen, o, 0);
            else
                zkp_cache_invalidate_locked(s);
            zkp_unlock();
            *out = ZKP_HANDLE(ZKP_KIND_STORE, handle);
        }
    }
    zkp_lock();
    zkp_mutation_end_locked(s);
    zkp_unlock();
    zkp_response_free(&r);
    free(attrs);
    return rv;
}

CK_RV zkp_create_object(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n,
                        CK_OBJECT_HANDLE_PTR out) {
    if (!out || (n && !t))
        return CKR_ARGUMENTS_BAD;
    zkp_session *sess;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_NONE, &sess);
    if (rv != CKR_OK)
        return rv;
    zkp_attr_builder b;
    zkp_ab_init(&b);
    CK_OBJECT_CLASS cls = CKO_DATA;
    rv = read_template(t, n, &b, &cls);
    if (rv == CKR_OK) {
        dflt_bool(&b, CKA_TOKEN, false);
        dflt_bool(&b, CKA_PRIVATE, cls == CKO_SECRET_KEY);
        dflt_bool(&b, CKA_MODIFIABLE, true);
        dflt_bool(&b, CKA_COPYABLE, true);
        dflt_bool(&b, CKA_DESTROYABLE, true);
        dflt_bytes(&b, CKA_LABEL, NULL, 0);
        switch (cls) {
        case CKO_DATA:
            dflt_bytes(&b, CKA_APPLICATION, NULL, 0);
            dflt_bytes(&b, CKA_OBJECT_ID, NULL, 0);
            dflt_bytes(&b, CKA_VALUE, NULL, 0);
            break;
        case CKO_CERTIFICATE:
            rv = complete_certificate(&b);
            break;
        case CKO_PUBLIC_KEY:
            rv = complete_public_key(&b);
            break;
        default:
            rv = complete_secret_key(&b);
            break;
        }
    }
    if (rv == CKR_OK && b.err)
        rv = CKR_HOST_MEMORY;
    if (rv == CKR_OK)
        rv = zkp_store_new_object(sess, &b, out);
    zkp_ab_free(&b);
    zkp_session_release(sess, ZKP_USE_NONE);
    return rv;
}

/* ---- key metadata ---------------------------------------------------------------------------- */

CK_RV zkp_write_key_meta(zkp_session *sess, int32_t slot, bool foreign,
                         const zkp_attr_builder *changes, bool fresh) {
    zkp_slot *s = sess->slot;
    uint32_t handle = 0;
    uint8_t *old = NULL;
    size_t old_len = 0;
    uint8_t ticket[ZKP_TICKET_LEN];
    zkp_slot_ticket(s, ticket);
    if (!fresh) {
        zkp_lock();
        if (!zkp_cache_meta_locked(s, slot, foreign, &handle, &old, &old_len))
            handle = 0;
        zkp_unlock();
    }
    zkp_attr_builder m;
    zkp_ab_init(&m);
    if (old && zkp_tlv_decode(old, old_len, &m) != 0) {
        zkp_ab_free(&m);
        zkp_ab_init(&m);
    }
    free(old);
    for (size_t i = 0; i < changes->n; i++)
        zkp_ab_bytes(&m, changes->a[i].type, changes->data + changes->a[i].off, changes->a[i].len);
    size_t alen;
    uint8_t *attrs = zkp_tlv_encode_builder(&m, &alen);
    zkp_ab_free(&m);
    if (!attrs)
        return CKR_HOST_MEMORY;
    size_t cap = ZKP_TICKET_LEN + 10 + alen;
    uint8_t *req = malloc(cap);
    if (!req) {
        free(attrs);
        return CKR_HOST_MEMORY;
    }
    CK_RV rv = CKR_OBJECT_HANDLE_INVALID;
    zkp_response r;
    memset(&r, 0, sizeof r);
    zkp_writer w;
    zkp_mutation_begin(s);
    if (handle) {
        zkp_writer_init(&w, req, cap);
        zkp_put_bytes(&w, ticket, ZKP_TICKET_LEN);
        zkp_put_u32(&w, handle);
        zkp_put_u8(&w, 0); /* metadata stays public: labels must show without login */
        zkp_put_bytes(&w, attrs, alen);
        rv = zkp_call(s, ZKB_CMD_TOKEN_SET_OBJECT, req, w.len, &r);
        if (rv == CKR_OK) {
            zkp_reader rd;
            zkp_reader_init(&rd, r.payload, r.len);
            uint64_t gen = zkp_get_u64(&rd);
            zkp_lock();
            zkp_cache_apply_meta_locked(s, gen, slot, foreign, handle, attrs, alen);
            zkp_unlock();
        }
        zkp_response_free(&r);
    }
    if (rv == CKR_OBJECT_HANDLE_INVALID) {
        /* no metadata yet (or it vanished with an old key): create it */
        zkp_writer_init(&w, req, cap);
        zkp_put_bytes(&w, ticket, ZKP_TICKET_LEN);
        zkp_put_u8(&w, 0);
        zkp_put_u8(&w, foreign ? 2 : 1);
        zkp_put_i32(&w, slot);
        zkp_put_bytes(&w, attrs, alen);
        rv = zkp_call(s, ZKB_CMD_TOKEN_CREATE_OBJECT, req, w.len, &r);
        if (rv != CKR_OK && r.status == ZKB_ST_ERR_NO_SUCH_SLOT)
            rv = CKR_OBJECT_HANDLE_INVALID;
        if (rv == CKR_OK) {
            zkp_reader rd;
            zkp_reader_init(&rd, r.payload, r.len);
            uint32_t nh = zkp_get_u32(&rd);
            uint64_t gen = zkp_get_u64(&rd);
            zkp_lock();
            zkp_cache_apply_meta_locked(s, gen, slot, foreign, nh, attrs, alen);
            zkp_unlock();
        }
        zkp_response_free(&r);
    }
    zkp_lock();
    zkp_mutation_end_locked(s);
    zkp_unlock();
    free(req);
    free(attrs);
    return rv;
}
