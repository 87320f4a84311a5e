/*
 * The OpenSSL headers the engine uses. They are Node's own (its include/node/openssl), and the
 * engine links no libcrypto: its OpenSSL symbols resolve to the copy of the process that loads
 * it (node exports its statically linked OpenSSL), so there are never two OpenSSL copies in one
 * process. The engine interface and EC_KEY methods are deprecated in OpenSSL 3; Node 20's only
 * route to a key outside the process is an engine, so the deprecation warnings are silenced.
 */
#ifndef ZKE_OSSL_H
#define ZKE_OSSL_H

#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#endif
