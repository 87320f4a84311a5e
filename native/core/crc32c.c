/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Run-time choice of the CRC-32C implementation.
 *
 * The choice is cached in an atomic int read with relaxed loads: the first calls (possibly on
 * several threads at once) all detect the same answer and store the same value, so no lock
 * and no ordering are needed. When the hardware path exists it is used for every length: even
 * a single crc32 stream beats the table on short buffers.
 */
#include <stdatomic.h>

#include "zkb_crc.h"

enum { CHOICE_UNKNOWN = 0, CHOICE_PORTABLE = 1, CHOICE_HW = 2 };

static _Atomic int choice = CHOICE_UNKNOWN;

static int detect(void) {
    return zkb_crc32c_hw_available() ? CHOICE_HW : CHOICE_PORTABLE;
}

static int current_choice(void) {
    int c = atomic_load_explicit(&choice, memory_order_relaxed);
    if (c == CHOICE_UNKNOWN) {
        c = detect();
        atomic_store_explicit(&choice, c, memory_order_relaxed);
    }
    return c;
}

uint32_t zkb_crc32c(uint32_t crc, const uint8_t *buf, size_t len) {
    if (current_choice() == CHOICE_HW)
        return zkb_crc32c_hw(crc, buf, len);
    return zkb_crc32c_portable(crc, buf, len);
}

const char *zkb_crc32c_impl(void) {
    return current_choice() == CHOICE_HW ? "sse4.2+pclmul" : "portable";
}

void zkb_crc32c_force_portable(int on) {
    atomic_store_explicit(&choice, on ? CHOICE_PORTABLE : detect(), memory_order_relaxed);
}
