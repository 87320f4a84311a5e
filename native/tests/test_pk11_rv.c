/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device status -> CK_RV table against spec/status.json: every status the protocol defines
 * has its own row (no default fall-through hides a new status), every row names a real status,
 * and the mappings applications depend on have the expected values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p11.h"
#include "test_util.h"

static unsigned long parse_code(const char *s) {
    return strtoul(s, NULL, 16);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <test/vectors dir>\n", argv[0]);
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/../../spec/status.json", argv[1]);
    cJSON *root = t_load_json(path);
    const cJSON *statuses = cJSON_GetObjectItemCaseSensitive(root, "statuses");
    CHECK(cJSON_IsArray(statuses), "status.json has a statuses array");

    size_t n;
    const zkp_status_rv *table = zkp_status_table(&n);
    const cJSON *st;
    size_t in_spec = 0;
    cJSON_ArrayForEach(st, statuses) {
        const char *name = t_str(st, "name");
        uint16_t code = (uint16_t)parse_code(t_str(st, "code"));
        bool known = false;
        (void)zkp_rv_from_status(code, &known);
        CHECK(known, "status %s (0x%04x) has no CK_RV row", name, code);
        in_spec++;
    }
    /* every row names a status of the spec, once */
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        cJSON_ArrayForEach(st, statuses) {
            if (parse_code(t_str(st, "code")) == table[i].status)
                found = true;
        }
        CHECK(found, "row 0x%04x is not a status of spec/status.json", table[i].status);
        for (size_t j = i + 1; j < n; j++)
            CHECK(table[i].status != table[j].status, "row 0x%04x twice", table[i].status);
    }
    CHECK(n == in_spec, "table has %zu rows, spec %zu statuses", n, in_spec);

    static const struct {
        uint16_t status;
        CK_RV rv;
    } spot[] = {
        {ZKB_ST_OK, CKR_OK},
        {ZKB_ST_ERR_PIN_INCORRECT, CKR_PIN_INCORRECT},
        {ZKB_ST_ERR_PIN_LOCKED, CKR_PIN_LOCKED},
        {ZKB_ST_ERR_NOT_LOGGED_IN, CKR_USER_NOT_LOGGED_IN},
        {ZKB_ST_ERR_OBJECT_NOT_FOUND, CKR_OBJECT_HANDLE_INVALID},
        {ZKB_ST_ERR_PIN_NOT_INITIALIZED, CKR_USER_PIN_NOT_INITIALIZED},
        {ZKB_ST_ERR_PIN_LEN_RANGE, CKR_PIN_LEN_RANGE},
        {ZKB_ST_ERR_OBJECT_STORE_FULL, CKR_DEVICE_MEMORY},
        {ZKB_ST_ERR_NO_SUCH_SLOT, CKR_KEY_HANDLE_INVALID},
        {ZKB_ST_ERR_SLOT_NOT_REMOVABLE, CKR_ACTION_PROHIBITED},
        {ZKB_ST_ERR_KEY_TYPE_MISMATCH, CKR_KEY_TYPE_INCONSISTENT},
        {ZKB_ST_ERR_UNSUPPORTED_CURVE, CKR_CURVE_NOT_SUPPORTED},
        {ZKB_ST_ERR_KEY_STORE_FULL, CKR_DEVICE_MEMORY},
        {ZKB_ST_ERR_DATA_TOO_LARGE, CKR_DATA_LEN_RANGE},
        {ZKB_ST_ERR_UNKNOWN_COMMAND, CKR_FUNCTION_NOT_SUPPORTED},
        {ZKB_ST_ERR_INTERNAL, CKR_DEVICE_ERROR},
    };
    for (size_t i = 0; i < sizeof spot / sizeof spot[0]; i++) {
        CK_RV rv = zkp_rv_from_status(spot[i].status, NULL);
        CHECK(rv == spot[i].rv, "status 0x%04x -> 0x%lx, want 0x%lx", spot[i].status, rv,
              spot[i].rv);
    }
    bool known = true;
    CHECK(zkp_rv_from_status(0x7777, &known) == CKR_DEVICE_ERROR && !known,
          "unknown status -> CKR_DEVICE_ERROR, not known");

    CHECK(zkp_rv_from_transport(ZKP_DEV_OK) == CKR_OK, "transport ok");
    CHECK(zkp_rv_from_transport(ZKP_DEV_UNREACHABLE) == CKR_DEVICE_REMOVED, "unreachable");
    CHECK(zkp_rv_from_transport(ZKP_DEV_PROTOCOL) == CKR_DEVICE_ERROR, "protocol");
    CHECK(zkp_rv_from_transport(ZKP_DEV_NO_MEMORY) == CKR_HOST_MEMORY, "no memory");
    CHECK(zkp_rv_from_transport(ZKP_DEV_TOO_LARGE) == CKR_DATA_LEN_RANGE, "too large");
    CHECK(zkp_rv_from_transport(ZKP_DEV_TIMEOUT) == CKR_DEVICE_ERROR, "timeout");
    CHECK(zkp_rv_name(CKR_PIN_LOCKED) && strcmp(zkp_rv_name(CKR_PIN_LOCKED), "CKR_PIN_LOCKED") == 0,
          "rv names");
    cJSON_Delete(root);
    return t_report("pk11_rv");
}
