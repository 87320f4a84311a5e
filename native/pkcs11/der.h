/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The few DER shapes the token needs: curve parameters (CKA_EC_PARAMS), EC points
 * (CKA_EC_POINT as an OCTET STRING), SubjectPublicKeyInfo (CKA_PUBLIC_KEY_INFO) and peer points
 * for ECDH (raw or DER-wrapped). Pure functions over caller buffers.
 */
#ifndef ZKP_DER_H
#define ZKP_DER_H

#include <stddef.h>
#include <stdint.h>

/* Key types, numbered as the device protocol's key_type enum. */
typedef enum {
    ZKP_CURVE_P256 = 0,
    ZKP_CURVE_SECP256K1 = 1,
    ZKP_CURVE_ED25519 = 2,
    ZKP_CURVE_X25519 = 3,
    ZKP_CURVE_NONE = 255,
} zkp_curve;

/* Raw public key size on the device protocol: 64 (X||Y) or 32. */
size_t zkp_curve_raw_pubkey_size(zkp_curve c);

/*
 * Parses CKA_EC_PARAMS. Accepts the OID forms (1.2.840.10045.3.1.7, 1.3.132.0.10,
 * 1.3.101.112, 1.3.101.110), the PrintableString names of PKCS#11 3.0 ("edwards25519",
 * "curve25519", also "prime256v1"/"secp256r1"/"secp256k1"), and ecParameters only in those
 * forms. Returns ZKP_CURVE_NONE for anything else (including trailing bytes).
 */
zkp_curve zkp_der_parse_ec_params(const uint8_t *der, size_t len);

/* Writes the OID form of the curve's CKA_EC_PARAMS. Returns the length, or 0 when cap is too
 * small (query with out NULL / cap 0 to learn the size: the length is returned anyway). */
size_t zkp_der_ec_params(zkp_curve c, uint8_t *out, size_t cap);

/* CKA_EC_POINT from a raw device public key: OCTET STRING of 04||X||Y (P-256, secp256k1) or
 * of the 32 bytes (Ed25519, X25519). Same size convention as zkp_der_ec_params. */
size_t zkp_der_ec_point(zkp_curve c, const uint8_t *raw, uint8_t *out, size_t cap);

/*
 * Reads a public point given by an application (CKA_EC_POINT of an imported key, or the
 * pPublicData of CK_ECDH1_DERIVE_PARAMS) and writes the device's raw form (64 or 32 bytes).
 * Accepts the DER OCTET STRING form and the raw form (04||X||Y, or 32 bytes for the 25519
 * curves). Compressed points are refused. Returns 0 or -1.
 */
int zkp_der_read_point(zkp_curve c, const uint8_t *in, size_t len, uint8_t *raw_out);

/* SubjectPublicKeyInfo DER of a raw device public key (RFC 5480, RFC 8410). Same size
 * convention as zkp_der_ec_params. */
size_t zkp_der_spki(zkp_curve c, const uint8_t *raw, uint8_t *out, size_t cap);

/* Length of a DER TLV's header + content starting at in, or 0 when malformed / truncated. */
size_t zkp_der_tlv_size(const uint8_t *in, size_t len);

#endif
