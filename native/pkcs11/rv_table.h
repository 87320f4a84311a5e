/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one mapping from device statuses (docs/protocol.md section 6) and transport results
 * (ZKP_DEV_* in device.h) to Cryptoki return values. Callers that know better for one command
 * (e.g. ERR_INVALID_PUBKEY of an ECDH peer key) override the table locally.
 */
#ifndef ZKP_RV_TABLE_H
#define ZKP_RV_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cryptoki.h"

typedef struct {
    uint16_t status;
    CK_RV rv;
} zkp_status_rv;

/* CK_RV for a device status. Unknown statuses (a newer device) give CKR_DEVICE_ERROR and
 * *known (when not NULL) false. */
CK_RV zkp_rv_from_status(uint16_t status, bool *known);
/* CK_RV for a ZKP_DEV_* transport result (ZKP_DEV_OK gives CKR_OK). */
CK_RV zkp_rv_from_transport(int result);
/* The table itself, for the unit test. */
const zkp_status_rv *zkp_status_table(size_t *count);

#endif
