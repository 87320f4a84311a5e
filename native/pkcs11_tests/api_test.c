/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zkp_api_test <libzkbridge-pkcs11.so> [full|unreachable|zymkey4]
 *
 * Exercises the PKCS#11 library through dlopen() against a live device (ZKBRIDGE_DEVICE):
 *   full        a fresh HSM6-class emulator: every section below (the token gets initialized)
 *   unreachable ZKBRIDGE_DEVICE names an address where nothing listens
 *   zymkey4     a fresh Zymkey4 emulator: the mechanisms a model without key store must not offer
 * Environment: ZKP_API_SIGNS (signatures per thread in the thread test, default 200).
 * Exit status 0 when every check passed, 1 otherwise, 2 on usage errors.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

api_ctx A;
static int g_checks, g_failures;

const uint8_t OID_P256[10] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
const uint8_t OID_SECP256K1[7] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a};
const uint8_t OID_ED25519[5] = {0x06, 0x03, 0x2b, 0x65, 0x70};
const uint8_t OID_X25519[5] = {0x06, 0x03, 0x2b, 0x65, 0x6e};
const uint8_t OID_P384[7] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};

static const struct {
    CK_RV rv;
    const char *name;
} RV_NAMES[] = {
#define RVN(x)                                                                                     \
    { x, #x }
    RVN(CKR_OK),
    RVN(CKR_HOST_MEMORY),
    RVN(CKR_SLOT_ID_INVALID),
    RVN(CKR_GENERAL_ERROR),
    RVN(CKR_FUNCTION_FAILED),
    RVN(CKR_ARGUMENTS_BAD),
    RVN(CKR_NO_EVENT),
    RVN(CKR_CANT_LOCK),
    RVN(CKR_ATTRIBUTE_READ_ONLY),
    RVN(CKR_ATTRIBUTE_SENSITIVE),
    RVN(CKR_ATTRIBUTE_TYPE_INVALID),
    RVN(CKR_ATTRIBUTE_VALUE_INVALID),
    RVN(CKR_ACTION_PROHIBITED),
    RVN(CKR_DATA_INVALID),
    RVN(CKR_DATA_LEN_RANGE),
    RVN(CKR_DEVICE_ERROR),
    RVN(CKR_DEVICE_MEMORY),
    RVN(CKR_DEVICE_REMOVED),
    RVN(CKR_FUNCTION_CANCELED),
    RVN(CKR_FUNCTION_NOT_PARALLEL),
    RVN(CKR_FUNCTION_NOT_SUPPORTED),
    RVN(CKR_KEY_HANDLE_INVALID),
    RVN(CKR_KEY_TYPE_INCONSISTENT),
    RVN(CKR_KEY_INDIGESTIBLE),
    RVN(CKR_KEY_FUNCTION_NOT_PERMITTED),
    RVN(CKR_MECHANISM_INVALID),
    RVN(CKR_MECHANISM_PARAM_INVALID),
    RVN(CKR_OBJECT_HANDLE_INVALID),
    RVN(CKR_OPERATION_ACTIVE),
    RVN(CKR_OPERATION_NOT_INITIALIZED),
    RVN(CKR_PIN_INCORRECT),
    RVN(CKR_PIN_LEN_RANGE),
    RVN(CKR_PIN_LOCKED),
    RVN(CKR_SESSION_HANDLE_INVALID),
    RVN(CKR_SESSION_PARALLEL_NOT_SUPPORTED),
    RVN(CKR_SESSION_READ_ONLY),
    RVN(CKR_SESSION_EXISTS),
    RVN(CKR_SESSION_READ_ONLY_EXISTS),
    RVN(CKR_SESSION_READ_WRITE_SO_EXISTS),
    RVN(CKR_SIGNATURE_INVALID),
    RVN(CKR_SIGNATURE_LEN_RANGE),
    RVN(CKR_TEMPLATE_INCOMPLETE),
    RVN(CKR_TEMPLATE_INCONSISTENT),
    RVN(CKR_TOKEN_NOT_PRESENT),
    RVN(CKR_TOKEN_NOT_RECOGNIZED),
    RVN(CKR_USER_ALREADY_LOGGED_IN),
    RVN(CKR_USER_NOT_LOGGED_IN),
    RVN(CKR_USER_PIN_NOT_INITIALIZED),
    RVN(CKR_USER_TYPE_INVALID),
    RVN(CKR_USER_ANOTHER_ALREADY_LOGGED_IN),
    RVN(CKR_RANDOM_SEED_NOT_SUPPORTED),
    RVN(CKR_CURVE_NOT_SUPPORTED),
    RVN(CKR_BUFFER_TOO_SMALL),
    RVN(CKR_CRYPTOKI_NOT_INITIALIZED),
    RVN(CKR_CRYPTOKI_ALREADY_INITIALIZED),
    RVN(CKR_OPERATION_CANCEL_FAILED),
#undef RVN
};

const char *rv_name(CK_RV rv) {
    for (size_t i = 0; i < sizeof RV_NAMES / sizeof RV_NAMES[0]; i++) {
        if (RV_NAMES[i].rv == rv)
            return RV_NAMES[i].name;
    }
    static __thread char buf[32];
    snprintf(buf, sizeof buf, "0x%lx", rv);
    return buf;
}

static bool vcheck(bool ok, const char *extra, const char *fmt, va_list ap) {
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    __atomic_add_fetch(&g_checks, 1, __ATOMIC_RELAXED);
    if (!ok)
        __atomic_add_fetch(&g_failures, 1, __ATOMIC_RELAXED);
    printf("%s - %s%s\n", ok ? "ok" : "FAIL", msg, extra ? extra : "");
    fflush(stdout);
    return ok;
}

bool check(bool ok, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vcheck(ok, NULL, fmt, ap);
    va_end(ap);
    return ok;
}

bool check_rv(CK_RV got, CK_RV want, const char *fmt, ...) {
    char extra[128];
    if (got == want)
        snprintf(extra, sizeof extra, " (%s)", rv_name(got));
    else
        snprintf(extra, sizeof extra, " (got %s, want %s)", rv_name(got), rv_name(want));
    va_list ap;
    va_start(ap, fmt);
    vcheck(got == want, extra, fmt, ap);
    va_end(ap);
    return got == want;
}

void section(const char *name) {
    printf("# %s\n", name);
    fflush(stdout);
}

int api_failures(void) {
    return g_failures;
}

void api_init(void) {
    CK_C_INITIALIZE_ARGS args = {NULL, NULL, NULL, NULL, CKF_OS_LOCKING_OK, NULL};
    CK_RV rv = A.f->C_Initialize(&args);
    if (rv != CKR_OK)
        check_rv(rv, CKR_OK, "C_Initialize");
}

void api_finalize(void) {
    CK_RV rv = A.f->C_Finalize(NULL);
    if (rv != CKR_OK)
        check_rv(rv, CKR_OK, "C_Finalize");
}

CK_SESSION_HANDLE api_open(bool rw, bool login_user) {
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    CK_FLAGS flags = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
    CK_RV rv = A.f->C_OpenSession(A.slot, flags, NULL, NULL, &s);
    if (rv != CKR_OK)
        check_rv(rv, CKR_OK, "C_OpenSession (helper)");
    if (login_user) {
        rv = A.f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN));
        if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
            check_rv(rv, CKR_OK, "C_Login (helper)");
    }
    return s;
}

size_t count_objects(CK_SESSION_HANDLE s, CK_ATTRIBUTE *t, CK_ULONG n) {
    if (A.f->C_FindObjectsInit(s, t, n) != CKR_OK)
        return (size_t)-1;
    size_t total = 0;
    for (;;) {
        CK_OBJECT_HANDLE h[64];
        CK_ULONG got = 0;
        if (A.f->C_FindObjects(s, h, 64, &got) != CKR_OK || got == 0)
            break;
        total += got;
    }
    A.f->C_FindObjectsFinal(s);
    return total;
}

CK_OBJECT_HANDLE find_one(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, const void *id, size_t id_len) {
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, (void *)id, id_len}};
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CK_ULONG got = 0;
    if (A.f->C_FindObjectsInit(s, t, 2) == CKR_OK) {
        A.f->C_FindObjects(s, &h, 1, &got);
        A.f->C_FindObjectsFinal(s);
    }
    return got == 1 ? h : CK_INVALID_HANDLE;
}

uint8_t *get_attr(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type, size_t *len) {
    CK_ATTRIBUTE a = {type, NULL, 0};
    if (A.f->C_GetAttributeValue(s, o, &a, 1) != CKR_OK ||
        a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
        return NULL;
    a.pValue = malloc(a.ulValueLen + 1);
    if (!a.pValue || A.f->C_GetAttributeValue(s, o, &a, 1) != CKR_OK) {
        free(a.pValue);
        return NULL;
    }
    *len = a.ulValueLen;
    return a.pValue;
}

CK_RV gen_keypair(CK_SESSION_HANDLE s, const char *curve, const char *label, const void *id,
                  size_t id_len, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv) {
    CK_MECHANISM m = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    const uint8_t *params = OID_P256;
    size_t plen = sizeof OID_P256;
    if (strcmp(curve, "secp256k1") == 0) {
        params = OID_SECP256K1;
        plen = sizeof OID_SECP256K1;
    } else if (strcmp(curve, "ed25519") == 0) {
        m.mechanism = CKM_EC_EDWARDS_KEY_PAIR_GEN;
        params = OID_ED25519;
        plen = sizeof OID_ED25519;
    } else if (strcmp(curve, "x25519") == 0) {
        m.mechanism = CKM_EC_MONTGOMERY_KEY_PAIR_GEN;
        params = OID_X25519;
        plen = sizeof OID_X25519;
    }
    CK_BBOOL yes = CK_TRUE;
    CK_ATTRIBUTE pt[] = {{CKA_TOKEN, &yes, 1},
                         {CKA_EC_PARAMS, (void *)params, plen},
                         {CKA_LABEL, (void *)label, strlen(label)},
                         {CKA_ID, (void *)id, id_len}};
    CK_ATTRIBUTE vt[] = {{CKA_TOKEN, &yes, 1},
                         {CKA_PRIVATE, &yes, 1},
                         {CKA_SENSITIVE, &yes, 1},
                         {CKA_LABEL, (void *)label, strlen(label)},
                         {CKA_ID, (void *)id, id_len}};
    return A.f->C_GenerateKeyPair(s, &m, pt, 4, vt, 5, pub, priv);
}

static int load(const char *path) {
    A.dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!A.dl) {
        fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
        return -1;
    }
    CK_C_GetFunctionList gfl = (CK_C_GetFunctionList)dlsym(A.dl, "C_GetFunctionList");
    CK_C_GetInterface gi = (CK_C_GetInterface)dlsym(A.dl, "C_GetInterface");
    if (!gfl || !gi || gfl(&A.f) != CKR_OK) {
        fprintf(stderr, "%s: no usable C_GetFunctionList / C_GetInterface\n", path);
        return -1;
    }
    CK_INTERFACE_PTR it = NULL;
    CK_VERSION v30 = {3, 0};
    if (gi((CK_UTF8CHAR_PTR) "PKCS 11", &v30, &it, 0) != CKR_OK || !it) {
        fprintf(stderr, "%s: no PKCS 11 3.0 interface\n", path);
        return -1;
    }
    A.f3 = it->pFunctionList;
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <libzkbridge-pkcs11.so> [full|unreachable|zymkey4]\n", argv[0]);
        return 2;
    }
    const char *mode = argc > 2 ? argv[2] : "full";
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (load(argv[1]) != 0)
        return 2;
    A.device = getenv("ZKBRIDGE_DEVICE");
    A.slot = 0;
    if (strcmp(mode, "unreachable") == 0) {
        test_unreachable_only();
    } else if (strcmp(mode, "zymkey4") == 0) {
        test_zymkey4_only();
    } else if (strcmp(mode, "full") == 0) {
        test_init_rules();
        test_interfaces();
        api_init();
        test_info();
        test_token_and_pins();
        test_sessions();
        test_keygen();
        test_sign_verify();
        test_digest();
        test_derive();
        test_random();
        test_objects();
        test_imported_keys();
        test_persistence();
        test_fork();
        test_threads();
        api_finalize();
        test_device_loss();
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    printf("api_test %s: %d checks, %d failed\n", mode, g_checks, g_failures);
    /* Under valgrind the library must not be unloaded before the leak check: dlclose would
     * hide its frames. It is left loaded on purpose. */
    return g_failures == 0 ? 0 : 1;
}
