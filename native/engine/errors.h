/*
 * The engine's OpenSSL error library. Node shows only a reason's text (not the detail data the
 * `openssl` tools also print), so every distinct cause has a reason of its own whose text says
 * what to do.
 */
#ifndef ZKE_ERRORS_H
#define ZKE_ERRORS_H

#include "uri.h"

enum {
    ZKE_R_MODULE = 100,   /* libzkbridge-pkcs11.so cannot be loaded */
    ZKE_R_INITIALIZE,     /* C_Initialize failed */
    ZKE_R_NO_TOKEN,       /* no token present */
    ZKE_R_TOKEN_MISMATCH, /* tokens present, none matches the URI */
    ZKE_R_NOT_LOGGED_IN,  /* no key found, and no PIN to log in with */
    ZKE_R_WRONG_PIN,      /* C_Login: CKR_PIN_INCORRECT */
    ZKE_R_PIN_LOCKED,     /* C_Login: CKR_PIN_LOCKED */
    ZKE_R_LOGIN,          /* C_Login: anything else */
    ZKE_R_NO_KEY,         /* no private key matches */
    ZKE_R_AMBIGUOUS,      /* more than one matches */
    ZKE_R_NOT_A_KEY,      /* the URI names a public key, certificate or data object */
    ZKE_R_NO_PUBLIC,      /* no public key object shares the key's CKA_ID */
    ZKE_R_EDDSA,          /* an Ed25519 key: engines cannot carry EdDSA keys */
    ZKE_R_KEY_TYPE,       /* not an EC key, or a curve this OpenSSL does not know */
    ZKE_R_SIGN,           /* C_Sign failed */
    ZKE_R_INTERNAL,       /* out of memory and the like */
    ZKE_R_URI = 200,      /* + zke_uri_status: the URI cannot be used */
};

/* Registers the error strings (engine bind). */
void zke_errors_load(void);

/* Raises reason with a printf-style detail on the OpenSSL error queue. */
void zke_error(int reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
