/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal interfaces of the Cryptoki layer: the module state, slots, sessions, cached objects
 * and the helpers the C_* implementations share. Nothing here leaves the library.
 *
 * Locking: one module lock (zkp_lock/zkp_unlock) protects sessions, slots' login state, the
 * object caches and session objects. Device calls are made without it (device.h has its own
 * pool locking), so threads working in different sessions overlap on the device. A session is
 * "acquired" (busy) by one call at a time; see session.c.
 */
#ifndef ZKP_P11_H
#define ZKP_P11_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "cryptoki.h"
#include "der.h"
#include "device.h"
#include "hash.h"
#include "zkb_protocol.h"

/* ---- device command codes used before the generated header knows them ------------------------ */
#ifndef ZKB_CMD_VERIFY_EDDSA_WITH_PUBKEY
#define ZKB_CMD_VERIFY_EDDSA_WITH_PUBKEY 0x0406u
#endif
#ifndef ZKB_CMD_TOKEN_GET_INFO
#define ZKB_CMD_TOKEN_GET_INFO       0x1001u
#define ZKB_CMD_TOKEN_INIT           0x1002u
#define ZKB_CMD_TOKEN_LOGIN          0x1003u
#define ZKB_CMD_TOKEN_LOGOUT         0x1004u
#define ZKB_CMD_TOKEN_INIT_PIN       0x1005u
#define ZKB_CMD_TOKEN_SET_PIN        0x1006u
#define ZKB_CMD_TOKEN_LIST           0x1007u
#define ZKB_CMD_TOKEN_CREATE_OBJECT  0x1008u
#define ZKB_CMD_TOKEN_SET_OBJECT     0x1009u
#define ZKB_CMD_TOKEN_DESTROY_OBJECT 0x100Au
#endif
#ifndef ZKB_ST_ERR_PIN_NOT_INITIALIZED
#define ZKB_ST_ERR_PIN_NOT_INITIALIZED   0x1005u
#define ZKB_ST_ERR_TOKEN_NOT_INITIALIZED 0x1006u
#define ZKB_ST_ERR_PIN_LEN_RANGE         0x1007u
#define ZKB_ST_ERR_OBJECT_STORE_FULL     0x1008u
#endif

/* TOKEN_GET_INFO flags and TOKEN_LIST key-record flags (token_protocol). */
#define ZKP_TOK_INITIALIZED    0x01u
#define ZKP_TOK_USER_PIN_SET   0x02u
#define ZKP_TOK_USER_COUNT_LOW 0x04u
#define ZKP_TOK_USER_FINAL_TRY 0x08u
#define ZKP_TOK_USER_LOCKED    0x10u
#define ZKP_TOK_SO_COUNT_LOW   0x20u
#define ZKP_TOK_SO_FINAL_TRY   0x40u
#define ZKP_TOK_SO_LOCKED      0x80u

#define ZKP_KEYREC_EXPORT_DISABLED 0x01u
#define ZKP_KEYREC_PUBLIC_ONLY     0x02u
#define ZKP_KEYREC_FACTORY         0x04u
#define ZKP_KEYREC_WALLET_NODE     0x08u

#define ZKP_TICKET_LEN 16
#define ZKP_PIN_MIN    4
#define ZKP_PIN_MAX    64

/* ---- object handles ----------------------------------------------------------------------------
 */
/*
 * Handles are derived from what the object is, so they are stable across cache refreshes and
 * module restarts: kind in bits 32..39, number in bits 0..31. (CK_ULONG is 64 bits on LP64.)
 */
enum {
    ZKP_KIND_PRIVATE_KEY = 1, /* key-store slot's private key */
    ZKP_KIND_PUBLIC_KEY = 2,  /* key-store slot's public key */
    ZKP_KIND_FOREIGN = 3,     /* foreign-store public key */
    ZKP_KIND_STORE = 4,       /* token object in the device store (number = device handle) */
    ZKP_KIND_SESSION = 5,     /* session object in module memory */
};
#define ZKP_HANDLE(kind, n)  (((CK_OBJECT_HANDLE)(kind) << 32) | (CK_OBJECT_HANDLE)(uint32_t)(n))
#define ZKP_HANDLE_KIND(h)   ((unsigned)(((h) >> 32) & 0xFFu))
#define ZKP_HANDLE_NUMBER(h) ((uint32_t)((h)&0xFFFFFFFFu))

/* ---- objects ------------------------------------------------------------------------------------
 */

typedef struct {
    CK_ATTRIBUTE_TYPE type;
    CK_ULONG len;
    const uint8_t *value; /* points into the object's own allocation */
} zkp_attr;

typedef struct zkp_object {
    CK_OBJECT_HANDLE handle;
    CK_OBJECT_CLASS cls;
    bool priv;  /* CKA_PRIVATE: visible only to a logged-in user */
    bool token; /* CKA_TOKEN */
    /* device keys (kinds 1-3) */
    int32_t dev_slot;
    bool foreign;
    zkp_curve curve;
    uint8_t key_flags; /* ZKP_KEYREC_* */
    uint8_t pub_len;   /* 0 when export is disabled */
    uint8_t pub[64];
    uint32_t meta_handle; /* bound store object holding label/id/usage, 0 = none */
    /* session objects */
    CK_SESSION_HANDLE owner;
    size_t nattrs;
    zkp_attr attrs[]; /* sorted by type, unique */
} zkp_object;

/* Attribute builder: collects attributes, later ones replace earlier ones of the same type. */
typedef struct {
    struct zkp_battr {
        CK_ATTRIBUTE_TYPE type;
        CK_ULONG len;
        size_t off;
    } * a;
    size_t n, cap;
    uint8_t *data;
    size_t dlen, dcap;
    int err; /* allocation failed */
} zkp_attr_builder;

void zkp_ab_init(zkp_attr_builder *b);
void zkp_ab_free(zkp_attr_builder *b);
void zkp_ab_bytes(zkp_attr_builder *b, CK_ATTRIBUTE_TYPE type, const void *p, size_t len);
void zkp_ab_ulong(zkp_attr_builder *b, CK_ATTRIBUTE_TYPE type, CK_ULONG v);
void zkp_ab_bool(zkp_attr_builder *b, CK_ATTRIBUTE_TYPE type, bool v);
void zkp_ab_remove(zkp_attr_builder *b, CK_ATTRIBUTE_TYPE type);
/* The value of an attribute in the builder, or NULL. */
const uint8_t *zkp_ab_get(const zkp_attr_builder *b, CK_ATTRIBUTE_TYPE type, CK_ULONG *len);
/* Builds the object: copies `head` (all fields but the attributes), then the attributes,
 * sorted. Returns NULL on allocation failure. Does not free the builder. */
zkp_object *zkp_ab_finish(const zkp_attr_builder *b, const zkp_object *head);

const zkp_attr *zkp_obj_attr(const zkp_object *o, CK_ATTRIBUTE_TYPE type);
/* Boolean attribute, or dflt when absent / malformed. */
bool zkp_obj_bool(const zkp_object *o, CK_ATTRIBUTE_TYPE type, bool dflt);
/* CK_ULONG attribute, or dflt. */
CK_ULONG zkp_obj_ulong(const zkp_object *o, CK_ATTRIBUTE_TYPE type, CK_ULONG dflt);
/* True when every template attribute is present with the same bytes. */
bool zkp_obj_match(const zkp_object *o, const CK_ATTRIBUTE *tmpl, CK_ULONG n);
/* C_GetAttributeValue over one object (memory only). */
CK_RV zkp_obj_get_attributes(const zkp_object *o, CK_ATTRIBUTE *tmpl, CK_ULONG n);
/* Rough size for C_GetObjectSize. */
CK_ULONG zkp_obj_size(const zkp_object *o);
zkp_object *zkp_obj_clone(const zkp_object *o);

/* How an attribute's value is shaped, for the TLV codec and template validation. */
typedef enum { ZKP_AV_BYTES, ZKP_AV_ULONG, ZKP_AV_BOOL, ZKP_AV_ULONG_ARRAY, ZKP_AV_DATE } zkp_av;
zkp_av zkp_attr_shape(CK_ATTRIBUTE_TYPE type);
/* Checks that a template value has the right size for its type. */
CK_RV zkp_attr_check_value(const CK_ATTRIBUTE *a);

/*
 * Store-object attribute blob (opaque to the device): repeated type u32, length u32, value;
 * CK_ULONG values as u64 big-endian, CK_BBOOL as one byte, arrays of CK_ULONG as u64 each.
 * zkp_tlv_encode returns a malloc'ed blob; zkp_tlv_decode adds to a builder (0 or -1).
 */
uint8_t *zkp_tlv_encode(const zkp_object *o, size_t *len_out);
uint8_t *zkp_tlv_encode_builder(const zkp_attr_builder *b, size_t *len_out);
int zkp_tlv_decode(const uint8_t *p, size_t len, zkp_attr_builder *b);

/* ---- key objects (key_attrs.c) -------------------------------------------------------------- */

/* One record of TOKEN_LIST's key list. */
typedef struct {
    int32_t slot;
    bool foreign;
    uint8_t key_type;
    uint8_t flags;
    const uint8_t *pub;
    size_t pub_len;
} zkp_key_record;

/* Label/id/usage overrides from a bound store object (NULL fields = defaults). */
typedef struct {
    uint32_t handle; /* the store object's device handle, 0 = none */
    const uint8_t *attrs;
    size_t attrs_len;
} zkp_key_meta;

/* Builds the private (cls CKO_PRIVATE_KEY) or public object of a key record. NULL on failure. */
zkp_object *zkp_key_object(const zkp_key_record *r, CK_OBJECT_CLASS cls, const zkp_key_meta *meta);
CK_KEY_TYPE zkp_curve_key_type(zkp_curve c);
CK_MECHANISM_TYPE zkp_curve_keygen_mech(zkp_curve c);
/* The curve of a key object by value (CKA_EC_PARAMS), ZKP_CURVE_NONE when not an EC key. */
zkp_curve zkp_obj_curve(const zkp_object *o);

/* ---- slots, module ----------------------------------------------------------------------------
 */

enum { ZKP_LOGIN_NONE = 0, ZKP_LOGIN_USER = 1, ZKP_LOGIN_SO = 2 };

/* A store object bound to a key slot: the label/id/usage the application gave that key. */
typedef struct {
    int32_t slot;
    bool foreign;
    uint32_t handle;
    uint8_t *attrs;
    size_t len;
} zkp_meta;

typedef struct {
    zkp_object **objs; /* sorted by handle */
    size_t count, cap;
    zkp_meta *metas; /* sorted by (foreign, slot) */
    size_t nmetas;
    uint64_t generation; /* of the TOKEN_LIST it came from (+ local changes) */
    uint64_t epoch;      /* zkp_device_epoch at that time */
    bool valid;
    bool with_private; /* listed with a user ticket */
} zkp_cache;

typedef struct zkp_slot {
    CK_SLOT_ID id;
    char address[ZKP_ADDRESS_MAX];
    zkp_device *dev;
    /* A second pool used only for TOKEN_LOGIN, one call at a time (login_mutex), so it keeps
     * exactly one connection: the device revokes a ticket when the connection that obtained
     * it closes, and the main pool closes surplus connections after bursts of threads. */
    zkp_device *login_dev;
    void *login_mutex;
    void *refresh_mutex; /* serializes cache refreshes (held across the TOKEN_LIST call) */
    uint8_t hide_curves;
    /* the rest under the module lock */
    zkp_device_info info;
    bool info_valid;
    int login; /* ZKP_LOGIN_* */
    uint8_t ticket[ZKP_TICKET_LEN];
    uint64_t login_serial; /* bumps on every login state change */
    zkp_cache cache;
    zkp_object **sobjs; /* session objects, sorted by handle */
    size_t sobj_count, sobj_cap;
    uint32_t next_sobj;
    size_t sessions, rw_sessions;
    /* our own store mutations in flight: their generation bumps are expected, not news */
    unsigned pending_mutations;
} zkp_slot;

/* CKR_OK when C_Initialize ran in this process (and C_Finalize did not). */
CK_RV zkp_module_check(void);
void zkp_lock(void);
void zkp_unlock(void);
size_t zkp_slot_count(void);
zkp_slot *zkp_slot_get(CK_SLOT_ID id);
/* A new / freed mutex from the module's lock ops (NULL-safe). */
void *zkp_mutex_new(void);
void zkp_mutex_free(void *m);
void zkp_mutex_lock(void *m);
void zkp_mutex_unlock(void *m);
/* Debug log when ZKBRIDGE_PKCS11_DEBUG is set. */
void zkp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

CK_RV zkp_initialize(CK_VOID_PTR args);
CK_RV zkp_finalize(CK_VOID_PTR reserved);
CK_RV zkp_get_info(CK_INFO_PTR info);

/*
 * One device request for a slot, without the module lock. Returns CKR_OK when the device
 * answered OK; otherwise the mapped CK_RV (resp->status holds the device status when the
 * transport worked, so callers can map it differently). A lost device closes the slot's
 * sessions and returns CKR_DEVICE_REMOVED. The caller frees resp in every case.
 */
CK_RV zkp_call(zkp_slot *s, uint16_t cmd, const uint8_t *req, size_t len, zkp_response *resp);
/* The same on another pool of the slot (the login pool). */
CK_RV zkp_call_on(zkp_slot *s, zkp_device *dev, uint16_t cmd, const uint8_t *req, size_t len,
                  zkp_response *resp);
/* HELLO figures of the slot's device (connects when needed). CKR_TOKEN_NOT_PRESENT when down. */
CK_RV zkp_slot_device_info(zkp_slot *s, zkp_device_info *out);
/* Device gone: closes the slot's sessions, forgets login and cache. Takes the module lock. */
void zkp_slot_lost(zkp_slot *s);

/* ---- status mapping (rv_table.c) --------------------------------------------------------------
 */
#include "rv_table.h"

/* ---- mechanisms (mechanism_table.c) -------------------------------------------------------------
 */

typedef struct {
    CK_MECHANISM_TYPE type;
    CK_ULONG min_bits, max_bits;
    CK_FLAGS flags;
    uint8_t curves;    /* ZKB_CURVES_* bits the mechanism applies to (0 = no key) */
    uint32_t features; /* feature bits required (any of them), 0 = none */
    bool needs_key_slots;
} zkp_mech;

/* Mechanisms the device offers (filtered by its HELLO). Writes up to cap, returns the count. */
size_t zkp_mech_list(const zkp_device_info *info, CK_MECHANISM_TYPE *out, size_t cap);
/* Info for one mechanism on this device; CKR_MECHANISM_INVALID when not offered. */
CK_RV zkp_mech_info(const zkp_device_info *info, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *out);
/* Whether the device offers the mechanism for keys of this curve. */
bool zkp_mech_allows(const zkp_device_info *info, CK_MECHANISM_TYPE type, zkp_curve c);
/* Hash of the CKM_ECDSA_SHA* / digest mechanisms, 0 for others. */
zkp_hash_alg zkp_mech_hash(CK_MECHANISM_TYPE type);

/* ---- sessions (session.c) -----------------------------------------------------------------------
 */

typedef struct {
    bool is_slot; /* device key by slot number, else by value */
    int32_t dev_slot;
    bool foreign;
    zkp_curve curve;
    uint8_t pub[64];
    size_t pub_len;
} zkp_keyref;

typedef struct {
    bool active;
    CK_MECHANISM_TYPE mech;
    zkp_keyref key;
    bool hashing;   /* ECDSA_SHA*, digest */
    bool multipart; /* an Update happened (single-part call no longer allowed) */
    zkp_hash_ctx hash;
    uint8_t *buf; /* EdDSA: the message so far */
    size_t len, cap;
} zkp_op;

typedef struct {
    bool active;
    CK_OBJECT_HANDLE *handles;
    size_t count, pos;
} zkp_find;

typedef struct zkp_session {
    CK_SESSION_HANDLE handle;
    zkp_slot *slot;
    CK_FLAGS flags;
    unsigned refs; /* calls currently inside the session */
    bool closed;   /* closed while in use: freed by the last release */
    bool op_busy[4];
    zkp_find find;
    zkp_op sign, verify, digest;
} zkp_session;

/* Which operation state a call works on (one thread at a time per operation). */
enum { ZKP_USE_NONE = -1, ZKP_USE_FIND = 0, ZKP_USE_SIGN, ZKP_USE_VERIFY, ZKP_USE_DIGEST };

CK_RV zkp_open_session(CK_SLOT_ID slot, CK_FLAGS flags, CK_SESSION_HANDLE_PTR ph);
CK_RV zkp_close_session(CK_SESSION_HANDLE h);
CK_RV zkp_close_all_sessions(CK_SLOT_ID slot);
CK_RV zkp_get_session_info(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info);
CK_RV zkp_session_cancel(CK_SESSION_HANDLE h, CK_FLAGS flags);
/*
 * Keeps the session alive for this call (a concurrent C_CloseSession frees it only after the
 * last release) and, for use >= 0, claims that operation state: a second thread working on the
 * same operation of the same session gets CKR_OPERATION_ACTIVE instead of corrupting it.
 * CKR_SESSION_HANDLE_INVALID for unknown handles.
 */
CK_RV zkp_session_acquire(CK_SESSION_HANDLE h, int use, zkp_session **out);
void zkp_session_release(zkp_session *s, int use);
/* Session lookup under the module lock (caller holds it). */
zkp_session *zkp_session_find_locked(CK_SESSION_HANDLE h);
/* Closes every session of a slot; module lock held. Forgets the login. */
void zkp_close_slot_sessions_locked(zkp_slot *s);
/* Ends an operation and frees its buffers. */
void zkp_op_end(zkp_op *op);

/*
 * The Cryptoki output convention, in one place: a NULL buffer asks for the size (CKR_OK), a
 * buffer shorter than `need` gets CKR_BUFFER_TOO_SMALL; both set *len to `need` and leave any
 * operation active. Returns 1 when the caller should write its `need` bytes (and set *len),
 * else 0 with *rv holding what to return.
 */
static inline int zkp_output_ready(const void *out, CK_ULONG_PTR len, CK_ULONG need, CK_RV *rv) {
    if (out && *len >= need)
        return 1;
    *rv = out ? CKR_BUFFER_TOO_SMALL : CKR_OK;
    *len = need;
    return 0;
}
void zkp_find_end(zkp_find *f);
bool zkp_session_rw(const zkp_session *s);
/* Frees every session (C_Finalize); abandon = after fork (touch nothing shared). */
void zkp_sessions_free_all(void);

/* ---- login (login.c)
 * ------------------------------------------------------------------------------ */

CK_RV zkp_init_token(CK_SLOT_ID slot, CK_UTF8CHAR_PTR pin, CK_ULONG pin_len, CK_UTF8CHAR_PTR label);
CK_RV zkp_init_pin(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR pin, CK_ULONG len);
CK_RV zkp_set_pin(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR old_pin, CK_ULONG old_len,
                  CK_UTF8CHAR_PTR new_pin, CK_ULONG new_len);
CK_RV zkp_login(CK_SESSION_HANDLE h, CK_USER_TYPE type, CK_UTF8CHAR_PTR pin, CK_ULONG len);
CK_RV zkp_logout(CK_SESSION_HANDLE h);
/* Forgets the login of a slot (module lock held). */
void zkp_forget_login_locked(zkp_slot *s);
/* The user ticket (or zeros) of a slot, copied under the lock. */
void zkp_slot_ticket(zkp_slot *s, uint8_t out[ZKP_TICKET_LEN]);
/* A device answer ERR_NOT_LOGGED_IN means our ticket died (device restart, revoked). */
void zkp_ticket_rejected(zkp_slot *s, const uint8_t ticket[ZKP_TICKET_LEN]);

/* ---- slot and token information (slot.c)
 * --------------------------------------------------------- */

CK_RV zkp_get_slot_list(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count);
CK_RV zkp_get_slot_info(CK_SLOT_ID id, CK_SLOT_INFO_PTR info);
CK_RV zkp_get_token_info(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info);
CK_RV zkp_get_mechanism_list(CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count);
CK_RV zkp_get_mechanism_info(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info);
CK_RV zkp_wait_for_slot_event(CK_FLAGS flags, CK_SLOT_ID_PTR slot, CK_VOID_PTR reserved);
/* Copies s into a blank-padded fixed field. */
void zkp_pad(CK_UTF8CHAR *dst, size_t cap, const char *s, size_t len);

/* ---- object cache (object_cache.c) -------------------------------------------------------------
 */

/* Brings the slot's cache up to date (refetches when the device store moved). No lock held. */
CK_RV zkp_cache_sync(zkp_slot *s);
/* Marks the cache stale so the next sync refetches. Module lock held. */
void zkp_cache_invalidate_locked(zkp_slot *s);
void zkp_cache_free(zkp_cache *c);
/*
 * After our own store mutation that produced `generation`: applies the change locally when no
 * one else mutated in between (generation == cached + 1), else invalidates. Module lock held.
 * add: a new object to insert (ownership taken; may be NULL); remove_handle: an object handle to
 * drop (0 = none). Returns false when the cache was invalidated instead (add is freed then).
 */
bool zkp_cache_apply_locked(zkp_slot *s, uint64_t generation, zkp_object *add,
                            CK_OBJECT_HANDLE remove_handle);
/* Same for a metadata object written for a key slot (created or replaced): rebuilds the key's
 * objects with it. attrs are copied. */
void zkp_cache_apply_meta_locked(zkp_slot *s, uint64_t generation, int32_t slot, bool foreign,
                                 uint32_t handle, const uint8_t *attrs, size_t len);
/* Object lookup under the module lock: cache or session objects; honours visibility (private
 * objects only for a logged-in user). NULL when absent or invisible. */
const zkp_object *zkp_object_find_locked(zkp_slot *s, CK_OBJECT_HANDLE h);
bool zkp_object_visible_locked(const zkp_slot *s, const zkp_object *o);
/*
 * Brings the cache up to date and looks an object up. On CKR_OK the module lock is HELD and
 * *out is valid until zkp_unlock(). With any_visibility, private objects are found while logged
 * out too (so callers can answer CKR_USER_NOT_LOGGED_IN rather than a bad handle).
 * CKR_OBJECT_HANDLE_INVALID when absent (lock not held then), or a sync error.
 */
CK_RV zkp_object_lock(zkp_slot *s, CK_OBJECT_HANDLE h, bool any_visibility, const zkp_object **out);
/* The same for starting a crypto operation: the cache as it is when the object is there (no
 * device round trip on the signing path; the device itself refuses a key that went away), a
 * sync only when it is not. */
CK_RV zkp_key_lock(zkp_slot *s, CK_OBJECT_HANDLE h, const zkp_object **out);
/* Brackets our own store mutations (see pending_mutations). end: module lock held. */
void zkp_mutation_begin(zkp_slot *s);
void zkp_mutation_end_locked(zkp_slot *s);
/* Session objects (module lock held). add takes ownership; remove frees. */
CK_RV zkp_sobj_add_locked(zkp_slot *s, zkp_object *o);
void zkp_sobj_remove_locked(zkp_slot *s, CK_OBJECT_HANDLE h);
/* Replaces the session object with o's handle (takes ownership). */
CK_RV zkp_sobj_replace_locked(zkp_slot *s, zkp_object *o);
void zkp_sobj_drop_session_locked(zkp_slot *s, CK_SESSION_HANDLE owner);
void zkp_sobj_free_all_locked(zkp_slot *s);
/* Builds a store object (binding 0) from a TOKEN_LIST record. */
zkp_object *zkp_store_object(uint32_t handle, bool priv, const uint8_t *attrs, size_t len);
/* The bound metadata object of a key slot as found in the last list (module lock held):
 * copies its attrs (malloc) and handle; returns false when there is none. */
bool zkp_cache_meta_locked(zkp_slot *s, int32_t slot, bool foreign, uint32_t *handle,
                           uint8_t **attrs, size_t *len);

/* ---- find (find.c), object editing (object_edit.c)
 * ----------------------------------------------- */

CK_RV zkp_find_init(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG n);
CK_RV zkp_find_objects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max,
                       CK_ULONG_PTR count);
CK_RV zkp_find_final(CK_SESSION_HANDLE h);
CK_RV zkp_get_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t,
                              CK_ULONG n);
CK_RV zkp_get_object_size(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ULONG_PTR size);

CK_RV zkp_create_object(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n,
                        CK_OBJECT_HANDLE_PTR out);
CK_RV zkp_copy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n,
                      CK_OBJECT_HANDLE_PTR out);
CK_RV zkp_destroy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o);
CK_RV zkp_set_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t,
                              CK_ULONG n);
/*
 * Stores a finished object: token objects go to the device store (TOKEN_CREATE_OBJECT), session
 * objects into module memory. Takes the builder's attributes as they are (complete). Used by
 * create, copy and derive. The session is acquired by the caller.
 */
CK_RV zkp_store_new_object(zkp_session *sess, const zkp_attr_builder *b, CK_OBJECT_HANDLE *out);
/* Writes the metadata object bound to a key slot: merges `changes` into the existing one, or
 * creates one (always creates when fresh: a new key has no metadata yet, whatever an old
 * cache says). */
CK_RV zkp_write_key_meta(zkp_session *sess, int32_t slot, bool foreign,
                         const zkp_attr_builder *changes, bool fresh);

/* X.509 fields for CKA_SUBJECT / CKA_ISSUER / CKA_SERIAL_NUMBER / CKA_PUBLIC_KEY_INFO
 * (cert.c): each points into der, NULL when the certificate cannot be read. */
typedef struct {
    const uint8_t *subject, *issuer, *serial, *spki;
    size_t subject_len, issuer_len, serial_len, spki_len;
} zkp_cert_fields;
int zkp_cert_parse(const uint8_t *der, size_t len, zkp_cert_fields *out);

/* ---- crypto -------------------------------------------------------------------------------------
 */

CK_RV zkp_generate_key_pair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR pub_t,
                            CK_ULONG pub_n, CK_ATTRIBUTE_PTR priv_t, CK_ULONG priv_n,
                            CK_OBJECT_HANDLE_PTR pub, CK_OBJECT_HANDLE_PTR priv);

CK_RV zkp_sign_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key);
CK_RV zkp_sign(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
               CK_ULONG_PTR sig_len);
CK_RV zkp_sign_update(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len);
CK_RV zkp_sign_final(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len);

CK_RV zkp_verify_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key);
CK_RV zkp_verify(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
                 CK_ULONG sig_len);
CK_RV zkp_verify_update(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len);
CK_RV zkp_verify_final(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG sig_len);

/* Shared by sign.c and verify.c: mechanism parameters, key checks, message accumulation. */
CK_RV zkp_sig_op_init(zkp_session *s, zkp_op *op, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key,
                      bool signing);
CK_RV zkp_sig_op_update(zkp_op *op, const uint8_t *part, size_t len, size_t max_message);
/* The 32-byte ECDSA input per the mechanism (hash finished or raw data converted). */
CK_RV zkp_sig_op_digest(zkp_op *op, const uint8_t *data, size_t len, bool single, uint8_t out[32]);
/* Longest EdDSA message one device request can carry on this slot. */
size_t zkp_max_eddsa_message(zkp_slot *s);
/* ECDSA raw input rule: leftmost 32 bytes of longer input, left zero padding of shorter. */
void zkp_ecdsa_input(const uint8_t *data, size_t len, uint8_t out[32]);

CK_RV zkp_digest_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m);
CK_RV zkp_digest(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR out,
                 CK_ULONG_PTR out_len);
CK_RV zkp_digest_update(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len);
CK_RV zkp_digest_key(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key);
CK_RV zkp_digest_final(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR out_len);

CK_RV zkp_derive_key(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE base,
                     CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR out);
/* ANSI X9.63 KDF (as PKCS#11 CKD_SHA*_KDF): exposed for the unit test. */
int zkp_x963_kdf(zkp_hash_alg alg, const uint8_t *z, size_t zlen, const uint8_t *shared,
                 size_t shared_len, uint8_t *out, size_t out_len);

CK_RV zkp_generate_random(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG len);
CK_RV zkp_seed_random(CK_SESSION_HANDLE h, CK_BYTE_PTR seed, CK_ULONG len);

/* ---- names (ck_names.c) --------------------------------------------------------------------- */

typedef struct {
    const char *name;
    CK_ULONG value;
} zkp_ck_name;
/* The constants of cryptoki.h with their names (for debug logs and the header test). */
const zkp_ck_name *zkp_ck_constants(size_t *count);
/* (member name, offsetof) of CK_FUNCTION_LIST_3_0, in order. */
const zkp_ck_name *zkp_ck_function_offsets(size_t *count);
/* Structure sizes of cryptoki.h, by name. */
const zkp_ck_name *zkp_ck_struct_sizes(size_t *count);
/* "CKR_PIN_INCORRECT" for an rv, or NULL. */
const char *zkp_rv_name(CK_RV rv);

/* ---- interface.c ---------------------------------------------------------------------------- */
extern CK_FUNCTION_LIST zkp_function_list_2_40;
extern CK_FUNCTION_LIST_3_0 zkp_function_list_3_0;

#endif
