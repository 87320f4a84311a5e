/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attribute synthesis for the device's keys. Each occupied key-store slot shows as a private key
 * object (unless the slot holds only a public key) and a public key object (unless export is
 * disabled); a foreign-store slot shows as a public key. Everything is derived from the
 * TOKEN_LIST record plus the optional bound store object ("meta") that keeps what applications
 * set: CKA_LABEL, CKA_ID and usage restrictions (CKA_SIGN, CKA_DERIVE, CKA_VERIFY false).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p11.h"

CK_KEY_TYPE zkp_curve_key_type(zkp_curve c) {
    switch (c) {
    case ZKP_CURVE_ED25519:
        return CKK_EC_EDWARDS;
    case ZKP_CURVE_X25519:
        return CKK_EC_MONTGOMERY;
    default:
        return CKK_EC;
    }
}

CK_MECHANISM_TYPE zkp_curve_keygen_mech(zkp_curve c) {
    switch (c) {
    case ZKP_CURVE_ED25519:
        return CKM_EC_EDWARDS_KEY_PAIR_GEN;
    case ZKP_CURVE_X25519:
        return CKM_EC_MONTGOMERY_KEY_PAIR_GEN;
    default:
        return CKM_EC_KEY_PAIR_GEN;
    }
}

zkp_curve zkp_obj_curve(const zkp_object *o) {
    const zkp_attr *p = zkp_obj_attr(o, CKA_EC_PARAMS);
    if (!p)
        return ZKP_CURVE_NONE;
    zkp_curve c = zkp_der_parse_ec_params(p->value, p->len);
    CK_KEY_TYPE kt = zkp_obj_ulong(o, CKA_KEY_TYPE, CK_UNAVAILABLE_INFORMATION);
    return c != ZKP_CURVE_NONE && zkp_curve_key_type(c) == kt ? c : ZKP_CURVE_NONE;
}

static bool curve_signs(zkp_curve c) {
    return c != ZKP_CURVE_X25519;
}
static bool curve_derives(zkp_curve c) {
    return c != ZKP_CURVE_ED25519;
}

/* Mechanisms a key of this curve serves, for CKA_ALLOWED_MECHANISMS. */
static size_t allowed_mechs(zkp_curve c, bool priv, CK_MECHANISM_TYPE out[8]) {
    size_t n = 0;
    if (c == ZKP_CURVE_ED25519) {
        out[n++] = CKM_EDDSA;
    } else if (c == ZKP_CURVE_X25519) {
        if (priv)
            out[n++] = CKM_ECDH1_DERIVE;
    } else {
        static const CK_MECHANISM_TYPE ecdsa[] = {CKM_ECDSA,        CKM_ECDSA_SHA1,
                                                  CKM_ECDSA_SHA224, CKM_ECDSA_SHA256,
                                                  CKM_ECDSA_SHA384, CKM_ECDSA_SHA512};
        for (size_t i = 0; i < sizeof ecdsa / sizeof ecdsa[0]; i++)
            out[n++] = ecdsa[i];
        if (priv)
            out[n++] = CKM_ECDH1_DERIVE;
    }
    return n;
}

/* Reads the meta object's attributes into a builder (empty when there is none). */
static void meta_attrs(const zkp_key_meta *meta, zkp_attr_builder *mb) {
    zkp_ab_init(mb);
    if (meta && meta->attrs && zkp_tlv_decode(meta->attrs, meta->attrs_len, mb) != 0) {
        zkp_ab_free(mb);
        zkp_ab_init(mb); /* a damaged blob only loses the overrides */
    }
}

/* Usage attribute: the capability, restricted by an explicit false in the meta object. */
static bool usage(const zkp_attr_builder *mb, CK_ATTRIBUTE_TYPE type, bool capable) {
    CK_ULONG len;
    const uint8_t *v = zkp_ab_get(mb, type, &len);
    if (v && len == 1 && v[0] == 0)
        return false;
    return capable;
}

zkp_object *zkp_key_object(const zkp_key_record *r, CK_OBJECT_CLASS cls, const zkp_key_meta *meta) {
    zkp_curve c = (zkp_curve)r->key_type;
    if (c > ZKP_CURVE_X25519)
        return NULL;
    bool priv = cls == CKO_PRIVATE_KEY;
    bool factory = (r->flags & ZKP_KEYREC_FACTORY) != 0;
    zkp_object head;
    memset(&head, 0, sizeof head);
    head.cls = cls;
    head.priv = priv;
    head.token = true;
    head.dev_slot = r->slot;
    head.foreign = r->foreign;
    head.curve = c;
    head.key_flags = r->flags;
    head.meta_handle = meta ? meta->handle : 0;
    unsigned kind = r->foreign ? ZKP_KIND_FOREIGN
                    : priv     ? ZKP_KIND_PRIVATE_KEY
                               : ZKP_KIND_PUBLIC_KEY;
    head.handle = ZKP_HANDLE(kind, (uint32_t)r->slot);
    if (r->pub && r->pub_len == zkp_curve_raw_pubkey_size(c) && r->pub_len <= sizeof head.pub) {
        memcpy(head.pub, r->pub, r->pub_len);
        head.pub_len = (uint8_t)r->pub_len;
    }

    zkp_attr_builder mb;
    meta_attrs(meta, &mb);
    zkp_attr_builder b;
    zkp_ab_init(&b);

    /* common storage attributes */
    zkp_ab_ulong(&b, CKA_CLASS, cls);
    zkp_ab_bool(&b, CKA_TOKEN, true);
    zkp_ab_bool(&b, CKA_PRIVATE, priv);
    zkp_ab_bool(&b, CKA_MODIFIABLE, true);
    zkp_ab_bool(&b, CKA_COPYABLE, false);
    zkp_ab_bool(&b, CKA_DESTROYABLE, !factory);
    CK_ULONG len;
    const uint8_t *v = zkp_ab_get(&mb, CKA_LABEL, &len);
    if (v) {
        zkp_ab_bytes(&b, CKA_LABEL, v, len);
    } else {
        char label[32];
        int n =
            snprintf(label, sizeof label, "%s-%d", r->foreign ? "foreign" : "slot", (int)r->slot);
        zkp_ab_bytes(&b, CKA_LABEL, label, (size_t)n);
    }
    /* common key attributes */
    zkp_ab_ulong(&b, CKA_KEY_TYPE, zkp_curve_key_type(c));
    v = zkp_ab_get(&mb, CKA_ID, &len);
    if (v) {
        zkp_ab_bytes(&b, CKA_ID, v, len);
    } else {
        /* default id: the slot number, 4 bytes big-endian; foreign slots with the top bit */
        uint32_t id = (uint32_t)r->slot | (r->foreign ? 0x80000000u : 0);
        uint8_t idb[4] = {(uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8),
                          (uint8_t)id};
        zkp_ab_bytes(&b, CKA_ID, idb, 4);
    }
    zkp_ab_bytes(&b, CKA_START_DATE, NULL, 0);
    zkp_ab_bytes(&b, CKA_END_DATE, NULL, 0);
    zkp_ab_bool(&b, CKA_LOCAL, !r->foreign);
    zkp_ab_ulong(&b, CKA_KEY_GEN_MECHANISM,
                 r->foreign ? CK_UNAVAILABLE_INFORMATION : zkp_curve_keygen_mech(c));
    CK_MECHANISM_TYPE mechs[8];
    size_t nm = allowed_mechs(c, priv, mechs);
    zkp_ab_bytes(&b, CKA_ALLOWED_MECHANISMS, mechs, nm * sizeof mechs[0]);
    zkp_ab_bytes(&b, CKA_SUBJECT, NULL, 0);

    /* EC attributes: the OID form of the parameters, the point as a DER OCTET STRING */
    uint8_t params[32];
    size_t plen = zkp_der_ec_params(c, params, sizeof params);
    zkp_ab_bytes(&b, CKA_EC_PARAMS, params, plen);
    if (head.pub_len) {
        uint8_t point[80];
        size_t ptlen = zkp_der_ec_point(c, head.pub, point, sizeof point);
        if (ptlen)
            zkp_ab_bytes(&b, CKA_EC_POINT, point, ptlen);
        uint8_t spki[128];
        size_t slen = zkp_der_spki(c, head.pub, spki, sizeof spki);
        if (slen)
            zkp_ab_bytes(&b, CKA_PUBLIC_KEY_INFO, spki, slen);
    }

    if (priv) {
        zkp_ab_bool(&b, CKA_SENSITIVE, true);
        zkp_ab_bool(&b, CKA_DECRYPT, false);
        zkp_ab_bool(&b, CKA_SIGN, usage(&mb, CKA_SIGN, curve_signs(c)));
        zkp_ab_bool(&b, CKA_SIGN_RECOVER, false);
        zkp_ab_bool(&b, CKA_UNWRAP, false);
        zkp_ab_bool(&b, CKA_DERIVE, usage(&mb, CKA_DERIVE, curve_derives(c)));
        zkp_ab_bool(&b, CKA_EXTRACTABLE, false);
        zkp_ab_bool(&b, CKA_ALWAYS_SENSITIVE, true);
        zkp_ab_bool(&b, CKA_NEVER_EXTRACTABLE, true);
        zkp_ab_bool(&b, CKA_WRAP_WITH_TRUSTED, false);
        zkp_ab_bool(&b, CKA_ALWAYS_AUTHENTICATE, false);
    } else {
        zkp_ab_bool(&b, CKA_ENCRYPT, false);
        zkp_ab_bool(&b, CKA_VERIFY, usage(&mb, CKA_VERIFY, curve_signs(c)));
        zkp_ab_bool(&b, CKA_VERIFY_RECOVER, false);
        zkp_ab_bool(&b, CKA_WRAP, false);
        zkp_ab_bool(&b, CKA_DERIVE, false);
        zkp_ab_bool(&b, CKA_TRUSTED, false);
    }
    zkp_object *o = zkp_ab_finish(&b, &head);
    zkp_ab_free(&b);
    zkp_ab_free(&mb);
    return o;
}
