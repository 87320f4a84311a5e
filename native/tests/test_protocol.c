/* SPDX-License-Identifier: Apache-2.0 */
/* Checks the generated lookups (protocol_names.c) against spec/status.json and
 * spec/commands.json. Usage: test_protocol <spec directory> */
#include "test_util.h"
#include "zkb_protocol.h"

#define ERRNO_FALLBACK (-5) /* what zkb_status_errno gives for a status whose errno is null */

static unsigned char assigned[0x10000]; /* 1 = status code, 2 = command or event code */

static cJSON *load_spec(const char *dir, const char *file) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    return t_load_json(path);
}

static uint16_t code_of(const cJSON *entry) {
    const char *text = t_str(entry, "code");
    char *end = NULL;
    long value = strtol(text, &end, 16);
    if (*end != '\0' || value < 0 || value > 0xFFFF) {
        fprintf(stderr, "bad code \"%s\"\n", text);
        exit(2);
    }
    return (uint16_t)value;
}

static void check_statuses(const cJSON *doc) {
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(doc, "statuses");
    const cJSON *s;
    int count = 0;
    cJSON_ArrayForEach(s, list) {
        uint16_t code = code_of(s);
        const char *name = t_str(s, "name");
        const cJSON *errno_item = cJSON_GetObjectItemCaseSensitive(s, "errno");
        int want_errno = cJSON_IsNumber(errno_item) ? errno_item->valueint : ERRNO_FALLBACK;
        const char *got = zkb_status_name(code);
        CHECK(got != NULL && strcmp(got, name) == 0, "status 0x%04X: name %s, want %s", code,
              got ? got : "NULL", name);
        CHECK(zkb_status_errno(code) == want_errno, "status %s: errno %d, want %d", name,
              zkb_status_errno(code), want_errno);
        CHECK((assigned[code] & 1) == 0, "status code 0x%04X assigned twice", code);
        assigned[code] |= 1;
        count++;
    }
    CHECK(count == (int)ZKB_STATUS_COUNT, "%d statuses in JSON, header says %u", count,
          ZKB_STATUS_COUNT);
    CHECK(zkb_status_errno(ZKB_ST_OK) == 0, "OK must map to errno 0");
    CHECK(zkb_status_errno(ZKB_ST_ERR_TIMEOUT) == -110, "ERR_TIMEOUT must map to -110");
}

static int check_codes(const cJSON *doc, const char *key) {
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(doc, key);
    const cJSON *c;
    int count = 0;
    cJSON_ArrayForEach(c, list) {
        uint16_t code = code_of(c);
        const char *name = t_str(c, "name");
        const char *got = zkb_command_name(code);
        CHECK(got != NULL && strcmp(got, name) == 0, "%s 0x%04X: name %s, want %s", key, code,
              got ? got : "NULL", name);
        CHECK((assigned[code] & 2) == 0, "command code 0x%04X assigned twice", code);
        assigned[code] |= 2;
        count++;
    }
    return count;
}

/* Every code the JSON does not assign must give NULL / 0. */
static void check_unassigned(void) {
    int stray = 0;
    for (unsigned code = 0; code <= 0xFFFF; code++) {
        if (!(assigned[code] & 1) &&
            (zkb_status_name((uint16_t)code) != NULL || zkb_status_errno((uint16_t)code) != 0))
            stray++;
        if (!(assigned[code] & 2) && zkb_command_name((uint16_t)code) != NULL)
            stray++;
    }
    CHECK(stray == 0, "%d unassigned codes have a name or errno", stray);
    CHECK(zkb_status_name(0xFFFF) == NULL, "0xFFFF is not a status");
    CHECK(zkb_command_name(0x0000) == NULL, "0x0000 is not a command");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s <spec directory>\n", argv[0]);
        return 2;
    }
    cJSON *status_doc = load_spec(argv[1], "status.json");
    cJSON *command_doc = load_spec(argv[1], "commands.json");

    check_statuses(status_doc);
    int commands = check_codes(command_doc, "commands");
    int events = check_codes(command_doc, "events");
    CHECK(commands == (int)ZKB_COMMAND_COUNT, "%d commands in JSON, header says %u", commands,
          ZKB_COMMAND_COUNT);
    CHECK(events == (int)ZKB_EVENT_COUNT, "%d events in JSON, header says %u", events,
          ZKB_EVENT_COUNT);
    check_unassigned();

    cJSON_Delete(status_doc);
    cJSON_Delete(command_doc);
    return t_report("protocol");
}
