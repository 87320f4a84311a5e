/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CRC-16 of ATECC508A/608 secure elements (see zkb_crc.h): polynomial 0x8005, register starts
 * at 0, data bits enter least significant bit first, no output reflection, no final XOR.
 *
 * Bit by bit, exactly as the algorithm is specified: the incoming data bit is compared with the
 * register's top bit, the register shifts left, and the polynomial is XORed in when they
 * differ. It runs over a 100 kHz I2C link's worth of bytes, so clarity wins over speed.
 */
#include "zkb_crc.h"

#define ATECC_POLY 0x8005u

uint16_t zkb_crc16_atecc(uint16_t crc, const uint8_t *buf, size_t len) {
    uint16_t r = crc;
    for (size_t i = 0; i < len; i++) {
        for (unsigned bit = 0; bit < 8; bit++) {
            unsigned data_bit = (buf[i] >> bit) & 1u;
            unsigned top_bit = (unsigned)(r >> 15) & 1u;
            r = (uint16_t)(r << 1);
            if (data_bit != top_bit)
                r ^= ATECC_POLY;
        }
    }
    return r;
}
