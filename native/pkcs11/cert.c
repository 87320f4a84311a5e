/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Just enough X.509 reading to fill CKA_SUBJECT, CKA_ISSUER, CKA_SERIAL_NUMBER and
 * CKA_PUBLIC_KEY_INFO of a certificate object when the application did not give them
 * (pkcs11-tool --write-object, for one, sends only CKA_VALUE). Only DER lengths are parsed; the
 * fields are returned as the DER elements they are (which is what those attributes hold).
 */
#include "p11.h"

typedef struct {
    uint8_t tag;
    const uint8_t *start; /* the whole element */
    size_t size;
    const uint8_t *content;
    size_t content_len;
} der_elem;

/* Reads one element at *p; advances *p / *left past it. 0 or -1. */
static int der_next(const uint8_t **p, size_t *left, der_elem *e) {
    const uint8_t *q = *p;
    size_t n = *left;
    if (n < 2)
        return -1;
    size_t hdr = 2, len = q[1];
    if (len & 0x80) {
        size_t k = len & 0x7F;
        if (k == 0 || k > 4 || n < 2 + k)
            return -1;
        len = 0;
        for (size_t i = 0; i < k; i++)
            len = (len << 8) | q[2 + i];
        hdr += k;
    }
    if (len > n - hdr)
        return -1;
    e->tag = q[0];
    e->start = q;
    e->size = hdr + len;
    e->content = q + hdr;
    e->content_len = len;
    *p += e->size;
    *left -= e->size;
    return 0;
}

int zkp_cert_parse(const uint8_t *der, size_t len, zkp_cert_fields *out) {
    const uint8_t *p = der;
    size_t left = len;
    der_elem cert, tbs, e;
    if (der_next(&p, &left, &cert) != 0 || cert.tag != 0x30)
        return -1;
    p = cert.content;
    left = cert.content_len;
    if (der_next(&p, &left, &tbs) != 0 || tbs.tag != 0x30)
        return -1;
    p = tbs.content;
    left = tbs.content_len;
    if (der_next(&p, &left, &e) != 0)
        return -1;
    if (e.tag == 0xA0 && der_next(&p, &left, &e) != 0) /* [0] version, then the serial */
        return -1;
    if (e.tag != 0x02)
        return -1;
    out->serial = e.start;
    out->serial_len = e.size;
    der_elem sigalg, issuer, validity, subject, spki;
    if (der_next(&p, &left, &sigalg) != 0 || der_next(&p, &left, &issuer) != 0 ||
        der_next(&p, &left, &validity) != 0 || der_next(&p, &left, &subject) != 0 ||
        der_next(&p, &left, &spki) != 0)
        return -1;
    if (issuer.tag != 0x30 || subject.tag != 0x30 || spki.tag != 0x30)
        return -1;
    out->issuer = issuer.start;
    out->issuer_len = issuer.size;
    out->subject = subject.start;
    out->subject_len = subject.size;
    out->spki = spki.start;
    out->spki_len = spki.size;
    return 0;
}
