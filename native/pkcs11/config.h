/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where the token finds its device(s). In order:
 *   1. ZKBRIDGE_DEVICE (one address, or several separated by ',');
 *   2. the config file: ZKBRIDGE_PKCS11_CONF, else $XDG_CONFIG_HOME/zkbridge/pkcs11.conf,
 *      else ~/.config/zkbridge/pkcs11.conf, else /etc/zkbridge/pkcs11.conf (first that exists);
 *   3. the emulator's default socket: $ZKBRIDGE_SOCKET, else $XDG_RUNTIME_DIR/zkbridge/device.sock,
 *      else <TMPDIR or /tmp>/zkbridge-<uid>/device.sock (as src/emulator/paths.ts).
 * The config file is lines of `key = value`, '#' comments; keys: `device` (repeatable: one slot
 * each), `label`, `hide_curves` (comma list of p256,secp256k1,ed25519,x25519: key objects of
 * those curves are not shown; the libp11 0.4.12 Ed25519 workaround), `timeout_ms`.
 * ZKBRIDGE_PKCS11_HIDE_CURVES overrides hide_curves.
 */
#ifndef ZKP_CONFIG_H
#define ZKP_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define ZKP_MAX_DEVICES 8
#define ZKP_ADDRESS_MAX 512

typedef struct {
    size_t device_count;
    char devices[ZKP_MAX_DEVICES][ZKP_ADDRESS_MAX];
    uint8_t hide_curves;          /* bit n hides key_type n */
    int timeout_ms;               /* 0 = default */
    char source[ZKP_ADDRESS_MAX]; /* where the addresses came from, for messages */
    char label[33];               /* `label` of the config file, UTF-8, "" when not set */
} zkp_config;

/* Fills cfg from the environment and files. Returns 0, or -1 with a message in err (a file
 * that exists but cannot be parsed, an address too long). */
int zkp_config_load(zkp_config *cfg, char *err, size_t err_cap);

#endif
