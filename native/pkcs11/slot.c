/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Slots and tokens: one slot per configured device address (slot IDs 0..n-1). The token is
 * present while the device answers; its description comes from HELLO (model, serial, firmware)
 * and TOKEN_GET_INFO (label, PIN state, store figures).
 */
#include <stdio.h>
#include <string.h>

#include "p11.h"
#include "wire.h"

void zkp_pad(CK_UTF8CHAR *dst, size_t cap, const char *s, size_t len) {
    memset(dst, ' ', cap);
    memcpy(dst, s, len < cap ? len : cap);
}

/* "01.02.02release" -> {1, 2}: only the leading dotted numbers mean anything (protocol.md). */
static CK_VERSION firmware_version(const char *fw) {
    CK_VERSION v = {0, 0};
    unsigned major = 0, minor = 0;
    if (sscanf(fw, "%u.%u", &major, &minor) >= 1) {
        v.major = (CK_BYTE)(major > 255 ? 255 : major);
        v.minor = (CK_BYTE)(minor > 255 ? 255 : minor);
    }
    return v;
}

static const char *manufacturer(const zkp_device_info *info) {
    return (info->features & ZKB_FEATURE_EMULATED) ? "zkbridge emulator" : "Zymbit";
}

CK_RV zkp_get_slot_list(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count) {
    if (!count)
        return CKR_ARGUMENTS_BAD;
    CK_SLOT_ID ids[ZKP_MAX_DEVICES];
    CK_ULONG n = 0;
    for (size_t i = 0; i < zkp_slot_count(); i++) {
        if (present && zkp_slot_device_info(zkp_slot_get(i), NULL) != CKR_OK)
            continue;
        ids[n++] = i;
    }
    CK_RV rv;
    if (!zkp_output_ready(list, count, n, &rv))
        return rv;
    memcpy(list, ids, n * sizeof ids[0]);
    *count = n;
    return CKR_OK;
}

CK_RV zkp_get_slot_info(CK_SLOT_ID id, CK_SLOT_INFO_PTR info) {
    zkp_slot *s = zkp_slot_get(id);
    if (!s)
        return CKR_SLOT_ID_INVALID;
    if (!info)
        return CKR_ARGUMENTS_BAD;
    memset(info, 0, sizeof *info);
    zkp_device_info dev;
    bool present = zkp_slot_device_info(s, &dev) == CKR_OK;
    char desc[96];
    int n = snprintf(desc, sizeof desc, "zkbridge %s at %s", present ? dev.model : "device",
                     s->address);
    zkp_pad(info->slotDescription, sizeof info->slotDescription, desc, (size_t)(n < 0 ? 0 : n));
    const char *man = present ? manufacturer(&dev) : "zkbridge";
    zkp_pad(info->manufacturerID, sizeof info->manufacturerID, man, strlen(man));
    info->flags = CKF_HW_SLOT | CKF_REMOVABLE_DEVICE | (present ? CKF_TOKEN_PRESENT : 0);
    if (present) {
        info->hardwareVersion = firmware_version(dev.firmware);
        info->firmwareVersion = info->hardwareVersion;
    }
    return CKR_OK;
}

/* TOKEN_GET_INFO response fields we use. */
typedef struct {
    char label[33];
    uint32_t flags;
    uint32_t free_bytes;
} token_state;

static CK_RV token_state_get(zkp_slot *s, token_state *t) {
    zkp_response r;
    CK_RV rv = zkp_call(s, ZKB_CMD_TOKEN_GET_INFO, NULL, 0, &r);
    if (rv == CKR_OK) {
        zkp_reader rd;
        zkp_reader_init(&rd, r.payload, r.len);
        size_t ll;
        const uint8_t *label = zkp_get_str(&rd, &ll);
        t->flags = zkp_get_u32(&rd);
        zkp_get_u8(&rd); /* user tries left */
        zkp_get_u8(&rd); /* so tries left */
        zkp_get_u8(&rd); /* max tries */
        zkp_get_u64(&rd);
        zkp_get_u32(&rd); /* objects */
        t->free_bytes = zkp_get_u32(&rd);
        if (rd.err) {
            rv = CKR_DEVICE_ERROR;
        } else {
            if (ll > 32)
                ll = 32;
            memcpy(t->label, label, ll);
            t->label[ll] = 0;
        }
    }
    zkp_response_free(&r);
    return rv;
}

CK_RV zkp_get_token_info(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info) {
    zkp_slot *s = zkp_slot_get(id);
    if (!s)
        return CKR_SLOT_ID_INVALID;
    if (!info)
        return CKR_ARGUMENTS_BAD;
    zkp_device_info dev;
    CK_RV rv = zkp_slot_device_info(s, &dev);
    if (rv != CKR_OK)
        return rv;
    token_state t = {"", 0, 0};
    rv = token_state_get(s, &t);
    if (rv == CKR_DEVICE_REMOVED)
        return CKR_TOKEN_NOT_PRESENT;
    if (rv != CKR_OK)
        return rv;
    memset(info, 0, sizeof *info);
    zkp_pad(info->label, sizeof info->label, t.label, strlen(t.label));
    const char *man = manufacturer(&dev);
    zkp_pad(info->manufacturerID, sizeof info->manufacturerID, man, strlen(man));
    zkp_pad(info->model, sizeof info->model, dev.model, strlen(dev.model));
    zkp_pad(info->serialNumber, sizeof info->serialNumber, dev.serial, strlen(dev.serial));
    CK_FLAGS f = CKF_RNG | CKF_LOGIN_REQUIRED;
    static const struct {
        uint32_t bit;
        CK_FLAGS flag;
    } map[] = {
        {ZKP_TOK_INITIALIZED, CKF_TOKEN_INITIALIZED},
        {ZKP_TOK_USER_PIN_SET, CKF_USER_PIN_INITIALIZED},
        {ZKP_TOK_USER_COUNT_LOW, CKF_USER_PIN_COUNT_LOW},
        {ZKP_TOK_USER_FINAL_TRY, CKF_USER_PIN_FINAL_TRY},
        {ZKP_TOK_USER_LOCKED, CKF_USER_PIN_LOCKED},
        {ZKP_TOK_SO_COUNT_LOW, CKF_SO_PIN_COUNT_LOW},
        {ZKP_TOK_SO_FINAL_TRY, CKF_SO_PIN_FINAL_TRY},
        {ZKP_TOK_SO_LOCKED, CKF_SO_PIN_LOCKED},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (t.flags & map[i].bit)
            f |= map[i].flag;
    }
    info->flags = f;
    zkp_lock();
    info->ulSessionCount = s->sessions;
    info->ulRwSessionCount = s->rw_sessions;
    zkp_unlock();
    info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
    info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
    info->ulMaxPinLen = ZKP_PIN_MAX;
    info->ulMinPinLen = ZKP_PIN_MIN;
    /* one store for public and private objects: both report the same free space */
    info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulFreePublicMemory = t.free_bytes;
    info->ulFreePrivateMemory = t.free_bytes;
    info->hardwareVersion = firmware_version(dev.firmware);
    info->firmwareVersion = info->hardwareVersion;
    /* no CKF_CLOCK_ON_TOKEN: utcTime stays blank */
    memset(info->utcTime, ' ', sizeof info->utcTime);
    return CKR_OK;
}

CK_RV zkp_get_mechanism_list(CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count) {
    zkp_slot *s = zkp_slot_get(id);
    if (!s)
        return CKR_SLOT_ID_INVALID;
    if (!count)
        return CKR_ARGUMENTS_BAD;
    zkp_device_info dev;
    CK_RV rv = zkp_slot_device_info(s, &dev);
    if (rv != CKR_OK)
        return rv;
    size_t n = zkp_mech_list(&dev, NULL, 0);
    if (!zkp_output_ready(list, count, n, &rv))
        return rv;
    zkp_mech_list(&dev, list, n);
    *count = n;
    return CKR_OK;
}

CK_RV zkp_get_mechanism_info(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info) {
    zkp_slot *s = zkp_slot_get(id);
    if (!s)
        return CKR_SLOT_ID_INVALID;
    if (!info)
        return CKR_ARGUMENTS_BAD;
    zkp_device_info dev;
    CK_RV rv = zkp_slot_device_info(s, &dev);
    if (rv != CKR_OK)
        return rv;
    return zkp_mech_info(&dev, type, info);
}

CK_RV zkp_wait_for_slot_event(CK_FLAGS flags, CK_SLOT_ID_PTR slot, CK_VOID_PTR reserved) {
    if (reserved != NULL || !slot)
        return CKR_ARGUMENTS_BAD;
    /* We do not track insertion/removal in the background; a non-blocking poll has nothing
     * to report, and blocking waits are not offered. */
    if (flags & CKF_DONT_BLOCK)
        return CKR_NO_EVENT;
    return CKR_FUNCTION_NOT_SUPPORTED;
}
