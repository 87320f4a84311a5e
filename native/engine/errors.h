/* The engine's OpenSSL error library: reasons with text, raised with ERR_raise_data. */
#ifndef ZKE_ERRORS_H
#define ZKE_ERRORS_H

enum {
    ZKE_R_MODULE = 100, /* the PKCS#11 module cannot be loaded or initialized */
    ZKE_R_URI,          /* the key identifier is not a usable PKCS#11 URI */
    ZKE_R_NO_TOKEN,     /* no token matches */
    ZKE_R_LOGIN,        /* C_Login failed */
    ZKE_R_NO_KEY,       /* no private key matches, or more than one */
    ZKE_R_KEY_TYPE,     /* the key cannot be used through this engine */
    ZKE_R_SIGN,         /* the device refused to sign */
    ZKE_R_INTERNAL,     /* out of memory and the like */
};

/* Registers the error strings (engine bind) and removes them (engine destroy). */
void zke_errors_load(void);
void zke_errors_unload(void);

/* Raises reason with a printf-style detail on the OpenSSL error queue. */
void zke_error(int reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
