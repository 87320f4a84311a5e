/* SPDX-License-Identifier: Apache-2.0 */
/* API test: C_Initialize rules, interfaces, slot/token/mechanism information, token
 * initialization, PINs and login states, sessions. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#define F A.f

/* ---- C_Initialize --------------------------------------------------------------------------- */

static int g_mutex_creates, g_mutex_locks;

static CK_RV app_create(CK_VOID_PTR_PTR m) {
    pthread_mutex_t *p = malloc(sizeof *p);
    if (!p)
        return CKR_HOST_MEMORY;
    pthread_mutex_init(p, NULL);
    __atomic_add_fetch(&g_mutex_creates, 1, __ATOMIC_RELAXED);
    *m = p;
    return CKR_OK;
}
static CK_RV app_destroy(CK_VOID_PTR m) {
    pthread_mutex_destroy(m);
    free(m);
    return CKR_OK;
}
static CK_RV app_lock(CK_VOID_PTR m) {
    __atomic_add_fetch(&g_mutex_locks, 1, __ATOMIC_RELAXED);
    return pthread_mutex_lock(m) == 0 ? CKR_OK : CKR_GENERAL_ERROR;
}
static CK_RV app_unlock(CK_VOID_PTR m) {
    return pthread_mutex_unlock(m) == 0 ? CKR_OK : CKR_GENERAL_ERROR;
}

void test_init_rules(void) {
    section("C_Initialize / C_Finalize rules");
    CK_INFO info;
    check_rv(F->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED, "C_GetInfo before C_Initialize");
    check_rv(F->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED, "C_Finalize before C_Initialize");
    CK_ULONG n = 0;
    check_rv(F->C_GetSlotList(CK_FALSE, NULL, &n), CKR_CRYPTOKI_NOT_INITIALIZED,
             "C_GetSlotList before C_Initialize");
    check_rv(F->C_Sign(1, NULL, 0, NULL, &n), CKR_CRYPTOKI_NOT_INITIALIZED,
             "C_Sign before C_Initialize");
    check_rv(F->C_EncryptInit(1, NULL, 0), CKR_CRYPTOKI_NOT_INITIALIZED,
             "unsupported function before C_Initialize");

    CK_C_INITIALIZE_ARGS reserved = {NULL, NULL, NULL, NULL, 0, (void *)&info};
    check_rv(F->C_Initialize(&reserved), CKR_ARGUMENTS_BAD, "pReserved not NULL");
    CK_C_INITIALIZE_ARGS partial = {app_create, app_destroy, NULL, NULL, CKF_OS_LOCKING_OK, NULL};
    check_rv(F->C_Initialize(&partial), CKR_ARGUMENTS_BAD, "two of four mutex callbacks");

    CK_C_INITIALIZE_ARGS app = {app_create, app_destroy, app_lock, app_unlock, 0, NULL};
    check_rv(F->C_Initialize(&app), CKR_OK, "application mutex callbacks without OS locking");
    check(g_mutex_creates > 0, "the library created mutexes through the callbacks (%d)",
          g_mutex_creates);
    check_rv(F->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK, "C_GetSlotList (talks to the device)");
    check(g_mutex_locks > 0, "the library locked through the callbacks (%d)", g_mutex_locks);
    check_rv(F->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED, "second C_Initialize");
    check_rv(F->C_Finalize((void *)&info), CKR_ARGUMENTS_BAD, "C_Finalize(non-NULL)");
    check_rv(F->C_Finalize(NULL), CKR_OK, "C_Finalize");

    CK_C_INITIALIZE_ARGS both = {app_create, app_destroy,       app_lock,
                                 app_unlock, CKF_OS_LOCKING_OK, NULL};
    check_rv(F->C_Initialize(&both), CKR_OK, "callbacks and CKF_OS_LOCKING_OK");
    check_rv(F->C_Finalize(NULL), CKR_OK, "C_Finalize");
    CK_C_INITIALIZE_ARGS os = {NULL, NULL, NULL, NULL, CKF_OS_LOCKING_OK, NULL};
    check_rv(F->C_Initialize(&os), CKR_OK, "CKF_OS_LOCKING_OK only");
    check_rv(F->C_Finalize(NULL), CKR_OK, "C_Finalize");
    CK_C_INITIALIZE_ARGS none = {NULL, NULL, NULL, NULL, 0, NULL};
    check_rv(F->C_Initialize(&none), CKR_OK, "no threading information");
    check_rv(F->C_Finalize(NULL), CKR_OK, "C_Finalize");
    check_rv(F->C_Initialize(NULL), CKR_OK, "C_Initialize(NULL)");
    check_rv(F->C_GetInfo(&info), CKR_OK, "C_GetInfo after C_Initialize");
    check_rv(F->C_Finalize(NULL), CKR_OK, "C_Finalize");
    check_rv(F->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED, "C_GetInfo after C_Finalize");
}

/* ---- interfaces -------------------------------------------------------------------------------
 */

void test_interfaces(void) {
    section("C_GetInterfaceList / C_GetInterface");
    CK_C_GetInterfaceList gil = (CK_C_GetInterfaceList)A.f3->C_GetInterfaceList;
    CK_ULONG n = 0;
    check_rv(gil(NULL, &n), CKR_OK, "interface count (works before C_Initialize)");
    check(n == 2, "two interfaces (%lu)", n);
    CK_INTERFACE list[4];
    CK_ULONG small = 1;
    check_rv(gil(list, &small), CKR_BUFFER_TOO_SMALL, "short interface list");
    n = 4;
    check_rv(gil(list, &n), CKR_OK, "interface list");
    bool v30 = false, v240 = false;
    for (CK_ULONG i = 0; i < n && i < 4; i++) {
        CK_VERSION *v = list[i].pFunctionList;
        check(strcmp((char *)list[i].pInterfaceName, "PKCS 11") == 0, "interface %lu name", i);
        check(list[i].flags & CKF_INTERFACE_FORK_SAFE, "interface %lu is fork safe", i);
        v30 |= v->major == 3 && v->minor == 0;
        v240 |= v->major == 2 && v->minor == 40;
    }
    check(v30 && v240, "versions 3.0 and 2.40 offered");
    CK_INTERFACE_PTR it = NULL;
    check_rv(A.f3->C_GetInterface(NULL, NULL, &it, 0), CKR_OK, "default interface");
    check(it && ((CK_VERSION *)it->pFunctionList)->major == 3, "default is 3.0");
    CK_VERSION v = {2, 40};
    check_rv(A.f3->C_GetInterface((CK_UTF8CHAR_PTR) "PKCS 11", &v, &it, 0), CKR_OK,
             "2.40 by version");
    check(it && it->pFunctionList == (void *)A.f, "2.40 interface = C_GetFunctionList's list");
    check_rv(A.f3->C_GetInterface((CK_UTF8CHAR_PTR) "Vendor X", NULL, &it, 0), CKR_ARGUMENTS_BAD,
             "unknown interface name");
    CK_VERSION v31 = {3, 1};
    check_rv(A.f3->C_GetInterface(NULL, &v31, &it, 0), CKR_ARGUMENTS_BAD, "unknown version");
    check_rv(A.f3->C_GetInterface(NULL, NULL, &it, CKF_INTERFACE_FORK_SAFE), CKR_OK,
             "fork-safe flag requested");
    check(A.f->version.major == 2 && A.f->version.minor == 40, "C_GetFunctionList gives 2.40");
    check(A.f3->C_Sign == A.f->C_Sign && (void *)A.f3->C_Sign == dlsym(A.dl, "C_Sign"),
          "same C_Sign in both lists and the symbol table");
}

/* ---- information --------------------------------------------------------------------------------
 */

static bool padded_is(const CK_UTF8CHAR *field, size_t cap, const char *want) {
    size_t n = strlen(want);
    if (n > cap || memcmp(field, want, n) != 0)
        return false;
    for (size_t i = n; i < cap; i++) {
        if (field[i] != ' ')
            return false;
    }
    return true;
}

static bool has_mech(const CK_MECHANISM_TYPE *l, CK_ULONG n, CK_MECHANISM_TYPE m) {
    for (CK_ULONG i = 0; i < n; i++) {
        if (l[i] == m)
            return true;
    }
    return false;
}

void test_info(void) {
    section("library, slot, token and mechanism information");
    CK_INFO info;
    check_rv(F->C_GetInfo(&info), CKR_OK, "C_GetInfo");
    check(info.cryptokiVersion.major == 3 && info.cryptokiVersion.minor == 0, "Cryptoki 3.0");
    check(padded_is(info.manufacturerID, 32, "zkbridge"), "manufacturerID blank padded");
    check(padded_is(info.libraryDescription, 32, "zkbridge PKCS#11 token"), "description");
    check_rv(F->C_GetInfo(NULL), CKR_ARGUMENTS_BAD, "C_GetInfo(NULL)");

    CK_ULONG n = 0;
    check_rv(F->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK, "slot count (present)");
    check(n == 1, "one slot with a token (%lu)", n);
    CK_SLOT_ID slots[4];
    CK_ULONG zero = 0;
    check_rv(F->C_GetSlotList(CK_TRUE, slots, &zero), CKR_BUFFER_TOO_SMALL, "short slot list");
    check(zero == 1, "short list reports the size");
    n = 4;
    check_rv(F->C_GetSlotList(CK_FALSE, slots, &n), CKR_OK, "slot list");
    check(n == 1 && slots[0] == 0, "slot 0");
    check_rv(F->C_GetSlotList(CK_FALSE, NULL, NULL), CKR_ARGUMENTS_BAD, "NULL count");

    CK_SLOT_INFO si;
    check_rv(F->C_GetSlotInfo(A.slot, &si), CKR_OK, "C_GetSlotInfo");
    check((si.flags & (CKF_TOKEN_PRESENT | CKF_HW_SLOT | CKF_REMOVABLE_DEVICE)) ==
              (CKF_TOKEN_PRESENT | CKF_HW_SLOT | CKF_REMOVABLE_DEVICE),
          "slot flags present|hw|removable");
    check_rv(F->C_GetSlotInfo(7, &si), CKR_SLOT_ID_INVALID, "slot 7");

    CK_TOKEN_INFO ti;
    check_rv(F->C_GetTokenInfo(A.slot, &ti), CKR_OK, "C_GetTokenInfo");
    check(padded_is(ti.model, 16, "HSM6"), "model HSM6");
    check(ti.flags & CKF_RNG, "CKF_RNG");
    check(ti.flags & CKF_LOGIN_REQUIRED, "CKF_LOGIN_REQUIRED");
    check(!(ti.flags & CKF_TOKEN_INITIALIZED), "fresh token not initialized");
    check(ti.ulMinPinLen == 4 && ti.ulMaxPinLen == 64, "PIN length 4..64");
    check(ti.hardwareVersion.major == 1 && ti.hardwareVersion.minor == 2, "version 1.2 (01.02.02)");
    check(ti.serialNumber[0] != ' ', "serial number");
    check_rv(F->C_GetTokenInfo(9, &ti), CKR_SLOT_ID_INVALID, "token of slot 9");

    CK_MECHANISM_TYPE mechs[64];
    n = 0;
    check_rv(F->C_GetMechanismList(A.slot, NULL, &n), CKR_OK, "mechanism count");
    check(n == 16, "16 mechanisms (%lu)", n);
    CK_ULONG one = 1;
    check_rv(F->C_GetMechanismList(A.slot, mechs, &one), CKR_BUFFER_TOO_SMALL, "short list");
    n = 64;
    check_rv(F->C_GetMechanismList(A.slot, mechs, &n), CKR_OK, "mechanism list");
    static const CK_MECHANISM_TYPE want[] = {CKM_EC_KEY_PAIR_GEN,
                                             CKM_EC_EDWARDS_KEY_PAIR_GEN,
                                             CKM_EC_MONTGOMERY_KEY_PAIR_GEN,
                                             CKM_ECDSA,
                                             CKM_ECDSA_SHA1,
                                             CKM_ECDSA_SHA224,
                                             CKM_ECDSA_SHA256,
                                             CKM_ECDSA_SHA384,
                                             CKM_ECDSA_SHA512,
                                             CKM_EDDSA,
                                             CKM_ECDH1_DERIVE,
                                             CKM_SHA_1,
                                             CKM_SHA224,
                                             CKM_SHA256,
                                             CKM_SHA384,
                                             CKM_SHA512};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        check(has_mech(mechs, n, want[i]), "mechanism 0x%lx listed", want[i]);
    CK_MECHANISM_INFO mi;
    check_rv(F->C_GetMechanismInfo(A.slot, CKM_ECDSA, &mi), CKR_OK, "CKM_ECDSA info");
    check(mi.ulMinKeySize == 256 && mi.ulMaxKeySize == 256 &&
              (mi.flags & (CKF_SIGN | CKF_VERIFY | CKF_HW | CKF_EC_UNCOMPRESS)) ==
                  (CKF_SIGN | CKF_VERIFY | CKF_HW | CKF_EC_UNCOMPRESS),
          "ECDSA sizes and flags");
    check_rv(F->C_GetMechanismInfo(A.slot, CKM_EC_EDWARDS_KEY_PAIR_GEN, &mi), CKR_OK, "Edwards");
    check(mi.ulMinKeySize == 255 && (mi.flags & CKF_GENERATE_KEY_PAIR), "Edwards info");
    check_rv(F->C_GetMechanismInfo(A.slot, CKM_SHA256, &mi), CKR_OK, "SHA256 info");
    check(mi.flags == CKF_DIGEST, "digest flags");
    check_rv(F->C_GetMechanismInfo(A.slot, 0x1 /* RSA PKCS */, &mi), CKR_MECHANISM_INVALID,
             "RSA not offered");
    CK_SLOT_ID ev;
    check_rv(F->C_WaitForSlotEvent(CKF_DONT_BLOCK, &ev, NULL), CKR_NO_EVENT, "slot event poll");
    check_rv(F->C_WaitForSlotEvent(0, &ev, NULL), CKR_FUNCTION_NOT_SUPPORTED, "blocking wait");
}

/* ---- token initialization, PINs, login ----------------------------------------------------------
 */

static CK_FLAGS token_flags(void) {
    CK_TOKEN_INFO ti;
    return F->C_GetTokenInfo(A.slot, &ti) == CKR_OK ? ti.flags : 0;
}

static CK_STATE session_state(CK_SESSION_HANDLE s) {
    CK_SESSION_INFO si;
    return F->C_GetSessionInfo(s, &si) == CKR_OK ? si.state : (CK_STATE)-1;
}

static CK_RV login(CK_SESSION_HANDLE s, CK_USER_TYPE who, const char *pin) {
    return F->C_Login(s, who, (CK_UTF8CHAR_PTR)pin, strlen(pin));
}

void test_token_and_pins(void) {
    section("token initialization, PINs, login");
    CK_UTF8CHAR label[32];
    memset(label, ' ', sizeof label);
    memcpy(label, "api-test", 8);
    check_rv(F->C_InitToken(A.slot, (CK_UTF8CHAR_PTR)SO_PIN, 3, label), CKR_PIN_LEN_RANGE,
             "C_InitToken with a 3-byte SO PIN");
    check_rv(F->C_InitToken(A.slot, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN), label), CKR_OK,
             "C_InitToken");
    CK_TOKEN_INFO ti;
    /* a C string instead of 32 padded bytes (pkcs11js does this): read up to its NUL only */
    CK_UTF8CHAR *cstring = malloc(6);
    memcpy(cstring, "short", 6);
    check_rv(F->C_InitToken(A.slot, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN), cstring), CKR_OK,
             "C_InitToken with a NUL-terminated label");
    free(cstring);
    F->C_GetTokenInfo(A.slot, &ti);
    check(padded_is(ti.label, 32, "short"), "label ends at the NUL");
    check_rv(F->C_InitToken(A.slot, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN), label), CKR_OK,
             "C_InitToken again with the SO PIN");
    F->C_GetTokenInfo(A.slot, &ti);
    check(padded_is(ti.label, 32, "api-test"), "token label");
    check((ti.flags & CKF_TOKEN_INITIALIZED) && !(ti.flags & CKF_USER_PIN_INITIALIZED),
          "initialized, no user PIN yet");

    CK_SESSION_HANDLE s = api_open(true, false);
    check_rv(login(s, CKU_USER, USER_PIN), CKR_USER_PIN_NOT_INITIALIZED,
             "user login before InitPIN");
    check_rv(F->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, 4), CKR_USER_NOT_LOGGED_IN,
             "C_InitPIN without SO");
    check_rv(login(s, CKU_SO, "00000000"), CKR_PIN_INCORRECT, "wrong SO PIN");
    check(token_flags() & CKF_SO_PIN_COUNT_LOW, "CKF_SO_PIN_COUNT_LOW");
    check_rv(login(s, CKU_SO, SO_PIN), CKR_OK, "SO login");
    check(!(token_flags() & CKF_SO_PIN_COUNT_LOW), "SO counter reset by the right PIN");
    check(session_state(s) == CKS_RW_SO_FUNCTIONS, "state RW SO");
    CK_SESSION_HANDLE ro;
    check_rv(F->C_OpenSession(A.slot, CKF_SERIAL_SESSION, NULL, NULL, &ro),
             CKR_SESSION_READ_WRITE_SO_EXISTS, "RO session while SO is logged in");
    check_rv(login(s, CKU_SO, SO_PIN), CKR_USER_ALREADY_LOGGED_IN, "SO login twice");
    check_rv(login(s, CKU_USER, USER_PIN), CKR_USER_ANOTHER_ALREADY_LOGGED_IN, "user while SO");
    check_rv(F->C_InitPIN(s, (CK_UTF8CHAR_PTR) "123", 3), CKR_PIN_LEN_RANGE, "InitPIN too short");
    check_rv(F->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK, "C_InitPIN");
    check(token_flags() & CKF_USER_PIN_INITIALIZED, "CKF_USER_PIN_INITIALIZED");
    check_rv(F->C_Logout(s), CKR_OK, "SO logout");
    check_rv(F->C_Logout(s), CKR_USER_NOT_LOGGED_IN, "logout twice");
    check(session_state(s) == CKS_RW_PUBLIC_SESSION, "state RW public");

    check_rv(login(s, CKU_USER, "9999"), CKR_PIN_INCORRECT, "wrong user PIN 1");
    check(token_flags() & CKF_USER_PIN_COUNT_LOW, "CKF_USER_PIN_COUNT_LOW");
    for (int i = 2; i <= 4; i++)
        check_rv(login(s, CKU_USER, "9999"), CKR_PIN_INCORRECT, "wrong user PIN %d", i);
    check(token_flags() & CKF_USER_PIN_FINAL_TRY, "CKF_USER_PIN_FINAL_TRY after 4 of 5");
    CK_RV rv = login(s, CKU_USER, "9999");
    check(rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED, "wrong user PIN 5 (%s)", rv_name(rv));
    check(token_flags() & CKF_USER_PIN_LOCKED, "CKF_USER_PIN_LOCKED");
    check_rv(login(s, CKU_USER, USER_PIN), CKR_PIN_LOCKED, "right PIN while locked");
    check_rv(login(s, CKU_SO, SO_PIN), CKR_OK, "SO login to reset");
    check_rv(F->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK,
             "SO resets the user PIN");
    check_rv(F->C_Logout(s), CKR_OK, "SO logout");
    check(!(token_flags() & (CKF_USER_PIN_LOCKED | CKF_USER_PIN_COUNT_LOW)), "user PIN usable");
    check_rv(login(s, CKU_USER, USER_PIN), CKR_OK, "user login");
    check(session_state(s) == CKS_RW_USER_FUNCTIONS, "state RW user");
    check_rv(login(s, CKU_USER, USER_PIN), CKR_USER_ALREADY_LOGGED_IN, "user login twice");
    check_rv(login(s, CKU_SO, SO_PIN), CKR_USER_ANOTHER_ALREADY_LOGGED_IN, "SO while user");
    check_rv(login(s, CKU_CONTEXT_SPECIFIC, USER_PIN), CKR_OK, "context-specific re-login");
    check_rv(F->C_SetPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, 4, (CK_UTF8CHAR_PTR) "5678", 4), CKR_OK,
             "C_SetPIN");
    check_rv(F->C_Logout(s), CKR_OK, "logout");
    check_rv(login(s, CKU_USER, USER_PIN), CKR_PIN_INCORRECT, "old PIN refused");
    check_rv(login(s, CKU_USER, "5678"), CKR_OK, "new PIN");
    check_rv(F->C_SetPIN(s, (CK_UTF8CHAR_PTR) "5678", 4, (CK_UTF8CHAR_PTR) "12", 2),
             CKR_PIN_LEN_RANGE, "new PIN too short");
    check_rv(F->C_SetPIN(s, (CK_UTF8CHAR_PTR) "5678", 4, (CK_UTF8CHAR_PTR)USER_PIN, 4), CKR_OK,
             "PIN back");
    check_rv(F->C_Logout(s), CKR_OK, "logout");
    check_rv(
        A.f3->C_LoginUser(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 4, (CK_UTF8CHAR_PTR) "bob", 3),
        CKR_ARGUMENTS_BAD, "C_LoginUser with a user name");
    check_rv(A.f3->C_LoginUser(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 4, NULL, 0), CKR_OK,
             "C_LoginUser without a user name");
    check_rv(F->C_Logout(s), CKR_OK, "logout");
    check_rv(F->C_Login(s, 7, (CK_UTF8CHAR_PTR)USER_PIN, 4), CKR_USER_TYPE_INVALID, "user type 7");
    check_rv(F->C_Login(s, CKU_USER, NULL, 0), CKR_ARGUMENTS_BAD, "NULL PIN (no PIN pad)");
    check_rv(login(s, CKU_CONTEXT_SPECIFIC, USER_PIN), CKR_USER_NOT_LOGGED_IN,
             "context-specific without login");

    check_rv(F->C_OpenSession(A.slot, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK, "RO session");
    check_rv(login(s, CKU_SO, SO_PIN), CKR_SESSION_READ_ONLY_EXISTS, "SO login with a RO session");
    check_rv(F->C_SetPIN(ro, (CK_UTF8CHAR_PTR)USER_PIN, 4, (CK_UTF8CHAR_PTR) "5678", 4),
             CKR_SESSION_READ_ONLY, "C_SetPIN in a RO session");
    check_rv(F->C_InitToken(A.slot, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN), label),
             CKR_SESSION_EXISTS, "C_InitToken with sessions open");
    check_rv(login(ro, CKU_USER, USER_PIN), CKR_OK, "user login from the RO session");
    check(session_state(ro) == CKS_RO_USER_FUNCTIONS && session_state(s) == CKS_RW_USER_FUNCTIONS,
          "login applies to every session of the application");
    check_rv(F->C_CloseAllSessions(A.slot), CKR_OK, "C_CloseAllSessions");
    s = api_open(false, false);
    check(session_state(s) == CKS_RO_PUBLIC_SESSION, "closing the last session logged out");
    F->C_CloseSession(s);
}

/* ---- sessions
 * ------------------------------------------------------------------------------------ */

void test_sessions(void) {
    section("sessions");
    CK_SESSION_HANDLE s1, s2, s3;
    check_rv(F->C_OpenSession(A.slot, CKF_RW_SESSION, NULL, NULL, &s1),
             CKR_SESSION_PARALLEL_NOT_SUPPORTED, "without CKF_SERIAL_SESSION");
    check_rv(F->C_OpenSession(A.slot, CKF_SERIAL_SESSION, NULL, NULL, NULL), CKR_ARGUMENTS_BAD,
             "NULL handle pointer");
    check_rv(F->C_OpenSession(5, CKF_SERIAL_SESSION, NULL, NULL, &s1), CKR_SLOT_ID_INVALID,
             "slot 5");
    check_rv(F->C_OpenSession(A.slot, CKF_SERIAL_SESSION, NULL, NULL, &s1), CKR_OK, "RO session");
    check_rv(F->C_OpenSession(A.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s2), CKR_OK,
             "RW session");
    CK_SESSION_INFO si;
    check_rv(F->C_GetSessionInfo(s2, &si), CKR_OK, "C_GetSessionInfo");
    check(si.slotID == A.slot && (si.flags & CKF_RW_SESSION) && (si.flags & CKF_SERIAL_SESSION),
          "session info flags");
    CK_TOKEN_INFO ti;
    F->C_GetTokenInfo(A.slot, &ti);
    check(ti.ulSessionCount == 2 && ti.ulRwSessionCount == 1, "token counts sessions (%lu/%lu)",
          ti.ulSessionCount, ti.ulRwSessionCount);
    check_rv(F->C_CloseSession(s1), CKR_OK, "close");
    check_rv(F->C_CloseSession(s1), CKR_SESSION_HANDLE_INVALID, "close twice");
    check_rv(F->C_GetSessionInfo(s1, &si), CKR_SESSION_HANDLE_INVALID, "info of closed session");
    check_rv(F->C_OpenSession(A.slot, CKF_SERIAL_SESSION, NULL, NULL, &s3), CKR_OK, "reopen");
    check(s3 != s1 && s3 != s2, "handles are not reused");
    CK_ULONG len = 0;
    check_rv(F->C_GetOperationState(s3, NULL, &len), CKR_FUNCTION_NOT_SUPPORTED, "operation state");
    check_rv(F->C_GetFunctionStatus(s3), CKR_FUNCTION_NOT_PARALLEL, "legacy function status");
    check_rv(A.f3->C_SessionCancel(s3, CKF_SIGN | CKF_FIND_OBJECTS), CKR_OK, "C_SessionCancel");
    check_rv(A.f3->C_SessionCancel(999999, CKF_SIGN), CKR_SESSION_HANDLE_INVALID,
             "cancel on a bad handle");
    check_rv(F->C_CloseAllSessions(3), CKR_SLOT_ID_INVALID, "close all of slot 3");
    check_rv(F->C_CloseAllSessions(A.slot), CKR_OK, "close all");
    check_rv(F->C_CloseSession(s2), CKR_SESSION_HANDLE_INVALID, "closed by C_CloseAllSessions");
}
