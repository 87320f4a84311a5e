/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The token's view of one device: a small pool of connections to one device address (unix
 * socket or tcp), each opened with HELLO, used synchronously (one request, one response) by one
 * thread at a time. Frames go through native/core's codec; fragmented responses are reassembled.
 * Events that arrive on a connection (STORE_CHANGED) are consumed and turned into the
 * `generation` figure below; other events are dropped.
 *
 * Thread safety: every function may be called from many threads at once, except
 * zkp_device_close / zkp_device_abandon, which the caller serializes against all others.
 * Locking uses the zkp_lock_ops given at open (the application's mutex callbacks, or pthreads).
 */
#ifndef ZKP_DEVICE_H
#define ZKP_DEVICE_H

#include <stddef.h>
#include <stdint.h>

/* Mutex operations, matching what C_Initialize may hand us. Each returns 0 on success. */
typedef struct {
    int (*create)(void **mutex);
    int (*destroy)(void *mutex);
    int (*lock)(void *mutex);
    int (*unlock)(void *mutex);
} zkp_lock_ops;

/* Returns pthread-based lock ops; NULL-op ops (no locking) come from zkp_lock_ops_none(). */
const zkp_lock_ops *zkp_lock_ops_os(void);
const zkp_lock_ops *zkp_lock_ops_none(void);

/* What HELLO told us. Strings are NUL-terminated, truncated to fit. */
typedef struct {
    char model[32];
    char serial[64];
    char firmware[48];
    uint32_t max_payload;
    uint32_t max_message;
    uint32_t max_in_flight;
    uint32_t features; /* ZKB_FEATURE_* bits */
    uint16_t factory_slots;
    uint16_t key_slots;
    uint16_t foreign_slots;
    uint8_t curves; /* ZKB_CURVES_* bits */
} zkp_device_info;

/* Results of the transport (not device statuses). */
#define ZKP_DEV_OK          0
#define ZKP_DEV_UNREACHABLE (-1) /* cannot connect, or the connection broke during the call */
#define ZKP_DEV_PROTOCOL    (-2) /* the peer broke the protocol (bad HELLO, bad frame order) */
#define ZKP_DEV_NO_MEMORY   (-3)
#define ZKP_DEV_TOO_LARGE   (-4) /* request larger than the agreed max_message */
#define ZKP_DEV_TIMEOUT     (-5) /* no response within the call timeout */

/* A response: status (docs/protocol.md section 6) and payload. The payload buffer is owned by
 * the response; release it with zkp_response_free. */
typedef struct {
    uint16_t status;
    uint8_t *payload;
    size_t len;
} zkp_response;

void zkp_response_free(zkp_response *r);

typedef struct zkp_device zkp_device;

/* Creates the pool for an address ("unix:/path", "/path", "tcp:host:port"). No I/O yet.
 * Returns NULL on a bad address or no memory. */
zkp_device *zkp_device_open(const char *address, const zkp_lock_ops *lock);
/* Closes every connection and frees the pool. */
void zkp_device_close(zkp_device *d);
/* For the child after fork(): closes inherited descriptors without sending anything and
 * frees memory without touching the (possibly held) mutexes. */
void zkp_device_abandon(zkp_device *d);

/* Connects if no connection is up (HELLO) and copies the device info. ZKP_DEV_* result. */
int zkp_device_info_get(zkp_device *d, zkp_device_info *out);

/* One synchronous request. Takes an idle connection (or opens one), sends, waits for the
 * response with the same request id. On a broken connection it reconnects once and retries
 * only when the request had not been written yet. ZKP_DEV_* result; on ZKP_DEV_OK *resp is
 * filled and owned by the caller. */
int zkp_device_call(zkp_device *d, uint16_t command, const uint8_t *req, size_t req_len,
                    zkp_response *resp);

/* Drains pending events on idle connections (non-blocking) and returns the highest store
 * generation announced so far (0 before any). */
uint64_t zkp_device_generation(zkp_device *d);

/* Counts the first connection and every reconnection after a failed one; a change means the
 * device may have restarted (its events may have been missed), so cached views are stale. More
 * pooled connections to a running device do not change it. */
uint64_t zkp_device_epoch(zkp_device *d);

/* Call timeout in milliseconds (default 30000; from ZKBRIDGE_TIMEOUT_MS when set). */
void zkp_device_set_timeout(zkp_device *d, int timeout_ms);

#endif
