/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Object search and attribute reading, both memory work over the object cache. The search result
 * is captured at C_FindObjectsInit (a list of handles), so objects created or destroyed during a
 * search do not disturb it.
 */
#include <stdlib.h>
#include <string.h>

#include "p11.h"

/* Appends the visible objects of an array that match the template. Module lock held. */
static int collect(zkp_slot *s, zkp_object *const *objs, size_t n, const CK_ATTRIBUTE *t,
                   CK_ULONG tn, zkp_find *f, size_t *cap) {
    for (size_t i = 0; i < n; i++) {
        const zkp_object *o = objs[i];
        if (!zkp_object_visible_locked(s, o) || !zkp_obj_match(o, t, tn))
            continue;
        if (f->count == *cap) {
            size_t ncap = *cap ? *cap * 2 : 32;
            CK_OBJECT_HANDLE *h = realloc(f->handles, ncap * sizeof *h);
            if (!h)
                return -1;
            f->handles = h;
            *cap = ncap;
        }
        f->handles[f->count++] = o->handle;
    }
    return 0;
}

CK_RV zkp_find_init(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG n) {
    if (n > 0 && !tmpl)
        return CKR_ARGUMENTS_BAD;
    zkp_session *sess;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_FIND, &sess);
    if (rv != CKR_OK)
        return rv;
    if (sess->find.active) {
        zkp_session_release(sess, ZKP_USE_FIND);
        return CKR_OPERATION_ACTIVE;
    }
    zkp_slot *s = sess->slot;
    rv = zkp_cache_sync(s);
    if (rv == CKR_OK) {
        zkp_find f = {0};
        size_t cap = 0;
        zkp_lock();
        if (!s->cache.valid) {
            rv = CKR_DEVICE_ERROR; /* invalidated again at once: try the next call */
        } else if (collect(s, s->cache.objs, s->cache.count, tmpl, n, &f, &cap) != 0 ||
                   collect(s, s->sobjs, s->sobj_count, tmpl, n, &f, &cap) != 0) {
            rv = CKR_HOST_MEMORY;
        }
        zkp_unlock();
        if (rv == CKR_OK) {
            f.active = true;
            sess->find = f;
        } else {
            free(f.handles);
        }
    }
    zkp_session_release(sess, ZKP_USE_FIND);
    return rv;
}

CK_RV zkp_find_objects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max,
                       CK_ULONG_PTR count) {
    if (!count || (!out && max > 0))
        return CKR_ARGUMENTS_BAD;
    zkp_session *sess;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_FIND, &sess);
    if (rv != CKR_OK)
        return rv;
    zkp_find *f = &sess->find;
    if (!f->active) {
        rv = CKR_OPERATION_NOT_INITIALIZED;
    } else {
        size_t left = f->count - f->pos;
        size_t k = left < max ? left : max;
        if (k)
            memcpy(out, f->handles + f->pos, k * sizeof *out);
        f->pos += k;
        *count = k;
    }
    zkp_session_release(sess, ZKP_USE_FIND);
    return rv;
}

CK_RV zkp_find_final(CK_SESSION_HANDLE h) {
    zkp_session *sess;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_FIND, &sess);
    if (rv != CKR_OK)
        return rv;
    if (!sess->find.active)
        rv = CKR_OPERATION_NOT_INITIALIZED;
    else
        zkp_find_end(&sess->find);
    zkp_session_release(sess, ZKP_USE_FIND);
    return rv;
}

CK_RV zkp_get_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR t,
                              CK_ULONG n) {
    if (!t && n > 0)
        return CKR_ARGUMENTS_BAD;
    zkp_session *sess;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_NONE, &sess);
    if (rv != CKR_OK)
        return rv;
    const zkp_object *o;
    rv = zkp_object_lock(sess->slot, obj, false, &o);
    if (rv == CKR_OK) {
        rv = zkp_obj_get_attributes(o, t, n);
        zkp_unlock();
    }
    zkp_session_release(sess, ZKP_USE_NONE);
    return rv;
}

CK_RV zkp_get_object_size(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ULONG_PTR size) {
    if (!size)
        return CKR_ARGUMENTS_BAD;
    zkp_session *sess;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_NONE, &sess);
    if (rv != CKR_OK)
        return rv;
    const zkp_object *o;
    rv = zkp_object_lock(sess->slot, obj, false, &o);
    if (rv == CKR_OK) {
        *size = zkp_obj_size(o);
        zkp_unlock();
    }
    zkp_session_release(sess, ZKP_USE_NONE);
    return rv;
}
