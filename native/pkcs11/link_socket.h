/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Byte transport of device.c: address parsing, connecting (unix or tcp) and deadline-bounded
 * reads and writes on non-blocking, close-on-exec sockets. Knows nothing of frames. Results are
 * ZKP_DEV_* codes from device.h. Internal to the library.
 */
#ifndef ZKP_LINK_SOCKET_H
#define ZKP_LINK_SOCKET_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int tcp;        /* 0 unix, 1 tcp */
    char path[108]; /* unix: fits sockaddr_un.sun_path with its terminator */
    char host[256]; /* tcp: name or address, without the [] of an IPv6 literal */
    char port[6];   /* tcp: decimal 1..65535 */
} zkp_link_addr;

/* Parses "unix:/path", "/path", "tcp:host:port" or "tcp:[v6]:port" (the forms of
 * src/provider/address.ts). Returns 0, or -1 for anything else or a path that does not fit. */
int zkp_link_parse(const char *address, zkp_link_addr *out);

/* Milliseconds of CLOCK_MONOTONIC; deadlines below are in this clock. */
int64_t zkp_link_now_ms(void);

/* Connects before the deadline. Returns a non-blocking, close-on-exec descriptor (TCP_NODELAY
 * for tcp), or ZKP_DEV_UNREACHABLE / ZKP_DEV_TIMEOUT. */
int zkp_link_connect(const zkp_link_addr *a, int64_t deadline);

/* Writes all n bytes before the deadline (never raises SIGPIPE). *written receives the number
 * of bytes the kernel accepted, also on failure. ZKP_DEV_OK / _UNREACHABLE / _TIMEOUT. */
int zkp_link_write_all(int fd, const uint8_t *p, size_t n, int64_t deadline, size_t *written);

/* Reads at least one byte, waiting until the deadline. poll_first skips the read attempt that
 * would only find an empty socket (right after sending a request). Returns the byte count, or
 * ZKP_DEV_UNREACHABLE (end of stream, error) / ZKP_DEV_TIMEOUT. */
long zkp_link_read(int fd, uint8_t *buf, size_t cap, int64_t deadline, int poll_first);

/* One non-blocking read: the byte count, 0 when nothing is pending, or ZKP_DEV_UNREACHABLE. */
long zkp_link_read_nowait(int fd, uint8_t *buf, size_t cap);

#endif
