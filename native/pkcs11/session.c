/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sessions: open/close, info, per-session operation state and the acquire/release discipline
 * that lets many threads share the module (see p11.h). Session handles count up from 1 and are
 * never reused while the library is loaded.
 */
#include <stdlib.h>
#include <string.h>

#include "p11.h"

static zkp_session **g_sessions; /* sorted by handle (handles only grow, so append keeps order) */
static size_t g_count, g_cap;
static CK_SESSION_HANDLE g_next = 1;

void zkp_op_end(zkp_op *op) {
    if (op->buf) {
        memset(op->buf, 0, op->len);
        free(op->buf);
    }
    memset(op, 0, sizeof *op);
}

void zkp_find_end(zkp_find *f) {
    free(f->handles);
    memset(f, 0, sizeof *f);
}

static void session_free(zkp_session *s) {
    zkp_op_end(&s->sign);
    zkp_op_end(&s->verify);
    zkp_op_end(&s->digest);
    zkp_find_end(&s->find);
    free(s);
}

bool zkp_session_rw(const zkp_session *s) {
    return (s->flags & CKF_RW_SESSION) != 0;
}

static size_t index_of(CK_SESSION_HANDLE h, bool *found) {
    size_t lo = 0, hi = g_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g_sessions[mid]->handle < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < g_count && g_sessions[lo]->handle == h;
    return lo;
}

zkp_session *zkp_session_find_locked(CK_SESSION_HANDLE h) {
    bool found;
    size_t i = index_of(h, &found);
    return found ? g_sessions[i] : NULL;
}

/* Unlinks a session from the table and its slot's counters; frees it unless a call is inside.
 * Session objects it owns die with it. Module lock held. */
static void session_close_locked(size_t index) {
    zkp_session *s = g_sessions[index];
    memmove(&g_sessions[index], &g_sessions[index + 1], (g_count - index - 1) * sizeof *g_sessions);
    g_count--;
    zkp_slot *slot = s->slot;
    slot->sessions--;
    if (zkp_session_rw(s))
        slot->rw_sessions--;
    zkp_sobj_drop_session_locked(slot, s->handle);
    if (s->refs > 0)
        s->closed = true;
    else
        session_free(s);
}

CK_RV zkp_open_session(CK_SLOT_ID slot_id, CK_FLAGS flags, CK_SESSION_HANDLE_PTR ph) {
    zkp_slot *slot = zkp_slot_get(slot_id);
    if (!slot)
        return CKR_SLOT_ID_INVALID;
    if (!(flags & CKF_SERIAL_SESSION))
        return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
    if (!ph)
        return CKR_ARGUMENTS_BAD;
    CK_RV rv = zkp_slot_device_info(slot, NULL);
    if (rv != CKR_OK)
        return rv;
    zkp_session *s = calloc(1, sizeof *s);
    if (!s)
        return CKR_HOST_MEMORY;
    s->slot = slot;
    s->flags = (flags & CKF_RW_SESSION) | CKF_SERIAL_SESSION;
    zkp_lock();
    if (!(flags & CKF_RW_SESSION) && slot->login == ZKP_LOGIN_SO) {
        zkp_unlock();
        free(s);
        return CKR_SESSION_READ_WRITE_SO_EXISTS;
    }
    if (g_count == g_cap) {
        size_t cap = g_cap ? g_cap * 2 : 16;
        zkp_session **n = realloc(g_sessions, cap * sizeof *n);
        if (!n) {
            zkp_unlock();
            free(s);
            return CKR_HOST_MEMORY;
        }
        g_sessions = n;
        g_cap = cap;
    }
    s->handle = g_next++;
    g_sessions[g_count++] = s;
    slot->sessions++;
    if (flags & CKF_RW_SESSION)
        slot->rw_sessions++;
    zkp_unlock();
    *ph = s->handle;
    return CKR_OK;
}

/* Logs out at the device (no lock held); the ticket was taken from the slot already. */
static void device_logout(zkp_slot *slot, const uint8_t ticket[ZKP_TICKET_LEN]) {
    static const uint8_t zero[ZKP_TICKET_LEN];
    if (memcmp(ticket, zero, ZKP_TICKET_LEN) == 0)
        return;
    zkp_response r;
    (void)zkp_call(slot, ZKB_CMD_TOKEN_LOGOUT, ticket, ZKP_TICKET_LEN, &r);
    zkp_response_free(&r);
}

/* The last session of a slot is gone: the login ends (PKCS#11: login state belongs to the
 * application's sessions). Copies the ticket out for the device logout. Module lock held. */
static void end_login_if_idle_locked(zkp_slot *slot, uint8_t ticket[ZKP_TICKET_LEN]) {
    memset(ticket, 0, ZKP_TICKET_LEN);
    if (slot->sessions == 0 && slot->login != ZKP_LOGIN_NONE) {
        memcpy(ticket, slot->ticket, ZKP_TICKET_LEN);
        zkp_forget_login_locked(slot);
    }
}

CK_RV zkp_close_session(CK_SESSION_HANDLE h) {
    uint8_t ticket[ZKP_TICKET_LEN];
    zkp_lock();
    bool found;
    size_t i = index_of(h, &found);
    if (!found) {
        zkp_unlock();
        return CKR_SESSION_HANDLE_INVALID;
    }
    zkp_slot *slot = g_sessions[i]->slot;
    session_close_locked(i);
    end_login_if_idle_locked(slot, ticket);
    zkp_unlock();
    device_logout(slot, ticket);
    return CKR_OK;
}

void zkp_close_slot_sessions_locked(zkp_slot *slot) {
    for (size_t i = g_count; i-- > 0;) {
        if (g_sessions[i]->slot == slot)
            session_close_locked(i);
    }
    zkp_sobj_free_all_locked(slot);
}

CK_RV zkp_close_all_sessions(CK_SLOT_ID slot_id) {
    zkp_slot *slot = zkp_slot_get(slot_id);
    if (!slot)
        return CKR_SLOT_ID_INVALID;
    uint8_t ticket[ZKP_TICKET_LEN];
    zkp_lock();
    zkp_close_slot_sessions_locked(slot);
    end_login_if_idle_locked(slot, ticket);
    zkp_unlock();
    device_logout(slot, ticket);
    return CKR_OK;
}

CK_RV zkp_get_session_info(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info) {
    if (!info)
        return CKR_ARGUMENTS_BAD;
    zkp_lock();
    zkp_session *s = zkp_session_find_locked(h);
    if (!s) {
        zkp_unlock();
        return CKR_SESSION_HANDLE_INVALID;
    }
    memset(info, 0, sizeof *info);
    info->slotID = s->slot->id;
    info->flags = s->flags;
    bool rw = zkp_session_rw(s);
    switch (s->slot->login) {
    case ZKP_LOGIN_USER:
        info->state = rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
        break;
    case ZKP_LOGIN_SO:
        info->state = CKS_RW_SO_FUNCTIONS;
        break;
    default:
        info->state = rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
        break;
    }
    zkp_unlock();
    return CKR_OK;
}

CK_RV zkp_session_acquire(CK_SESSION_HANDLE h, int use, zkp_session **out) {
    zkp_lock();
    zkp_session *s = zkp_session_find_locked(h);
    if (!s) {
        zkp_unlock();
        return CKR_SESSION_HANDLE_INVALID;
    }
    if (use >= 0) {
        if (s->op_busy[use]) {
            zkp_unlock();
            return CKR_OPERATION_ACTIVE;
        }
        s->op_busy[use] = true;
    }
    s->refs++;
    zkp_unlock();
    *out = s;
    return CKR_OK;
}

void zkp_session_release(zkp_session *s, int use) {
    zkp_lock();
    if (use >= 0)
        s->op_busy[use] = false;
    s->refs--;
    bool free_it = s->closed && s->refs == 0;
    zkp_unlock();
    if (free_it)
        session_free(s);
}

CK_RV zkp_session_cancel(CK_SESSION_HANDLE h, CK_FLAGS flags) {
    zkp_lock();
    zkp_session *s = zkp_session_find_locked(h);
    if (!s) {
        zkp_unlock();
        return CKR_SESSION_HANDLE_INVALID;
    }
    /* Operations run synchronously inside their calls, so there is nothing in flight to stop;
     * cancelling means ending the operations the flags name (when no thread is inside). */
    struct {
        CK_FLAGS flag;
        int use;
        zkp_op *op;
    } ops[] = {{CKF_SIGN, ZKP_USE_SIGN, &s->sign},
               {CKF_VERIFY, ZKP_USE_VERIFY, &s->verify},
               {CKF_DIGEST, ZKP_USE_DIGEST, &s->digest}};
    CK_RV rv = CKR_OK;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (!(flags & ops[i].flag))
            continue;
        if (s->op_busy[ops[i].use])
            rv = CKR_OPERATION_CANCEL_FAILED;
        else
            zkp_op_end(ops[i].op);
    }
    if (flags & CKF_FIND_OBJECTS) {
        if (s->op_busy[ZKP_USE_FIND])
            rv = CKR_OPERATION_CANCEL_FAILED;
        else
            zkp_find_end(&s->find);
    }
    zkp_unlock();
    return rv;
}

void zkp_sessions_free_all(void) {
    for (size_t i = 0; i < g_count; i++)
        session_free(g_sessions[i]);
    free(g_sessions);
    g_sessions = NULL;
    g_count = g_cap = 0;
}
