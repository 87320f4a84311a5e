/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Token initialization, PINs and login. Login state belongs to the application (this module
 * instance) per slot: TOKEN_LOGIN gives a ticket that we keep while logged in and pass to the
 * store commands that need a role. The device enforces PIN rules and retry counters; we enforce
 * the Cryptoki session-state rules.
 */
#include <stdlib.h>
#include <string.h>

#include "p11.h"
#include "wire.h"

void zkp_forget_login_locked(zkp_slot *s) {
    if (s->login != ZKP_LOGIN_NONE)
        s->login_serial++;
    s->login = ZKP_LOGIN_NONE;
    memset(s->ticket, 0, sizeof s->ticket);
}

void zkp_slot_ticket(zkp_slot *s, uint8_t out[ZKP_TICKET_LEN]) {
    zkp_lock();
    if (s->login == ZKP_LOGIN_USER)
        memcpy(out, s->ticket, ZKP_TICKET_LEN);
    else
        memset(out, 0, ZKP_TICKET_LEN);
    zkp_unlock();
}

void zkp_ticket_rejected(zkp_slot *s, const uint8_t ticket[ZKP_TICKET_LEN]) {
    zkp_lock();
    if (s->login != ZKP_LOGIN_NONE && memcmp(s->ticket, ticket, ZKP_TICKET_LEN) == 0) {
        zkp_log("slot %lu: login ticket no longer valid, logged out", s->id);
        zkp_forget_login_locked(s);
    }
    zkp_unlock();
}

static CK_RV check_pin_arg(CK_UTF8CHAR_PTR pin, CK_ULONG len) {
    /* a NULL PIN asks for a protected authentication path, which we do not have */
    if (!pin)
        return CKR_ARGUMENTS_BAD;
    if (len < ZKP_PIN_MIN || len > ZKP_PIN_MAX)
        return CKR_PIN_LEN_RANGE;
    return CKR_OK;
}

CK_RV zkp_init_token(CK_SLOT_ID slot_id, CK_UTF8CHAR_PTR pin, CK_ULONG pin_len,
                     CK_UTF8CHAR_PTR label) {
    zkp_slot *s = zkp_slot_get(slot_id);
    if (!s)
        return CKR_SLOT_ID_INVALID;
    if (!label)
        return CKR_ARGUMENTS_BAD;
    CK_RV rv = check_pin_arg(pin, pin_len);
    if (rv != CKR_OK)
        return rv;
    rv = zkp_slot_device_info(s, NULL);
    if (rv != CKR_OK)
        return rv;
    zkp_lock();
    bool busy = s->sessions > 0;
    zkp_unlock();
    if (busy)
        return CKR_SESSION_EXISTS;
    /*
     * The label is 32 bytes, blank padded: the device keeps it without the padding. A NUL ends
     * it early, and nothing after it is read: some callers (pkcs11js) pass a C string.
     */
    size_t ll = 0;
    while (ll < 32 && label[ll] != 0)
        ll++;
    while (ll > 0 && label[ll - 1] == ' ')
        ll--;
    static const uint8_t blank = ' ';
    const uint8_t *lp = ll ? label : &blank;
    if (!ll)
        ll = 1;
    uint8_t req[4 + ZKP_PIN_MAX + 2 + 32];
    zkp_writer w;
    zkp_writer_init(&w, req, sizeof req);
    zkp_put_blob(&w, pin, pin_len);
    zkp_put_str(&w, (const char *)lp, ll);
    zkp_response r;
    rv = zkp_call(s, ZKB_CMD_TOKEN_INIT, req, w.len, &r);
    zkp_response_free(&r);
    memset(req, 0, sizeof req);
    zkp_lock();
    /* every ticket is revoked and every store object is gone */
    zkp_forget_login_locked(s);
    zkp_cache_invalidate_locked(s);
    zkp_unlock();
    return rv;
}

/*
 * TOKEN_LOGIN on the slot's login pool: one call at a time, so that pool holds a single
 * connection that stays open (the ticket lives as long as it does). Events are switched off
 * there: nobody reads that connection between logins, and unread events would pile up.
 */
static CK_RV login_call(zkp_slot *s, const uint8_t *req, size_t len, zkp_response *r) {
    zkp_mutex_lock(s->login_mutex);
    static const uint8_t no_events[4] = {0, 0, 0, 0};
    CK_RV rv = zkp_call_on(s, s->login_dev, ZKB_CMD_SET_EVENT_MASK, no_events, 4, r);
    zkp_response_free(r);
    if (rv == CKR_OK)
        rv = zkp_call_on(s, s->login_dev, ZKB_CMD_TOKEN_LOGIN, req, len, r);
    zkp_mutex_unlock(s->login_mutex);
    return rv;
}

CK_RV zkp_login(CK_SESSION_HANDLE h, CK_USER_TYPE type, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
    if (type != CKU_SO && type != CKU_USER && type != CKU_CONTEXT_SPECIFIC)
        return CKR_USER_TYPE_INVALID;
    zkp_session *sess;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_NONE, &sess);
    if (rv != CKR_OK)
        return rv;
    zkp_slot *s = sess->slot;
    int role = type == CKU_SO ? ZKP_LOGIN_SO : ZKP_LOGIN_USER;
    zkp_lock();
    if (type == CKU_CONTEXT_SPECIFIC) {
        /* re-authentication for a key with CKA_ALWAYS_AUTHENTICATE (we have none): accepted
         * as a fresh user PIN check while logged in */
        if (s->login != ZKP_LOGIN_USER)
            rv = CKR_USER_NOT_LOGGED_IN;
    } else if (s->login == role) {
        rv = CKR_USER_ALREADY_LOGGED_IN;
    } else if (s->login != ZKP_LOGIN_NONE) {
        rv = CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
    } else if (role == ZKP_LOGIN_SO && s->rw_sessions < s->sessions) {
        rv = CKR_SESSION_READ_ONLY_EXISTS;
    }
    zkp_unlock();
    if (rv == CKR_OK)
        rv = check_pin_arg(pin, len);
    if (rv != CKR_OK) {
        zkp_session_release(sess, ZKP_USE_NONE);
        return rv;
    }
    uint8_t req[1 + 4 + ZKP_PIN_MAX];
    zkp_writer w;
    zkp_writer_init(&w, req, sizeof req);
    zkp_put_u8(&w, role == ZKP_LOGIN_SO ? 0 : 1);
    zkp_put_blob(&w, pin, len);
    zkp_response r;
    rv = login_call(s, req, w.len, &r);
    memset(req, 0, sizeof req);
    if (rv != CKR_OK && r.status == ZKB_ST_ERR_TOKEN_NOT_INITIALIZED)
        rv = role == ZKP_LOGIN_USER ? CKR_USER_PIN_NOT_INITIALIZED : CKR_PIN_INCORRECT;
    uint8_t stale[ZKP_TICKET_LEN];
    bool drop_stale = false, drop_new = false;
    if (rv == CKR_OK && r.len != ZKP_TICKET_LEN)
        rv = CKR_DEVICE_ERROR;
    if (rv == CKR_OK) {
        zkp_lock();
        if (type == CKU_CONTEXT_SPECIFIC) {
            if (s->login == ZKP_LOGIN_USER) {
                memcpy(stale, s->ticket, ZKP_TICKET_LEN);
                memcpy(s->ticket, r.payload, ZKP_TICKET_LEN);
                drop_stale = true;
            } else {
                drop_new = true;
                rv = CKR_USER_NOT_LOGGED_IN;
            }
        } else if (s->login != ZKP_LOGIN_NONE) {
            /* another thread logged in meanwhile */
            drop_new = true;
            rv = s->login == role ? CKR_USER_ALREADY_LOGGED_IN : CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
        } else {
            s->login = role;
            s->login_serial++;
            memcpy(s->ticket, r.payload, ZKP_TICKET_LEN);
        }
        zkp_unlock();
    }
    if (drop_new || drop_stale) {
        zkp_response lr;
        (void)zkp_call(s, ZKB_CMD_TOKEN_LOGOUT, drop_new ? r.payload : stale, ZKP_TICKET_LEN, &lr);
        zkp_response_free(&lr);
    }
    zkp_response_free(&r);
    zkp_session_release(sess, ZKP_USE_NONE);
    return rv;
}

CK_RV zkp_logout(CK_SESSION_HANDLE h) {
    zkp_session *sess;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_NONE, &sess);
    if (rv != CKR_OK)
        return rv;
    zkp_slot *s = sess->slot;
    uint8_t ticket[ZKP_TICKET_LEN];
    zkp_lock();
    if (s->login == ZKP_LOGIN_NONE) {
        rv = CKR_USER_NOT_LOGGED_IN;
    } else {
        memcpy(ticket, s->ticket, sizeof ticket);
        zkp_forget_login_locked(s);
    }
    zkp_unlock();
    if (rv == CKR_OK) {
        zkp_response r;
        CK_RV lrv = zkp_call(s, ZKB_CMD_TOKEN_LOGOUT, ticket, sizeof ticket, &r);
        zkp_response_free(&r);
        /* an unknown ticket (device restarted) still leaves us logged out */
        if (lrv == CKR_DEVICE_REMOVED)
            rv = lrv;
    }
    zkp_session_release(sess, ZKP_USE_NONE);
    return rv;
}

CK_RV zkp_init_pin(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
    zkp_session *sess;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_NONE, &sess);
    if (rv != CKR_OK)
        return rv;
    zkp_slot *s = sess->slot;
    uint8_t req[ZKP_TICKET_LEN + 4 + ZKP_PIN_MAX];
    zkp_lock();
    if (!zkp_session_rw(sess))
        rv = CKR_SESSION_READ_ONLY;
    else if (s->login != ZKP_LOGIN_SO)
        rv = CKR_USER_NOT_LOGGED_IN;
    else
        memcpy(req, s->ticket, ZKP_TICKET_LEN);
    zkp_unlock();
    if (rv == CKR_OK)
        rv = check_pin_arg(pin, len);
    if (rv == CKR_OK) {
        zkp_writer w;
        zkp_writer_init(&w, req + ZKP_TICKET_LEN, sizeof req - ZKP_TICKET_LEN);
        zkp_put_blob(&w, pin, len);
        zkp_response r;
        rv = zkp_call(s, ZKB_CMD_TOKEN_INIT_PIN, req, ZKP_TICKET_LEN + w.len, &r);
        zkp_response_free(&r);
        if (rv == CKR_USER_NOT_LOGGED_IN)
            zkp_ticket_rejected(s, req);
    }
    memset(req, 0, sizeof req);
    zkp_session_release(sess, ZKP_USE_NONE);
    return rv;
}

CK_RV zkp_set_pin(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR old_pin, CK_ULONG old_len,
                  CK_UTF8CHAR_PTR new_pin, CK_ULONG new_len) {
    zkp_session *sess;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_NONE, &sess);
    if (rv != CKR_OK)
        return rv;
    zkp_slot *s = sess->slot;
    zkp_lock();
    /* the SO changes the SO PIN; otherwise (user or public session) the user PIN */
    int role = s->login == ZKP_LOGIN_SO ? 0 : 1;
    if (!zkp_session_rw(sess))
        rv = CKR_SESSION_READ_ONLY;
    zkp_unlock();
    if (rv == CKR_OK && (!old_pin || !new_pin))
        rv = CKR_ARGUMENTS_BAD;
    if (rv == CKR_OK && (old_len > ZKP_PIN_MAX || old_len < ZKP_PIN_MIN))
        rv = CKR_PIN_INCORRECT; /* cannot be the current PIN */
    if (rv == CKR_OK && (new_len > ZKP_PIN_MAX || new_len < ZKP_PIN_MIN))
        rv = CKR_PIN_LEN_RANGE;
    if (rv == CKR_OK) {
        uint8_t req[1 + 2 * (4 + ZKP_PIN_MAX)];
        zkp_writer w;
        zkp_writer_init(&w, req, sizeof req);
        zkp_put_u8(&w, (uint8_t)role);
        zkp_put_blob(&w, old_pin, old_len);
        zkp_put_blob(&w, new_pin, new_len);
        zkp_response r;
        rv = zkp_call(s, ZKB_CMD_TOKEN_SET_PIN, req, w.len, &r);
        if (rv != CKR_OK && r.status == ZKB_ST_ERR_TOKEN_NOT_INITIALIZED)
            rv = CKR_USER_PIN_NOT_INITIALIZED;
        zkp_response_free(&r);
        memset(req, 0, sizeof req);
    }
    zkp_session_release(sess, ZKP_USE_NONE);
    return rv;
}
