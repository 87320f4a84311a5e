/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The token's objects as the device lists them (TOKEN_LIST), held in memory so that finding
 * objects and reading attributes never touch the device. The cache is refetched when the
 * device's store generation moved past it (STORE_CHANGED events, see device.h), when the
 * connection epoch changed (device restart), or when a user login makes private objects
 * visible. Our own mutations report the generation they produced; when that is exactly one
 * past the cache, nobody else changed the store and the change is applied locally.
 */
#include <stdlib.h>
#include <string.h>

#include "p11.h"
#include "wire.h"

/* ---- containers -------------------------------------------------------------------------------
 */

static void metas_free(zkp_meta *m, size_t n) {
    for (size_t i = 0; i < n; i++)
        free(m[i].attrs);
    free(m);
}

void zkp_cache_free(zkp_cache *c) {
    for (size_t i = 0; i < c->count; i++)
        free(c->objs[i]);
    free(c->objs);
    metas_free(c->metas, c->nmetas);
    memset(c, 0, sizeof *c);
}

void zkp_cache_invalidate_locked(zkp_slot *s) {
    s->cache.valid = false;
}

/* Index of the first object with handle >= h in a sorted array. */
static size_t lower_bound(zkp_object *const *objs, size_t n, CK_OBJECT_HANDLE h) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (objs[mid]->handle < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int insert_sorted(zkp_object ***objs, size_t *count, size_t *cap, zkp_object *o) {
    if (*count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        zkp_object **n = realloc(*objs, ncap * sizeof *n);
        if (!n)
            return -1;
        *objs = n;
        *cap = ncap;
    }
    size_t i = lower_bound(*objs, *count, o->handle);
    if (i < *count && (*objs)[i]->handle == o->handle) {
        free((*objs)[i]); /* replaced */
        (*objs)[i] = o;
        return 0;
    }
    memmove(&(*objs)[i + 1], &(*objs)[i], (*count - i) * sizeof **objs);
    (*objs)[i] = o;
    (*count)++;
    return 0;
}

static void remove_sorted(zkp_object **objs, size_t *count, CK_OBJECT_HANDLE h) {
    size_t i = lower_bound(objs, *count, h);
    if (i < *count && objs[i]->handle == h) {
        free(objs[i]);
        memmove(&objs[i], &objs[i + 1], (*count - i - 1) * sizeof *objs);
        (*count)--;
    }
}

static int meta_cmp(const void *x, const void *y) {
    const zkp_meta *a = x, *b = y;
    if (a->foreign != b->foreign)
        return a->foreign ? 1 : -1;
    if (a->slot != b->slot)
        return a->slot < b->slot ? -1 : 1;
    return a->handle < b->handle ? -1 : a->handle > b->handle;
}

static zkp_meta *meta_find(zkp_meta *m, size_t n, int32_t slot, bool foreign) {
    zkp_meta key = {.slot = slot, .foreign = foreign, .handle = 0};
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (meta_cmp(&m[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* handle 0 sorts first, so lo is the lowest-handle meta of that slot, if any */
    if (lo < n && m[lo].slot == slot && m[lo].foreign == foreign)
        return &m[lo];
    return NULL;
}

/* ---- building from TOKEN_LIST ---------------------------------------------------------------- */

zkp_object *zkp_store_object(uint32_t handle, bool priv, const uint8_t *attrs, size_t len) {
    zkp_attr_builder b;
    zkp_ab_init(&b);
    if (zkp_tlv_decode(attrs, len, &b) != 0) {
        zkp_ab_free(&b);
        return NULL;
    }
    /* the device's flags are the truth for these two */
    zkp_ab_bool(&b, CKA_TOKEN, true);
    zkp_ab_bool(&b, CKA_PRIVATE, priv);
    zkp_object head;
    memset(&head, 0, sizeof head);
    head.handle = ZKP_HANDLE(ZKP_KIND_STORE, handle);
    head.priv = priv;
    head.token = true;
    head.dev_slot = -1;
    head.curve = ZKP_CURVE_NONE;
    CK_ULONG clen;
    const uint8_t *cls = zkp_ab_get(&b, CKA_CLASS, &clen);
    head.cls = CKO_DATA;
    if (cls && clen == sizeof(CK_ULONG))
        memcpy(&head.cls, cls, sizeof head.cls);
    zkp_object *o = zkp_ab_finish(&b, &head);
    zkp_ab_free(&b);
    return o;
}

typedef struct {
    zkp_object **objs;
    size_t count, cap;
} obj_list;

static int list_push(obj_list *l, zkp_object *o) {
    if (!o)
        return -1;
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        zkp_object **n = realloc(l->objs, cap * sizeof *n);
        if (!n) {
            free(o);
            return -1;
        }
        l->objs = n;
        l->cap = cap;
    }
    l->objs[l->count++] = o;
    return 0;
}

static void list_free(obj_list *l) {
    for (size_t i = 0; i < l->count; i++)
        free(l->objs[i]);
    free(l->objs);
}

/* Pass 1: the bound store objects (metadata of key slots). */
static int collect_metas(const uint8_t *p, size_t len, zkp_meta **out, size_t *nout) {
    zkp_reader r;
    zkp_reader_init(&r, p, len);
    zkp_meta *m = NULL;
    size_t n = 0, cap = 0;
    while (r.len > 0 && !r.err) {
        uint8_t tag = zkp_get_u8(&r);
        if (tag == 1) {
            zkp_get_i32(&r);
            zkp_get_u8(&r);
            zkp_get_u8(&r);
            zkp_get_u8(&r);
            size_t bl;
            zkp_get_blob(&r, &bl);
        } else if (tag == 2) {
            uint32_t handle = zkp_get_u32(&r);
            zkp_get_u8(&r);
            uint8_t binding = zkp_get_u8(&r);
            int32_t slot = zkp_get_i32(&r);
            size_t al;
            const uint8_t *attrs = zkp_get_blob(&r, &al);
            if (r.err || binding == 0)
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                zkp_meta *nm = realloc(m, cap * sizeof *nm);
                if (!nm)
                    goto fail;
                m = nm;
            }
            m[n].slot = slot;
            m[n].foreign = binding == 2;
            m[n].handle = handle;
            m[n].len = al;
            m[n].attrs = malloc(al ? al : 1);
            if (!m[n].attrs)
                goto fail;
            if (al)
                memcpy(m[n].attrs, attrs, al);
            n++;
        } else {
            goto fail;
        }
    }
    if (r.err)
        goto fail;
    if (n)
        qsort(m, n, sizeof *m, meta_cmp);
    *out = m;
    *nout = n;
    return 0;
fail:
    metas_free(m, n);
    return -1;
}

/* Parses a TOKEN_LIST response into a fresh cache. */
static CK_RV build_cache(const uint8_t *p, size_t len, uint8_t hide, zkp_cache *out) {
    zkp_reader r;
    zkp_reader_init(&r, p, len);
    uint64_t generation = zkp_get_u64(&r);
    if (r.err)
        return CKR_DEVICE_ERROR;
    const uint8_t *records = r.p;
    size_t rlen = r.len;
    zkp_meta *metas = NULL;
    size_t nmetas = 0;
    if (collect_metas(records, rlen, &metas, &nmetas) != 0)
        return CKR_DEVICE_ERROR;

    obj_list priv = {0}, pub = {0}, foreign = {0}, store = {0};
    int bad = 0;
    zkp_reader_init(&r, records, rlen);
    while (r.len > 0 && !r.err && !bad) {
        uint8_t tag = zkp_get_u8(&r);
        if (tag == 1) {
            zkp_key_record k;
            k.slot = zkp_get_i32(&r);
            k.foreign = zkp_get_u8(&r) != 0;
            k.key_type = zkp_get_u8(&r);
            k.flags = zkp_get_u8(&r);
            k.pub = zkp_get_blob(&r, &k.pub_len);
            if (r.err || k.slot < 0 || k.key_type > ZKP_CURVE_X25519)
                continue; /* the ephemeral slot and unknown types are not objects */
            if (hide & (1u << k.key_type))
                continue;
            const zkp_meta *m = meta_find(metas, nmetas, k.slot, k.foreign);
            zkp_key_meta km = {0, NULL, 0};
            if (m) {
                km.handle = m->handle;
                km.attrs = m->attrs;
                km.attrs_len = m->len;
            }
            if (k.foreign) {
                bad = list_push(&foreign, zkp_key_object(&k, CKO_PUBLIC_KEY, &km));
                continue;
            }
            if (!(k.flags & ZKP_KEYREC_PUBLIC_ONLY))
                bad = list_push(&priv, zkp_key_object(&k, CKO_PRIVATE_KEY, &km));
            if (!bad && !(k.flags & ZKP_KEYREC_EXPORT_DISABLED))
                bad = list_push(&pub, zkp_key_object(&k, CKO_PUBLIC_KEY, &km));
        } else if (tag == 2) {
            uint32_t handle = zkp_get_u32(&r);
            bool is_priv = zkp_get_u8(&r) != 0;
            uint8_t binding = zkp_get_u8(&r);
            zkp_get_i32(&r);
            size_t al;
            const uint8_t *attrs = zkp_get_blob(&r, &al);
            if (r.err || binding != 0)
                continue;
            zkp_object *o = zkp_store_object(handle, is_priv, attrs, al);
            if (o)
                bad = list_push(&store, o);
            else
                zkp_log("store object %u: unreadable attributes, skipped", handle);
        } else {
            bad = 1;
        }
    }
    CK_RV rv = (bad || r.err) ? CKR_DEVICE_ERROR : CKR_OK;
    size_t total = priv.count + pub.count + foreign.count + store.count;
    zkp_object **all = rv == CKR_OK ? malloc((total ? total : 1) * sizeof *all) : NULL;
    if (rv == CKR_OK && !all)
        rv = CKR_HOST_MEMORY;
    if (rv != CKR_OK) {
        list_free(&priv);
        list_free(&pub);
        list_free(&foreign);
        list_free(&store);
        metas_free(metas, nmetas);
        return rv;
    }
    /* handle order: kinds 1, 2, 3, 4, each ascending as the device lists them */
    size_t n = 0;
    obj_list *lists[] = {&priv, &pub, &foreign, &store};
    for (size_t i = 0; i < 4; i++) {
        if (lists[i]->count)
            memcpy(all + n, lists[i]->objs, lists[i]->count * sizeof *all);
        n += lists[i]->count;
        free(lists[i]->objs);
    }
    memset(out, 0, sizeof *out);
    out->objs = all;
    out->count = out->cap = total;
    out->metas = metas;
    out->nmetas = nmetas;
    out->generation = generation;
    out->valid = true;
    return CKR_OK;
}

/* ---- refresh ----------------------------------------------------------------------------------
 */

/* Why the cache cannot be used as it is. */
enum { FRESH = 0, EPOCH_ONLY, STALE };

static int staleness_locked(const zkp_slot *s, uint64_t dev_gen, uint64_t epoch) {
    const zkp_cache *c = &s->cache;
    if (!c->valid || dev_gen > c->generation + s->pending_mutations ||
        (s->login == ZKP_LOGIN_USER && !c->with_private))
        return STALE;
    return epoch != c->epoch ? EPOCH_ONLY : FRESH;
}

static int staleness(zkp_slot *s, uint64_t *epoch_out) {
    uint64_t gen = zkp_device_generation(s->dev);
    uint64_t epoch = zkp_device_epoch(s->dev);
    zkp_lock();
    int why = staleness_locked(s, gen, epoch);
    zkp_unlock();
    *epoch_out = epoch;
    return why;
}

/*
 * A new connection (the epoch moved) may mean the device restarted and we missed its events,
 * or only that the pool opened another connection. TOKEN_GET_INFO's generation tells which,
 * for one small round trip instead of listing the whole store again.
 */
static CK_RV confirm_generation(zkp_slot *s, uint64_t epoch) {
    zkp_response r;
    CK_RV rv = zkp_call(s, ZKB_CMD_TOKEN_GET_INFO, NULL, 0, &r);
    if (rv == CKR_OK) {
        zkp_reader rd;
        zkp_reader_init(&rd, r.payload, r.len);
        size_t ll;
        zkp_get_str(&rd, &ll);
        zkp_get_u32(&rd);
        zkp_get_u8(&rd);
        zkp_get_u8(&rd);
        zkp_get_u8(&rd);
        uint64_t gen = zkp_get_u64(&rd);
        zkp_lock();
        if (rd.err || gen != s->cache.generation)
            s->cache.valid = false;
        else if (s->cache.valid)
            s->cache.epoch = epoch;
        zkp_unlock();
    }
    zkp_response_free(&r);
    return rv;
}

CK_RV zkp_cache_sync(zkp_slot *s) {
    uint64_t epoch;
    if (staleness(s, &epoch) == FRESH)
        return CKR_OK;
    zkp_mutex_lock(s->refresh_mutex);
    CK_RV rv = CKR_OK;
    for (int attempt = 0; attempt < 4; attempt++) {
        int why = staleness(s, &epoch);
        if (why == FRESH)
            break;
        if (why == EPOCH_ONLY) {
            rv = confirm_generation(s, epoch);
            if (rv != CKR_OK)
                break;
            continue;
        }
        uint8_t ticket[ZKP_TICKET_LEN];
        zkp_lock();
        bool with_private = s->login == ZKP_LOGIN_USER;
        uint64_t serial = s->login_serial;
        if (with_private)
            memcpy(ticket, s->ticket, sizeof ticket);
        else
            memset(ticket, 0, sizeof ticket);
        zkp_unlock();
        zkp_response resp;
        rv = zkp_call(s, ZKB_CMD_TOKEN_LIST, ticket, sizeof ticket, &resp);
        if (rv == CKR_USER_NOT_LOGGED_IN && with_private) {
            /* our ticket died (device restart): we are logged out; list the public view */
            zkp_response_free(&resp);
            zkp_ticket_rejected(s, ticket);
            continue;
        }
        if (rv != CKR_OK) {
            zkp_response_free(&resp);
            break;
        }
        zkp_cache fresh;
        rv = build_cache(resp.payload, resp.len, s->hide_curves, &fresh);
        zkp_response_free(&resp);
        if (rv != CKR_OK)
            break;
        /* the epoch read before the call: a connection opened during it counts as news */
        fresh.epoch = epoch;
        fresh.with_private = with_private;
        zkp_lock();
        if (s->login_serial == serial) {
            zkp_cache old = s->cache;
            s->cache = fresh;
            zkp_unlock();
            zkp_cache_free(&old);
        } else {
            /* the login changed while we listed: this view may show the wrong objects */
            zkp_unlock();
            zkp_cache_free(&fresh);
        }
    }
    zkp_mutex_unlock(s->refresh_mutex);
    return rv;
}

/* ---- local changes -----------------------------------------------------------------------------
 */

bool zkp_cache_apply_locked(zkp_slot *s, uint64_t generation, zkp_object *add,
                            CK_OBJECT_HANDLE remove_handle) {
    zkp_cache *c = &s->cache;
    if (!c->valid || generation != c->generation + 1) {
        c->valid = false;
        free(add);
        return false;
    }
    c->generation = generation;
    if (remove_handle)
        remove_sorted(c->objs, &c->count, remove_handle);
    if (add && insert_sorted(&c->objs, &c->count, &c->cap, add) != 0) {
        free(add);
        c->valid = false;
        return false;
    }
    return true;
}

/* Rebuilds the objects of one key slot from their current fields and the given meta. */
static bool rebuild_key(zkp_cache *c, int32_t slot, bool foreign, const zkp_key_meta *km) {
    unsigned kinds[2] = {foreign ? ZKP_KIND_FOREIGN : ZKP_KIND_PRIVATE_KEY,
                         foreign ? 0u : ZKP_KIND_PUBLIC_KEY};
    for (size_t i = 0; i < 2; i++) {
        if (!kinds[i])
            continue;
        CK_OBJECT_HANDLE h = ZKP_HANDLE(kinds[i], (uint32_t)slot);
        size_t at = lower_bound(c->objs, c->count, h);
        if (at >= c->count || c->objs[at]->handle != h)
            continue;
        zkp_object *old = c->objs[at];
        zkp_key_record k = {old->dev_slot,  old->foreign, (uint8_t)old->curve,
                            old->key_flags, old->pub,     old->pub_len};
        zkp_object *o = zkp_key_object(&k, old->cls, km);
        if (!o)
            return false;
        c->objs[at] = o;
        free(old);
    }
    return true;
}

void zkp_cache_apply_meta_locked(zkp_slot *s, uint64_t generation, int32_t slot, bool foreign,
                                 uint32_t handle, const uint8_t *attrs, size_t len) {
    zkp_cache *c = &s->cache;
    if (!c->valid || generation != c->generation + 1) {
        c->valid = false;
        return;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) {
        c->valid = false;
        return;
    }
    if (len)
        memcpy(copy, attrs, len);
    zkp_meta *m = meta_find(c->metas, c->nmetas, slot, foreign);
    if (m && m->handle == handle) {
        free(m->attrs);
        m->attrs = copy;
        m->len = len;
    } else {
        zkp_meta *nm = realloc(c->metas, (c->nmetas + 1) * sizeof *nm);
        if (!nm) {
            free(copy);
            c->valid = false;
            return;
        }
        c->metas = nm;
        c->metas[c->nmetas++] = (zkp_meta){slot, foreign, handle, copy, len};
        qsort(c->metas, c->nmetas, sizeof *c->metas, meta_cmp);
        m = meta_find(c->metas, c->nmetas, slot, foreign);
    }
    zkp_key_meta km = {m->handle, m->attrs, m->len};
    if (!rebuild_key(c, slot, foreign, &km)) {
        c->valid = false;
        return;
    }
    c->generation = generation;
}

bool zkp_cache_meta_locked(zkp_slot *s, int32_t slot, bool foreign, uint32_t *handle,
                           uint8_t **attrs, size_t *len) {
    zkp_meta *m = meta_find(s->cache.metas, s->cache.nmetas, slot, foreign);
    if (!m)
        return false;
    *attrs = malloc(m->len ? m->len : 1);
    if (!*attrs)
        return false;
    if (m->len)
        memcpy(*attrs, m->attrs, m->len);
    *len = m->len;
    *handle = m->handle;
    return true;
}

/* ---- lookups ------------------------------------------------------------------------------------
 */

bool zkp_object_visible_locked(const zkp_slot *s, const zkp_object *o) {
    return !o->priv || s->login == ZKP_LOGIN_USER;
}

static const zkp_object *find_any_locked(zkp_slot *s, CK_OBJECT_HANDLE h) {
    zkp_object *const *objs;
    size_t n;
    if (ZKP_HANDLE_KIND(h) == ZKP_KIND_SESSION) {
        objs = s->sobjs;
        n = s->sobj_count;
    } else {
        if (!s->cache.valid)
            return NULL;
        objs = s->cache.objs;
        n = s->cache.count;
    }
    size_t i = lower_bound(objs, n, h);
    return i < n && objs[i]->handle == h ? objs[i] : NULL;
}

CK_RV zkp_object_lock(zkp_slot *s, CK_OBJECT_HANDLE h, bool any_visibility,
                      const zkp_object **out) {
    unsigned kind = ZKP_HANDLE_KIND(h);
    if (kind < ZKP_KIND_PRIVATE_KEY || kind > ZKP_KIND_SESSION)
        return CKR_OBJECT_HANDLE_INVALID;
    /* a concurrent mutation can invalidate the cache between the sync and the lookup: retry */
    for (int attempt = 0; attempt < 3; attempt++) {
        if (kind != ZKP_KIND_SESSION) {
            CK_RV rv = zkp_cache_sync(s);
            if (rv != CKR_OK)
                return rv;
        }
        zkp_lock();
        const zkp_object *o = find_any_locked(s, h);
        if (o && (any_visibility || zkp_object_visible_locked(s, o))) {
            *out = o;
            return CKR_OK;
        }
        bool retry = kind != ZKP_KIND_SESSION && !s->cache.valid;
        zkp_unlock();
        if (!retry)
            break;
    }
    return CKR_OBJECT_HANDLE_INVALID;
}

CK_RV zkp_key_lock(zkp_slot *s, CK_OBJECT_HANDLE h, const zkp_object **out) {
    zkp_lock();
    const zkp_object *o = find_any_locked(s, h);
    if (o) {
        *out = o;
        return CKR_OK;
    }
    zkp_unlock();
    return zkp_object_lock(s, h, true, out);
}

void zkp_mutation_begin(zkp_slot *s) {
    zkp_lock();
    s->pending_mutations++;
    zkp_unlock();
}

void zkp_mutation_end_locked(zkp_slot *s) {
    if (s->pending_mutations)
        s->pending_mutations--;
}

const zkp_object *zkp_object_find_locked(zkp_slot *s, CK_OBJECT_HANDLE h) {
    zkp_object *const *objs;
    size_t n;
    if (ZKP_HANDLE_KIND(h) == ZKP_KIND_SESSION) {
        objs = s->sobjs;
        n = s->sobj_count;
    } else {
        if (!s->cache.valid)
            return NULL;
        objs = s->cache.objs;
        n = s->cache.count;
    }
    size_t i = lower_bound(objs, n, h);
    if (i >= n || objs[i]->handle != h)
        return NULL;
    return zkp_object_visible_locked(s, objs[i]) ? objs[i] : NULL;
}

/* ---- session objects ------------------------------------------------------------------------- */

CK_RV zkp_sobj_add_locked(zkp_slot *s, zkp_object *o) {
    o->handle = ZKP_HANDLE(ZKP_KIND_SESSION, s->next_sobj);
    if (insert_sorted(&s->sobjs, &s->sobj_count, &s->sobj_cap, o) != 0)
        return CKR_HOST_MEMORY;
    s->next_sobj++;
    return CKR_OK;
}

void zkp_sobj_remove_locked(zkp_slot *s, CK_OBJECT_HANDLE h) {
    remove_sorted(s->sobjs, &s->sobj_count, h);
}

CK_RV zkp_sobj_replace_locked(zkp_slot *s, zkp_object *o) {
    if (insert_sorted(&s->sobjs, &s->sobj_count, &s->sobj_cap, o) != 0) {
        free(o);
        return CKR_HOST_MEMORY;
    }
    return CKR_OK;
}

void zkp_sobj_drop_session_locked(zkp_slot *s, CK_SESSION_HANDLE owner) {
    size_t w = 0;
    for (size_t i = 0; i < s->sobj_count; i++) {
        if (s->sobjs[i]->owner == owner)
            free(s->sobjs[i]);
        else
            s->sobjs[w++] = s->sobjs[i];
    }
    s->sobj_count = w;
}

void zkp_sobj_free_all_locked(zkp_slot *s) {
    for (size_t i = 0; i < s->sobj_count; i++)
        free(s->sobjs[i]);
    s->sobj_count = 0;
}
