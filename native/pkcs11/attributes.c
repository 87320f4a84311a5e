/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attributes: the builder that turns attribute lists into immutable objects (one allocation
 * each, attributes sorted by type so lookups are a binary search), template matching,
 * C_GetAttributeValue rules, and the TLV codec of store-object blobs.
 */
#include <stdlib.h>
#include <string.h>

#include "p11.h"
#include "wire.h"

/* ---- shapes ------------------------------------------------------------------------------------
 */

zkp_av zkp_attr_shape(CK_ATTRIBUTE_TYPE type) {
    switch (type) {
    case CKA_CLASS:
    case CKA_KEY_TYPE:
    case CKA_CERTIFICATE_TYPE:
    case CKA_CERTIFICATE_CATEGORY:
    case CKA_JAVA_MIDP_SECURITY_DOMAIN:
    case CKA_NAME_HASH_ALGORITHM:
    case CKA_VALUE_LEN:
    case CKA_VALUE_BITS:
    case CKA_MODULUS_BITS:
    case CKA_KEY_GEN_MECHANISM:
    case CKA_MECHANISM_TYPE:
    case CKA_HW_FEATURE_TYPE:
    case CKA_PROFILE_ID:
        return ZKP_AV_ULONG;
    case CKA_ALLOWED_MECHANISMS:
        return ZKP_AV_ULONG_ARRAY;
    case CKA_TOKEN:
    case CKA_PRIVATE:
    case CKA_TRUSTED:
    case CKA_SENSITIVE:
    case CKA_ENCRYPT:
    case CKA_DECRYPT:
    case CKA_WRAP:
    case CKA_UNWRAP:
    case CKA_SIGN:
    case CKA_SIGN_RECOVER:
    case CKA_VERIFY:
    case CKA_VERIFY_RECOVER:
    case CKA_DERIVE:
    case CKA_EXTRACTABLE:
    case CKA_LOCAL:
    case CKA_NEVER_EXTRACTABLE:
    case CKA_ALWAYS_SENSITIVE:
    case CKA_MODIFIABLE:
    case CKA_COPYABLE:
    case CKA_DESTROYABLE:
    case CKA_ALWAYS_AUTHENTICATE:
    case CKA_WRAP_WITH_TRUSTED:
        return ZKP_AV_BOOL;
    case CKA_START_DATE:
    case CKA_END_DATE:
        return ZKP_AV_DATE;
    default:
        return ZKP_AV_BYTES;
    }
}

CK_RV zkp_attr_check_value(const CK_ATTRIBUTE *a) {
    if (a->ulValueLen > 0 && a->pValue == NULL)
        return CKR_ATTRIBUTE_VALUE_INVALID;
    switch (zkp_attr_shape(a->type)) {
    case ZKP_AV_ULONG:
        return a->ulValueLen == sizeof(CK_ULONG) ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
    case ZKP_AV_BOOL:
        return a->ulValueLen == sizeof(CK_BBOOL) ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
    case ZKP_AV_ULONG_ARRAY:
        return a->ulValueLen % sizeof(CK_ULONG) == 0 ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
    case ZKP_AV_DATE:
        /* empty = no date; otherwise a CK_DATE */
        return a->ulValueLen == 0 || a->ulValueLen == sizeof(CK_DATE) ? CKR_OK
                                                                      : CKR_ATTRIBUTE_VALUE_INVALID;
    default:
        return CKR_OK;
    }
}

/* ---- builder -----------------------------------------------------------------------------------
 */

void zkp_ab_init(zkp_attr_builder *b) {
    memset(b, 0, sizeof *b);
}

void zkp_ab_free(zkp_attr_builder *b) {
    free(b->a);
    if (b->data)
        memset(b->data, 0, b->dlen);
    free(b->data);
    memset(b, 0, sizeof *b);
}

static struct zkp_battr *ab_find(const zkp_attr_builder *b, CK_ATTRIBUTE_TYPE type) {
    for (size_t i = 0; i < b->n; i++) {
        if (b->a[i].type == type)
            return &b->a[i];
    }
    return NULL;
}

void zkp_ab_remove(zkp_attr_builder *b, CK_ATTRIBUTE_TYPE type) {
    struct zkp_battr *e = ab_find(b, type);
    if (e) {
        size_t i = (size_t)(e - b->a);
        memmove(&b->a[i], &b->a[i + 1], (b->n - i - 1) * sizeof *b->a);
        b->n--;
    }
}

void zkp_ab_bytes(zkp_attr_builder *b, CK_ATTRIBUTE_TYPE type, const void *p, size_t len) {
    if (b->err)
        return;
    if (b->dlen + len > b->dcap) {
        size_t cap = b->dcap ? b->dcap : 256;
        while (cap < b->dlen + len)
            cap *= 2;
        uint8_t *d = realloc(b->data, cap);
        if (!d) {
            b->err = 1;
            return;
        }
        b->data = d;
        b->dcap = cap;
    }
    struct zkp_battr *e = ab_find(b, type);
    if (!e) {
        if (b->n == b->cap) {
            size_t cap = b->cap ? b->cap * 2 : 32;
            struct zkp_battr *a = realloc(b->a, cap * sizeof *a);
            if (!a) {
                b->err = 1;
                return;
            }
            b->a = a;
            b->cap = cap;
        }
        e = &b->a[b->n++];
        e->type = type;
    }
    /* the replaced value stays in data as dead bytes: builders are short-lived */
    e->off = b->dlen;
    e->len = len;
    if (len)
        memcpy(b->data + b->dlen, p, len);
    b->dlen += len;
}

void zkp_ab_ulong(zkp_attr_builder *b, CK_ATTRIBUTE_TYPE type, CK_ULONG v) {
    zkp_ab_bytes(b, type, &v, sizeof v);
}

void zkp_ab_bool(zkp_attr_builder *b, CK_ATTRIBUTE_TYPE type, bool v) {
    CK_BBOOL x = v ? CK_TRUE : CK_FALSE;
    zkp_ab_bytes(b, type, &x, 1);
}

const uint8_t *zkp_ab_get(const zkp_attr_builder *b, CK_ATTRIBUTE_TYPE type, CK_ULONG *len) {
    const struct zkp_battr *e = ab_find(b, type);
    if (!e)
        return NULL;
    if (len)
        *len = e->len;
    /* a zero-length value still needs a non-NULL answer to say "present" */
    return e->len ? b->data + e->off : (const uint8_t *)"";
}

static int cmp_battr(const void *x, const void *y) {
    const struct zkp_battr *a = x, *b = y;
    return a->type < b->type ? -1 : a->type > b->type;
}

zkp_object *zkp_ab_finish(const zkp_attr_builder *b, const zkp_object *head) {
    if (b->err)
        return NULL;
    size_t live = 0;
    for (size_t i = 0; i < b->n; i++)
        live += b->a[i].len;
    size_t hdr = sizeof(zkp_object) + b->n * sizeof(zkp_attr);
    zkp_object *o = malloc(hdr + live + 1);
    struct zkp_battr *sorted = malloc((b->n ? b->n : 1) * sizeof *sorted);
    if (!o || !sorted) {
        free(o);
        free(sorted);
        return NULL;
    }
    *o = *head;
    if (b->n)
        memcpy(sorted, b->a, b->n * sizeof *sorted);
    qsort(sorted, b->n, sizeof *sorted, cmp_battr);
    uint8_t *values = (uint8_t *)o + hdr;
    size_t off = 0;
    for (size_t i = 0; i < b->n; i++) {
        o->attrs[i].type = sorted[i].type;
        o->attrs[i].len = sorted[i].len;
        o->attrs[i].value = values + off;
        if (sorted[i].len)
            memcpy(values + off, b->data + sorted[i].off, sorted[i].len);
        off += sorted[i].len;
    }
    o->nattrs = b->n;
    free(sorted);
    return o;
}

zkp_object *zkp_obj_clone(const zkp_object *o) {
    zkp_attr_builder b;
    zkp_ab_init(&b);
    for (size_t i = 0; i < o->nattrs; i++)
        zkp_ab_bytes(&b, o->attrs[i].type, o->attrs[i].value, o->attrs[i].len);
    zkp_object *c = zkp_ab_finish(&b, o);
    zkp_ab_free(&b);
    return c;
}

/* ---- lookups and matching -----------------------------------------------------------------------
 */

const zkp_attr *zkp_obj_attr(const zkp_object *o, CK_ATTRIBUTE_TYPE type) {
    size_t lo = 0, hi = o->nattrs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (o->attrs[mid].type < type)
            lo = mid + 1;
        else if (o->attrs[mid].type > type)
            hi = mid;
        else
            return &o->attrs[mid];
    }
    return NULL;
}

bool zkp_obj_bool(const zkp_object *o, CK_ATTRIBUTE_TYPE type, bool dflt) {
    const zkp_attr *a = zkp_obj_attr(o, type);
    if (!a || a->len != 1)
        return dflt;
    return a->value[0] != 0;
}

CK_ULONG zkp_obj_ulong(const zkp_object *o, CK_ATTRIBUTE_TYPE type, CK_ULONG dflt) {
    const zkp_attr *a = zkp_obj_attr(o, type);
    if (!a || a->len != sizeof(CK_ULONG))
        return dflt;
    CK_ULONG v;
    memcpy(&v, a->value, sizeof v);
    return v;
}

bool zkp_obj_match(const zkp_object *o, const CK_ATTRIBUTE *tmpl, CK_ULONG n) {
    for (CK_ULONG i = 0; i < n; i++) {
        const zkp_attr *a = zkp_obj_attr(o, tmpl[i].type);
        if (!a || a->len != tmpl[i].ulValueLen)
            return false;
        if (a->len && (!tmpl[i].pValue || memcmp(a->value, tmpl[i].pValue, a->len) != 0))
            return false;
    }
    return true;
}

/* Attributes an application may never read: private key material (we hold none, but the
 * answer for CKA_VALUE of a private key must still be "sensitive", not "absent"), and the
 * value of a sensitive or unextractable secret key. */
static bool is_sensitive(const zkp_object *o, CK_ATTRIBUTE_TYPE type) {
    if (o->cls == CKO_PRIVATE_KEY)
        return type == CKA_VALUE || type == CKA_PRIVATE_EXPONENT;
    if (o->cls == CKO_SECRET_KEY && type == CKA_VALUE)
        return zkp_obj_bool(o, CKA_SENSITIVE, false) || !zkp_obj_bool(o, CKA_EXTRACTABLE, true);
    return false;
}

CK_RV zkp_obj_get_attributes(const zkp_object *o, CK_ATTRIBUTE *tmpl, CK_ULONG n) {
    /* Every attribute is processed; the returned code is the most significant problem seen
     * (sensitive, then unknown type, then too-small buffer), as PKCS#11 lets us choose. */
    bool sensitive = false, invalid = false, small = false;
    for (CK_ULONG i = 0; i < n; i++) {
        CK_ATTRIBUTE *t = &tmpl[i];
        if (is_sensitive(o, t->type)) {
            t->ulValueLen = CK_UNAVAILABLE_INFORMATION;
            sensitive = true;
            continue;
        }
        const zkp_attr *a = zkp_obj_attr(o, t->type);
        if (!a) {
            t->ulValueLen = CK_UNAVAILABLE_INFORMATION;
            invalid = true;
            continue;
        }
        if (t->pValue == NULL) {
            t->ulValueLen = a->len;
        } else if (t->ulValueLen >= a->len) {
            if (a->len)
                memcpy(t->pValue, a->value, a->len);
            t->ulValueLen = a->len;
        } else {
            t->ulValueLen = CK_UNAVAILABLE_INFORMATION;
            small = true;
        }
    }
    if (sensitive)
        return CKR_ATTRIBUTE_SENSITIVE;
    if (invalid)
        return CKR_ATTRIBUTE_TYPE_INVALID;
    if (small)
        return CKR_BUFFER_TOO_SMALL;
    return CKR_OK;
}

CK_ULONG zkp_obj_size(const zkp_object *o) {
    CK_ULONG size = 0;
    for (size_t i = 0; i < o->nattrs; i++)
        size += 8 + o->attrs[i].len;
    return size;
}

/* ---- TLV codec
 * ------------------------------------------------------------------------------------ */

/* Encoded size of one attribute value. */
static size_t tlv_value_size(CK_ATTRIBUTE_TYPE type, size_t len) {
    zkp_av shape = zkp_attr_shape(type);
    if (shape == ZKP_AV_ULONG && len == sizeof(CK_ULONG))
        return 8;
    if (shape == ZKP_AV_ULONG_ARRAY && len % sizeof(CK_ULONG) == 0)
        return len / sizeof(CK_ULONG) * 8;
    return len;
}

static void tlv_put(zkp_writer *w, CK_ATTRIBUTE_TYPE type, const uint8_t *v, size_t len) {
    zkp_av shape = zkp_attr_shape(type);
    zkp_put_u32(w, (uint32_t)type);
    zkp_put_u32(w, (uint32_t)tlv_value_size(type, len));
    if ((shape == ZKP_AV_ULONG && len == sizeof(CK_ULONG)) ||
        (shape == ZKP_AV_ULONG_ARRAY && len % sizeof(CK_ULONG) == 0)) {
        for (size_t i = 0; i < len; i += sizeof(CK_ULONG)) {
            CK_ULONG x;
            memcpy(&x, v + i, sizeof x);
            zkp_put_u64(w, (uint64_t)x);
        }
    } else {
        zkp_put_bytes(w, v, len);
    }
}

static uint8_t *tlv_alloc(size_t total, zkp_writer *w) {
    uint8_t *buf = malloc(total ? total : 1);
    if (buf)
        zkp_writer_init(w, buf, total);
    return buf;
}

uint8_t *zkp_tlv_encode(const zkp_object *o, size_t *len_out) {
    size_t total = 0;
    for (size_t i = 0; i < o->nattrs; i++)
        total += 8 + tlv_value_size(o->attrs[i].type, o->attrs[i].len);
    zkp_writer w;
    uint8_t *buf = tlv_alloc(total, &w);
    if (!buf)
        return NULL;
    for (size_t i = 0; i < o->nattrs; i++)
        tlv_put(&w, o->attrs[i].type, o->attrs[i].value, o->attrs[i].len);
    *len_out = w.len;
    return buf;
}

uint8_t *zkp_tlv_encode_builder(const zkp_attr_builder *b, size_t *len_out) {
    if (b->err)
        return NULL;
    size_t total = 0;
    for (size_t i = 0; i < b->n; i++)
        total += 8 + tlv_value_size(b->a[i].type, b->a[i].len);
    zkp_writer w;
    uint8_t *buf = tlv_alloc(total, &w);
    if (!buf)
        return NULL;
    for (size_t i = 0; i < b->n; i++)
        tlv_put(&w, b->a[i].type, b->data + b->a[i].off, b->a[i].len);
    *len_out = w.len;
    return buf;
}

int zkp_tlv_decode(const uint8_t *p, size_t len, zkp_attr_builder *b) {
    zkp_reader r;
    zkp_reader_init(&r, p, len);
    while (r.len > 0 && !r.err) {
        CK_ATTRIBUTE_TYPE type = zkp_get_u32(&r);
        uint32_t n = zkp_get_u32(&r);
        const uint8_t *v = zkp_get_bytes(&r, n);
        if (!v)
            return -1;
        zkp_av shape = zkp_attr_shape(type);
        if ((shape == ZKP_AV_ULONG && n == 8) || (shape == ZKP_AV_ULONG_ARRAY && n % 8 == 0)) {
            size_t count = n / 8;
            CK_ULONG small[16];
            CK_ULONG *vals = count <= 16 ? small : malloc(count * sizeof *vals);
            if (!vals)
                return -1;
            zkp_reader vr;
            zkp_reader_init(&vr, v, n);
            for (size_t i = 0; i < count; i++)
                vals[i] = (CK_ULONG)zkp_get_u64(&vr);
            zkp_ab_bytes(b, type, vals, count * sizeof *vals);
            if (vals != small)
                free(vals);
        } else {
            zkp_ab_bytes(b, type, v, n);
        }
    }
    return r.err || b->err ? -1 : 0;
}
