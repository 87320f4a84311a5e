/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Random numbers from the device's TRNG (GET_RANDOM), in chunks that fit one device message.
 * The device cannot be seeded.
 */
#include <string.h>

#include "p11.h"
#include "wire.h"

#define CHUNK_MAX (1u << 20)

CK_RV zkp_generate_random(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG len) {
    if (!out && len)
        return CKR_ARGUMENTS_BAD;
    zkp_session *s;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_NONE, &s);
    if (rv != CKR_OK)
        return rv;
    zkp_lock();
    size_t chunk = s->slot->info_valid ? s->slot->info.max_message : 65536;
    zkp_unlock();
    chunk = chunk > 64 ? chunk - 64 : 1;
    if (chunk > CHUNK_MAX)
        chunk = CHUNK_MAX;
    for (CK_ULONG done = 0; done < len && rv == CKR_OK;) {
        size_t n = len - done < chunk ? len - done : chunk;
        uint8_t req[4];
        zkp_writer w;
        zkp_writer_init(&w, req, sizeof req);
        zkp_put_u32(&w, (uint32_t)n);
        zkp_response r;
        rv = zkp_call(s->slot, ZKB_CMD_GET_RANDOM, req, w.len, &r);
        if (rv == CKR_OK && r.len != n)
            rv = CKR_DEVICE_ERROR;
        if (rv == CKR_OK) {
            memcpy(out + done, r.payload, n);
            done += n;
        }
        zkp_response_free(&r);
    }
    zkp_session_release(s, ZKP_USE_NONE);
    return rv;
}

CK_RV zkp_seed_random(CK_SESSION_HANDLE h, CK_BYTE_PTR seed, CK_ULONG len) {
    (void)seed;
    (void)len;
    zkp_session *s;
    CK_RV rv = zkp_session_acquire(h, ZKP_USE_NONE, &s);
    if (rv != CKR_OK)
        return rv;
    zkp_session_release(s, ZKP_USE_NONE);
    return CKR_RANDOM_SEED_NOT_SUPPORTED;
}
