/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One device connection. A call writes the whole request (all its fragments) with one send()
 * and then decodes until the response with its request id is complete; everything else on the
 * stream (events, stale responses, garbage) is consumed on the way. The connection owns its
 * read, decode and write buffers, so the hot path allocates only the response payload that the
 * caller keeps.
 */
#include "link_conn.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wire.h"
#include "zkb_protocol.h"

#define CLIENT_NAME     "zkbridge-pkcs11/0.1.0"
#define OUR_MAX_PAYLOAD ZKB_MAX_PAYLOAD
/* A full token store lists up to 64 MiB of attributes in one TOKEN_LIST answer. */
#define OUR_MAX_MESSAGE (128u * 1024u * 1024u)
#define WRITE_BUF_KEEP  262144 /* a larger write buffer is released after its call */

static zkp_conn *conn_new(int fd) {
    size_t dcap = zkb_frame_size(OUR_MAX_PAYLOAD);
    zkp_conn *c = malloc(sizeof *c + ZKP_CONN_READ_BUF + dcap);
    if (!c)
        return NULL;
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->next_id = 1;
    c->max_payload = OUR_MAX_PAYLOAD;
    c->max_message = OUR_MAX_MESSAGE;
    c->rbuf = (uint8_t *)(c + 1);
    /* The decoder accepts the protocol's ceiling whatever HELLO agreed: the agreement binds
     * the sender, and an honest frame over it is still better read than skipped as garbage. */
    zkb_decoder_init(&c->dec, c->rbuf + ZKP_CONN_READ_BUF, dcap, OUR_MAX_PAYLOAD);
    return c;
}

void zkp_conn_free(zkp_conn *c) {
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    free(c->wbuf);
    free(c);
}

static void on_event(zkp_conn *c, const zkb_frame *f) {
    /* STORE_CHANGED fits one frame; fragmented events are of no interest and dropped. */
    if (f->command != ZKB_EVT_STORE_CHANGED || f->more || f->frag_index != 0 || f->length != 10)
        return;
    zkp_reader r;
    zkp_reader_init(&r, f->payload, f->length);
    uint64_t gen = zkp_get_u64(&r);
    if (gen > c->generation)
        c->generation = gen;
}

/* Runs the decoder over the buffered input. Returns 1 with *f (valid until the next decoder
 * call), or 0 when everything buffered is consumed. It is also called with no new input while
 * the decoder holds bytes: after a rejected candidate, a complete frame may sit in its buffer. */
static int decode_next(zkp_conn *c, zkb_frame *f) {
    const uint8_t *in = c->rbuf + c->rpos;
    size_t n = c->rlen - c->rpos;
    if (n == 0 && zkb_decoder_pending(&c->dec) == 0)
        return 0;
    int got = zkb_decoder_next(&c->dec, &in, &n, f);
    c->rpos = c->rlen - n;
    if (!got)
        c->rpos = c->rlen = 0;
    return got;
}

/* Next frame: 1 with *f, or a ZKP_DEV_* error. Reads only when nothing is buffered. */
static int next_frame(zkp_conn *c, int64_t deadline, zkb_frame *f) {
    for (;;) {
        if (decode_next(c, f))
            return 1;
        long n = zkp_link_read(c->fd, c->rbuf, ZKP_CONN_READ_BUF, deadline, c->poll_first);
        c->poll_first = 0;
        if (n < 0)
            return (int)n;
        c->rpos = 0;
        c->rlen = (size_t)n;
    }
}

/* Encodes the request as max(1, ceil(len / max_payload)) frames into wbuf. */
static int encode_request(zkp_conn *c, uint32_t id, uint16_t command, const uint8_t *req,
                          size_t len, size_t *out_len) {
    size_t frags = len ? (len + c->max_payload - 1) / c->max_payload : 1;
    size_t need = len + frags * ZKB_OVERHEAD;
    if (need > c->wcap) {
        uint8_t *nb = realloc(c->wbuf, need);
        if (!nb)
            return ZKP_DEV_NO_MEMORY;
        c->wbuf = nb;
        c->wcap = need;
    }
    size_t pos = 0, off = 0;
    for (size_t i = 0; i < frags; i++) {
        size_t chunk = len - off < c->max_payload ? len - off : c->max_payload;
        zkb_frame f;
        memset(&f, 0, sizeof f);
        f.kind = ZKB_KIND_REQUEST;
        f.more = i + 1 < frags;
        f.command = command;
        f.request_id = id;
        f.frag_index = (uint16_t)i; /* at most 65536 fragments: checked by the caller */
        f.length = (uint32_t)chunk;
        long n = zkb_frame_encode(&f, chunk ? req + off : NULL, c->wbuf + pos, c->wcap - pos);
        if (n < 0)
            return ZKP_DEV_PROTOCOL;
        pos += (size_t)n;
        off += chunk;
    }
    *out_len = pos;
    return ZKP_DEV_OK;
}

/* Reads until the response to `id` is complete. Any frame of our id that breaks the fragment
 * rules (docs/protocol.md section 3) or repeats another command is a protocol error. */
static int read_response(zkp_conn *c, uint32_t id, uint16_t command, int64_t deadline,
                         zkp_response *resp) {
    uint8_t *msg = NULL;
    size_t len = 0, cap = 0;
    uint32_t index = 0;
    uint16_t status = 0;
    for (;;) {
        zkb_frame f;
        int rc = next_frame(c, deadline, &f);
        if (rc < 0) {
            free(msg);
            return rc;
        }
        if (f.kind == ZKB_KIND_EVENT) {
            on_event(c, &f);
            continue;
        }
        if (f.kind != ZKB_KIND_RESPONSE || f.request_id != id)
            continue; /* a late answer to an abandoned request, or a request from the peer */
        if (f.command != command || f.frag_index != (uint16_t)index ||
            (index > 0 && (f.status != status || f.length == 0)) ||
            (f.more && f.length != c->max_payload) || f.length > c->max_message - len) {
            free(msg);
            return ZKP_DEV_PROTOCOL;
        }
        if (index == 0 && !f.more) {
            /* A single frame: the usual case, one exact allocation. */
            resp->payload = NULL;
            if (f.length) {
                resp->payload = malloc(f.length);
                if (!resp->payload)
                    return ZKP_DEV_NO_MEMORY;
                memcpy(resp->payload, f.payload, f.length);
            }
            resp->status = f.status;
            resp->len = f.length;
            return ZKP_DEV_OK;
        }
        status = f.status;
        if (f.length > cap - len) {
            size_t ncap = cap ? cap * 2 : (size_t)c->max_payload * 4;
            while (ncap - len < f.length)
                ncap *= 2;
            uint8_t *nb = realloc(msg, ncap);
            if (!nb) {
                free(msg);
                return ZKP_DEV_NO_MEMORY;
            }
            msg = nb;
            cap = ncap;
        }
        memcpy(msg + len, f.payload, f.length);
        len += f.length;
        index++;
        if (!f.more) {
            resp->status = status;
            resp->len = len;
            resp->payload = msg;
            return ZKP_DEV_OK;
        }
    }
}

int zkp_conn_call(zkp_conn *c, uint16_t command, const uint8_t *req, size_t len, int timeout_ms,
                  zkp_response *resp, size_t *written) {
    *written = 0;
    /* frag_index is 16 bits: a request never needs more than 65536 fragments. */
    if (len > c->max_message || len > (size_t)c->max_payload * 65536u)
        return ZKP_DEV_TOO_LARGE;
    if (len && !req)
        return ZKP_DEV_PROTOCOL;
    uint32_t id = c->next_id++;
    if (c->next_id == 0)
        c->next_id = 1;
    size_t wlen;
    int rc = encode_request(c, id, command, req, len, &wlen);
    if (rc != ZKP_DEV_OK)
        return rc;
    int64_t deadline = zkp_link_now_ms() + timeout_ms;
    rc = zkp_link_write_all(c->fd, c->wbuf, wlen, deadline, written);
    if (c->wcap > WRITE_BUF_KEEP) {
        free(c->wbuf);
        c->wbuf = NULL;
        c->wcap = 0;
    }
    if (rc != ZKP_DEV_OK)
        return rc;
    c->poll_first = 1;
    return read_response(c, id, command, deadline, resp);
}

static void copy_field(char *dst, size_t cap, const uint8_t *src, size_t n) {
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, src, n);
    dst[n] = 0;
}

/* HELLO under the default limits; on success the connection takes the agreed ones. */
static int hello(zkp_conn *c, int timeout_ms, zkp_device_info *info) {
    uint8_t req[64];
    zkp_writer w;
    zkp_writer_init(&w, req, sizeof req);
    zkp_put_u8(&w, 1); /* min_version */
    zkp_put_u8(&w, 1); /* max_version */
    zkp_put_u32(&w, OUR_MAX_PAYLOAD);
    zkp_put_u32(&w, OUR_MAX_MESSAGE);
    zkp_put_str(&w, CLIENT_NAME, sizeof CLIENT_NAME - 1);
    zkp_response resp = {0, NULL, 0};
    size_t written;
    int rc = zkp_conn_call(c, ZKB_CMD_HELLO, req, w.len, timeout_ms, &resp, &written);
    if (rc != ZKP_DEV_OK)
        return rc;
    rc = ZKP_DEV_PROTOCOL;
    if (resp.status == ZKB_ST_OK) {
        zkp_reader r;
        size_t ml, sl, fl;
        zkp_reader_init(&r, resp.payload, resp.len);
        uint8_t version = zkp_get_u8(&r);
        const uint8_t *model = zkp_get_str(&r, &ml);
        const uint8_t *serial = zkp_get_str(&r, &sl);
        const uint8_t *fw = zkp_get_str(&r, &fl);
        uint32_t max_payload = zkp_get_u32(&r), max_message = zkp_get_u32(&r);
        memset(info, 0, sizeof *info);
        info->max_in_flight = zkp_get_u32(&r);
        info->features = zkp_get_u32(&r);
        info->factory_slots = zkp_get_u16(&r);
        info->key_slots = zkp_get_u16(&r);
        info->foreign_slots = zkp_get_u16(&r);
        info->curves = zkp_get_u8(&r);
        /* Bytes after `curves` are tolerated: a later revision may append fields. */
        if (!r.err && version == 1 && max_payload >= ZKB_MIN_PAYLOAD &&
            max_payload <= OUR_MAX_PAYLOAD && max_message >= max_payload &&
            max_message <= OUR_MAX_MESSAGE) {
            copy_field(info->model, sizeof info->model, model, ml);
            copy_field(info->serial, sizeof info->serial, serial, sl);
            copy_field(info->firmware, sizeof info->firmware, fw, fl);
            info->max_payload = c->max_payload = max_payload;
            info->max_message = c->max_message = max_message;
            rc = ZKP_DEV_OK;
        }
    }
    zkp_response_free(&resp);
    return rc;
}

int zkp_conn_open(const zkp_link_addr *addr, int timeout_ms, zkp_conn **out,
                  zkp_device_info *info) {
    int fd = zkp_link_connect(addr, zkp_link_now_ms() + timeout_ms);
    if (fd < 0)
        return fd;
    zkp_conn *c = conn_new(fd);
    if (!c) {
        close(fd);
        return ZKP_DEV_NO_MEMORY;
    }
    int rc = hello(c, timeout_ms, info);
    if (rc != ZKP_DEV_OK) {
        zkp_conn_free(c);
        return rc;
    }
    *out = c;
    return ZKP_DEV_OK;
}

/* Decodes what is buffered: events count, anything else (a late response to a call that gave
 * up) is dropped. Partial frames stay in the decoder. */
static void consume_buffered(zkp_conn *c) {
    zkb_frame f;
    while (decode_next(c, &f))
        if (f.kind == ZKB_KIND_EVENT)
            on_event(c, &f);
}

int zkp_conn_drain(zkp_conn *c) {
    consume_buffered(c);
    for (;;) {
        long n = zkp_link_read_nowait(c->fd, c->rbuf, ZKP_CONN_READ_BUF);
        if (n <= 0)
            return n < 0 ? -1 : 0;
        c->rpos = 0;
        c->rlen = (size_t)n;
        consume_buffered(c);
        /* A short read means the socket is empty now: stop without a second read, so an idle
         * connection costs one syscall per query. */
        if ((size_t)n < ZKP_CONN_READ_BUF)
            return 0;
    }
}
