/* RFC 7512 PKCS#11 URI parsing: path attributes separated by ';', query attributes by '&'. */
#include "uri.h"

#include <string.h>

static int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes value[0..len) into out (capacity cap); the decoded length goes to *out_len. */
static zke_uri_status decode(const char *value, size_t len, uint8_t *out, size_t cap,
                             size_t *out_len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int byte = (unsigned char)value[i];
        if (byte == '%') {
            if (i + 2 >= len)
                return ZKE_URI_BAD_ESCAPE;
            int hi = hex_value(value[i + 1]), lo = hex_value(value[i + 2]);
            if (hi < 0 || lo < 0)
                return ZKE_URI_BAD_ESCAPE;
            byte = hi * 16 + lo;
            i += 2;
        }
        if (n == cap)
            return ZKE_URI_TOO_LONG;
        out[n++] = (uint8_t)byte;
    }
    *out_len = n;
    return ZKE_URI_OK;
}

/* Decodes a text attribute into a NUL-terminated field of ZKE_URI_MAX_TEXT bytes. */
static zke_uri_status decode_text(const char *value, size_t len, char *field) {
    if (field[0] != 0)
        return ZKE_URI_DUPLICATE;
    size_t n;
    zke_uri_status st = decode(value, len, (uint8_t *)field, ZKE_URI_MAX_TEXT - 1, &n);
    if (st != ZKE_URI_OK)
        return st;
    if (memchr(field, 0, n) != NULL)
        return ZKE_URI_NUL_IN_TEXT;
    field[n] = 0;
    return n == 0 ? ZKE_URI_BAD_VALUE : ZKE_URI_OK;
}

static bool name_is(const char *name, size_t len, const char *expected) {
    return strlen(expected) == len && memcmp(name, expected, len) == 0;
}

static zke_uri_status parse_type(const char *value, size_t len, zke_uri *out) {
    char text[16];
    size_t n;
    if (out->type != ZKE_TYPE_ANY)
        return ZKE_URI_DUPLICATE;
    if (decode(value, len, (uint8_t *)text, sizeof text - 1, &n) != ZKE_URI_OK)
        return ZKE_URI_BAD_VALUE;
    text[n] = 0;
    if (strcmp(text, "private") == 0)
        out->type = ZKE_TYPE_PRIVATE;
    else if (strcmp(text, "public") == 0)
        out->type = ZKE_TYPE_PUBLIC;
    else if (strcmp(text, "cert") == 0)
        out->type = ZKE_TYPE_CERT;
    else if (strcmp(text, "data") == 0 || strcmp(text, "secret-key") == 0)
        out->type = ZKE_TYPE_OTHER;
    else
        return ZKE_URI_BAD_VALUE;
    return ZKE_URI_OK;
}

static zke_uri_status parse_slot_id(const char *value, size_t len, zke_uri *out) {
    if (out->has_slot_id)
        return ZKE_URI_DUPLICATE;
    if (len == 0 || len > 19)
        return ZKE_URI_BAD_VALUE;
    unsigned long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (value[i] < '0' || value[i] > '9')
            return ZKE_URI_BAD_VALUE;
        v = v * 10 + (unsigned long)(value[i] - '0');
    }
    out->slot_id = v;
    out->has_slot_id = true;
    return ZKE_URI_OK;
}

static zke_uri_status attribute(const char *name, size_t name_len, const char *value,
                                size_t value_len, bool query, zke_uri *out) {
    if (query) {
        if (name_is(name, name_len, "pin-value"))
            return decode_text(value, value_len, out->pin);
        if (name_is(name, name_len, "pin-source") || name_is(name, name_len, "module-path") ||
            name_is(name, name_len, "module-name"))
            return ZKE_URI_UNSUPPORTED;
        return ZKE_URI_OK;
    }
    if (name_is(name, name_len, "pin-value")) /* in the path: libp11 and OpenSC write it so */
        return decode_text(value, value_len, out->pin);
    if (name_is(name, name_len, "token"))
        return decode_text(value, value_len, out->token);
    if (name_is(name, name_len, "serial"))
        return decode_text(value, value_len, out->serial);
    if (name_is(name, name_len, "object"))
        return decode_text(value, value_len, out->object);
    if (name_is(name, name_len, "type"))
        return parse_type(value, value_len, out);
    if (name_is(name, name_len, "slot-id"))
        return parse_slot_id(value, value_len, out);
    if (name_is(name, name_len, "id")) {
        if (out->has_id)
            return ZKE_URI_DUPLICATE;
        zke_uri_status st = decode(value, value_len, out->id, sizeof out->id, &out->id_len);
        out->has_id = st == ZKE_URI_OK;
        return st;
    }
    return ZKE_URI_OK; /* library-*, manufacturer, model, slot-*: not needed to find a key */
}

zke_uri_status zke_uri_parse(const char *text, zke_uri *out) {
    memset(out, 0, sizeof *out);
    static const char scheme[] = "pkcs11:";
    if (text == NULL || strncmp(text, scheme, sizeof scheme - 1) != 0)
        return ZKE_URI_NOT_PKCS11;
    const char *p = text + sizeof scheme - 1;
    bool query = false;
    while (*p != 0) {
        const char *end = p;
        while (*end != 0 && *end != (query ? '&' : ';') && !(!query && *end == '?'))
            end++;
        if (end > p) {
            const char *eq = memchr(p, '=', (size_t)(end - p));
            if (eq == NULL)
                return ZKE_URI_BAD_VALUE;
            zke_uri_status st =
                attribute(p, (size_t)(eq - p), eq + 1, (size_t)(end - eq - 1), query, out);
            if (st != ZKE_URI_OK)
                return st;
        }
        if (*end == '?')
            query = true;
        p = *end == 0 ? end : end + 1;
    }
    return ZKE_URI_OK;
}

const char *zke_uri_status_text(zke_uri_status status) {
    switch (status) {
    case ZKE_URI_OK:
        return "ok";
    case ZKE_URI_NOT_PKCS11:
        return "not a pkcs11: URI";
    case ZKE_URI_BAD_ESCAPE:
        return "a '%' is not followed by two hex digits";
    case ZKE_URI_TOO_LONG:
        return "an attribute value is too long";
    case ZKE_URI_BAD_VALUE:
        return "an attribute has a bad value (name=value expected; slot-id a number; type "
               "private, public, cert, data or secret-key)";
    case ZKE_URI_UNSUPPORTED:
        return "pin-source, module-path and module-name are not supported: give the PIN as "
               "pin-value or in ZKBRIDGE_PIN, the module in ZKBRIDGE_PKCS11_LIB";
    case ZKE_URI_DUPLICATE:
        return "an attribute is given twice";
    case ZKE_URI_NUL_IN_TEXT:
        return "a text attribute contains %00";
    }
    return "unknown URI error";
}
