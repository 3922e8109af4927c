/* SPDX-License-Identifier: MIT */
/*
 * crc32.c - CRC-32 (include/crc32.h), one bit at a time: no table to
 * build or keep, and fast enough for the few kilobytes it checks.
 */
#include <crc32.h>

uint32_t
crc32_update(uint32_t crc, const void *p, size_t n)
{
    const uint8_t *b = p;
    unsigned int k;

    /* The register starts at all ones and is inverted at the end; undo the
     * inversion of the value handed in so that updates chain. */
    crc = ~crc;
    while ( n-- )
    {
        crc ^= *b++;
        for ( k = 0; k < 8; k++ )
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1u));
    }
    return ~crc;
}
