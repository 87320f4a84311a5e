/* The engine's OpenSSL error strings: Node reports them as the message of a failed key load. */
#include "errors.h"

#include <stdarg.h>

#include "ossl.h"

static int lib_code;

static ERR_STRING_DATA reasons[] = {
    {ERR_PACK(0, 0, ZKE_R_MODULE), "cannot load the zkbridge PKCS#11 module"},
    {ERR_PACK(0, 0, ZKE_R_URI), "bad PKCS#11 URI"},
    {ERR_PACK(0, 0, ZKE_R_NO_TOKEN), "no such token"},
    {ERR_PACK(0, 0, ZKE_R_LOGIN), "login failed"},
    {ERR_PACK(0, 0, ZKE_R_NO_KEY), "no such private key"},
    {ERR_PACK(0, 0, ZKE_R_KEY_TYPE), "key type not usable here"},
    {ERR_PACK(0, 0, ZKE_R_SIGN), "the device did not sign"},
    {ERR_PACK(0, 0, ZKE_R_INTERNAL), "internal error"},
    {0, NULL},
};

static ERR_STRING_DATA lib_name[] = {{0, "zkbridge engine"}, {0, NULL}};

void zke_errors_load(void) {
    if (lib_code == 0)
        lib_code = ERR_get_next_error_library();
    lib_name[0].error = ERR_PACK(lib_code, 0, 0);
    ERR_load_strings(lib_code, reasons);
    ERR_load_strings(0, lib_name);
}

void zke_errors_unload(void) {
    if (lib_code == 0)
        return;
    ERR_unload_strings(lib_code, reasons);
    ERR_unload_strings(0, lib_name);
}

void zke_error(int reason, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ERR_new();
    ERR_set_debug("zkbridge-engine", 0, "zkbridge");
    ERR_vset_error(lib_code, reason, fmt, ap);
    va_end(ap);
}
