/*
 * The engine's PKCS#11 side: one module (libzkbridge-pkcs11.so by default), initialized once per
 * process, one session per token used, a login with the user PIN, and the key lookups and
 * signatures the engine's keys need. Every call is serialized by one mutex: a TLS handshake
 * signs once, and the device answers one request per connection at a time anyway. The module is
 * never finalized: keys the engine made may outlive every engine reference.
 */
#ifndef ZKE_TOKEN_H
#define ZKE_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cryptoki.h"
#include "uri.h"

/* A private key found on the token, with what OpenSSL needs to build the public half. */
typedef struct {
    CK_SLOT_ID slot;
    CK_OBJECT_HANDLE handle;
    CK_KEY_TYPE key_type; /* CKK_EC or CKK_EC_EDWARDS */
    uint8_t params[64];   /* CKA_EC_PARAMS (DER) */
    size_t params_len;
    uint8_t point[80]; /* CKA_EC_POINT (DER OCTET STRING) */
    size_t point_len;
} zke_key;

/* Sets the module path (engine ctrl MODULE_PATH); NULL restores the default. */
int zke_token_set_module(const char *path);

/* Sets the default user PIN (engine ctrl PIN), used when a URI has no pin-value. */
int zke_token_set_pin(const char *pin);

/*
 * Finds the private key a URI names (by id and/or object label, on the token it names or the
 * first token with such a key), logging in first. On failure returns 0 and leaves an OpenSSL
 * error on the queue saying why.
 */
int zke_token_find_key(const zke_uri *uri, zke_key *out);

/*
 * Signs `in` with a key found before: CKM_ECDSA over a digest (out gets r||s) or CKM_EDDSA over
 * a message. Returns the signature length, or 0 with an OpenSSL error queued.
 */
size_t zke_token_sign(const zke_key *key, CK_MECHANISM_TYPE mechanism, const uint8_t *in,
                      size_t in_len, uint8_t *out, size_t out_cap);

#endif
