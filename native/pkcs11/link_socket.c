/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sockets for device.c. Every descriptor is non-blocking so that each wait goes through poll()
 * with the call's remaining time, and close-on-exec so that an application's child processes
 * do not inherit (and keep alive) our device connections. Writes use MSG_NOSIGNAL: a library
 * must never kill its host with SIGPIPE when the device goes away.
 */
#include "link_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "device.h"

int zkp_link_parse(const char *address, zkp_link_addr *out) {
    memset(out, 0, sizeof *out);
    if (!address)
        return -1;
    const char *path = NULL;
    if (address[0] == '/')
        path = address;
    else if (strncmp(address, "unix:", 5) == 0 && address[5])
        path = address + 5;
    if (path) {
        size_t n = strlen(path);
        if (n >= sizeof out->path || n >= sizeof(((struct sockaddr_un *)0)->sun_path))
            return -1;
        memcpy(out->path, path, n + 1);
        return 0;
    }
    if (strncmp(address, "tcp:", 4) != 0)
        return -1;
    const char *h = address + 4, *hend, *colon;
    if (*h == '[') {
        h++;
        hend = strchr(h, ']');
        if (!hend || hend == h || hend[1] != ':')
            return -1;
        for (const char *p = h; p < hend; p++)
            if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
                  (*p >= 'A' && *p <= 'F') || *p == ':'))
                return -1;
        colon = hend + 1;
    } else {
        colon = strchr(h, ':');
        if (!colon || colon == h)
            return -1;
        hend = colon;
        for (const char *p = h; p < hend; p++)
            if (*p == '[' || *p == ']')
                return -1;
    }
    const char *port = colon + 1;
    size_t pl = strlen(port);
    if (pl < 1 || pl > 5)
        return -1;
    unsigned long v = 0;
    for (size_t i = 0; i < pl; i++) {
        if (port[i] < '0' || port[i] > '9')
            return -1;
        v = v * 10 + (unsigned long)(port[i] - '0');
    }
    if (v < 1 || v > 65535 || (size_t)(hend - h) >= sizeof out->host)
        return -1;
    out->tcp = 1;
    memcpy(out->host, h, (size_t)(hend - h));
    memcpy(out->port, port, pl + 1);
    return 0;
}

int64_t zkp_link_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for `events` on fd until the deadline. 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline) {
    for (;;) {
        int64_t left = deadline - zkp_link_now_ms();
        if (left < 0)
            left = 0;
        struct pollfd p = {.fd = fd, .events = events, .revents = 0};
        int r = poll(&p, 1, left > 0x7fffffff ? 0x7fffffff : (int)left);
        if (r > 0)
            return 1; /* POLLERR / POLLHUP also end the wait; the next I/O call reports them */
        if (r == 0) {
            if (left == 0)
                return 0;
            continue; /* woke early (clock granularity): re-check against the deadline */
        }
        if (errno != EINTR)
            return -1;
    }
}

static int connect_unix(const zkp_link_addr *a, int64_t deadline) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return ZKP_DEV_UNREACHABLE;
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, a->path, strlen(a->path) + 1);
    for (;;) {
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
            return fd;
        int e = errno;
        if (e == EINTR)
            continue;
        /* A unix socket with a full backlog answers EAGAIN instead of blocking; the service
         * is busy accepting, so try again shortly within the deadline. */
        if (e == EAGAIN && zkp_link_now_ms() < deadline) {
            poll(NULL, 0, 2);
            continue;
        }
        close(fd);
        return e == EAGAIN ? ZKP_DEV_TIMEOUT : ZKP_DEV_UNREACHABLE;
    }
}

static int connect_tcp(const zkp_link_addr *a, int64_t deadline) {
    struct addrinfo hints, *list = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    if (getaddrinfo(a->host, a->port, &hints, &list) != 0)
        return ZKP_DEV_UNREACHABLE;
    int result = ZKP_DEV_UNREACHABLE;
    for (struct addrinfo *ai = list; ai; ai = ai->ai_next) {
        int fd =
            socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0)
            continue;
        int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc != 0 && (errno == EINPROGRESS || errno == EINTR)) {
            int w = wait_fd(fd, POLLOUT, deadline);
            int soerr = 0;
            socklen_t sl = sizeof soerr;
            if (w == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
                rc = 0;
            else if (w == 0)
                result = ZKP_DEV_TIMEOUT;
        }
        if (rc == 0) {
            /* Requests are small and answered one at a time: Nagle would hold each one back
             * for the previous response's ACK. */
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            freeaddrinfo(list);
            return fd;
        }
        close(fd);
        if (result == ZKP_DEV_TIMEOUT)
            break;
    }
    freeaddrinfo(list);
    return result;
}

int zkp_link_connect(const zkp_link_addr *a, int64_t deadline) {
    return a->tcp ? connect_tcp(a, deadline) : connect_unix(a, deadline);
}

int zkp_link_write_all(int fd, const uint8_t *p, size_t n, int64_t deadline, size_t *written) {
    size_t done = 0;
    *written = 0;
    while (done < n) {
        ssize_t w = send(fd, p + done, n - done, MSG_NOSIGNAL);
        if (w > 0) {
            done += (size_t)w;
            *written = done;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int r = wait_fd(fd, POLLOUT, deadline);
            if (r == 0)
                return ZKP_DEV_TIMEOUT;
            if (r < 0)
                return ZKP_DEV_UNREACHABLE;
            continue;
        }
        return ZKP_DEV_UNREACHABLE;
    }
    return ZKP_DEV_OK;
}

long zkp_link_read(int fd, uint8_t *buf, size_t cap, int64_t deadline, int poll_first) {
    for (;;) {
        if (poll_first) {
            int r = wait_fd(fd, POLLIN, deadline);
            if (r == 0)
                return ZKP_DEV_TIMEOUT;
            if (r < 0)
                return ZKP_DEV_UNREACHABLE;
        }
        ssize_t n = recv(fd, buf, cap, 0);
        if (n > 0)
            return (long)n;
        if (n == 0)
            return ZKP_DEV_UNREACHABLE; /* the device closed the connection */
        if (errno == EINTR) {
            poll_first = 0;
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return ZKP_DEV_UNREACHABLE;
        poll_first = 1;
    }
}

long zkp_link_read_nowait(int fd, uint8_t *buf, size_t cap) {
    for (;;) {
        ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT);
        if (n > 0)
            return (long)n;
        if (n == 0)
            return ZKP_DEV_UNREACHABLE;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : ZKP_DEV_UNREACHABLE;
    }
}
