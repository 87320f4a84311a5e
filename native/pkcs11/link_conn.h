/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One connection to a device: its socket, decoder and buffers, the HELLO exchange, synchronous
 * request / response with fragment reassembly, and event intake. Used by one thread at a time;
 * device.c pools them. Internal to the library.
 */
#ifndef ZKP_LINK_CONN_H
#define ZKP_LINK_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "link_socket.h"
#include "zkb_frame.h"

typedef struct zkp_conn zkp_conn;
struct zkp_conn {
    int fd;
    uint32_t next_id;     /* request ids are per connection; 0 is left to events */
    uint32_t max_payload; /* as agreed in HELLO (the protocol defaults until then) */
    uint32_t max_message;
    uint64_t generation; /* highest STORE_CHANGED generation seen on this connection */
    int poll_first;      /* a request was just sent: the socket is most likely still empty */
    size_t rpos, rlen;   /* undecoded bytes in rbuf (after a response: what followed it) */
    uint8_t *rbuf;       /* ZKP_CONN_READ_BUF bytes, in the struct's allocation */
    uint8_t *wbuf;       /* encoded request frames, grown on demand */
    size_t wcap;
    zkb_decoder dec; /* its buffer is in the struct's allocation too */
    /* Owned by device.c (pool bookkeeping). */
    zkp_conn *next_idle;
    zkp_conn *prev, *next;
};

#define ZKP_CONN_READ_BUF 32768 /* one recv's worth; larger responses arrive in several */

/* Connects and says HELLO (client "zkbridge-pkcs11/0.1.0", max_payload 65536, max_message
 * 16 MiB). Returns ZKP_DEV_OK with *out and *info filled, or a ZKP_DEV_* error. */
int zkp_conn_open(const zkp_link_addr *addr, int timeout_ms, zkp_conn **out, zkp_device_info *info);

/* Closes the socket (sending nothing) and frees the connection. */
void zkp_conn_free(zkp_conn *c);

/* One request / response. *written receives how many request bytes reached the kernel: 0
 * means the device cannot have seen the request. ZKP_DEV_TOO_LARGE leaves the connection
 * usable; after any other error it is in an unknown state and must be freed. */
int zkp_conn_call(zkp_conn *c, uint16_t command, const uint8_t *req, size_t len, int timeout_ms,
                  zkp_response *resp, size_t *written);

/* Consumes what an idle connection received (events raise c->generation), with normally one
 * non-blocking read. Returns 0, or -1 when the connection is closed or broken. */
int zkp_conn_drain(zkp_conn *c);

#endif
