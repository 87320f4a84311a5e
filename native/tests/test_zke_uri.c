/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PKCS#11 URI parser tests over test/vectors/pkcs11_uri.json: the example URIs of RFC 7512 and
 * zkbridge's own cases, each parsed from an exact-size heap copy (and so is every prefix of it)
 * so that ASan flags a read past the NUL; every field of the result, fields not expected being
 * empty; the status texts; NULL input; and that a parse first resets its output.
 */
#include "uri.h"
#include "test_util.h"

#include <stdbool.h>

static const struct {
    const char *name;
    zke_uri_status status;
} STATUSES[] = {
    {"ZKE_URI_OK", ZKE_URI_OK},
    {"ZKE_URI_NOT_PKCS11", ZKE_URI_NOT_PKCS11},
    {"ZKE_URI_BAD_ESCAPE", ZKE_URI_BAD_ESCAPE},
    {"ZKE_URI_TOO_LONG", ZKE_URI_TOO_LONG},
    {"ZKE_URI_BAD_VALUE", ZKE_URI_BAD_VALUE},
    {"ZKE_URI_UNSUPPORTED", ZKE_URI_UNSUPPORTED},
    {"ZKE_URI_DUPLICATE", ZKE_URI_DUPLICATE},
    {"ZKE_URI_NUL_IN_TEXT", ZKE_URI_NUL_IN_TEXT},
};
#define N_STATUSES (sizeof STATUSES / sizeof STATUSES[0])

static const struct {
    const char *name;
    zke_object_type type;
} TYPES[] = {
    {"any", ZKE_TYPE_ANY},   {"private", ZKE_TYPE_PRIVATE}, {"public", ZKE_TYPE_PUBLIC},
    {"cert", ZKE_TYPE_CERT}, {"other", ZKE_TYPE_OTHER},
};

/* The keys an "expect" object may have; anything else is a typo in the vectors. */
static const char *const EXPECT_KEYS[] = {"token",  "serial",  "object", "pin",
                                          "id_hex", "slot_id", "type"};

/* Index of a status name in STATUSES; exits on an unknown name. */
static size_t status_index(const char *name) {
    for (size_t i = 0; i < N_STATUSES; i++)
        if (strcmp(STATUSES[i].name, name) == 0)
            return i;
    fprintf(stderr, "unknown status name '%s' in the vectors\n", name);
    exit(2);
}

static const char *status_name(zke_uri_status st) {
    for (size_t i = 0; i < N_STATUSES; i++)
        if (STATUSES[i].status == st)
            return STATUSES[i].name;
    return "(not a zke_uri_status)";
}

static bool is_status(zke_uri_status st) {
    for (size_t i = 0; i < N_STATUSES; i++)
        if (STATUSES[i].status == st)
            return true;
    return false;
}

static zke_object_type type_by_name(const char *name) {
    for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
        if (strcmp(TYPES[i].name, name) == 0)
            return TYPES[i].type;
    fprintf(stderr, "unknown type name '%s' in the vectors\n", name);
    exit(2);
}

/* Parses the first n bytes of text from a heap copy of exactly n + 1 bytes, so ASan flags any
 * read past the NUL. */
static zke_uri_status parse_exact(const char *text, size_t n, zke_uri *out) {
    char *copy = malloc(n + 1);
    memcpy(copy, text, n);
    copy[n] = 0;
    zke_uri_status st = zke_uri_parse(copy, out);
    free(copy);
    return st;
}

static bool all_zero(const zke_uri *u) {
    static const zke_uri zero;
    return memcmp(u, &zero, sizeof zero) == 0;
}

/* A text field: the expected string when given, else empty; always NUL-terminated in bounds. */
static void check_text(const char *name, const char *field, const char *got, const cJSON *expect) {
    const cJSON *want = cJSON_GetObjectItemCaseSensitive(expect, field);
    bool terminated = memchr(got, 0, ZKE_URI_MAX_TEXT) != NULL;
    CHECK(terminated, "%s: %s is not NUL-terminated", name, field);
    if (!terminated)
        return;
    if (want == NULL)
        CHECK(got[0] == 0, "%s: %s is '%s', expected empty", name, field, got);
    else
        CHECK(strcmp(got, t_str(expect, field)) == 0, "%s: %s is '%s', expected '%s'", name, field,
              got, want->valuestring);
}

static void check_id(const char *name, const zke_uri *u, const cJSON *expect) {
    if (cJSON_GetObjectItemCaseSensitive(expect, "id_hex") == NULL) {
        CHECK(!u->has_id && u->id_len == 0, "%s: id given (%zu bytes), expected none", name,
              u->id_len);
        return;
    }
    size_t n;
    uint8_t *want = t_unhex(t_str(expect, "id_hex"), &n);
    CHECK(u->has_id, "%s: has_id false", name);
    CHECK(u->id_len == n && memcmp(u->id, want, n) == 0, "%s: id differs (%zu bytes, expected %zu)",
          name, u->id_len, n);
    free(want);
}

static void check_slot_id(const char *name, const zke_uri *u, const cJSON *expect) {
    if (cJSON_GetObjectItemCaseSensitive(expect, "slot_id") == NULL) {
        CHECK(!u->has_slot_id && u->slot_id == 0, "%s: slot-id %lu given, expected none", name,
              u->slot_id);
        return;
    }
    unsigned long want = (unsigned long)t_num(expect, "slot_id");
    CHECK(u->has_slot_id && u->slot_id == want, "%s: slot-id %lu (has %d), expected %lu", name,
          u->slot_id, u->has_slot_id, want);
}

static void check_fields(const char *name, const zke_uri *u, const cJSON *expect) {
    const cJSON *item;
    cJSON_ArrayForEach(item, expect) {
        bool known = false;
        for (size_t i = 0; i < sizeof EXPECT_KEYS / sizeof EXPECT_KEYS[0]; i++)
            known |= strcmp(item->string, EXPECT_KEYS[i]) == 0;
        if (!known) {
            fprintf(stderr, "%s: unknown expect key '%s' in the vectors\n", name, item->string);
            exit(2);
        }
    }
    check_text(name, "token", u->token, expect);
    check_text(name, "serial", u->serial, expect);
    check_text(name, "object", u->object, expect);
    check_text(name, "pin", u->pin, expect);
    check_id(name, u, expect);
    check_slot_id(name, u, expect);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(expect, "type");
    zke_object_type want = type ? type_by_name(t_str(expect, "type")) : ZKE_TYPE_ANY;
    CHECK(u->type == want, "%s: type %d, expected %d", name, (int)u->type, (int)want);
}

/* Every prefix of the URI, each from its own exact-size copy: no over-read, a known status. */
static void check_prefixes(const char *name, const char *uri) {
    size_t len = strlen(uri);
    bool ok = true;
    for (size_t n = 0; n < len; n++) {
        zke_uri u;
        ok &= is_status(parse_exact(uri, n, &u));
    }
    CHECK(ok, "%s: every prefix gives a known status", name);
}

static void test_case(const cJSON *c, int *seen) {
    const char *name = t_str(c, "name"), *uri = t_str(c, "uri");
    size_t want = status_index(t_str(c, "status"));
    seen[want]++;
    zke_uri u;
    memset(&u, 0xa5, sizeof u);
    zke_uri_status st = parse_exact(uri, strlen(uri), &u);
    CHECK(st == STATUSES[want].status, "%s: status %s, expected %s", name, status_name(st),
          STATUSES[want].name);
    const cJSON *expect = cJSON_GetObjectItemCaseSensitive(c, "expect");
    if (expect != NULL && STATUSES[want].status != ZKE_URI_OK) {
        fprintf(stderr, "%s: expect given for a failing case\n", name);
        exit(2);
    }
    if (st == ZKE_URI_OK && STATUSES[want].status == ZKE_URI_OK)
        check_fields(name, &u, expect);
    check_prefixes(name, uri);
}

static void test_vectors(const cJSON *root) {
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(root, "groups");
    int seen[N_STATUSES] = {0};
    int n_groups = 0, n_cases = 0;
    const cJSON *g;
    cJSON_ArrayForEach(g, groups) {
        n_groups++;
        CHECK(t_str(g, "source")[0] != 0, "group %d has a source", n_groups);
        const cJSON *cases = cJSON_GetObjectItemCaseSensitive(g, "cases");
        CHECK(cJSON_GetArraySize(cases) > 0, "group '%s' has cases", t_str(g, "source"));
        const cJSON *c;
        cJSON_ArrayForEach(c, cases) {
            n_cases++;
            test_case(c, seen);
        }
    }
    CHECK(n_groups >= 2, "RFC 7512 and zkbridge groups (%d groups)", n_groups);
    for (size_t i = 0; i < N_STATUSES; i++)
        CHECK(seen[i] > 0, "some vector expects %s", STATUSES[i].name);
    printf("zke_uri: %d vectors in %d groups\n", n_cases, n_groups);
}

static void test_status_texts(void) {
    for (size_t i = 0; i < N_STATUSES; i++) {
        const char *text = zke_uri_status_text(STATUSES[i].status);
        CHECK(text != NULL && text[0] != 0, "%s has a text", STATUSES[i].name);
        for (size_t j = 0; j < i && text != NULL; j++) {
            const char *other = zke_uri_status_text(STATUSES[j].status);
            CHECK(other == NULL || strcmp(text, other) != 0, "%s and %s have the same text",
                  STATUSES[i].name, STATUSES[j].name);
        }
    }
    const char *unknown = zke_uri_status_text((zke_uri_status)99);
    CHECK(unknown != NULL && unknown[0] != 0, "an out-of-range status has a text");
}

static void test_null(void) {
    zke_uri u;
    memset(&u, 0xa5, sizeof u);
    CHECK(zke_uri_parse(NULL, &u) == ZKE_URI_NOT_PKCS11, "NULL text is not a pkcs11: URI");
    CHECK(all_zero(&u), "NULL text leaves the output zeroed");
}

static void test_reset(void) {
    static const char full[] = "pkcs11:token=T;serial=S;object=O;type=cert;slot-id=7;id=%01%02"
                               "?pin-value=P";
    zke_uri u;
    memset(&u, 0xa5, sizeof u);
    CHECK(zke_uri_parse(full, &u) == ZKE_URI_OK, "full URI parses");
    CHECK(u.token[0] && u.serial[0] && u.object[0] && u.pin[0] && u.has_id && u.has_slot_id &&
              u.type == ZKE_TYPE_CERT,
          "full URI sets every field");
    CHECK(zke_uri_parse("pkcs11:", &u) == ZKE_URI_OK && all_zero(&u),
          "pkcs11: after a full URI leaves every field empty");

    CHECK(zke_uri_parse(full, &u) == ZKE_URI_OK, "full URI parses again");
    CHECK(zke_uri_parse("pkcs11:id=%03", &u) == ZKE_URI_OK && u.has_id && u.id_len == 1 &&
              u.id[0] == 3 && u.id[1] == 0 && !u.token[0] && !u.serial[0] && !u.object[0] &&
              !u.pin[0] && !u.has_slot_id && u.slot_id == 0 && u.type == ZKE_TYPE_ANY,
          "an id-only URI after a full one keeps nothing of the first");

    CHECK(zke_uri_parse(full, &u) == ZKE_URI_OK, "full URI parses a third time");
    CHECK(zke_uri_parse("https://example.com/", &u) == ZKE_URI_NOT_PKCS11 && all_zero(&u),
          "a refused scheme after a full URI leaves the output zeroed");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <vectors dir>\n", argv[0]);
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/pkcs11_uri.json", argv[1]);
    cJSON *root = t_load_json(path);
    test_vectors(root);
    cJSON_Delete(root);
    test_status_texts();
    test_null();
    test_reset();
    return t_report("zke_uri");
}
