/* EVP_PKEYs whose signing goes to the token: an EC_KEY with our EC_KEY_METHOD. */
#ifndef ZKE_EC_KEY_H
#define ZKE_EC_KEY_H

#include "ossl.h"
#include "token.h"

/* Prepares the method and the ex_data index (engine bind). Returns 0 on failure. */
int zke_ec_key_setup(void);

/*
 * An EVP_PKEY for `key`: the public point from the token and a method that signs through it.
 * Returns NULL with an OpenSSL error queued (for example an Ed25519 key).
 */
EVP_PKEY *zke_ec_key_new(const zke_key *key);

#endif
