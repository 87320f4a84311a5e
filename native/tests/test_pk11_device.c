/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Connection pool tests against a fake device written here (no emulator): a server thread on a
 * unix socket in a temp dir (and on loopback tcp) that speaks the frame protocol through the
 * same codec. Besides HELLO and PING it knows test commands that misbehave on purpose: events
 * before a response, fragmented and interleaved responses, garbage and corrupt frames, closing
 * mid-call or after a reply, silence, wrong command codes, bad fragments.
 */
#define _GNU_SOURCE
#include "device.h"
#include "test_util.h"
#include "zkb_bytes.h"
#include "zkb_frame.h"
#include "zkb_protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <dirent.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Test commands of the fake device. */
#define T_EVENT_FIRST  0x7F01u /* u64 gen: STORE_CHANGED(gen) + LED event, then echo */
#define T_FRAGMENTED   0x7F02u /* u32 n, u64 gen: n pattern bytes, interleaved with noise */
#define T_GARBAGE      0x7F03u /* garbage, corrupt frame, other id, then echo (two writes) */
#define T_CLOSE        0x7F04u /* closes without answering */
#define T_REPLY_CLOSE  0x7F05u /* echo, then close */
#define T_SILENT       0x7F06u /* never answers */
#define T_REPLY_EVENTS 0x7F07u /* u64 gen: echo, then STORE_CHANGED(gen) and others */
#define T_CONN_COUNT   0x7F08u /* u32: connections currently open */
#define T_BYTEWISE     0x7F09u /* echo, one byte per send() */
#define T_WRONG_CMD    0x7F0Au /* answers with another command code */
#define T_BAD_FRAG     0x7F0Bu /* a non-final fragment shorter than max_payload */
#define T_SLOW         0x7F0Cu /* u32 ms: sleeps, then echo */

#define MAX_CLIENTS 64

typedef struct {
    int fd;
    zkb_decoder dec;
    uint8_t *dbuf;
    uint32_t max_payload;
    uint8_t *msg;
    size_t msg_len, msg_cap;
} client;

static struct {
    pthread_mutex_t mu;
    pthread_t thread;
    int listen_unix, listen_tcp, wake[2];
    char dir[256], path[300];
    int tcp_port;
    client clients[MAX_CLIENTS];
    /* set by the test */
    uint32_t hello_max_payload, hello_max_message;
    uint16_t hello_status;
    /* observed by the test */
    int open_count, accepted, hellos, hello_args_ok, close_requests;
} srv;

static void srv_lock(void) {
    pthread_mutex_lock(&srv.mu);
}
static void srv_unlock(void) {
    pthread_mutex_unlock(&srv.mu);
}

static int srv_get(const int *field) {
    srv_lock();
    int v = *field;
    srv_unlock();
    return v;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void send_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* the client went away; the read side will notice */
        p += w;
        n -= (size_t)w;
    }
}

/* Encodes one frame into a heap buffer; corrupt flips a payload / crc byte. */
static uint8_t *frame_bytes(uint8_t kind, int more, uint32_t id, uint16_t cmd, uint16_t status,
                            uint16_t index, const uint8_t *p, size_t n, size_t *out_len) {
    zkb_frame f;
    memset(&f, 0, sizeof f);
    f.kind = kind;
    f.more = (uint8_t)more;
    f.request_id = id;
    f.command = cmd;
    f.status = status;
    f.frag_index = index;
    f.length = (uint32_t)n;
    uint8_t *buf = malloc(zkb_frame_size((uint32_t)n));
    long len = zkb_frame_encode(&f, p, buf, zkb_frame_size((uint32_t)n));
    if (len < 0) {
        fprintf(stderr, "fake device: encode failed\n");
        exit(2);
    }
    *out_len = (size_t)len;
    return buf;
}

static void send_frame(client *c, uint8_t kind, int more, uint32_t id, uint16_t cmd,
                       uint16_t status, uint16_t index, const uint8_t *p, size_t n) {
    size_t len;
    uint8_t *buf = frame_bytes(kind, more, id, cmd, status, index, p, n, &len);
    send_all(c->fd, buf, len);
    free(buf);
}

/* Sends a message fragmented by the client's agreed max_payload. */
static void send_msg(client *c, uint8_t kind, uint32_t id, uint16_t cmd, uint16_t status,
                     const uint8_t *p, size_t n) {
    size_t frags = n ? (n + c->max_payload - 1) / c->max_payload : 1;
    for (size_t i = 0; i < frags; i++) {
        size_t off = i * c->max_payload;
        size_t chunk = n - off < c->max_payload ? n - off : c->max_payload;
        send_frame(c, kind, i + 1 < frags, id, cmd, status, (uint16_t)i, p ? p + off : NULL, chunk);
    }
}

static void send_store_changed(client *c, uint64_t gen, size_t len) {
    uint8_t p[16] = {0};
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(gen >> (56 - 8 * i));
    zkb_enc16be(p + 8, ZKB_CMD_GEN_KEY_PAIR);
    send_frame(c, ZKB_KIND_EVENT, 0, 0, ZKB_EVT_STORE_CHANGED, 0, 0, p, len);
}

static void send_led_event(client *c) {
    uint8_t p[16] = {1};
    send_frame(c, ZKB_KIND_EVENT, 0, 0, ZKB_EVT_LED_CHANGED, 0, 0, p, 16);
}

static uint64_t get64(const uint8_t *p) {
    return ((uint64_t)zkb_dec32be(p) << 32) | zkb_dec32be(p + 4);
}

static void client_close(client *c) {
    close(c->fd);
    c->fd = -1;
    free(c->dbuf);
    free(c->msg);
    c->dbuf = c->msg = NULL;
    srv_lock();
    srv.open_count--;
    srv_unlock();
}

/* Handles one complete request; returns 0, or -1 when the connection was closed. */
static int handle(client *c, uint32_t id, uint16_t cmd, const uint8_t *p, size_t n) {
    switch (cmd) {
    case ZKB_CMD_HELLO: {
        static const char name[] = "zkbridge-pkcs11/0.1.0";
        int args_ok = n == 12 + sizeof name - 1 && p[0] == 1 && p[1] == 1 &&
                      zkb_dec32be(p + 2) == 65536 && zkb_dec32be(p + 6) == 128u * 1024 * 1024 &&
                      zkb_dec16be(p + 10) == sizeof name - 1 &&
                      memcmp(p + 12, name, sizeof name - 1) == 0;
        srv_lock();
        srv.hellos++;
        srv.hello_args_ok += args_ok;
        uint32_t mp = srv.hello_max_payload, mm = srv.hello_max_message;
        uint16_t st = srv.hello_status;
        srv_unlock();
        if (st != 0) {
            uint8_t v[2] = {2, 3};
            send_msg(c, ZKB_KIND_RESPONSE, id, cmd, st, v, 2);
            return 0;
        }
        uint8_t r[128];
        size_t k = 0;
        r[k++] = 1;
        const char *strs[3] = {"FAKE-HSM", "SERIAL-0001", "1.2.3"};
        for (int i = 0; i < 3; i++) {
            size_t sl = strlen(strs[i]);
            zkb_enc16be(r + k, (uint16_t)sl);
            memcpy(r + k + 2, strs[i], sl);
            k += 2 + sl;
        }
        zkb_enc32be(r + k, mp);
        zkb_enc32be(r + k + 4, mm);
        zkb_enc32be(r + k + 8, 16);           /* max_in_flight */
        zkb_enc32be(r + k + 12, 0x8000000Fu); /* features */
        zkb_enc16be(r + k + 16, 3);           /* factory_slots */
        zkb_enc16be(r + k + 18, 512);         /* key_slots */
        zkb_enc16be(r + k + 20, 128);         /* foreign_slots */
        r[k + 22] = 0x0F;                     /* curves */
        k += 23;
        send_msg(c, ZKB_KIND_RESPONSE, id, cmd, 0, r, k);
        if (mp >= 256 && mp <= 65536)
            c->max_payload = mp;
        return 0;
    }
    case ZKB_CMD_PING:
        send_msg(c, ZKB_KIND_RESPONSE, id, cmd, 0, p, n);
        return 0;
    case T_EVENT_FIRST:
        send_store_changed(c, get64(p), 10);
        send_led_event(c);
        send_store_changed(c, get64(p) + 1000, 9); /* wrong size: must be ignored */
        send_msg(c, ZKB_KIND_RESPONSE, id, cmd, 0, p, n);
        return 0;
    case T_FRAGMENTED: {
        size_t total = zkb_dec32be(p);
        uint64_t gen = get64(p + 4);
        uint8_t *data = malloc(total + 1);
        for (size_t i = 0; i < total; i++)
            data[i] = (uint8_t)(i * 7 + 1);
        size_t frags = (total + c->max_payload - 1) / c->max_payload;
        for (size_t i = 0; i < frags; i++) {
            size_t off = i * c->max_payload;
            size_t chunk = total - off < c->max_payload ? total - off : c->max_payload;
            send_frame(c, ZKB_KIND_RESPONSE, i + 1 < frags, id, cmd, 0, (uint16_t)i, data + off,
                       chunk);
            if (i == 0) {
                /* Noise between fragments: an event, another id's response fragment, a
                 * fragmented event. */
                send_store_changed(c, gen, 10);
                send_frame(c, ZKB_KIND_RESPONSE, 1, id + 1000, cmd, 0, 0, data, c->max_payload);
                send_frame(c, ZKB_KIND_EVENT, 1, 0, ZKB_EVT_TAP_EVENT, 0, 0, data, c->max_payload);
            }
        }
        free(data);
        return 0;
    }
    case T_GARBAGE: {
        static const uint8_t junk[] = {0x00, 0xA5, 0x5A, 0x01, 0xA5, 0xFF, 0x5A,
                                       0xA5, 0xA5, 0x5A, 0x00, 0x00, 0x13, 0x37};
        size_t bad_len, other_len, good_len;
        uint8_t *bad = frame_bytes(ZKB_KIND_RESPONSE, 0, id, cmd, 0, 0, p, n, &bad_len);
        bad[bad_len - 1] ^= 0x55; /* crc mismatch */
        uint8_t *other = frame_bytes(ZKB_KIND_RESPONSE, 0, id + 1, cmd, 0, 0, NULL, 0, &other_len);
        uint8_t *good = frame_bytes(ZKB_KIND_RESPONSE, 0, id, cmd, 0, 0, p, n, &good_len);
        size_t total = sizeof junk + bad_len + other_len + good_len;
        uint8_t *all = malloc(total);
        size_t k = 0;
        memcpy(all + k, junk, sizeof junk);
        k += sizeof junk;
        memcpy(all + k, bad, bad_len);
        k += bad_len;
        memcpy(all + k, other, other_len);
        k += other_len;
        memcpy(all + k, good, good_len);
        /* Two writes split inside the good frame's header, so the client reads twice. */
        size_t cut = total - good_len + 7;
        send_all(c->fd, all, cut);
        sleep_ms(20);
        send_all(c->fd, all + cut, total - cut);
        free(all);
        free(bad);
        free(other);
        free(good);
        return 0;
    }
    case T_CLOSE:
        srv_lock();
        srv.close_requests++;
        srv_unlock();
        client_close(c);
        return -1;
    case T_REPLY_CLOSE:
        send_msg(c, ZKB_KIND_RESPONSE, id, cmd, 0, p, n);
        client_close(c);
        return -1;
    case T_SILENT:
        return 0;
    case T_REPLY_EVENTS:
        send_msg(c, ZKB_KIND_RESPONSE, id, cmd, 0, p, n);
        send_led_event(c);
        send_store_changed(c, get64(p), 10);
        send_led_event(c);
        return 0;
    case T_CONN_COUNT: {
        uint8_t r[4];
        zkb_enc32be(r, (uint32_t)srv_get(&srv.open_count));
        send_msg(c, ZKB_KIND_RESPONSE, id, cmd, 0, r, 4);
        return 0;
    }
    case T_BYTEWISE: {
        size_t len;
        uint8_t *buf = frame_bytes(ZKB_KIND_RESPONSE, 0, id, cmd, 0, 0, p, n, &len);
        for (size_t i = 0; i < len; i++)
            send_all(c->fd, buf + i, 1);
        free(buf);
        return 0;
    }
    case T_WRONG_CMD:
        send_msg(c, ZKB_KIND_RESPONSE, id, ZKB_CMD_PING, 0, p, n);
        return 0;
    case T_BAD_FRAG:
        send_frame(c, ZKB_KIND_RESPONSE, 1, id, cmd, 0, 0, p, n < 10 ? n : 10);
        send_frame(c, ZKB_KIND_RESPONSE, 0, id, cmd, 0, 1, p, n);
        return 0;
    case T_SLOW:
        sleep_ms((int)zkb_dec32be(p));
        send_msg(c, ZKB_KIND_RESPONSE, id, cmd, 0, p, n);
        return 0;
    default:
        send_msg(c, ZKB_KIND_RESPONSE, id, cmd, ZKB_ST_ERR_UNKNOWN_COMMAND, NULL, 0);
        return 0;
    }
}

/* Reads from a client and serves every complete request. */
static void client_input(client *c) {
    static uint8_t buf[65536];
    ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    if (n <= 0) {
        client_close(c);
        return;
    }
    const uint8_t *in = buf;
    size_t left = (size_t)n;
    zkb_frame f;
    while (c->fd >= 0 && zkb_decoder_next(&c->dec, &in, &left, &f)) {
        if (f.kind != ZKB_KIND_REQUEST)
            continue;
        if (f.frag_index == 0)
            c->msg_len = 0;
        if (c->msg_len + f.length > c->msg_cap) {
            c->msg_cap = (c->msg_len + f.length) * 2;
            c->msg = realloc(c->msg, c->msg_cap);
        }
        if (f.length)
            memcpy(c->msg + c->msg_len, f.payload, f.length);
        c->msg_len += f.length;
        if (!f.more && handle(c, f.request_id, f.command, c->msg, c->msg_len) < 0)
            return;
    }
}

static void accept_client(int lfd) {
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    for (int i = 0; i < MAX_CLIENTS; i++) {
        client *c = &srv.clients[i];
        if (c->fd >= 0)
            continue;
        memset(c, 0, sizeof *c);
        c->fd = fd;
        c->max_payload = 65536;
        c->dbuf = malloc(zkb_frame_size(65536));
        zkb_decoder_init(&c->dec, c->dbuf, zkb_frame_size(65536), 65536);
        srv_lock();
        srv.open_count++;
        srv.accepted++;
        srv_unlock();
        return;
    }
    close(fd);
}

static void *server_main(void *arg) {
    (void)arg;
    for (;;) {
        struct pollfd pf[MAX_CLIENTS + 3];
        int idx[MAX_CLIENTS + 3];
        int n = 0;
        pf[n] = (struct pollfd){srv.wake[0], POLLIN, 0};
        idx[n++] = -1;
        pf[n] = (struct pollfd){srv.listen_unix, POLLIN, 0};
        idx[n++] = -2;
        pf[n] = (struct pollfd){srv.listen_tcp, POLLIN, 0};
        idx[n++] = -3;
        for (int i = 0; i < MAX_CLIENTS; i++)
            if (srv.clients[i].fd >= 0) {
                pf[n] = (struct pollfd){srv.clients[i].fd, POLLIN, 0};
                idx[n++] = i;
            }
        if (poll(pf, (nfds_t)n, -1) < 0)
            continue;
        if (pf[0].revents)
            break;
        for (int k = 1; k < n; k++) {
            if (!pf[k].revents)
                continue;
            if (idx[k] == -2)
                accept_client(srv.listen_unix);
            else if (idx[k] == -3)
                accept_client(srv.listen_tcp);
            else if (srv.clients[idx[k]].fd >= 0)
                client_input(&srv.clients[idx[k]]);
        }
    }
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (srv.clients[i].fd >= 0)
            client_close(&srv.clients[i]);
    return NULL;
}

static void server_start(void) {
    pthread_mutex_init(&srv.mu, NULL);
    for (int i = 0; i < MAX_CLIENTS; i++)
        srv.clients[i].fd = -1;
    srv.hello_max_payload = 65536;
    srv.hello_max_message = 16u * 1024 * 1024;
    const char *base = getenv("TMPDIR");
    snprintf(srv.dir, sizeof srv.dir, "%s/zkp-dev-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(srv.dir) || pipe2(srv.wake, O_CLOEXEC) != 0) {
        perror("setup");
        exit(2);
    }
    snprintf(srv.path, sizeof srv.path, "%s/dev.sock", srv.dir);
    struct sockaddr_un su;
    memset(&su, 0, sizeof su);
    su.sun_family = AF_UNIX;
    if (strlen(srv.path) >= sizeof su.sun_path) {
        fprintf(stderr, "socket path too long: %s\n", srv.path);
        exit(2);
    }
    memcpy(su.sun_path, srv.path, strlen(srv.path) + 1);
    srv.listen_unix = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (bind(srv.listen_unix, (struct sockaddr *)&su, sizeof su) != 0 ||
        listen(srv.listen_unix, 64) != 0) {
        perror("unix listen");
        exit(2);
    }
    struct sockaddr_in si;
    memset(&si, 0, sizeof si);
    si.sin_family = AF_INET;
    si.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    srv.listen_tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    socklen_t sl = sizeof si;
    if (bind(srv.listen_tcp, (struct sockaddr *)&si, sizeof si) != 0 ||
        listen(srv.listen_tcp, 64) != 0 ||
        getsockname(srv.listen_tcp, (struct sockaddr *)&si, &sl) != 0) {
        perror("tcp listen");
        exit(2);
    }
    srv.tcp_port = ntohs(si.sin_port);
    pthread_create(&srv.thread, NULL, server_main, NULL);
}

static void server_stop(void) {
    if (write(srv.wake[1], "x", 1) != 1)
        perror("wake");
    pthread_join(srv.thread, NULL);
    close(srv.listen_unix);
    close(srv.listen_tcp);
    close(srv.wake[0]);
    close(srv.wake[1]);
    unlink(srv.path);
    rmdir(srv.dir);
    pthread_mutex_destroy(&srv.mu);
}

/* Waits (up to 2 s) until the server's open connection count satisfies pred. */
static int wait_open_count(int want_at_most) {
    for (int i = 0; i < 200; i++) {
        if (srv_get(&srv.open_count) <= want_at_most)
            return 1;
        sleep_ms(10);
    }
    return 0;
}

/* --- tests ----------------------------------------------------------------------------------- */

static char unix_addr[400];

static zkp_device *open_dev(void) {
    zkp_device *d = zkp_device_open(unix_addr, zkp_lock_ops_os());
    if (!d) {
        fprintf(stderr, "cannot open %s\n", unix_addr);
        exit(2);
    }
    zkp_device_set_timeout(d, 5000);
    return d;
}

/* PING with n pattern bytes; checks the echo. */
static int ping(zkp_device *d, uint16_t cmd, size_t n, uint8_t seed) {
    uint8_t *req = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        req[i] = (uint8_t)(seed + i * 13);
    zkp_response r;
    int rc = zkp_device_call(d, cmd, req, n, &r);
    if (rc == ZKP_DEV_OK) {
        if (r.status != 0 || r.len != n || (n && memcmp(r.payload, req, n) != 0))
            rc = 99;
        zkp_response_free(&r);
    }
    free(req);
    return rc;
}

static void put64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static void test_addresses(void) {
    static const char *const bad[] = {
        "",           "emulator",       "unix:",        "tcp:",      "tcp:host",    "tcp::80",
        "tcp:host:0", "tcp:host:65536", "tcp:host:12x", "tcp:[::1]", "tcp:[::1:80", "tcp:[zz]:80",
        "tcp:a:b:80", "relative.sock",  "http://x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        zkp_device *d = zkp_device_open(bad[i], NULL);
        CHECK(d == NULL, "address '%s' must be refused", bad[i]);
        zkp_device_close(d);
    }
    CHECK(zkp_device_open(NULL, NULL) == NULL, "NULL address");
    char longpath[200];
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = 0;
    CHECK(zkp_device_open(longpath, NULL) == NULL, "path longer than sun_path");
    static const char *const good[] = {
        "/tmp/x.sock",        "unix:/tmp/x.sock", "unix:rel.sock",
        "tcp:127.0.0.1:7070", "tcp:[::1]:1",      "tcp:localhost:65535",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        zkp_device *d = zkp_device_open(good[i], zkp_lock_ops_none());
        CHECK(d != NULL, "address '%s' must be accepted", good[i]);
        if (d)
            CHECK(zkp_device_epoch(d) == 0 && zkp_device_generation(d) == 0,
                  "no I/O at open for '%s'", good[i]);
        zkp_device_close(d);
    }
}

static void test_basic(void) {
    zkp_device *d = open_dev();
    CHECK(zkp_device_epoch(d) == 0, "epoch 0 before any call");
    zkp_device_info info;
    CHECK(zkp_device_info_get(d, &info) == ZKP_DEV_OK, "info");
    CHECK(strcmp(info.model, "FAKE-HSM") == 0 && strcmp(info.serial, "SERIAL-0001") == 0 &&
              strcmp(info.firmware, "1.2.3") == 0,
          "info strings '%s' '%s' '%s'", info.model, info.serial, info.firmware);
    CHECK(info.max_payload == 65536 && info.max_message == 16u * 1024 * 1024 &&
              info.max_in_flight == 16 && info.features == 0x8000000Fu && info.factory_slots == 3 &&
              info.key_slots == 512 && info.foreign_slots == 128 && info.curves == 0x0F,
          "info numbers");
    CHECK(zkp_device_epoch(d) == 1, "epoch 1 after HELLO");
    CHECK(srv_get(&srv.hello_args_ok) == srv_get(&srv.hellos), "HELLO arguments as specified");

    CHECK(ping(d, ZKB_CMD_PING, 0, 1) == ZKP_DEV_OK, "empty ping");
    CHECK(ping(d, ZKB_CMD_PING, 100, 2) == ZKP_DEV_OK, "ping 100");
    CHECK(ping(d, ZKB_CMD_PING, 65536, 3) == ZKP_DEV_OK, "ping of one full frame");
    CHECK(ping(d, ZKB_CMD_PING, 300000, 4) == ZKP_DEV_OK, "ping of 5 fragments each way");
    CHECK(ping(d, T_BYTEWISE, 500, 5) == ZKP_DEV_OK, "response one byte per write");
    CHECK(ping(d, T_GARBAGE, 40, 6) == ZKP_DEV_OK, "garbage, corrupt frame, other id");
    CHECK(ping(d, ZKB_CMD_PING, 10, 7) == ZKP_DEV_OK, "ping after garbage");
    CHECK(zkp_device_epoch(d) == 1, "still one connection (epoch %llu)",
          (unsigned long long)zkp_device_epoch(d));

    zkp_response r;
    CHECK(zkp_device_call(d, 0x7FFF, NULL, 0, &r) == ZKP_DEV_OK &&
              r.status == ZKB_ST_ERR_UNKNOWN_COMMAND && r.len == 0 && r.payload == NULL,
          "device status is passed through");
    zkp_response_free(&r);
    zkp_device_close(d);
}

static void test_fragments(void) {
    zkp_device *d = open_dev();
    uint8_t req[12];
    for (int round = 0; round < 2; round++) {
        uint32_t n = round ? 200000 : 65536 * 2;
        zkb_enc32be(req, n);
        put64(req + 4, 40 + (uint64_t)round);
        zkp_response r;
        int rc = zkp_device_call(d, T_FRAGMENTED, req, sizeof req, &r);
        int ok = rc == ZKP_DEV_OK && r.len == n;
        for (size_t i = 0; ok && i < n; i++)
            ok = r.payload[i] == (uint8_t)(i * 7 + 1);
        CHECK(ok, "fragmented response of %u bytes (rc %d)", n, rc);
        zkp_response_free(&r);
    }
    CHECK(zkp_device_generation(d) == 41, "event between fragments counted: %llu",
          (unsigned long long)zkp_device_generation(d));
    CHECK(ping(d, T_WRONG_CMD, 4, 1) == ZKP_DEV_PROTOCOL, "wrong command in response");
    CHECK(ping(d, T_BAD_FRAG, 40, 1) == ZKP_DEV_PROTOCOL, "short non-final fragment");
    uint64_t e = zkp_device_epoch(d);
    CHECK(ping(d, ZKB_CMD_PING, 8, 1) == ZKP_DEV_OK && zkp_device_epoch(d) == e + 1,
          "new connection after a protocol error");
    zkp_device_close(d);

    /* A small agreed max_payload: requests and responses fragment at 256 bytes, and a request
     * over max_message is refused without being sent. */
    srv_lock();
    srv.hello_max_payload = 256;
    srv.hello_max_message = 4096;
    srv_unlock();
    d = open_dev();
    zkp_device_info info;
    CHECK(zkp_device_info_get(d, &info) == ZKP_DEV_OK && info.max_payload == 256 &&
              info.max_message == 4096,
          "agreed limits");
    static const size_t sizes[] = {0, 1, 255, 256, 257, 512, 1000, 4096};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        CHECK(ping(d, ZKB_CMD_PING, sizes[i], (uint8_t)i) == ZKP_DEV_OK, "ping %zu at 256",
              sizes[i]);
    CHECK(ping(d, ZKB_CMD_PING, 4097, 1) == ZKP_DEV_TOO_LARGE, "over max_message");
    CHECK(ping(d, ZKB_CMD_PING, 3, 1) == ZKP_DEV_OK && zkp_device_epoch(d) == 1,
          "connection kept after TOO_LARGE");
    zkp_device_close(d);
    srv_lock();
    srv.hello_max_payload = 65536;
    srv.hello_max_message = 16u * 1024 * 1024;
    srv_unlock();
}

static void test_generation(void) {
    zkp_device *d = open_dev();
    CHECK(zkp_device_generation(d) == 0, "generation 0 first");
    uint8_t g[8];
    put64(g, 5);
    zkp_response r;
    CHECK(zkp_device_call(d, T_EVENT_FIRST, g, 8, &r) == ZKP_DEV_OK && r.len == 8 &&
              memcmp(r.payload, g, 8) == 0,
          "response after events");
    zkp_response_free(&r);
    CHECK(zkp_device_generation(d) == 5, "generation from the event before the response: %llu",
          (unsigned long long)zkp_device_generation(d));
    put64(g, 3);
    CHECK(zkp_device_call(d, T_EVENT_FIRST, g, 8, &r) == ZKP_DEV_OK, "lower generation");
    zkp_response_free(&r);
    CHECK(zkp_device_generation(d) == 5, "the maximum is kept");

    /* Events that arrive while the connection is idle are found by the drain. */
    put64(g, 9);
    CHECK(zkp_device_call(d, T_REPLY_EVENTS, g, 8, &r) == ZKP_DEV_OK, "reply then events");
    zkp_response_free(&r);
    uint64_t seen = 0;
    for (int i = 0; i < 200 && seen != 9; i++) {
        seen = zkp_device_generation(d);
        if (seen != 9)
            sleep_ms(5);
    }
    CHECK(seen == 9, "idle drain sees generation 9, got %llu", (unsigned long long)seen);
    CHECK(ping(d, ZKB_CMD_PING, 16, 3) == ZKP_DEV_OK && zkp_device_epoch(d) == 1,
          "connection still good after the drain");
    zkp_device_close(d);
}

static void test_failures(void) {
    /* Nobody listening. */
    char addr[400];
    snprintf(addr, sizeof addr, "unix:%s/nobody.sock", srv.dir);
    zkp_device *d = zkp_device_open(addr, NULL);
    CHECK(ping(d, ZKB_CMD_PING, 4, 1) == ZKP_DEV_UNREACHABLE, "no listener");
    zkp_device_info info;
    CHECK(zkp_device_info_get(d, &info) == ZKP_DEV_UNREACHABLE, "info without listener");
    CHECK(zkp_device_epoch(d) == 0, "no epoch without a connection");
    zkp_response r;
    CHECK(zkp_device_call(d, ZKB_CMD_PING, NULL, 5, &r) == ZKP_DEV_PROTOCOL && r.payload == NULL,
          "NULL request with a length is refused before connecting");
    CHECK(zkp_device_call(NULL, ZKB_CMD_PING, NULL, 0, &r) == ZKP_DEV_UNREACHABLE, "NULL device");
    zkp_device_close(d);

    d = open_dev();
    CHECK(ping(d, ZKB_CMD_PING, 4, 1) == ZKP_DEV_OK, "first call");
    /* Closed mid-call: the request was written, so no retry. */
    int before = srv_get(&srv.close_requests);
    CHECK(ping(d, T_CLOSE, 4, 1) == ZKP_DEV_UNREACHABLE, "closed during the call");
    CHECK(srv_get(&srv.close_requests) == before + 1, "the request was not repeated");
    CHECK(ping(d, ZKB_CMD_PING, 4, 1) == ZKP_DEV_OK && zkp_device_epoch(d) == 2,
          "reconnected on the next call (epoch %llu)", (unsigned long long)zkp_device_epoch(d));

    /* Closed after the reply, while idle: the next send fails before writing anything, so
     * the call is retried once on a new connection. */
    CHECK(ping(d, T_REPLY_CLOSE, 4, 1) == ZKP_DEV_OK, "reply then close");
    CHECK(wait_open_count(0), "server closed it");
    CHECK(ping(d, ZKB_CMD_PING, 4, 1) == ZKP_DEV_OK, "retried transparently");
    CHECK(zkp_device_epoch(d) == 3, "epoch 3 after the retry, got %llu",
          (unsigned long long)zkp_device_epoch(d));

    /* The same, but the drain notices the dead idle connection first. */
    CHECK(ping(d, T_REPLY_CLOSE, 4, 1) == ZKP_DEV_OK, "reply then close (2)");
    CHECK(wait_open_count(0), "server closed it (2)");
    zkp_device_generation(d);
    CHECK(ping(d, ZKB_CMD_PING, 4, 1) == ZKP_DEV_OK && zkp_device_epoch(d) == 4,
          "fresh connection after the drain dropped the dead one");

    /* Timeout. */
    zkp_device_set_timeout(d, 200);
    double t0 = now_s();
    CHECK(ping(d, T_SILENT, 4, 1) == ZKP_DEV_TIMEOUT, "silent device times out");
    double dt = now_s() - t0;
    CHECK(dt >= 0.18 && dt < 2.0, "timeout took %.3f s", dt);
    zkp_device_set_timeout(d, 5000);
    CHECK(ping(d, ZKB_CMD_PING, 4, 1) == ZKP_DEV_OK && zkp_device_epoch(d) == 5,
          "new connection after a timeout");
    zkp_device_close(d);

    /* HELLO refused, or with limits out of range. */
    srv_lock();
    srv.hello_status = ZKB_ST_ERR_VERSION_UNSUPPORTED;
    srv_unlock();
    d = open_dev();
    CHECK(ping(d, ZKB_CMD_PING, 4, 1) == ZKP_DEV_PROTOCOL, "HELLO refused");
    CHECK(zkp_device_epoch(d) == 0, "no epoch without HELLO");
    zkp_device_close(d);
    srv_lock();
    srv.hello_status = 0;
    srv.hello_max_payload = 100;
    srv_unlock();
    d = open_dev();
    CHECK(ping(d, ZKB_CMD_PING, 4, 1) == ZKP_DEV_PROTOCOL, "max_payload below 256");
    zkp_device_close(d);
    srv_lock();
    srv.hello_max_payload = 65536;
    srv_unlock();
}

static void test_tcp(void) {
    char addr[64];
    snprintf(addr, sizeof addr, "tcp:127.0.0.1:%d", srv.tcp_port);
    zkp_device *d = zkp_device_open(addr, NULL);
    zkp_device_set_timeout(d, 5000);
    CHECK(ping(d, ZKB_CMD_PING, 1000, 1) == ZKP_DEV_OK, "tcp ping");
    CHECK(ping(d, ZKB_CMD_PING, 200000, 2) == ZKP_DEV_OK, "tcp large ping");
    zkp_device_close(d);
    /* A port with no listener: connect fails (the listener was closed right away). */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in si;
    memset(&si, 0, sizeof si);
    si.sin_family = AF_INET;
    si.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof si;
    bind(s, (struct sockaddr *)&si, sizeof si);
    getsockname(s, (struct sockaddr *)&si, &sl);
    close(s);
    snprintf(addr, sizeof addr, "tcp:127.0.0.1:%d", ntohs(si.sin_port));
    d = zkp_device_open(addr, NULL);
    CHECK(ping(d, ZKB_CMD_PING, 4, 1) == ZKP_DEV_UNREACHABLE, "tcp connection refused");
    zkp_device_close(d);
}

typedef struct {
    zkp_device *d;
    int id, failures;
} worker_arg;

static void *worker(void *p) {
    worker_arg *a = p;
    uint64_t seed = 0x1000 + (uint64_t)a->id;
    for (int i = 0; i < 150; i++) {
        int rc;
        if (i % 10 == 0) {
            uint8_t req[4];
            zkb_enc32be(req, 2);
            zkp_response r;
            rc = zkp_device_call(a->d, T_SLOW, req, 4, &r);
            zkp_response_free(&r);
        } else {
            rc = ping(a->d, ZKB_CMD_PING, (size_t)(t_rand(&seed) % 3000), (uint8_t)i);
        }
        if (rc != ZKP_DEV_OK)
            a->failures++;
        if (i % 50 == 0)
            zkp_device_generation(a->d);
    }
    return NULL;
}

static void test_threads(void) {
    CHECK(wait_open_count(0), "no connections left before the thread test");
    zkp_device *d = open_dev();
    enum { N = 8 };
    pthread_t th[N];
    worker_arg args[N];
    for (int i = 0; i < N; i++) {
        args[i] = (worker_arg){d, i, 0};
        pthread_create(&th[i], NULL, worker, &args[i]);
    }
    int failures = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        failures += args[i].failures;
    }
    CHECK(failures == 0, "%d calls failed under concurrency", failures);
    /* More pooled connections to a running device are not a new device instance. */
    CHECK(zkp_device_epoch(d) == 1, "extra pooled connections keep the epoch: %llu",
          (unsigned long long)zkp_device_epoch(d));
    CHECK(wait_open_count(8), "at most 8 threads' connections stay open (server sees %d)",
          srv_get(&srv.open_count));
    zkp_response r;
    CHECK(zkp_device_call(d, T_CONN_COUNT, NULL, 0, &r) == ZKP_DEV_OK && r.len == 4 &&
              zkb_dec32be(r.payload) <= 8,
          "connection count");
    zkp_response_free(&r);
    zkp_device_close(d);
    CHECK(wait_open_count(0), "close closes every connection");
}

/* Application-style lock ops whose mutex the test can take itself. */
static pthread_mutex_t *app_mutex;
static int app_lock_calls_in_child;
static pid_t app_parent;

static int app_create(void **m) {
    app_mutex = malloc(sizeof *app_mutex);
    pthread_mutex_init(app_mutex, NULL);
    *m = app_mutex;
    return 0;
}

static int app_destroy(void *m) {
    pthread_mutex_destroy(m);
    free(m);
    app_mutex = NULL;
    return 0;
}

static int app_lock(void *m) {
    if (getpid() != app_parent)
        app_lock_calls_in_child++;
    return pthread_mutex_lock(m);
}

static int app_unlock(void *m) {
    return pthread_mutex_unlock(m);
}

static void test_fork(void) {
    app_parent = getpid();
    zkp_device *d = open_dev();
    CHECK(ping(d, ZKB_CMD_PING, 4, 1) == ZKP_DEV_OK, "parent connected");
    pid_t pid = fork();
    if (pid == 0) {
        zkp_device_abandon(d);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child abandoned cleanly");
    CHECK(ping(d, ZKB_CMD_PING, 4, 2) == ZKP_DEV_OK && zkp_device_epoch(d) == 1,
          "parent's connection unaffected by the child");

    zkp_device_close(d);

    /* A child forked while the pool lock is held (here by the forking thread itself, through
     * application-style lock ops) must neither lock nor block in abandon. */
    static const zkp_lock_ops app_ops = {app_create, app_destroy, app_lock, app_unlock};
    d = zkp_device_open(unix_addr, &app_ops);
    zkp_device_set_timeout(d, 5000);
    CHECK(ping(d, ZKB_CMD_PING, 4, 3) == ZKP_DEV_OK, "device with application lock ops");
    pthread_mutex_lock(app_mutex);
    pid = fork();
    if (pid == 0) {
        alarm(5); /* a lock attempt would hang: die by SIGALRM instead */
        zkp_device_abandon(d);
        _exit(app_lock_calls_in_child == 0 ? 0 : 3);
    }
    pthread_mutex_unlock(app_mutex);
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "abandon with the lock held (status %d)",
          status);
    CHECK(ping(d, ZKB_CMD_PING, 4, 4) == ZKP_DEV_OK, "parent continues");
    zkp_device_close(d);
    CHECK(app_mutex == NULL, "application mutex destroyed by close");
}

/* Every socket this process holds must be close-on-exec (the server's are made so too). */
static void test_cloexec(void) {
    zkp_device *d = open_dev();
    CHECK(ping(d, ZKB_CMD_PING, 4, 1) == ZKP_DEV_OK, "connected");
    char tcp[64];
    snprintf(tcp, sizeof tcp, "tcp:127.0.0.1:%d", srv.tcp_port);
    zkp_device *t = zkp_device_open(tcp, NULL);
    CHECK(ping(t, ZKB_CMD_PING, 4, 1) == ZKP_DEV_OK, "connected over tcp");
    DIR *dir = opendir("/proc/self/fd");
    int sockets = 0, cloexec = 0;
    struct dirent *e;
    while (dir && (e = readdir(dir)) != NULL) {
        int fd = atoi(e->d_name);
        struct stat st;
        if (fd <= 2 || fd == dirfd(dir) || fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
            continue;
        sockets++;
        cloexec += (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
    }
    if (dir)
        closedir(dir);
    CHECK(sockets >= 4 && cloexec == sockets, "%d of %d sockets are close-on-exec", cloexec,
          sockets);
    zkp_device_close(t);
    zkp_device_close(d);
}

static void test_no_locking(void) {
    zkp_device *d = zkp_device_open(unix_addr, zkp_lock_ops_none());
    CHECK(ping(d, ZKB_CMD_PING, 50, 1) == ZKP_DEV_OK, "no-lock ops");
    CHECK(zkp_device_generation(d) == 0, "generation with no-lock ops");
    zkp_device_close(d);
}

static void test_speed(void) {
    zkp_device *d = open_dev();
    ping(d, ZKB_CMD_PING, 32, 1);
    int n = 20000, fails = 0;
    uint8_t req[32] = {0};
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        zkp_response r;
        if (zkp_device_call(d, ZKB_CMD_PING, req, sizeof req, &r) != ZKP_DEV_OK)
            fails++;
        zkp_response_free(&r);
    }
    double dt = now_s() - t0;
    printf("pk11_device: %.0f synchronous round trips/s against the in-process fake device\n",
           n / dt);
    CHECK(fails == 0, "speed run failures");
    CHECK(n / dt > 1000, "round trips are not stalled (%.0f/s)", n / dt);
    zkp_device_close(d);
}

int main(int argc, char **argv) {
    (void)argc;
    (void)argv;
    /* With MSG_NOSIGNAL everywhere, SIGPIPE must never fire; leave its default action on so
     * that a regression kills the test. */
    signal(SIGPIPE, SIG_DFL);
    server_start();
    snprintf(unix_addr, sizeof unix_addr, "unix:%s", srv.path);
    test_addresses();
    test_basic();
    test_fragments();
    test_generation();
    test_failures();
    test_tcp();
    test_threads();
    test_fork();
    test_cloexec();
    test_no_locking();
    test_speed();
    server_stop();
    return t_report("pk11_device");
}
