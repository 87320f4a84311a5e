/* SPDX-License-Identifier: Apache-2.0 */
/* Frame encoder: docs/protocol.md section 2. */
#include <string.h>

#include "zkb_bytes.h"
#include "zkb_crc.h"
#include "zkb_frame.h"

long zkb_frame_encode(const zkb_frame *f, const uint8_t *payload, uint8_t *out, size_t cap) {
    if (f->kind > ZKB_KIND_EVENT || f->length > ZKB_MAX_PAYLOAD || (f->length != 0 && !payload))
        return ZKB_ERR_ARG;
    size_t total = zkb_frame_size(f->length);
    if (cap < total)
        return ZKB_ERR_SPACE;

    out[0] = ZKB_MAGIC0;
    out[1] = ZKB_MAGIC1;
    out[2] = ZKB_VERSION;
    out[3] = (uint8_t)(f->kind | (f->more ? ZKB_FLAG_MORE : 0u));
    zkb_enc32be(out + 4, f->request_id);
    zkb_enc16be(out + 8, f->command);
    zkb_enc16be(out + 10, f->status);
    zkb_enc32be(out + 12, f->length);
    zkb_enc16be(out + 16, f->frag_index);

    /* One CRC pass: the state after byte 17 gives hcheck and continues over the rest. */
    uint32_t crc = zkb_crc32c(0, out, 18);
    zkb_enc16be(out + 18, (uint16_t)crc);
    if (f->length != 0)
        memmove(out + ZKB_HEADER_SIZE, payload, f->length);
    crc = zkb_crc32c(crc, out + 18, 2u + (size_t)f->length);
    zkb_enc32be(out + ZKB_HEADER_SIZE + f->length, crc);
    return (long)total;
}
