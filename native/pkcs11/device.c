/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pool of connections to one device (link_conn.c does the talking). A call takes the most
 * recently used idle connection or opens a new one, and gives it back afterwards; at most
 * MAX_IDLE stay open while idle, so a burst of threads does not leave a crowd of sockets.
 *
 * The pool lock covers the idle list, the list of all connections, the device info and the
 * generation / epoch counters. It is never held across blocking I/O: zkp_device_generation's
 * drain uses non-blocking reads only.
 */
#include "device.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "link_conn.h"

#define MAX_IDLE        16
#define DEFAULT_TIMEOUT 30000
#define MAX_TIMEOUT     86400000L

struct zkp_device {
    zkp_link_addr addr;
    zkp_lock_ops lock;
    void *mutex;
    int timeout_ms;
    zkp_conn *idle; /* LIFO: the warmest connection first */
    size_t idle_count;
    zkp_conn *all; /* idle and busy, for close / abandon */
    uint64_t generation;
    uint64_t epoch;
    int lost; /* a connection failed since the last (re)connection */
    int have_info;
    zkp_device_info info;
};

/* --- lock ops ------------------------------------------------------------------------------ */

static int os_create(void **m) {
    pthread_mutex_t *p = malloc(sizeof *p);
    if (!p)
        return -1;
    if (pthread_mutex_init(p, NULL) != 0) {
        free(p);
        return -1;
    }
    *m = p;
    return 0;
}

static int os_destroy(void *m) {
    int rc = pthread_mutex_destroy(m);
    free(m);
    return rc;
}

static int os_lock(void *m) {
    return pthread_mutex_lock(m);
}
static int os_unlock(void *m) {
    return pthread_mutex_unlock(m);
}

static const zkp_lock_ops OS_OPS = {os_create, os_destroy, os_lock, os_unlock};
static const zkp_lock_ops NO_OPS = {NULL, NULL, NULL, NULL};

const zkp_lock_ops *zkp_lock_ops_os(void) {
    return &OS_OPS;
}
const zkp_lock_ops *zkp_lock_ops_none(void) {
    return &NO_OPS;
}

static void pool_lock(zkp_device *d) {
    if (d->lock.lock && d->mutex)
        d->lock.lock(d->mutex);
}

static void pool_unlock(zkp_device *d) {
    if (d->lock.unlock && d->mutex)
        d->lock.unlock(d->mutex);
}

/* --- pool ---------------------------------------------------------------------------------- */

void zkp_response_free(zkp_response *r) {
    if (!r)
        return;
    free(r->payload);
    r->payload = NULL;
    r->len = 0;
}

/* Both under the pool lock. */
static void all_link(zkp_device *d, zkp_conn *c) {
    c->prev = NULL;
    c->next = d->all;
    if (d->all)
        d->all->prev = c;
    d->all = c;
}

static void all_unlink(zkp_device *d, zkp_conn *c) {
    if (c->prev)
        c->prev->next = c->next;
    else
        d->all = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
}

static void merge_generation(zkp_device *d, const zkp_conn *c) {
    if (c->generation > d->generation)
        d->generation = c->generation;
}

/* Takes an idle connection, or (fresh, or none idle) opens one. */
static int acquire(zkp_device *d, int fresh, int *timeout_ms, zkp_conn **out) {
    pool_lock(d);
    *timeout_ms = d->timeout_ms;
    zkp_conn *c = fresh ? NULL : d->idle;
    if (c) {
        d->idle = c->next_idle;
        d->idle_count--;
        c->next_idle = NULL;
    }
    pool_unlock(d);
    if (c) {
        *out = c;
        return ZKP_DEV_OK;
    }
    zkp_device_info info;
    int rc = zkp_conn_open(&d->addr, *timeout_ms, &c, &info);
    if (rc != ZKP_DEV_OK)
        return rc;
    pool_lock(d);
    all_link(d, c);
    /* Only a first connection or one after a failure can mean a new device instance: another
     * pooled connection to the same running device does not make cached views stale. */
    if (d->epoch == 0 || d->lost) {
        d->epoch++;
        d->lost = 0;
    }
    d->info = info;
    d->have_info = 1;
    pool_unlock(d);
    *out = c;
    return ZKP_DEV_OK;
}

static void release(zkp_device *d, zkp_conn *c) {
    zkp_conn *drop = NULL;
    pool_lock(d);
    merge_generation(d, c);
    if (d->idle_count < MAX_IDLE) {
        c->next_idle = d->idle;
        d->idle = c;
        d->idle_count++;
    } else {
        all_unlink(d, c);
        drop = c;
    }
    pool_unlock(d);
    zkp_conn_free(drop);
}

/* A connection in an unknown state (broken, timed out, protocol error) is never reused. */
static void discard(zkp_device *d, zkp_conn *c) {
    pool_lock(d);
    merge_generation(d, c);
    d->lost = 1;
    all_unlink(d, c);
    pool_unlock(d);
    zkp_conn_free(c);
}

/* --- public API ------------------------------------------------------------------------------ */

zkp_device *zkp_device_open(const char *address, const zkp_lock_ops *lock) {
    zkp_device *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    if (zkp_link_parse(address, &d->addr) != 0) {
        free(d);
        return NULL;
    }
    /* No ops at all means "use the OS": the safe choice when nobody said otherwise. */
    d->lock = lock ? *lock : OS_OPS;
    if (d->lock.create && d->lock.create(&d->mutex) != 0) {
        free(d);
        return NULL;
    }
    d->timeout_ms = DEFAULT_TIMEOUT;
    const char *t = getenv("ZKBRIDGE_TIMEOUT_MS");
    if (t && *t) {
        char *end;
        long v = strtol(t, &end, 10);
        if (*end == 0 && v > 0 && v <= MAX_TIMEOUT)
            d->timeout_ms = (int)v;
    }
    return d;
}

void zkp_device_close(zkp_device *d) {
    if (!d)
        return;
    while (d->all) {
        zkp_conn *c = d->all;
        all_unlink(d, c);
        zkp_conn_free(c);
    }
    if (d->lock.destroy && d->mutex)
        d->lock.destroy(d->mutex);
    free(d);
}

void zkp_device_abandon(zkp_device *d) {
    if (!d)
        return;
    /* The parent's threads may have held the mutex or been mid-call at fork(): their
     * connections are the child's now only to close. Nothing is sent, since the parent keeps
     * using the same sockets. */
    zkp_conn *c = d->all;
    while (c) {
        zkp_conn *next = c->next;
        zkp_conn_free(c);
        c = next;
    }
    /* Our own pthread mutex is plain memory that can be released without destroying it (it
     * may be locked); an application's mutex is left alone. */
    if (d->lock.create == os_create && d->mutex)
        free(d->mutex);
    free(d);
}

int zkp_device_call(zkp_device *d, uint16_t command, const uint8_t *req, size_t req_len,
                    zkp_response *resp) {
    if (!d || !resp)
        return ZKP_DEV_UNREACHABLE;
    resp->status = 0;
    resp->payload = NULL;
    resp->len = 0;
    if (req_len && !req)
        return ZKP_DEV_PROTOCOL; /* a caller bug; refused before any connection is touched */
    for (int attempt = 0;; attempt++) {
        zkp_conn *c;
        int timeout_ms;
        int rc = acquire(d, attempt > 0, &timeout_ms, &c);
        if (rc != ZKP_DEV_OK)
            return rc;
        size_t written;
        rc = zkp_conn_call(c, command, req, req_len, timeout_ms, resp, &written);
        if (rc == ZKP_DEV_OK || rc == ZKP_DEV_TOO_LARGE) {
            release(d, c); /* TOO_LARGE is refused before sending: the connection is fine */
            return rc;
        }
        discard(d, c);
        /* A pooled connection the device closed while idle fails on send, before a byte went
         * out: the request cannot have run, so one more try on a new connection is safe.
         * Once bytes were sent the device may have acted on them, and only the caller knows
         * whether repeating is harmless. */
        if (rc != ZKP_DEV_UNREACHABLE || written != 0 || attempt > 0)
            return rc;
    }
}

int zkp_device_info_get(zkp_device *d, zkp_device_info *out) {
    if (!d || !out)
        return ZKP_DEV_UNREACHABLE;
    pool_lock(d);
    int ready = d->have_info && d->all != NULL;
    if (ready)
        *out = d->info;
    pool_unlock(d);
    if (ready)
        return ZKP_DEV_OK;
    zkp_conn *c;
    int timeout_ms;
    int rc = acquire(d, 1, &timeout_ms, &c);
    if (rc != ZKP_DEV_OK)
        return rc;
    release(d, c);
    pool_lock(d);
    *out = d->info;
    pool_unlock(d);
    return ZKP_DEV_OK;
}

uint64_t zkp_device_generation(zkp_device *d) {
    if (!d)
        return 0;
    zkp_conn *broken = NULL;
    pool_lock(d);
    zkp_conn **link = &d->idle;
    while (*link) {
        zkp_conn *c = *link;
        int rc = zkp_conn_drain(c);
        merge_generation(d, c);
        if (rc < 0) {
            /* Closed by the device while idle: drop it now rather than fail a later call. */
            d->lost = 1;
            *link = c->next_idle;
            d->idle_count--;
            all_unlink(d, c);
            c->next_idle = broken;
            broken = c;
        } else {
            link = &c->next_idle;
        }
    }
    uint64_t g = d->generation;
    pool_unlock(d);
    while (broken) {
        zkp_conn *next = broken->next_idle;
        zkp_conn_free(broken);
        broken = next;
    }
    return g;
}

uint64_t zkp_device_epoch(zkp_device *d) {
    if (!d)
        return 0;
    pool_lock(d);
    uint64_t e = d->epoch;
    pool_unlock(d);
    return e;
}

void zkp_device_set_timeout(zkp_device *d, int timeout_ms) {
    if (!d || timeout_ms <= 0)
        return;
    pool_lock(d);
    d->timeout_ms = timeout_ms;
    pool_unlock(d);
}
