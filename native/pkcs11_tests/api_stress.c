/* SPDX-License-Identifier: Apache-2.0 */
/* API test: fork, many threads sharing the module, device loss and recovery (through a small
 * socket proxy this program controls), an unreachable device, and a Zymkey4-class token. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api.h"

#define F A.f

/* Signs; verifies too unless verify is false (the emulator verifies in software, slowly). */
static CK_RV sign_maybe_verify(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub,
                               unsigned n, bool verify) {
    uint8_t d[32], sig[64];
    for (int i = 0; i < 32; i++)
        d[i] = (uint8_t)(n * 31 + (unsigned)i);
    CK_MECHANISM m = {CKM_ECDSA, NULL, 0};
    CK_ULONG sl = 64;
    CK_RV rv = F->C_SignInit(s, &m, priv);
    if (rv == CKR_OK)
        rv = F->C_Sign(s, d, 32, sig, &sl);
    if (rv == CKR_OK && verify)
        rv = F->C_VerifyInit(s, &m, pub);
    if (rv == CKR_OK && verify)
        rv = F->C_Verify(s, d, 32, sig, 64);
    return rv;
}

static CK_RV sign_verify(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub,
                         unsigned n) {
    return sign_maybe_verify(s, priv, pub, n, true);
}

/* ---- fork --------------------------------------------------------------------------------------
 */

void test_fork(void) {
    section("fork");
    CK_SESSION_HANDLE s = api_open(true, true);
    check_rv(sign_verify(s, K_P256.priv, K_P256.pub, 1), CKR_OK, "parent signs before fork");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int before = api_failures();
        CK_INFO info;
        check_rv(F->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED, "child: C_GetInfo");
        CK_SESSION_INFO si;
        check_rv(F->C_GetSessionInfo(s, &si), CKR_CRYPTOKI_NOT_INITIALIZED,
                 "child: parent's session");
        check_rv(F->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED, "child: C_Finalize");
        check_rv(F->C_Initialize(NULL), CKR_OK, "child: C_Initialize");
        check_rv(F->C_GetSessionInfo(s, &si), CKR_SESSION_HANDLE_INVALID,
                 "child: parent's session does not exist");
        CK_SESSION_HANDLE cs = api_open(true, false);
        F->C_GetSessionInfo(cs, &si);
        check(si.state == CKS_RW_PUBLIC_SESSION, "child: not logged in");
        check_rv(F->C_Login(cs, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK,
                 "child: login");
        check_rv(sign_verify(cs, K_P256.priv, K_P256.pub, 2), CKR_OK, "child: sign and verify");
        check_rv(F->C_Finalize(NULL), CKR_OK, "child: C_Finalize");
        fflush(stdout);
        _exit(api_failures() == before ? 0 : 1);
    }
    int status = 0;
    check(pid > 0 && waitpid(pid, &status, 0) == pid, "fork and wait");
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child passed (status 0x%x)", status);
    check_rv(sign_verify(s, K_P256.priv, K_P256.pub, 3), CKR_OK, "parent unaffected");
    CK_SESSION_INFO si;
    F->C_GetSessionInfo(s, &si);
    check(si.state == CKS_RW_USER_FUNCTIONS, "parent still logged in");
    F->C_CloseSession(s);
}

/* ---- threads -----------------------------------------------------------------------------------
 */

typedef struct {
    int index, signs, failures;
    CK_SESSION_HANDLE shared;
    CK_RV first_error;
} worker;

static void note(worker *w, CK_RV rv) {
    if (rv != CKR_OK) {
        if (!w->failures)
            w->first_error = rv;
        w->failures++;
    }
}

static void *signer(void *arg) {
    worker *w = arg;
    CK_SESSION_HANDLE s;
    CK_RV rv = F->C_OpenSession(A.slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
    note(w, rv);
    if (rv != CKR_OK)
        return NULL;
    const api_key *k = w->index % 2 ? &K_K1 : &K_P256;
    /* every signature is made, every 8th is also verified */
    for (int i = 0; i < w->signs; i++)
        note(w,
             sign_maybe_verify(s, k->priv, k->pub, (unsigned)(w->index * 100000 + i), i % 8 == 0));
    note(w, F->C_CloseSession(s));
    return NULL;
}

/* Creates and destroys token objects while the signers run: cache updates under load. */
static void *churner(void *arg) {
    worker *w = arg;
    CK_SESSION_HANDLE s;
    CK_RV rv = F->C_OpenSession(A.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
    note(w, rv);
    if (rv != CKR_OK)
        return NULL;
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_BBOOL yes = CK_TRUE;
    for (int i = 0; i < w->signs / 4 + 1; i++) {
        CK_ATTRIBUTE t[] = {
            {CKA_CLASS, &cls, sizeof cls}, {CKA_TOKEN, &yes, 1}, {CKA_LABEL, "churn", 5}};
        CK_OBJECT_HANDLE h;
        rv = F->C_CreateObject(s, t, 3, &h);
        note(w, rv);
        if (count_objects(s, t, 3) != 1)
            note(w, CKR_GENERAL_ERROR);
        if (rv == CKR_OK)
            note(w, F->C_DestroyObject(s, h));
    }
    note(w, F->C_CloseSession(s));
    return NULL;
}

/* Several threads inside one session: either served or told CKR_OPERATION_ACTIVE. */
static void *sharer(void *arg) {
    worker *w = arg;
    for (int i = 0; i < w->signs / 2 + 1; i++) {
        CK_RV rv = sign_verify(w->shared, K_P256.priv, K_P256.pub, (unsigned)i);
        if (rv == CKR_OPERATION_ACTIVE || rv == CKR_OPERATION_NOT_INITIALIZED)
            continue; /* another thread owned that operation at the moment */
        note(w, rv);
        uint8_t label[64];
        CK_ATTRIBUTE a = {CKA_LABEL, label, sizeof label};
        note(w, F->C_GetAttributeValue(w->shared, K_P256.pub, &a, 1));
    }
    return NULL;
}

void test_threads(void) {
    section("threads");
    const char *env = getenv("ZKP_API_SIGNS");
    int signs = env ? atoi(env) : 200;
    if (signs < 1)
        signs = 1;
    CK_SESSION_HANDLE login = api_open(true, true); /* keeps the user logged in */
    enum { SIGNERS = 8, SHARERS = 3 };
    pthread_t t[SIGNERS + SHARERS + 1];
    worker w[SIGNERS + SHARERS + 1];
    memset(w, 0, sizeof w);
    int n = 0;
    for (int i = 0; i < SIGNERS; i++, n++) {
        w[n] = (worker){i, signs, 0, login, CKR_OK};
        pthread_create(&t[n], NULL, signer, &w[n]);
    }
    for (int i = 0; i < SHARERS; i++, n++) {
        w[n] = (worker){i, signs, 0, login, CKR_OK};
        pthread_create(&t[n], NULL, sharer, &w[n]);
    }
    w[n] = (worker){0, signs, 0, login, CKR_OK};
    pthread_create(&t[n], NULL, churner, &w[n]);
    n++;
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < SIGNERS; i++)
        check(w[i].failures == 0, "signer %d: %d signatures, %d failed (first %s)", i, signs,
              w[i].failures, rv_name(w[i].first_error));
    for (int i = SIGNERS; i < SIGNERS + SHARERS; i++)
        check(w[i].failures == 0, "thread sharing one session %d: %d failed (first %s)",
              i - SIGNERS, w[i].failures, rv_name(w[i].first_error));
    check(w[n - 1].failures == 0, "object churn beside the signers: %d failed (first %s)",
          w[n - 1].failures, rv_name(w[n - 1].first_error));
    CK_SESSION_INFO si;
    check_rv(F->C_GetSessionInfo(login, &si), CKR_OK, "shared session intact");
    check(si.state == CKS_RW_USER_FUNCTIONS, "still logged in");
    /* the login ticket must outlive the burst of connections the threads opened and closed */
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_BBOOL yes = CK_TRUE;
    CK_ATTRIBUTE priv[] = {
        {CKA_CLASS, &cls, sizeof cls}, {CKA_TOKEN, &yes, 1}, {CKA_PRIVATE, &yes, 1}};
    CK_OBJECT_HANDLE h;
    check_rv(F->C_CreateObject(login, priv, 3, &h), CKR_OK, "private token object after the burst");
    check_rv(F->C_DestroyObject(login, h), CKR_OK, "destroy it");
    F->C_CloseSession(login);
}

/* ---- device loss through a proxy
 * ------------------------------------------------------------------- */

typedef struct {
    char path[108], target[108];
    int listener, stop[2];
    pthread_t acceptor;
    pthread_t pumps[64];
    int npumps;
    pthread_mutex_t mu;
} proxy;

typedef struct {
    proxy *p;
    int a, b;
} pump_arg;

static int unix_connect(const char *path) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static void *pump(void *arg) {
    pump_arg *pa = arg;
    struct pollfd fds[3] = {{pa->a, POLLIN, 0}, {pa->b, POLLIN, 0}, {pa->p->stop[0], POLLIN, 0}};
    uint8_t buf[65536];
    for (;;) {
        if (poll(fds, 3, -1) < 0 && errno != EINTR)
            break;
        if (fds[2].revents)
            break;
        int from = fds[0].revents ? pa->a : fds[1].revents ? pa->b : -1;
        if (from < 0)
            continue;
        int to = from == pa->a ? pa->b : pa->a;
        ssize_t n = read(from, buf, sizeof buf);
        if (n <= 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(to, buf + off, (size_t)(n - off));
            if (w <= 0)
                goto done;
            off += w;
        }
    }
done:
    close(pa->a);
    close(pa->b);
    free(pa);
    return NULL;
}

static void *acceptor(void *arg) {
    proxy *p = arg;
    struct pollfd fds[2] = {{p->listener, POLLIN, 0}, {p->stop[0], POLLIN, 0}};
    for (;;) {
        if (poll(fds, 2, -1) < 0 && errno != EINTR)
            break;
        if (fds[1].revents)
            break;
        int c = accept(p->listener, NULL, NULL);
        if (c < 0)
            continue;
        int d = unix_connect(p->target);
        pthread_mutex_lock(&p->mu);
        if (d < 0 || p->npumps == 64) {
            close(c);
            if (d >= 0)
                close(d);
        } else {
            pump_arg *pa = malloc(sizeof *pa);
            *pa = (pump_arg){p, c, d};
            pthread_create(&p->pumps[p->npumps++], NULL, pump, pa);
        }
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

static int proxy_start(proxy *p) {
    unlink(p->path);
    p->listener = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", p->path);
    if (p->listener < 0 || bind(p->listener, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(p->listener, 16) != 0 || pipe(p->stop) != 0)
        return -1;
    p->npumps = 0;
    pthread_mutex_init(&p->mu, NULL);
    return pthread_create(&p->acceptor, NULL, acceptor, p);
}

/* Drops the listener and every forwarded connection: the device is gone. */
static void proxy_stop(proxy *p) {
    (void)!write(p->stop[1], "x", 1);
    pthread_join(p->acceptor, NULL);
    close(p->listener);
    unlink(p->path);
    pthread_mutex_lock(&p->mu);
    for (int i = 0; i < p->npumps; i++)
        pthread_join(p->pumps[i], NULL);
    p->npumps = 0;
    pthread_mutex_unlock(&p->mu);
    close(p->stop[0]);
    close(p->stop[1]);
    pthread_mutex_destroy(&p->mu);
}

static void expect_absent(const char *when) {
    CK_TOKEN_INFO ti;
    check_rv(F->C_GetTokenInfo(A.slot, &ti), CKR_TOKEN_NOT_PRESENT, "%s: C_GetTokenInfo", when);
    CK_SLOT_INFO si;
    check_rv(F->C_GetSlotInfo(A.slot, &si), CKR_OK, "%s: C_GetSlotInfo", when);
    check(!(si.flags & CKF_TOKEN_PRESENT), "%s: no CKF_TOKEN_PRESENT", when);
    CK_ULONG n = 5;
    CK_SLOT_ID ids[5];
    check_rv(F->C_GetSlotList(CK_TRUE, ids, &n), CKR_OK, "%s: slots with token", when);
    check(n == 0, "%s: none (%lu)", when, n);
    n = 5;
    F->C_GetSlotList(CK_FALSE, ids, &n);
    check(n == 1, "%s: the slot itself stays", when);
    CK_SESSION_HANDLE s;
    check_rv(F->C_OpenSession(A.slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_TOKEN_NOT_PRESENT,
             "%s: C_OpenSession", when);
}

void test_device_loss(void) {
    section("device loss and recovery");
    const char *dev = A.device;
    if (!dev || strncmp(dev, "unix:", 5) != 0) {
        check(true, "skipped: the device address is not a unix socket (%s)", dev ? dev : "unset");
        return;
    }
    static proxy p;
    memset(&p, 0, sizeof p);
    snprintf(p.target, sizeof p.target, "%s", dev + 5);
    snprintf(p.path, sizeof p.path, "/tmp/zkp-api-proxy-%d.sock", (int)getpid());
    if (!check(proxy_start(&p) == 0, "proxy in front of the device"))
        return;
    char addr[128];
    snprintf(addr, sizeof addr, "unix:%s", p.path);
    setenv("ZKBRIDGE_DEVICE", addr, 1);
    api_init();
    CK_SESSION_HANDLE s = api_open(true, true);
    check_rv(sign_verify(s, K_P256.priv, K_P256.pub, 7), CKR_OK, "signing through the proxy");

    proxy_stop(&p);
    uint8_t d[32] = {0}, sig[64];
    CK_MECHANISM m = {CKM_ECDSA, NULL, 0};
    CK_ULONG sl = 64;
    CK_RV rv = F->C_SignInit(s, &m, K_P256.priv);
    if (rv == CKR_OK)
        rv = F->C_Sign(s, d, 32, sig, &sl);
    check_rv(rv, CKR_DEVICE_REMOVED, "signing with the device gone");
    CK_SESSION_INFO si;
    check_rv(F->C_GetSessionInfo(s, &si), CKR_SESSION_HANDLE_INVALID, "the session was closed");
    expect_absent("device gone");

    check(proxy_start(&p) == 0, "device back");
    CK_ULONG n = 0;
    check_rv(F->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK, "slots with token");
    check(n == 1, "token present again");
    s = api_open(true, false);
    F->C_GetSessionInfo(s, &si);
    check(si.state == CKS_RW_PUBLIC_SESSION, "login was forgotten");
    check_rv(F->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK,
             "login again");
    check_rv(sign_verify(s, K_P256.priv, K_P256.pub, 8), CKR_OK, "signing works again");
    api_finalize();
    proxy_stop(&p);
    setenv("ZKBRIDGE_DEVICE", dev, 1);
}

/* ---- separate runs ----------------------------------------------------------------------------
 */

void test_unreachable_only(void) {
    section("unreachable device");
    api_init();
    expect_absent("unreachable");
    CK_ULONG n = 0;
    check_rv(F->C_GetMechanismList(A.slot, NULL, &n), CKR_TOKEN_NOT_PRESENT, "mechanism list");
    CK_UTF8CHAR label[32];
    memset(label, ' ', sizeof label);
    check_rv(F->C_InitToken(A.slot, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN), label),
             CKR_TOKEN_NOT_PRESENT, "C_InitToken");
    CK_INFO info;
    check_rv(F->C_GetInfo(&info), CKR_OK, "C_GetInfo needs no device");
    api_finalize();
}

void test_zymkey4_only(void) {
    section("Zymkey4-class token");
    api_init();
    CK_TOKEN_INFO ti;
    check_rv(F->C_GetTokenInfo(A.slot, &ti), CKR_OK, "C_GetTokenInfo");
    check(memcmp(ti.model, "ZYMKEY4 ", 8) == 0, "model ZYMKEY4");
    CK_MECHANISM_TYPE l[32];
    CK_ULONG n = 32;
    check_rv(F->C_GetMechanismList(A.slot, l, &n), CKR_OK, "mechanism list");
    static const CK_MECHANISM_TYPE absent[] = {CKM_EC_KEY_PAIR_GEN, CKM_EC_EDWARDS_KEY_PAIR_GEN,
                                               CKM_EC_MONTGOMERY_KEY_PAIR_GEN, CKM_EDDSA,
                                               CKM_ECDH1_DERIVE};
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++) {
        bool found = false;
        for (CK_ULONG j = 0; j < n; j++)
            found |= l[j] == absent[i];
        check(!found, "mechanism 0x%lx not advertised", absent[i]);
        CK_MECHANISM_INFO mi;
        check_rv(F->C_GetMechanismInfo(A.slot, absent[i], &mi), CKR_MECHANISM_INVALID,
                 "mechanism 0x%lx info", absent[i]);
    }
    bool ecdsa = false;
    for (CK_ULONG j = 0; j < n; j++)
        ecdsa |= l[j] == CKM_ECDSA_SHA256;
    check(ecdsa && n == 11, "ECDSA and digests offered (%lu mechanisms)", n);
    CK_UTF8CHAR label[32];
    memset(label, ' ', sizeof label);
    memcpy(label, "zk4", 3);
    check_rv(F->C_InitToken(A.slot, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN), label), CKR_OK,
             "C_InitToken");
    CK_SESSION_HANDLE s = api_open(true, false);
    F->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN));
    check_rv(F->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK, "C_InitPIN");
    F->C_Logout(s);
    check_rv(F->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK, "login");
    CK_OBJECT_HANDLE pub, priv;
    static const uint8_t none[1] = {1};
    check_rv(gen_keypair(s, "p256", "x", none, 1, &pub, &priv), CKR_MECHANISM_INVALID,
             "no key-pair generation");
    CK_OBJECT_CLASS pk = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE q[] = {{CKA_CLASS, &pk, sizeof pk}};
    check(count_objects(s, q, 1) == 3, "three factory keys");
    static const uint8_t slot0[4] = {0, 0, 0, 0};
    priv = find_one(s, CKO_PRIVATE_KEY, slot0, 4);
    pub = find_one(s, CKO_PUBLIC_KEY, slot0, 4);
    check_rv(sign_verify(s, priv, pub, 9), CKR_OK, "sign and verify with factory slot 0");
    api_finalize();
}
