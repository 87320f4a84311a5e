/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Module life cycle: C_Initialize / C_Finalize rules, the module lock, the slots (one per
 * configured device), fork handling and the device-call helper every concern uses.
 *
 * Fork: a child inherits our memory but not our threads, and a lock another parent thread held
 * stays held forever in the child. So the child touches nothing shared: a pthread_atfork child
 * handler bumps a counter; every entry point compares it with the value C_Initialize saw and
 * answers CKR_CRYPTOKI_NOT_INITIALIZED in the child, until the child calls C_Initialize, which
 * drops the inherited state without locking (inherited sockets closed without I/O).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p11.h"

typedef struct {
    bool initialized;
    unsigned fork_seen; /* g_forks at C_Initialize */
    const zkp_lock_ops *ops;
    void *mutex;
    zkp_config cfg;
    size_t slot_count;
    zkp_slot *slots[ZKP_MAX_DEVICES];
} zkp_module;

static zkp_module g_mod;
static atomic_uint g_forks;
/* Serializes C_Initialize / C_Finalize against each other (they may not use g_mod.mutex,
 * which they create and destroy). A static mutex is safe here; a child re-initializes it. */
static pthread_mutex_t g_init_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t g_atfork_once = PTHREAD_ONCE_INIT;
static int g_debug = -1;

static void on_fork_child(void) {
    atomic_fetch_add(&g_forks, 1);
    pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
    memcpy(&g_init_lock, &fresh, sizeof fresh);
}

static void register_atfork(void) {
    pthread_atfork(NULL, NULL, on_fork_child);
}

void zkp_log(const char *fmt, ...) {
    if (g_debug < 0) {
        const char *v = getenv("ZKBRIDGE_PKCS11_DEBUG");
        g_debug = v && *v && strcmp(v, "0") != 0;
    }
    if (!g_debug)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("zkbridge-pkcs11: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---- application mutex callbacks wrapped as zkp_lock_ops ------------------------------------- */

static CK_CREATEMUTEX app_create;
static CK_DESTROYMUTEX app_destroy;
static CK_LOCKMUTEX app_lockf;
static CK_UNLOCKMUTEX app_unlockf;

static int app_create_w(void **m) {
    return app_create(m) == CKR_OK ? 0 : -1;
}
static int app_destroy_w(void *m) {
    return app_destroy(m) == CKR_OK ? 0 : -1;
}
static int app_lock_w(void *m) {
    return app_lockf(m) == CKR_OK ? 0 : -1;
}
static int app_unlock_w(void *m) {
    return app_unlockf(m) == CKR_OK ? 0 : -1;
}

static const zkp_lock_ops APP_OPS = {app_create_w, app_destroy_w, app_lock_w, app_unlock_w};

void *zkp_mutex_new(void) {
    void *m = NULL;
    if (g_mod.ops->create && g_mod.ops->create(&m) != 0)
        return NULL;
    /* "no locking" ops hand out NULL; a non-NULL marker keeps callers' checks simple */
    return m ? m : (void *)&g_mod;
}

void zkp_mutex_free(void *m) {
    if (m && m != (void *)&g_mod && g_mod.ops->destroy)
        g_mod.ops->destroy(m);
}

void zkp_mutex_lock(void *m) {
    if (m && m != (void *)&g_mod && g_mod.ops->lock)
        g_mod.ops->lock(m);
}

void zkp_mutex_unlock(void *m) {
    if (m && m != (void *)&g_mod && g_mod.ops->unlock)
        g_mod.ops->unlock(m);
}

void zkp_lock(void) {
    zkp_mutex_lock(g_mod.mutex);
}
void zkp_unlock(void) {
    zkp_mutex_unlock(g_mod.mutex);
}

CK_RV zkp_module_check(void) {
    /* The flag is only written under g_init_lock while no other call may run (PKCS#11 forbids
     * calls concurrent with C_Initialize/C_Finalize), so a plain read is enough here. */
    if (!g_mod.initialized ||
        g_mod.fork_seen != atomic_load_explicit(&g_forks, memory_order_relaxed))
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    return CKR_OK;
}

size_t zkp_slot_count(void) {
    return g_mod.slot_count;
}

zkp_slot *zkp_slot_get(CK_SLOT_ID id) {
    return id < g_mod.slot_count ? g_mod.slots[id] : NULL;
}

/* ---- slots ---------------------------------------------------------------------------------- */

static void slot_free(zkp_slot *s, bool abandon) {
    if (!s)
        return;
    zkp_device *devs[2] = {s->dev, s->login_dev};
    for (size_t i = 0; i < 2; i++) {
        if (devs[i] && abandon)
            zkp_device_abandon(devs[i]);
        else if (devs[i])
            zkp_device_close(devs[i]);
    }
    if (!abandon || g_mod.ops == zkp_lock_ops_os()) {
        zkp_mutex_free(s->refresh_mutex);
        zkp_mutex_free(s->login_mutex);
    }
    zkp_cache_free(&s->cache);
    zkp_sobj_free_all_locked(s);
    free(s->sobjs);
    memset(s->ticket, 0, sizeof s->ticket);
    free(s);
}

/* Drops everything; abandon = in a forked child (no locks, no device I/O). */
static void module_clear(bool abandon) {
    zkp_sessions_free_all();
    for (size_t i = 0; i < g_mod.slot_count; i++) {
        slot_free(g_mod.slots[i], abandon);
        g_mod.slots[i] = NULL;
    }
    g_mod.slot_count = 0;
    /* pthread mutexes can be destroyed in the child even when a parent thread held them (glibc
     * answers EBUSY and the memory is released); application mutexes are left alone there. */
    if (!abandon || g_mod.ops == zkp_lock_ops_os())
        zkp_mutex_free(g_mod.mutex);
    g_mod.mutex = NULL;
    g_mod.initialized = false;
}

static CK_RV parse_init_args(const CK_C_INITIALIZE_ARGS *a, const zkp_lock_ops **ops) {
    if (a->pReserved != NULL)
        return CKR_ARGUMENTS_BAD;
    int given = (a->CreateMutex != NULL) + (a->DestroyMutex != NULL) + (a->LockMutex != NULL) +
                (a->UnlockMutex != NULL);
    if (given != 0 && given != 4)
        return CKR_ARGUMENTS_BAD;
    if (given == 4 && !(a->flags & CKF_OS_LOCKING_OK)) {
        /* the application insists on its own primitives */
        app_create = a->CreateMutex;
        app_destroy = a->DestroyMutex;
        app_lockf = a->LockMutex;
        app_unlockf = a->UnlockMutex;
        *ops = &APP_OPS;
    } else {
        /* OS locking allowed, or no threading information at all: pthreads either way (the
         * spec lets a library lock even when the application will not use threads). */
        *ops = zkp_lock_ops_os();
    }
    return CKR_OK;
}

CK_RV zkp_initialize(CK_VOID_PTR args) {
    pthread_once(&g_atfork_once, register_atfork);
    const zkp_lock_ops *ops = zkp_lock_ops_os();
    if (args) {
        CK_RV rv = parse_init_args((const CK_C_INITIALIZE_ARGS *)args, &ops);
        if (rv != CKR_OK)
            return rv;
    }
    pthread_mutex_lock(&g_init_lock);
    unsigned forks = atomic_load(&g_forks);
    if (g_mod.initialized && g_mod.fork_seen != forks) {
        /* inherited from the parent: drop it without touching its locks or its connections */
        module_clear(true);
    }
    if (g_mod.initialized) {
        pthread_mutex_unlock(&g_init_lock);
        return CKR_CRYPTOKI_ALREADY_INITIALIZED;
    }
    CK_RV rv = CKR_OK;
    char err[256] = "";
    memset(&g_mod.cfg, 0, sizeof g_mod.cfg);
    if (zkp_config_load(&g_mod.cfg, err, sizeof err) != 0) {
        zkp_log("configuration: %s", err);
        fprintf(stderr, "zkbridge-pkcs11: %s\n", err);
        pthread_mutex_unlock(&g_init_lock);
        return CKR_GENERAL_ERROR;
    }
    g_mod.ops = ops;
    g_mod.mutex = zkp_mutex_new();
    if (!g_mod.mutex) {
        pthread_mutex_unlock(&g_init_lock);
        return CKR_CANT_LOCK;
    }
    for (size_t i = 0; i < g_mod.cfg.device_count && rv == CKR_OK; i++) {
        zkp_slot *s = calloc(1, sizeof *s);
        if (!s) {
            rv = CKR_HOST_MEMORY;
            break;
        }
        s->id = i;
        snprintf(s->address, sizeof s->address, "%s", g_mod.cfg.devices[i]);
        s->hide_curves = g_mod.cfg.hide_curves;
        s->next_sobj = 1;
        s->refresh_mutex = zkp_mutex_new();
        s->login_mutex = zkp_mutex_new();
        s->dev = zkp_device_open(s->address, ops);
        s->login_dev = zkp_device_open(s->address, ops);
        g_mod.slots[i] = s;
        g_mod.slot_count = i + 1;
        if (!s->dev || !s->login_dev || !s->refresh_mutex || !s->login_mutex) {
            zkp_log("cannot use device address '%s'", s->address);
            rv = s->dev && s->login_dev ? CKR_CANT_LOCK : CKR_GENERAL_ERROR;
            break;
        }
        if (g_mod.cfg.timeout_ms > 0) {
            zkp_device_set_timeout(s->dev, g_mod.cfg.timeout_ms);
            zkp_device_set_timeout(s->login_dev, g_mod.cfg.timeout_ms);
        }
        zkp_log("slot %zu: %s (from %s)", i, s->address, g_mod.cfg.source);
    }
    if (rv != CKR_OK) {
        module_clear(false);
    } else {
        g_mod.fork_seen = forks;
        g_mod.initialized = true;
    }
    pthread_mutex_unlock(&g_init_lock);
    return rv;
}

CK_RV zkp_finalize(CK_VOID_PTR reserved) {
    if (reserved != NULL)
        return CKR_ARGUMENTS_BAD;
    pthread_mutex_lock(&g_init_lock);
    CK_RV rv = zkp_module_check();
    if (rv == CKR_OK) {
        /* log out politely: the device would also revoke tickets when the connections close */
        for (size_t i = 0; i < g_mod.slot_count; i++) {
            zkp_slot *s = g_mod.slots[i];
            if (s->login != ZKP_LOGIN_NONE) {
                zkp_response r = {0};
                (void)zkp_device_call(s->dev, ZKB_CMD_TOKEN_LOGOUT, s->ticket, ZKP_TICKET_LEN, &r);
                zkp_response_free(&r);
            }
        }
        module_clear(false);
    }
    pthread_mutex_unlock(&g_init_lock);
    return rv;
}

static void pad_field(CK_UTF8CHAR *dst, size_t cap, const char *s) {
    zkp_pad(dst, cap, s, strlen(s));
}

CK_RV zkp_get_info(CK_INFO_PTR info) {
    if (!info)
        return CKR_ARGUMENTS_BAD;
    memset(info, 0, sizeof *info);
    info->cryptokiVersion.major = 3;
    info->cryptokiVersion.minor = 0;
    pad_field(info->manufacturerID, sizeof info->manufacturerID, "zkbridge");
    pad_field(info->libraryDescription, sizeof info->libraryDescription, "zkbridge PKCS#11 token");
    info->flags = 0;
    info->libraryVersion.major = 0;
    info->libraryVersion.minor = 1;
    return CKR_OK;
}

/* ---- device calls --------------------------------------------------------------------------- */

void zkp_slot_lost(zkp_slot *s) {
    zkp_lock();
    zkp_close_slot_sessions_locked(s);
    zkp_forget_login_locked(s);
    zkp_cache_invalidate_locked(s);
    s->info_valid = false;
    zkp_unlock();
}

CK_RV zkp_call(zkp_slot *s, uint16_t cmd, const uint8_t *req, size_t len, zkp_response *resp) {
    return zkp_call_on(s, s->dev, cmd, req, len, resp);
}

CK_RV zkp_call_on(zkp_slot *s, zkp_device *dev, uint16_t cmd, const uint8_t *req, size_t len,
                  zkp_response *resp) {
    memset(resp, 0, sizeof *resp);
    int r = zkp_device_call(dev, cmd, req, len, resp);
    if (r != ZKP_DEV_OK) {
        zkp_log("command 0x%04x: transport error %d", cmd, r);
        if (r == ZKP_DEV_UNREACHABLE)
            zkp_slot_lost(s);
        return zkp_rv_from_transport(r);
    }
    if (resp->status != ZKB_ST_OK) {
        CK_RV rv = zkp_rv_from_status(resp->status, NULL);
        zkp_log("command 0x%04x: status 0x%04x -> %s", cmd, resp->status,
                zkp_rv_name(rv) ? zkp_rv_name(rv) : "?");
        return rv;
    }
    return CKR_OK;
}

CK_RV zkp_slot_device_info(zkp_slot *s, zkp_device_info *out) {
    zkp_device_info info;
    int r = zkp_device_info_get(s->dev, &info);
    if (r != ZKP_DEV_OK) {
        zkp_lock();
        bool had = s->info_valid || s->sessions > 0;
        zkp_unlock();
        if (had && r == ZKP_DEV_UNREACHABLE)
            zkp_slot_lost(s);
        return r == ZKP_DEV_UNREACHABLE ? CKR_TOKEN_NOT_PRESENT : zkp_rv_from_transport(r);
    }
    zkp_lock();
    s->info = info;
    s->info_valid = true;
    zkp_unlock();
    if (out)
        *out = info;
    return CKR_OK;
}
