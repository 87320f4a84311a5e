/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Token configuration: device addresses from ZKBRIDGE_DEVICE, a config file or the emulator's
 * default socket (see config.h for the order), plus the file's label / hide_curves / timeout_ms
 * and their environment overrides. Runs once per C_Initialize, so clarity beats speed; every
 * failure names the file and line so a user can fix it without reading this code.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONF_MAX_BYTES 65536 /* a config file is a handful of lines; more is a mistake */
#define CONF_PATH_MAX  4096
#define TIMEOUT_MAX_MS 86400000L /* one day */

static int fail(char *err, size_t cap, const char *fmt, ...) {
    if (err && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, cap, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* getenv, but an empty value counts as unset (as `if (env[...])` does in the TypeScript). */
static const char *env_nonempty(const char *name) {
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* Copies src into dst[cap] with a terminator; -1 when it does not fit. */
static int copy_str(char *dst, size_t cap, const char *src, size_t n) {
    if (n >= cap)
        return -1;
    memcpy(dst, src, n);
    dst[n] = 0;
    return 0;
}

/* Copies src into dst[cap], truncating (only used for messages and known-short paths). */
static void set_str(char *dst, size_t cap, const char *src) {
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

/*
 * Node's path.join(base, a, b) for POSIX: joins with '/' and normalizes ('.' and empty segments
 * dropped, '..' resolved, kept at the front of a relative path, dropped at the root of an
 * absolute one). The default socket must be byte-identical to what the emulator computes, or
 * the token would look for the device in a different place for unusual TMPDIR values.
 */
static int node_join(char *out, size_t cap, const char *base, const char *a, const char *b) {
    char joined[CONF_PATH_MAX];
    int n = snprintf(joined, sizeof joined, "%s/%s/%s", base, a, b);
    if (n < 0 || (size_t)n >= sizeof joined)
        return -1;
    int absolute = joined[0] == '/';
    size_t len = 0;     /* bytes of the normalized relative part in out */
    size_t leading = 0; /* bytes of leading "../" segments that cannot be resolved further */
    char *seg = joined;
    if (cap < 2)
        return -1;
    while (*seg) {
        while (*seg == '/')
            seg++;
        char *end = seg;
        while (*end && *end != '/')
            end++;
        size_t sl = (size_t)(end - seg);
        if (sl == 0 || (sl == 1 && seg[0] == '.')) {
            /* nothing */
        } else if (sl == 2 && seg[0] == '.' && seg[1] == '.') {
            if (len > leading) {
                /* Drop the last segment (and its separator). */
                while (len > leading && out[len - 1] != '/')
                    len--;
                if (len > leading)
                    len--; /* the separator before it */
            } else if (!absolute) {
                if (len + 3 + 1 > cap)
                    return -1;
                if (len)
                    out[len++] = '/';
                memcpy(out + len, "..", 2);
                len += 2;
                leading = len;
            }
        } else {
            size_t need = len + (len ? 1 : 0) + sl;
            if (need + 2 > cap) /* room for a leading '/' and the terminator */
                return -1;
            if (len)
                out[len++] = '/';
            memcpy(out + len, seg, sl);
            len += sl;
        }
        seg = end;
    }
    if (absolute) {
        memmove(out + 1, out, len);
        out[0] = '/';
        len++;
    } else if (len == 0) {
        out[len++] = '.';
    }
    out[len] = 0;
    return 0;
}

/* The emulator's default socket (src/emulator/paths.ts defaultSocketPath). */
static int default_socket(char *out, size_t cap) {
    const char *s = env_nonempty("ZKBRIDGE_SOCKET");
    if (s)
        return copy_str(out, cap, s, strlen(s));
    const char *runtime = env_nonempty("XDG_RUNTIME_DIR");
    if (runtime)
        return node_join(out, cap, runtime, "zkbridge", "device.sock");
    /* os.tmpdir(): TMPDIR, TMP, TEMP, else /tmp, without one trailing '/'; userInfo().uid is
     * the effective uid. */
    const char *tmp = env_nonempty("TMPDIR");
    if (!tmp)
        tmp = env_nonempty("TMP");
    if (!tmp)
        tmp = env_nonempty("TEMP");
    if (!tmp)
        tmp = "/tmp";
    char dir[64];
    snprintf(dir, sizeof dir, "zkbridge-%lu", (unsigned long)geteuid());
    return node_join(out, cap, tmp, dir, "device.sock");
}

/* --- config file ------------------------------------------------------------------------ */

/* Opens the first config file that exists. Returns an fd, -1 when there is none, -2 on an
 * error (message written). */
static int open_config(char *path, size_t cap, char *err, size_t err_cap) {
    const char *explicit_path = env_nonempty("ZKBRIDGE_PKCS11_CONF");
    char candidates[3][CONF_PATH_MAX];
    size_t count = 0;
    if (explicit_path) {
        /* An explicit file that does not exist means "no config file": tests and sandboxes
         * point it at a missing file to keep the user's and the system's files out. */
        set_str(candidates[count++], CONF_PATH_MAX, explicit_path);
    } else {
        const char *xdg = env_nonempty("XDG_CONFIG_HOME");
        const char *home = env_nonempty("HOME");
        struct passwd pw, *found = NULL;
        char pwbuf[1024];
        if (!home && getpwuid_r(geteuid(), &pw, pwbuf, sizeof pwbuf, &found) == 0 && found &&
            found->pw_dir && found->pw_dir[0])
            home = found->pw_dir;
        /* XDG base directories: a relative XDG_CONFIG_HOME is invalid and ignored, and the
         * variable replaces ~/.config rather than adding to it. */
        if (xdg && xdg[0] == '/')
            snprintf(candidates[count++], CONF_PATH_MAX, "%s/zkbridge/pkcs11.conf", xdg);
        else if (home)
            snprintf(candidates[count++], CONF_PATH_MAX, "%s/.config/zkbridge/pkcs11.conf", home);
        set_str(candidates[count++], CONF_PATH_MAX, "/etc/zkbridge/pkcs11.conf");
    }
    for (size_t i = 0; i < count; i++) {
        int fd = open(candidates[i], O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            set_str(path, cap, candidates[i]);
            return fd;
        }
        if (errno != ENOENT && errno != ENOTDIR) {
            fail(err, err_cap, "cannot open config file %s: %s", candidates[i], strerror(errno));
            return -2;
        }
    }
    return -1;
}

/* Reads the whole file into a NUL-terminated heap buffer; NULL with a message on error. */
static char *slurp(int fd, const char *path, char *err, size_t err_cap) {
    char *text = malloc(CONF_MAX_BYTES + 1);
    if (!text) {
        fail(err, err_cap, "out of memory reading %s", path);
        return NULL;
    }
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, text + len, CONF_MAX_BYTES + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fail(err, err_cap, "cannot read config file %s: %s", path, strerror(errno));
            free(text);
            return NULL;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > CONF_MAX_BYTES) {
            fail(err, err_cap, "config file %s is larger than %d bytes", path, CONF_MAX_BYTES);
            free(text);
            return NULL;
        }
    }
    text[len] = 0;
    if (strlen(text) != len) {
        fail(err, err_cap, "config file %s contains a NUL byte", path);
        free(text);
        return NULL;
    }
    return text;
}

static int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Trims [*s, *e) in place. */
static void trim(const char **s, const char **e) {
    while (*s < *e && is_space(**s))
        (*s)++;
    while (*e > *s && is_space((*e)[-1]))
        (*e)--;
}

static int span_is(const char *s, const char *e, const char *word) {
    size_t n = strlen(word);
    return (size_t)(e - s) == n && memcmp(s, word, n) == 0;
}

/* Parses a hide_curves list ("p256, ed25519"); empty items are allowed. Returns 0 or -1 with
 * a message naming `where`. */
static int parse_curves(const char *s, const char *e, uint8_t *bits, const char *where, char *err,
                        size_t err_cap) {
    static const char *const NAMES[] = {"p256", "secp256k1", "ed25519", "x25519"};
    uint8_t out = 0;
    while (s <= e) {
        const char *comma = memchr(s, ',', (size_t)(e - s));
        const char *item_end = comma ? comma : e;
        const char *is = s, *ie = item_end;
        trim(&is, &ie);
        if (is < ie) {
            size_t k;
            for (k = 0; k < 4; k++)
                if (span_is(is, ie, NAMES[k]))
                    break;
            if (k == 4)
                return fail(err, err_cap,
                            "%s: unknown curve '%.*s' in hide_curves (use p256, secp256k1, "
                            "ed25519, x25519)",
                            where, (int)(ie - is), is);
            out |= (uint8_t)(1u << k);
        }
        if (!comma)
            break;
        s = comma + 1;
    }
    *bits = out;
    return 0;
}

/* Parses a positive decimal millisecond count. */
static int parse_timeout(const char *s, const char *e, int *ms, const char *where, char *err,
                         size_t err_cap) {
    long v = 0;
    if (s == e)
        return fail(err, err_cap, "%s: timeout_ms is empty", where);
    for (const char *p = s; p < e; p++) {
        if (*p < '0' || *p > '9' || v > TIMEOUT_MAX_MS)
            return fail(err, err_cap, "%s: timeout_ms must be 1..%ld milliseconds", where,
                        TIMEOUT_MAX_MS);
        v = v * 10 + (*p - '0');
    }
    if (v < 1 || v > TIMEOUT_MAX_MS)
        return fail(err, err_cap, "%s: timeout_ms must be 1..%ld milliseconds", where,
                    TIMEOUT_MAX_MS);
    *ms = (int)v;
    return 0;
}

static int add_device(zkp_config *cfg, const char *s, size_t n, const char *where, char *err,
                      size_t err_cap) {
    if (n == 0)
        return fail(err, err_cap, "%s: empty device address", where);
    if (cfg->device_count == ZKP_MAX_DEVICES)
        return fail(err, err_cap, "%s: more than %d devices", where, ZKP_MAX_DEVICES);
    if (copy_str(cfg->devices[cfg->device_count], ZKP_ADDRESS_MAX, s, n) != 0)
        return fail(err, err_cap, "%s: device address longer than %d bytes", where,
                    ZKP_ADDRESS_MAX - 1);
    cfg->device_count++;
    return 0;
}

static int parse_file(zkp_config *cfg, const char *path, char *text, char *err, size_t err_cap) {
    char where[CONF_PATH_MAX + 32];
    unsigned line_no = 0;
    char *line = text;
    while (line && *line) {
        line_no++;
        char *nl = strchr(line, '\n');
        const char *s = line, *e = nl ? nl : line + strlen(line);
        line = nl ? nl + 1 : NULL;
        snprintf(where, sizeof where, "%s:%u", path, line_no);
        trim(&s, &e);
        if (s == e || *s == '#')
            continue;
        const char *eq = memchr(s, '=', (size_t)(e - s));
        if (!eq)
            return fail(err, err_cap, "%s: expected `key = value`", where);
        const char *ks = s, *ke = eq, *vs = eq + 1, *ve = e;
        trim(&ks, &ke);
        trim(&vs, &ve);
        if (span_is(ks, ke, "device")) {
            if (add_device(cfg, vs, (size_t)(ve - vs), where, err, err_cap) != 0)
                return -1;
        } else if (span_is(ks, ke, "label")) {
            if (copy_str(cfg->label, sizeof cfg->label, vs, (size_t)(ve - vs)) != 0)
                return fail(err, err_cap, "%s: label longer than 32 bytes", where);
        } else if (span_is(ks, ke, "hide_curves")) {
            if (parse_curves(vs, ve, &cfg->hide_curves, where, err, err_cap) != 0)
                return -1;
        } else if (span_is(ks, ke, "timeout_ms")) {
            if (parse_timeout(vs, ve, &cfg->timeout_ms, where, err, err_cap) != 0)
                return -1;
        } else {
            /* Strict: a misspelt key would otherwise silently change nothing. */
            return fail(err, err_cap,
                        "%s: unknown key '%.*s' (known: device, label, hide_curves, timeout_ms)",
                        where, (int)(ke - ks), ks);
        }
    }
    return 0;
}

/* --- assembling the configuration ----------------------------------------------------------- */

static int devices_from_env(zkp_config *cfg, const char *value, char *err, size_t err_cap) {
    const char *s = value;
    for (;;) {
        const char *comma = strchr(s, ',');
        const char *e = comma ? comma : s + strlen(s);
        const char *is = s, *ie = e;
        trim(&is, &ie);
        if (is < ie) {
            if (span_is(is, ie, "emulator")) {
                /* The Node tools read "emulator" as a private embedded emulator; a C library
                 * cannot embed one, so the nearest meaning is the emulator service's socket. */
                char sock[ZKP_ADDRESS_MAX - 5];
                if (default_socket(sock, sizeof sock) != 0)
                    return fail(err, err_cap, "ZKBRIDGE_DEVICE: default socket path too long");
                char addr[ZKP_ADDRESS_MAX];
                snprintf(addr, sizeof addr, "unix:%s", sock);
                if (add_device(cfg, addr, strlen(addr), "ZKBRIDGE_DEVICE", err, err_cap) != 0)
                    return -1;
            } else if (add_device(cfg, is, (size_t)(ie - is), "ZKBRIDGE_DEVICE", err, err_cap) !=
                       0) {
                return -1;
            }
        }
        if (!comma)
            break;
        s = comma + 1;
    }
    if (cfg->device_count == 0)
        return fail(err, err_cap, "ZKBRIDGE_DEVICE names no device");
    return 0;
}

int zkp_config_load(zkp_config *cfg, char *err, size_t err_cap) {
    memset(cfg, 0, sizeof *cfg);
    if (err && err_cap)
        err[0] = 0;

    /* The file is read even when ZKBRIDGE_DEVICE is set: label, hide_curves and timeout_ms
     * still apply. */
    char path[CONF_PATH_MAX];
    int fd = open_config(path, sizeof path, err, err_cap);
    if (fd == -2)
        return -1;
    if (fd >= 0) {
        char *text = slurp(fd, path, err, err_cap);
        close(fd);
        if (!text)
            return -1;
        int rc = parse_file(cfg, path, text, err, err_cap);
        free(text);
        if (rc != 0)
            return -1;
    }
    size_t file_devices = cfg->device_count;

    const char *dev = env_nonempty("ZKBRIDGE_DEVICE");
    if (dev) {
        cfg->device_count = 0;
        memset(cfg->devices, 0, sizeof cfg->devices);
        if (devices_from_env(cfg, dev, err, err_cap) != 0)
            return -1;
        set_str(cfg->source, sizeof cfg->source, "ZKBRIDGE_DEVICE");
    } else if (file_devices > 0) {
        set_str(cfg->source, sizeof cfg->source, path);
    } else {
        char sock[ZKP_ADDRESS_MAX - 5];
        if (default_socket(sock, sizeof sock) != 0)
            return fail(err, err_cap, "default socket path is too long");
        snprintf(cfg->devices[0], ZKP_ADDRESS_MAX, "unix:%s", sock);
        cfg->device_count = 1;
        set_str(cfg->source, sizeof cfg->source, "the emulator's default socket");
    }

    /* ZKBRIDGE_PKCS11_HIDE_CURVES replaces hide_curves even when empty (set it to "" to show
     * every curve despite the file). */
    const char *hide = getenv("ZKBRIDGE_PKCS11_HIDE_CURVES");
    if (hide && parse_curves(hide, hide + strlen(hide), &cfg->hide_curves,
                             "ZKBRIDGE_PKCS11_HIDE_CURVES", err, err_cap) != 0)
        return -1;
    const char *tmo = env_nonempty("ZKBRIDGE_TIMEOUT_MS");
    if (tmo && parse_timeout(tmo, tmo + strlen(tmo), &cfg->timeout_ms, "ZKBRIDGE_TIMEOUT_MS", err,
                             err_cap) != 0)
        return -1;
    return 0;
}
