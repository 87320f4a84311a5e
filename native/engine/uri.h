/*
 * RFC 7512 PKCS#11 URIs, the part an engine key identifier needs: which token, which object,
 * and the PIN. Pure C, no I/O; tested with vectors (test/vectors/pkcs11_uri.json).
 */
#ifndef ZKE_URI_H
#define ZKE_URI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZKE_URI_MAX_ID   64
#define ZKE_URI_MAX_TEXT 128

typedef enum {
    ZKE_TYPE_ANY = 0,
    ZKE_TYPE_PRIVATE,
    ZKE_TYPE_PUBLIC,
    ZKE_TYPE_CERT,
    ZKE_TYPE_OTHER, /* data or secret-key: never a key the engine loads */
} zke_object_type;

/* What a URI selects. Text fields are NUL-terminated; an empty one was not given. */
typedef struct {
    char token[ZKE_URI_MAX_TEXT];  /* token=  (token label) */
    char serial[ZKE_URI_MAX_TEXT]; /* serial= (token serial number) */
    char object[ZKE_URI_MAX_TEXT]; /* object= (CKA_LABEL) */
    char pin[ZKE_URI_MAX_TEXT];    /* pin-value= (query) */
    uint8_t id[ZKE_URI_MAX_ID];    /* id= (CKA_ID, percent-decoded) */
    size_t id_len;
    bool has_id;
    bool has_slot_id;
    unsigned long slot_id; /* slot-id= */
    zke_object_type type;
} zke_uri;

typedef enum {
    ZKE_URI_OK = 0,
    ZKE_URI_NOT_PKCS11,  /* no "pkcs11:" scheme */
    ZKE_URI_BAD_ESCAPE,  /* a '%' not followed by two hex digits */
    ZKE_URI_TOO_LONG,    /* a value longer than its field */
    ZKE_URI_BAD_VALUE,   /* slot-id not a number, unknown type */
    ZKE_URI_UNSUPPORTED, /* pin-source and module-path: not read by this engine */
    ZKE_URI_DUPLICATE,   /* an attribute given twice */
    ZKE_URI_NUL_IN_TEXT, /* %00 in a text attribute */
} zke_uri_status;

/*
 * Parses `text` into `out` (zeroed first). Attributes the engine does not select keys by
 * (manufacturer, model, library-*, slot-description, slot-manufacturer, vendor ones) are ignored,
 * so they do not narrow the choice. pin-value is read in the query (RFC 7512) and in the path
 * (as libp11 and OpenSC write it). An empty text value is refused.
 */
zke_uri_status zke_uri_parse(const char *text, zke_uri *out);

/* A short English description of a status, for error messages. */
const char *zke_uri_status_text(zke_uri_status status);

#endif
