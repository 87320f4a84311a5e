/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mechanisms of the token, filtered by what the device announced in HELLO: a model without
 * a curve does not advertise mechanisms for it, one without a key store (Zymkey4, HSM4) cannot
 * generate key pairs, and ECDH / EdDSA follow their feature bits. Digests are computed here in
 * software (hash.h) and are always offered.
 */
#include "p11.h"

#define EC_FLAGS    (CKF_EC_F_P | CKF_EC_OID | CKF_EC_UNCOMPRESS)
#define WEIERSTRASS (ZKB_CURVES_P256 | ZKB_CURVES_SECP256K1)

static const zkp_mech MECHS[] = {
    {CKM_EC_KEY_PAIR_GEN, 0, 0, CKF_HW | CKF_GENERATE_KEY_PAIR | EC_FLAGS, WEIERSTRASS,
     ZKB_FEATURE_KEY_STORE, true},
    {CKM_EC_EDWARDS_KEY_PAIR_GEN, 0, 0, CKF_HW | CKF_GENERATE_KEY_PAIR | CKF_EC_OID,
     ZKB_CURVES_ED25519, ZKB_FEATURE_KEY_STORE, true},
    {CKM_EC_MONTGOMERY_KEY_PAIR_GEN, 0, 0, CKF_HW | CKF_GENERATE_KEY_PAIR | CKF_EC_OID,
     ZKB_CURVES_X25519, ZKB_FEATURE_KEY_STORE, true},
    {CKM_ECDSA, 0, 0, CKF_HW | CKF_SIGN | CKF_VERIFY | EC_FLAGS, WEIERSTRASS, 0, false},
    {CKM_ECDSA_SHA1, 0, 0, CKF_HW | CKF_SIGN | CKF_VERIFY | EC_FLAGS, WEIERSTRASS, 0, false},
    {CKM_ECDSA_SHA224, 0, 0, CKF_HW | CKF_SIGN | CKF_VERIFY | EC_FLAGS, WEIERSTRASS, 0, false},
    {CKM_ECDSA_SHA256, 0, 0, CKF_HW | CKF_SIGN | CKF_VERIFY | EC_FLAGS, WEIERSTRASS, 0, false},
    {CKM_ECDSA_SHA384, 0, 0, CKF_HW | CKF_SIGN | CKF_VERIFY | EC_FLAGS, WEIERSTRASS, 0, false},
    {CKM_ECDSA_SHA512, 0, 0, CKF_HW | CKF_SIGN | CKF_VERIFY | EC_FLAGS, WEIERSTRASS, 0, false},
    {CKM_EDDSA, 0, 0, CKF_HW | CKF_SIGN | CKF_VERIFY | CKF_EC_OID, ZKB_CURVES_ED25519,
     ZKB_FEATURE_EDDSA, false},
    {CKM_ECDH1_DERIVE, 0, 0, CKF_HW | CKF_DERIVE | EC_FLAGS, WEIERSTRASS | ZKB_CURVES_X25519,
     ZKB_FEATURE_ECDH, false},
    {CKM_SHA_1, 0, 0, CKF_DIGEST, 0, 0, false},
    {CKM_SHA224, 0, 0, CKF_DIGEST, 0, 0, false},
    {CKM_SHA256, 0, 0, CKF_DIGEST, 0, 0, false},
    {CKM_SHA384, 0, 0, CKF_DIGEST, 0, 0, false},
    {CKM_SHA512, 0, 0, CKF_DIGEST, 0, 0, false},
};
#define NMECHS (sizeof MECHS / sizeof MECHS[0])

static bool offered(const zkp_device_info *info, const zkp_mech *m) {
    if (m->curves && !(m->curves & info->curves))
        return false;
    if (m->features && !(m->features & info->features))
        return false;
    if (m->needs_key_slots && info->key_slots == 0)
        return false;
    return true;
}

static const zkp_mech *lookup(CK_MECHANISM_TYPE type) {
    for (size_t i = 0; i < NMECHS; i++) {
        if (MECHS[i].type == type)
            return &MECHS[i];
    }
    return NULL;
}

size_t zkp_mech_list(const zkp_device_info *info, CK_MECHANISM_TYPE *out, size_t cap) {
    size_t n = 0;
    for (size_t i = 0; i < NMECHS; i++) {
        if (!offered(info, &MECHS[i]))
            continue;
        if (out && n < cap)
            out[n] = MECHS[i].type;
        n++;
    }
    return n;
}

CK_RV zkp_mech_info(const zkp_device_info *info, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *out) {
    const zkp_mech *m = lookup(type);
    if (!m || !offered(info, m))
        return CKR_MECHANISM_INVALID;
    out->flags = m->flags;
    out->ulMinKeySize = 0;
    out->ulMaxKeySize = 0;
    /* key sizes in bits over the curves this device has: 256 for the Weierstrass curves,
     * 255 for the 25519 ones */
    uint8_t curves = m->curves & info->curves;
    if (curves) {
        bool small = curves & (ZKB_CURVES_ED25519 | ZKB_CURVES_X25519);
        bool big = curves & WEIERSTRASS;
        out->ulMinKeySize = small ? 255 : 256;
        out->ulMaxKeySize = big ? 256 : 255;
    }
    return CKR_OK;
}

bool zkp_mech_allows(const zkp_device_info *info, CK_MECHANISM_TYPE type, zkp_curve c) {
    const zkp_mech *m = lookup(type);
    if (!m || !offered(info, m) || c > ZKP_CURVE_X25519)
        return false;
    uint8_t bit = (uint8_t)(1u << c);
    return (m->curves & bit) && (info->curves & bit);
}

zkp_hash_alg zkp_mech_hash(CK_MECHANISM_TYPE type) {
    switch (type) {
    case CKM_SHA_1:
    case CKM_ECDSA_SHA1:
        return ZKP_HASH_SHA1;
    case CKM_SHA224:
    case CKM_ECDSA_SHA224:
        return ZKP_HASH_SHA224;
    case CKM_SHA256:
    case CKM_ECDSA_SHA256:
        return ZKP_HASH_SHA256;
    case CKM_SHA384:
    case CKM_ECDSA_SHA384:
        return ZKP_HASH_SHA384;
    case CKM_SHA512:
    case CKM_ECDSA_SHA512:
        return ZKP_HASH_SHA512;
    default:
        return (zkp_hash_alg)0;
    }
}
