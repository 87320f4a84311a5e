/*
 * libzkbridge-engine.so: an OpenSSL dynamic engine whose private keys are HSM slots, reached
 * through the zkbridge PKCS#11 token. Node 20 loads it from `privateKeyEngine` (by path) and asks
 * it for `privateKeyIdentifier`, a PKCS#11 URI; `openssl -engine <path>` loads it the same way.
 *
 * Control commands: MODULE_PATH (default: $ZKBRIDGE_PKCS11_LIB, else the libzkbridge-pkcs11.so
 * next to this file) and PIN (default: the URI's pin-value, else $ZKBRIDGE_PIN).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "ec_key.h"
#include "errors.h"
#include "ossl.h"
#include "token.h"
#include "uri.h"

static const char engine_id[] = "zkbridge";
static const char engine_name[] = "zkbridge HSM keys (PKCS#11)";

#define CMD_MODULE_PATH ENGINE_CMD_BASE
#define CMD_PIN         (ENGINE_CMD_BASE + 1)

static const ENGINE_CMD_DEFN commands[] = {
    {CMD_MODULE_PATH, "MODULE_PATH", "path of libzkbridge-pkcs11.so", ENGINE_CMD_FLAG_STRING},
    {CMD_PIN, "PIN", "user PIN of the token", ENGINE_CMD_FLAG_STRING},
    {0, NULL, NULL, 0},
};

static int engine_ctrl(ENGINE *e, int cmd, long i, void *p, void (*f)(void)) {
    (void)e, (void)i, (void)f;
    switch (cmd) {
    case CMD_MODULE_PATH:
        return zke_token_set_module(p);
    case CMD_PIN:
        return zke_token_set_pin(p);
    default:
        return 0;
    }
}

/* The path this file was loaded from; stays valid for good (see pin_self). */
static char loaded_from[4096];

/* True when `e` itself is in OpenSSL's engine list. */
static bool listed(ENGINE *e) {
    for (ENGINE *it = ENGINE_get_first(); it != NULL; it = ENGINE_get_next(it)) {
        if (it == e) {
            ENGINE_free(it);
            return true;
        }
    }
    return false;
}

/*
 * Node loads an engine by path without listing it, one engine per TLS context, and OpenSSL 3.0
 * refuses to load the same engine file again while the first copy is in use: a second context
 * would fail. So an engine that is not listed (loaded that way) lists itself under the path it
 * was loaded from, and Node's next ENGINE_by_id(path) finds it instead of loading the file.
 * Engines loaded through a config file or `-engine` are listed already, as `zkbridge`. This runs
 * on the first key load, not in init: ENGINE_init holds the engine list lock.
 */
static void list_by_path(ENGINE *e) {
    static pthread_mutex_t once = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&once);
    if (loaded_from[0] != 0 && !listed(e)) {
        ERR_set_mark();
        if (ENGINE_set_id(e, loaded_from) && !ENGINE_add(e))
            ENGINE_set_id(e, engine_id); /* another one has that id: stay unlisted */
        ERR_pop_to_mark();
    }
    pthread_mutex_unlock(&once);
}

static EVP_PKEY *load_key(ENGINE *e, const char *identifier, UI_METHOD *ui, void *cb_data) {
    (void)ui, (void)cb_data;
    list_by_path(e);
    zke_uri uri;
    zke_uri_status st = zke_uri_parse(identifier, &uri);
    EVP_PKEY *pkey = NULL;
    zke_key key;
    if (st != ZKE_URI_OK)
        zke_error(ZKE_R_URI + (int)st, "%s", zke_uri_status_text(st));
    else if (zke_token_find_key(&uri, &key))
        pkey = zke_ec_key_new(&key);
    OPENSSL_cleanse(&uri, sizeof uri);
    return pkey;
}

/*
 * Keeps this file loaded for good (keys it made may outlive the engine that made them) and
 * notes the path it was loaded from.
 */
static void pin_self(void) {
    Dl_info info;
    if (dladdr((void *)&pin_self, &info) == 0 || info.dli_fname == NULL)
        return;
    (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_NODELETE);
    if (loaded_from[0] == 0 && strlen(info.dli_fname) < sizeof loaded_from)
        strcpy(loaded_from, info.dli_fname);
}

/* `id` is what the loader asked for: NULL (a path alone) or `zkbridge`. */
static int bind(ENGINE *e, const char *id) {
    if (id != NULL && strcmp(id, engine_id) != 0)
        return 0;
    pin_self();
    zke_errors_load();
    if (!zke_ec_key_setup())
        return 0;
    return ENGINE_set_id(e, engine_id) && ENGINE_set_name(e, engine_name) &&
           ENGINE_set_ctrl_function(e, engine_ctrl) && ENGINE_set_cmd_defns(e, commands) &&
           ENGINE_set_load_privkey_function(e, load_key) &&
           ENGINE_set_load_pubkey_function(e, load_key);
}

IMPLEMENT_DYNAMIC_BIND_FN(bind)
IMPLEMENT_DYNAMIC_CHECK_FN()
