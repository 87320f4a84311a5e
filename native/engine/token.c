/* The engine's PKCS#11 client: module, sessions, login, key lookup, signing (see token.h). */
#include "token.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "ossl.h"

#define MAX_SLOTS 16
#define PIN_MAX   128

typedef struct {
    bool used;
    CK_SLOT_ID id;
    CK_SESSION_HANDLE session; /* CK_INVALID_HANDLE when none */
    char pin[PIN_MAX];         /* the PIN that logged in, kept to log in again after a reconnect */
} slot_state;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char module_path[4096];
static char default_pin[PIN_MAX];
static void *module;
static CK_FUNCTION_LIST_PTR F;
static pid_t initialized_pid;
static slot_state slots[MAX_SLOTS];

int zke_token_set_module(const char *path) {
    if (path != NULL && strlen(path) >= sizeof module_path)
        return 0;
    pthread_mutex_lock(&lock);
    if (path == NULL)
        module_path[0] = 0;
    else
        strcpy(module_path, path);
    pthread_mutex_unlock(&lock);
    return 1;
}

int zke_token_set_pin(const char *pin) {
    if (pin != NULL && strlen(pin) >= sizeof default_pin)
        return 0;
    pthread_mutex_lock(&lock);
    OPENSSL_cleanse(default_pin, sizeof default_pin);
    if (pin != NULL)
        strcpy(default_pin, pin);
    pthread_mutex_unlock(&lock);
    return 1;
}

/* The module: ctrl MODULE_PATH, else $ZKBRIDGE_PKCS11_LIB, else the library next to us. */
static bool resolve_module_path(char *out, size_t cap) {
    if (module_path[0] != 0) {
        snprintf(out, cap, "%s", module_path);
        return true;
    }
    const char *env = getenv("ZKBRIDGE_PKCS11_LIB");
    if (env != NULL && env[0] != 0) {
        snprintf(out, cap, "%s", env);
        return true;
    }
    Dl_info info;
    if (dladdr((void *)&zke_token_find_key, &info) == 0 || info.dli_fname == NULL)
        return false;
    const char *slash = strrchr(info.dli_fname, '/');
    size_t dir = slash ? (size_t)(slash - info.dli_fname) + 1 : 0;
    snprintf(out, cap, "%.*slibzkbridge-pkcs11.so", (int)dir, info.dli_fname);
    return true;
}

/* Loads and initializes the module once per process (again in a forked child). Locked. */
static bool ensure_module(void) {
    pid_t pid = getpid();
    if (F != NULL && initialized_pid == pid)
        return true;
    if (F != NULL) {
        /* a forked child: the parent's sessions are not ours; the module starts over */
        memset(slots, 0, sizeof slots);
    }
    if (module == NULL) {
        char path[4096];
        if (!resolve_module_path(path, sizeof path)) {
            zke_error(ZKE_R_MODULE, "cannot tell where libzkbridge-pkcs11.so is: set "
                                    "ZKBRIDGE_PKCS11_LIB");
            return false;
        }
        /* never unloaded: keys made by this engine may outlive every engine reference */
        module = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        if (module == NULL) {
            zke_error(ZKE_R_MODULE, "%s", dlerror());
            return false;
        }
    }
    CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(module, "C_GetFunctionList");
    CK_FUNCTION_LIST_PTR list = NULL;
    if (get == NULL || get(&list) != CKR_OK || list == NULL) {
        zke_error(ZKE_R_MODULE, "the module has no usable C_GetFunctionList");
        return false;
    }
    CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
    CK_RV rv = list->C_Initialize(&args);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        zke_error(ZKE_R_INITIALIZE, "C_Initialize: 0x%lx", (unsigned long)rv);
        return false;
    }
    F = list;
    initialized_pid = pid;
    return true;
}

static bool padded_equals(const CK_UTF8CHAR *field, size_t width, const char *want) {
    size_t n = strlen(want);
    if (n > width || memcmp(field, want, n) != 0)
        return false;
    for (size_t i = n; i < width; i++)
        if (field[i] != ' ')
            return false;
    return true;
}

static slot_state *slot_entry(CK_SLOT_ID id) {
    slot_state *free_entry = NULL;
    for (int i = 0; i < MAX_SLOTS; i++) {
        if (slots[i].used && slots[i].id == id)
            return &slots[i];
        if (!slots[i].used && free_entry == NULL)
            free_entry = &slots[i];
    }
    if (free_entry != NULL) {
        free_entry->used = true;
        free_entry->id = id;
        free_entry->session = CK_INVALID_HANDLE;
    }
    return free_entry;
}

/* Opens the slot's session when it has none, and logs in when a PIN is known. Locked. */
static bool open_session(slot_state *s, const char *pin) {
    if (s->session == CK_INVALID_HANDLE) {
        CK_RV rv = F->C_OpenSession(s->id, CKF_SERIAL_SESSION, NULL, NULL, &s->session);
        if (rv != CKR_OK) {
            s->session = CK_INVALID_HANDLE;
            zke_error(ZKE_R_NO_TOKEN, "C_OpenSession on slot %lu: 0x%lx", (unsigned long)s->id,
                      (unsigned long)rv);
            return false;
        }
    }
    if (pin == NULL || pin[0] == 0)
        pin = s->pin[0] != 0 ? s->pin : NULL;
    if (pin == NULL)
        return true; /* private keys stay invisible; the lookup says so */
    CK_RV rv = F->C_Login(s->session, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
    if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) {
        if (pin != s->pin)
            snprintf(s->pin, sizeof s->pin, "%s", pin);
        return true;
    }
    int reason = rv == CKR_PIN_INCORRECT ? ZKE_R_WRONG_PIN
                 : rv == CKR_PIN_LOCKED  ? ZKE_R_PIN_LOCKED
                                         : ZKE_R_LOGIN;
    zke_error(reason, "C_Login: 0x%lx on slot %lu", (unsigned long)rv, (unsigned long)s->id);
    return false;
}

/* Reads one attribute into buf; its length goes to *len. */
static bool get_attribute(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                          CK_ATTRIBUTE_TYPE type, void *buf, size_t cap, size_t *len) {
    CK_ATTRIBUTE a = {type, buf, cap};
    if (F->C_GetAttributeValue(session, object, &a, 1) != CKR_OK)
        return false;
    *len = a.ulValueLen;
    return true;
}

/* Finds objects of `cls` matching the URI's id and label; up to 2 handles (to spot ties). */
static CK_ULONG find_objects(CK_SESSION_HANDLE session, CK_OBJECT_CLASS cls, const zke_uri *uri,
                             const uint8_t *id, size_t id_len, CK_OBJECT_HANDLE found[2]) {
    CK_ATTRIBUTE tmpl[3];
    CK_ULONG n = 0;
    tmpl[n++] = (CK_ATTRIBUTE){CKA_CLASS, &cls, sizeof cls};
    if (id != NULL)
        tmpl[n++] = (CK_ATTRIBUTE){CKA_ID, (void *)id, id_len};
    if (uri != NULL && uri->object[0] != 0)
        tmpl[n++] = (CK_ATTRIBUTE){CKA_LABEL, (void *)uri->object, strlen(uri->object)};
    CK_ULONG count = 0;
    if (F->C_FindObjectsInit(session, tmpl, n) != CKR_OK)
        return 0;
    F->C_FindObjects(session, found, 2, &count);
    F->C_FindObjectsFinal(session);
    return count;
}

/* Fills `out` from a private key and the public key with its CKA_ID. Locked. */
static bool describe_key(slot_state *s, CK_OBJECT_HANDLE handle, zke_key *out) {
    uint8_t id[64];
    size_t id_len, len;
    CK_KEY_TYPE type;
    if (!get_attribute(s->session, handle, CKA_KEY_TYPE, &type, sizeof type, &len) ||
        !get_attribute(s->session, handle, CKA_EC_PARAMS, out->params, sizeof out->params,
                       &out->params_len) ||
        !get_attribute(s->session, handle, CKA_ID, id, sizeof id, &id_len)) {
        zke_error(ZKE_R_KEY_TYPE, "the key has no EC parameters (only EC keys are supported)");
        return false;
    }
    CK_OBJECT_HANDLE pub[2];
    if (find_objects(s->session, CKO_PUBLIC_KEY, NULL, id, id_len, pub) < 1 ||
        !get_attribute(s->session, pub[0], CKA_EC_POINT, out->point, sizeof out->point,
                       &out->point_len)) {
        zke_error(ZKE_R_NO_PUBLIC, "no public key object shares the private key's CKA_ID");
        return false;
    }
    out->slot = s->id;
    out->handle = handle;
    out->key_type = type;
    return true;
}

int zke_token_find_key(const zke_uri *uri, zke_key *out) {
    if (uri->type != ZKE_TYPE_ANY && uri->type != ZKE_TYPE_PRIVATE) {
        zke_error(ZKE_R_NOT_A_KEY,
                  "the URI names a %s object; a private key (type=private) is needed",
                  uri->type == ZKE_TYPE_PUBLIC ? "public key" : "non-key");
        return 0;
    }
    if (!uri->has_id && uri->object[0] == 0) {
        zke_error(ZKE_R_NOT_A_KEY, "the URI names no key: give id= or object=");
        return 0;
    }
    pthread_mutex_lock(&lock);
    int ok = 0;
    if (!ensure_module())
        goto done;
    CK_SLOT_ID ids[MAX_SLOTS];
    CK_ULONG count = MAX_SLOTS;
    if (F->C_GetSlotList(CK_TRUE, ids, &count) != CKR_OK || count == 0) {
        zke_error(ZKE_R_NO_TOKEN, "no token present (is the device reachable? ZKBRIDGE_DEVICE)");
        goto done;
    }
    const char *pin = uri->pin[0] != 0 ? uri->pin : default_pin[0] != 0 ? default_pin : NULL;
    if (pin == NULL)
        pin = getenv("ZKBRIDGE_PIN");
    bool any_token = false, logged_in = false;
    for (CK_ULONG i = 0; i < count; i++) {
        if (uri->has_slot_id && ids[i] != uri->slot_id)
            continue;
        CK_TOKEN_INFO info;
        if (F->C_GetTokenInfo(ids[i], &info) != CKR_OK)
            continue;
        if ((uri->token[0] && !padded_equals(info.label, sizeof info.label, uri->token)) ||
            (uri->serial[0] &&
             !padded_equals(info.serialNumber, sizeof info.serialNumber, uri->serial)))
            continue;
        any_token = true;
        slot_state *s = slot_entry(ids[i]);
        if (s == NULL || !open_session(s, pin))
            goto done;
        logged_in = logged_in || s->pin[0] != 0;
        CK_OBJECT_HANDLE found[2];
        CK_ULONG n = find_objects(s->session, CKO_PRIVATE_KEY, uri, uri->has_id ? uri->id : NULL,
                                  uri->id_len, found);
        if (n > 1) {
            zke_error(ZKE_R_AMBIGUOUS, "the URI matches more than one private key: add id=");
            goto done;
        }
        if (n == 1) {
            ok = describe_key(s, found[0], out);
            goto done;
        }
    }
    if (!any_token)
        zke_error(ZKE_R_TOKEN_MISMATCH, "no token matches the URI's token/serial/slot-id");
    else if (!logged_in)
        zke_error(ZKE_R_NOT_LOGGED_IN, "not found without login: give the PIN as pin-value or in "
                                       "ZKBRIDGE_PIN");
    else
        zke_error(ZKE_R_NO_KEY, "no private key matches the URI");
done:
    pthread_mutex_unlock(&lock);
    return ok;
}

/* Errors after which a new session (and login) may help: the device came back. */
static bool retryable(CK_RV rv) {
    return rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED ||
           rv == CKR_DEVICE_REMOVED || rv == CKR_USER_NOT_LOGGED_IN || rv == CKR_TOKEN_NOT_PRESENT;
}

size_t zke_token_sign(const zke_key *key, CK_MECHANISM_TYPE mechanism, const uint8_t *in,
                      size_t in_len, uint8_t *out, size_t out_cap) {
    pthread_mutex_lock(&lock);
    size_t result = 0;
    slot_state *s = ensure_module() ? slot_entry(key->slot) : NULL;
    CK_RV rv = CKR_GENERAL_ERROR;
    for (int attempt = 0; s != NULL && attempt < 2; attempt++) {
        if (!open_session(s, NULL))
            break;
        CK_MECHANISM mech = {mechanism, NULL, 0};
        CK_ULONG len = out_cap;
        rv = F->C_SignInit(s->session, &mech, key->handle);
        if (rv == CKR_OK)
            rv = F->C_Sign(s->session, (CK_BYTE_PTR)in, in_len, out, &len);
        if (rv == CKR_OK) {
            result = len;
            break;
        }
        if (!retryable(rv))
            break;
        F->C_CloseSession(s->session);
        s->session = CK_INVALID_HANDLE;
    }
    if (result == 0)
        zke_error(ZKE_R_SIGN, "C_Sign: 0x%lx", (unsigned long)rv);
    pthread_mutex_unlock(&lock);
    return result;
}
