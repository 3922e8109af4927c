/* SPDX-License-Identifier: MIT */
/*
 * libc_oracle.c - the C library's snprintf under another name, for the
 * host tests (tests/host/test_format.c) to compare ours against. This
 * file includes only libc headers, never <lib.h>, so the rename of
 * snprintf to xl_snprintf there does not reach it. Declared in host.h.
 */
#include <stdarg.h>
#include <stdio.h>

int
libc_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    return vsnprintf(buf, size, fmt, ap);
}

int
libc_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
