/* The engine's OpenSSL error strings (see errors.h). */
#include "errors.h"

#include <stdarg.h>

#include "ossl.h"

static int lib_code;

#define REASON(code, text)                                                                         \
    { ERR_PACK(0, 0, code), text }

static ERR_STRING_DATA reasons[] = {
    REASON(ZKE_R_MODULE, "cannot load libzkbridge-pkcs11.so (set ZKBRIDGE_PKCS11_LIB)"),
    REASON(ZKE_R_INITIALIZE, "the zkbridge PKCS#11 module did not initialize"),
    REASON(ZKE_R_NO_TOKEN, "no token present: is the device reachable (ZKBRIDGE_DEVICE)?"),
    REASON(ZKE_R_TOKEN_MISMATCH, "no token matches the URI's token, serial or slot-id"),
    REASON(ZKE_R_NOT_LOGGED_IN, "no such key without login: give the PIN as pin-value in the "
                                "URI or in ZKBRIDGE_PIN"),
    REASON(ZKE_R_WRONG_PIN, "wrong PIN"),
    REASON(ZKE_R_PIN_LOCKED, "PIN locked"),
    REASON(ZKE_R_LOGIN, "login failed"),
    REASON(ZKE_R_NO_KEY, "no private key matches the URI"),
    REASON(ZKE_R_AMBIGUOUS, "the URI matches more than one private key: add id="),
    REASON(ZKE_R_NOT_A_KEY, "the URI names no private key (type=private expected)"),
    REASON(ZKE_R_NO_PUBLIC, "no public key object shares the private key's CKA_ID"),
    REASON(ZKE_R_EDDSA, "Ed25519 keys cannot be used through an OpenSSL 3.0 engine: use a P-256 "
                        "key"),
    REASON(ZKE_R_KEY_TYPE, "the key is not an EC key on a curve this OpenSSL knows"),
    REASON(ZKE_R_SIGN, "the device did not sign"),
    REASON(ZKE_R_INTERNAL, "internal error"),
    REASON(ZKE_R_URI + ZKE_URI_NOT_PKCS11, "bad PKCS#11 URI: no pkcs11: scheme"),
    REASON(ZKE_R_URI + ZKE_URI_BAD_ESCAPE,
           "bad PKCS#11 URI: a % is not followed by two hex digits"),
    REASON(ZKE_R_URI + ZKE_URI_TOO_LONG, "bad PKCS#11 URI: an attribute value is too long"),
    REASON(ZKE_R_URI + ZKE_URI_BAD_VALUE, "bad PKCS#11 URI: an attribute has a bad value"),
    REASON(ZKE_R_URI + ZKE_URI_UNSUPPORTED, "PKCS#11 URI: pin-source and module-path are not "
                                            "supported (pin-value, ZKBRIDGE_PIN, "
                                            "ZKBRIDGE_PKCS11_LIB are)"),
    REASON(ZKE_R_URI + ZKE_URI_DUPLICATE, "bad PKCS#11 URI: an attribute is given twice"),
    REASON(ZKE_R_URI + ZKE_URI_NUL_IN_TEXT, "bad PKCS#11 URI: %00 in a text attribute"),
    {0, NULL},
};

static ERR_STRING_DATA lib_name[] = {{0, "zkbridge engine"}, {0, NULL}};

void zke_errors_load(void) {
    if (lib_code != 0)
        return;
    lib_code = ERR_get_next_error_library();
    lib_name[0].error = ERR_PACK(lib_code, 0, 0);
    ERR_load_strings(lib_code, reasons);
    ERR_load_strings(0, lib_name);
}

void zke_error(int reason, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ERR_new();
    ERR_set_debug("zkbridge-engine", 0, "zkbridge");
    ERR_vset_error(lib_code, reason, fmt, ap);
    va_end(ap);
}
