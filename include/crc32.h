/* SPDX-License-Identifier: MIT */
/*
 * crc32.h - the CRC-32 of zlib, gzip and PNG (reflected polynomial
 * 0xEDB88320), for checking data that crosses a console. Portable
 * (kernel/lib/crc32.c), unit-tested in tests/host/test_gcov.c.
 */
#ifndef XENLING_CRC32_H
#define XENLING_CRC32_H

#include <lib.h>

/*
 * The CRC-32 of the bytes seen so far (`crc`, 0 for none) followed by
 * p[0..n): crc32_update(crc32_update(0, a, n), b, m) is the CRC of a then
 * b, as zlib's crc32() computes it. Any context.
 */
uint32_t crc32_update(uint32_t crc, const void *p, size_t n);

#endif
