/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Configuration tests: the default socket against the values src/emulator/paths.ts computes
 * (test/vectors/pkcs11_config.json), ZKBRIDGE_DEVICE lists, config files found through each
 * variable (temp directories), their keys and errors, and the environment overrides.
 */
#define _GNU_SOURCE /* setenv, mkdtemp */
#include "config.h"
#include "test_util.h"

#include <sys/stat.h>
#include <unistd.h>

static char tmp_root[256];

/* Every variable the loader reads, cleared before each case. */
static const char *const VARS[] = {
    "ZKBRIDGE_DEVICE",
    "ZKBRIDGE_PKCS11_CONF",
    "ZKBRIDGE_SOCKET",
    "XDG_RUNTIME_DIR",
    "XDG_CONFIG_HOME",
    "HOME",
    "TMPDIR",
    "TMP",
    "TEMP",
    "ZKBRIDGE_PKCS11_HIDE_CURVES",
    "ZKBRIDGE_TIMEOUT_MS",
};

/* A clean environment whose config file is a missing one, so no real file interferes. */
static void reset_env(void) {
    for (size_t i = 0; i < sizeof VARS / sizeof VARS[0]; i++)
        unsetenv(VARS[i]);
    char missing[512];
    snprintf(missing, sizeof missing, "%s/no-such.conf", tmp_root);
    setenv("ZKBRIDGE_PKCS11_CONF", missing, 1);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

/* Writes a config file and points ZKBRIDGE_PKCS11_CONF at it. */
static void use_conf(const char *text) {
    static char path[512];
    snprintf(path, sizeof path, "%s/test.conf", tmp_root);
    write_file(path, text);
    setenv("ZKBRIDGE_PKCS11_CONF", path, 1);
}

static void test_default_socket(const cJSON *root) {
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(root, "cases");
    const cJSON *c;
    char uid[32];
    snprintf(uid, sizeof uid, "%lu", (unsigned long)geteuid());
    cJSON_ArrayForEach(c, cases) {
        reset_env();
        const cJSON *env = cJSON_GetObjectItemCaseSensitive(c, "env"), *v;
        cJSON_ArrayForEach(v, env) setenv(v->string, v->valuestring, 1);
        /* expected with {uid} replaced, prefixed as an address */
        const char *tmpl = t_str(c, "expected");
        char want[1024] = "unix:";
        const char *mark = strstr(tmpl, "{uid}");
        if (mark)
            snprintf(want + 5, sizeof want - 5, "%.*s%s%s", (int)(mark - tmpl), tmpl, uid,
                     mark + 5);
        else
            snprintf(want + 5, sizeof want - 5, "%s", tmpl);
        zkp_config cfg;
        char err[256];
        int rc = zkp_config_load(&cfg, err, sizeof err);
        CHECK(rc == 0, "%s: load failed: %s", t_str(c, "name"), err);
        CHECK(cfg.device_count == 1 && strcmp(cfg.devices[0], want) == 0, "%s: got '%s', want '%s'",
              t_str(c, "name"), cfg.devices[0], want);
        CHECK(strstr(cfg.source, "default") != NULL, "%s: source '%s'", t_str(c, "name"),
              cfg.source);
    }
}

static void test_env_devices(void) {
    zkp_config cfg;
    char err[256];
    reset_env();
    setenv("ZKBRIDGE_DEVICE", "unix:/a.sock", 1);
    CHECK(zkp_config_load(&cfg, err, sizeof err) == 0, "one device: %s", err);
    CHECK(cfg.device_count == 1 && strcmp(cfg.devices[0], "unix:/a.sock") == 0, "one device");
    CHECK(strcmp(cfg.source, "ZKBRIDGE_DEVICE") == 0, "source %s", cfg.source);
    CHECK(cfg.hide_curves == 0 && cfg.timeout_ms == 0 && cfg.label[0] == 0, "defaults");

    setenv("ZKBRIDGE_DEVICE", " unix:/a.sock , tcp:127.0.0.1:7070,,/b.sock ", 1);
    CHECK(zkp_config_load(&cfg, err, sizeof err) == 0, "list: %s", err);
    CHECK(cfg.device_count == 3, "three devices, got %zu", cfg.device_count);
    CHECK(strcmp(cfg.devices[0], "unix:/a.sock") == 0, "first trimmed '%s'", cfg.devices[0]);
    CHECK(strcmp(cfg.devices[1], "tcp:127.0.0.1:7070") == 0, "second");
    CHECK(strcmp(cfg.devices[2], "/b.sock") == 0, "third (empty item skipped)");

    setenv("ZKBRIDGE_DEVICE", "/1,/2,/3,/4,/5,/6,/7,/8", 1);
    CHECK(zkp_config_load(&cfg, err, sizeof err) == 0 && cfg.device_count == 8, "eight");
    setenv("ZKBRIDGE_DEVICE", "/1,/2,/3,/4,/5,/6,/7,/8,/9", 1);
    CHECK(zkp_config_load(&cfg, err, sizeof err) == -1 && strstr(err, "more than"), "nine: %s",
          err);

    char longaddr[ZKP_ADDRESS_MAX + 10];
    memset(longaddr, 'x', sizeof longaddr - 1);
    longaddr[0] = '/';
    longaddr[sizeof longaddr - 1] = 0;
    setenv("ZKBRIDGE_DEVICE", longaddr, 1);
    CHECK(zkp_config_load(&cfg, err, sizeof err) == -1 && strstr(err, "longer"), "too long: %s",
          err);
    longaddr[ZKP_ADDRESS_MAX - 1] = 0; /* exactly ZKP_ADDRESS_MAX - 1 bytes fits */
    setenv("ZKBRIDGE_DEVICE", longaddr, 1);
    CHECK(zkp_config_load(&cfg, err, sizeof err) == 0, "longest address fits: %s", err);

    setenv("ZKBRIDGE_DEVICE", " , ", 1);
    CHECK(zkp_config_load(&cfg, err, sizeof err) == -1, "only separators");

    setenv("ZKBRIDGE_DEVICE", "emulator", 1);
    setenv("ZKBRIDGE_SOCKET", "/run/emu.sock", 1);
    CHECK(zkp_config_load(&cfg, err, sizeof err) == 0 && cfg.device_count == 1 &&
              strcmp(cfg.devices[0], "unix:/run/emu.sock") == 0,
          "'emulator' is the emulator's socket: '%s'", cfg.devices[0]);

    /* An empty ZKBRIDGE_DEVICE counts as unset. */
    setenv("ZKBRIDGE_DEVICE", "", 1);
    CHECK(zkp_config_load(&cfg, err, sizeof err) == 0 &&
              strcmp(cfg.devices[0], "unix:/run/emu.sock") == 0,
          "empty ZKBRIDGE_DEVICE");
}

static void test_file(void) {
    zkp_config cfg;
    char err[512];
    reset_env();
    use_conf("# zkbridge token\n"
             "\n"
             "device = unix:/run/one.sock\r\n"
             "  device=tcp:[::1]:7070  \n"
             "label = My Token\n"
             "\t# indented comment\n"
             "hide_curves = ed25519 , x25519,\n"
             "timeout_ms = 1500");
    CHECK(zkp_config_load(&cfg, err, sizeof err) == 0, "file: %s", err);
    CHECK(cfg.device_count == 2, "two devices");
    CHECK(strcmp(cfg.devices[0], "unix:/run/one.sock") == 0, "CR trimmed: '%s'", cfg.devices[0]);
    CHECK(strcmp(cfg.devices[1], "tcp:[::1]:7070") == 0, "second '%s'", cfg.devices[1]);
    CHECK(strcmp(cfg.label, "My Token") == 0, "label '%s'", cfg.label);
    CHECK(cfg.hide_curves == ((1u << 2) | (1u << 3)), "hide 0x%x", cfg.hide_curves);
    CHECK(cfg.timeout_ms == 1500, "timeout %d", cfg.timeout_ms);
    CHECK(strstr(cfg.source, "test.conf") != NULL, "source is the file: %s", cfg.source);

    /* ZKBRIDGE_DEVICE replaces the file's devices but keeps its other settings. */
    setenv("ZKBRIDGE_DEVICE", "/env.sock", 1);
    CHECK(zkp_config_load(&cfg, err, sizeof err) == 0, "env + file: %s", err);
    CHECK(cfg.device_count == 1 && strcmp(cfg.devices[0], "/env.sock") == 0, "env wins");
    CHECK(strcmp(cfg.label, "My Token") == 0 && cfg.timeout_ms == 1500, "file keys kept");
    unsetenv("ZKBRIDGE_DEVICE");

    /* Environment overrides. */
    setenv("ZKBRIDGE_PKCS11_HIDE_CURVES", "p256,secp256k1", 1);
    setenv("ZKBRIDGE_TIMEOUT_MS", "250", 1);
    CHECK(zkp_config_load(&cfg, err, sizeof err) == 0, "overrides: %s", err);
    CHECK(cfg.hide_curves == 3 && cfg.timeout_ms == 250, "overrides applied");
    setenv("ZKBRIDGE_PKCS11_HIDE_CURVES", "", 1);
    CHECK(zkp_config_load(&cfg, err, sizeof err) == 0 && cfg.hide_curves == 0,
          "empty override shows every curve");
    setenv("ZKBRIDGE_PKCS11_HIDE_CURVES", "ed448", 1);
    CHECK(zkp_config_load(&cfg, err, sizeof err) == -1 && strstr(err, "ed448"), "bad env curve");
    unsetenv("ZKBRIDGE_PKCS11_HIDE_CURVES");
    setenv("ZKBRIDGE_TIMEOUT_MS", "soon", 1);
    CHECK(zkp_config_load(&cfg, err, sizeof err) == -1 && strstr(err, "ZKBRIDGE_TIMEOUT_MS"),
          "bad env timeout: %s", err);
    unsetenv("ZKBRIDGE_TIMEOUT_MS");

    /* A file without devices keeps the default socket. */
    use_conf("label = x\n");
    setenv("ZKBRIDGE_SOCKET", "/d.sock", 1);
    CHECK(zkp_config_load(&cfg, err, sizeof err) == 0 && cfg.device_count == 1 &&
              strcmp(cfg.devices[0], "unix:/d.sock") == 0 && strcmp(cfg.label, "x") == 0,
          "file without device");

    /* An empty file is fine. */
    use_conf("");
    CHECK(zkp_config_load(&cfg, err, sizeof err) == 0, "empty file");
    /* The longest label fits; one more byte does not. */
    use_conf("label = 12345678901234567890123456789012\n");
    CHECK(zkp_config_load(&cfg, err, sizeof err) == 0 && strlen(cfg.label) == 32, "32-byte label");
}

static void expect_error(const char *text, const char *needle) {
    zkp_config cfg;
    char err[512] = "";
    use_conf(text);
    int rc = zkp_config_load(&cfg, err, sizeof err);
    CHECK(rc == -1 && strstr(err, needle) != NULL, "config '%s': rc %d, message '%s' lacks '%s'",
          text, rc, err, needle);
}

static void test_file_errors(void) {
    reset_env();
    expect_error("device\n", "test.conf:1: expected `key = value`");
    expect_error("# c\n\nlabel = a\nfrobnicate = 1\n", "test.conf:4: unknown key 'frobnicate'");
    expect_error("device =\n", "empty device address");
    expect_error("hide_curves = p256, p384\n", "unknown curve 'p384'");
    expect_error("timeout_ms = 0\n", "timeout_ms must be");
    expect_error("timeout_ms = -5\n", "timeout_ms must be");
    expect_error("timeout_ms = 99999999999999999999\n", "timeout_ms must be");
    expect_error("timeout_ms = 12ms\n", "timeout_ms must be");
    expect_error("timeout_ms =\n", "timeout_ms is empty");
    expect_error("label = 123456789012345678901234567890123\n", "label longer than 32 bytes");
    expect_error("device=/1\ndevice=/2\ndevice=/3\ndevice=/4\ndevice=/5\ndevice=/6\n"
                 "device=/7\ndevice=/8\ndevice=/9\n",
                 "test.conf:9: more than 8 devices");

    /* A directory where the file should be exists but cannot be read. */
    zkp_config cfg;
    char err[512];
    setenv("ZKBRIDGE_PKCS11_CONF", tmp_root, 1);
    CHECK(zkp_config_load(&cfg, err, sizeof err) == -1 && strstr(err, "cannot read"),
          "directory as config: %s", err);
    /* A NULL / zero-size message buffer is allowed. */
    CHECK(zkp_config_load(&cfg, NULL, 0) == -1, "error without message buffer");
}

static void test_lookup(void) {
    zkp_config cfg;
    char err[512], dir[512], path[600];

    /* $XDG_CONFIG_HOME/zkbridge/pkcs11.conf */
    reset_env();
    unsetenv("ZKBRIDGE_PKCS11_CONF");
    snprintf(dir, sizeof dir, "%s/xdg", tmp_root);
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/zkbridge", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/zkbridge/pkcs11.conf", dir);
    write_file(path, "device = /from-xdg.sock\n");
    setenv("XDG_CONFIG_HOME", dir, 1);
    CHECK(zkp_config_load(&cfg, err, sizeof err) == 0 &&
              strcmp(cfg.devices[0], "/from-xdg.sock") == 0 && strcmp(cfg.source, path) == 0,
          "XDG_CONFIG_HOME file: %s / %s", cfg.devices[0], cfg.source);

    /* ~/.config/zkbridge/pkcs11.conf when XDG_CONFIG_HOME is unset (or relative). */
    snprintf(dir, sizeof dir, "%s/home", tmp_root);
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/.config", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/.config/zkbridge", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/.config/zkbridge/pkcs11.conf", dir);
    write_file(path, "device = /from-home.sock\n");
    unsetenv("XDG_CONFIG_HOME");
    setenv("HOME", dir, 1);
    CHECK(zkp_config_load(&cfg, err, sizeof err) == 0 &&
              strcmp(cfg.devices[0], "/from-home.sock") == 0,
          "HOME file: %s", cfg.devices[0]);
    setenv("XDG_CONFIG_HOME", "relative/dir", 1);
    CHECK(zkp_config_load(&cfg, err, sizeof err) == 0 &&
              strcmp(cfg.devices[0], "/from-home.sock") == 0,
          "relative XDG_CONFIG_HOME ignored: %s", cfg.devices[0]);

    /* An existing XDG_CONFIG_HOME without the file: ~/.config is not consulted (XDG replaces
     * it), so the result is /etc's file when the machine has one, else the default socket. */
    snprintf(dir, sizeof dir, "%s/xdg-empty", tmp_root);
    mkdir(dir, 0700);
    setenv("XDG_CONFIG_HOME", dir, 1);
    setenv("ZKBRIDGE_SOCKET", "/default.sock", 1);
    if (access("/etc/zkbridge/pkcs11.conf", F_OK) != 0) {
        CHECK(zkp_config_load(&cfg, err, sizeof err) == 0 &&
                  strcmp(cfg.devices[0], "unix:/default.sock") == 0,
              "no file anywhere: %s", cfg.devices[0]);
    }

    /* ZKBRIDGE_PKCS11_CONF naming a missing file: no config file, even though ~ has one. */
    reset_env();
    snprintf(dir, sizeof dir, "%s/home", tmp_root);
    setenv("HOME", dir, 1);
    setenv("ZKBRIDGE_SOCKET", "/default.sock", 1);
    CHECK(zkp_config_load(&cfg, err, sizeof err) == 0 &&
              strcmp(cfg.devices[0], "unix:/default.sock") == 0,
          "missing explicit file is no file: %s", cfg.devices[0]);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <vectors dir>\n", argv[0]);
        return 2;
    }
    const char *base = getenv("TMPDIR");
    snprintf(tmp_root, sizeof tmp_root, "%s/zkp-config-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmp_root)) {
        perror("mkdtemp");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/pkcs11_config.json", argv[1]);
    cJSON *root = t_load_json(path);
    test_default_socket(root);
    test_env_devices();
    test_file();
    test_file_errors();
    test_lookup();
    cJSON_Delete(root);

    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp_root);
    return t_report("pk11_config");
}
