/*
 * EC keys held by the token, as OpenSSL keys. OpenSSL 3.0 treats an EC_KEY with a method other
 * than its own as "foreign" and signs with it through the legacy path, so TLS (libssl's
 * CertificateVerify), CMS and `openssl pkeyutl` all end up in sign_sig below: one C_Sign with
 * CKM_ECDSA over the digest OpenSSL computed, turned into the DER ECDSA-Sig-Value OpenSSL wants.
 */
#include "ec_key.h"

#include <stdlib.h>
#include <string.h>

#include "errors.h"

static EC_KEY_METHOD *method;
static int ex_index = -1;

static void free_ref(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
    (void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
    free(ptr);
}

static ECDSA_SIG *sign_sig(const unsigned char *digest, int digest_len, const BIGNUM *kinv,
                           const BIGNUM *r, EC_KEY *eckey) {
    (void)kinv, (void)r;
    const zke_key *key = EC_KEY_get_ex_data(eckey, ex_index);
    if (key == NULL || digest_len <= 0) {
        zke_error(ZKE_R_INTERNAL, "an EC key without its token reference");
        return NULL;
    }
    uint8_t raw[2 * 66];
    size_t n = zke_token_sign(key, CKM_ECDSA, digest, (size_t)digest_len, raw, sizeof raw);
    if (n == 0 || n % 2 != 0)
        return NULL;
    BIGNUM *br = BN_bin2bn(raw, (int)(n / 2), NULL);
    BIGNUM *bs = BN_bin2bn(raw + n / 2, (int)(n / 2), NULL);
    ECDSA_SIG *sig = ECDSA_SIG_new();
    if (br == NULL || bs == NULL || sig == NULL || !ECDSA_SIG_set0(sig, br, bs)) {
        BN_free(br);
        BN_free(bs);
        ECDSA_SIG_free(sig);
        zke_error(ZKE_R_INTERNAL, "out of memory");
        return NULL;
    }
    return sig;
}

static int sign(int type, const unsigned char *digest, int digest_len, unsigned char *out,
                unsigned int *out_len, const BIGNUM *kinv, const BIGNUM *r, EC_KEY *eckey) {
    (void)type;
    *out_len = 0;
    ECDSA_SIG *sig = sign_sig(digest, digest_len, kinv, r, eckey);
    if (sig == NULL)
        return 0;
    unsigned char *p = out;
    int len = i2d_ECDSA_SIG(sig, &p);
    ECDSA_SIG_free(sig);
    if (len <= 0)
        return 0;
    *out_len = (unsigned int)len;
    return 1;
}

int zke_ec_key_setup(void) {
    if (method != NULL)
        return 1;
    ex_index = EC_KEY_get_ex_new_index(0, NULL, NULL, NULL, free_ref);
    method = EC_KEY_METHOD_new(EC_KEY_OpenSSL());
    if (method == NULL || ex_index < 0)
        return 0;
    EC_KEY_METHOD_set_sign(method, sign, NULL, sign_sig);
    return 1;
}

/* The point inside CKA_EC_POINT: a DER OCTET STRING, or (leniently) the bare point. */
static const uint8_t *unwrap_point(const zke_key *key, size_t *len) {
    const uint8_t *p = key->point;
    if (key->point_len >= 2 && p[0] == 0x04 && p[1] == key->point_len - 2) {
        *len = key->point_len - 2;
        return p + 2;
    }
    if (key->point_len >= 3 && p[0] == 0x04 && p[1] == 0x81 && p[2] == key->point_len - 3) {
        *len = key->point_len - 3;
        return p + 3;
    }
    *len = key->point_len;
    return p;
}

EVP_PKEY *zke_ec_key_new(const zke_key *key) {
    if (key->key_type == CKK_EC_EDWARDS) {
        zke_error(ZKE_R_EDDSA, "Ed25519 keys cannot be used through an OpenSSL 3.0 engine "
                               "(engines have no route for EdDSA keys): use a P-256 key");
        return NULL;
    }
    if (key->key_type != CKK_EC) {
        zke_error(ZKE_R_KEY_TYPE, "key type 0x%lx is not an EC signing key",
                  (unsigned long)key->key_type);
        return NULL;
    }
    const unsigned char *params = key->params;
    EC_GROUP *group = d2i_ECPKParameters(NULL, &params, (long)key->params_len);
    EC_KEY *ec = EC_KEY_new();
    EC_POINT *point = group ? EC_POINT_new(group) : NULL;
    zke_key *ref = malloc(sizeof *ref);
    EVP_PKEY *pkey = EVP_PKEY_new();
    size_t raw_len;
    const uint8_t *raw = unwrap_point(key, &raw_len);
    bool ok = group != NULL && ec != NULL && point != NULL && ref != NULL && pkey != NULL;
    if (group == NULL)
        zke_error(ZKE_R_KEY_TYPE, "the key's curve is not known to this OpenSSL");
    else if (!ok)
        zke_error(ZKE_R_INTERNAL, "out of memory");
    if (ok &&
        (!EC_KEY_set_group(ec, group) || !EC_POINT_oct2point(group, point, raw, raw_len, NULL) ||
         !EC_KEY_set_public_key(ec, point))) {
        zke_error(ZKE_R_KEY_TYPE, "the token's public point is not on the key's curve");
        ok = false;
    }
    if (ok) {
        memcpy(ref, key, sizeof *ref);
        ok = EC_KEY_set_method(ec, method) && EC_KEY_set_ex_data(ec, ex_index, ref);
        if (ok)
            ref = NULL; /* owned by the EC_KEY now */
        ok = ok && EVP_PKEY_assign_EC_KEY(pkey, ec);
        if (ok)
            ec = NULL; /* owned by the EVP_PKEY now */
        else
            zke_error(ZKE_R_INTERNAL, "cannot attach the token method to the key");
    }
    EC_POINT_free(point);
    EC_GROUP_free(group);
    EC_KEY_free(ec);
    free(ref);
    if (!ok) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    return pkey;
}
