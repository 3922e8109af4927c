/* SPDX-License-Identifier: MIT */
/*
 * host.h - what host unit tests get beyond <ktest.h>: capturing printk
 * output to check that a message was printed, and the C library's
 * snprintf as an oracle for ours. The runner and printk live in
 * tests/host/main.c, the oracle in tests/host/libc_oracle.c.
 */
#ifndef XENLING_HOST_H
#define XENLING_HOST_H

#include <lib.h>

/*
 * Start capturing: until host_capture_end(), printk output is collected
 * instead of printed. Starting again discards what was collected. A test
 * must end its capture before it returns, or the runner's own report line
 * would be swallowed.
 */
void host_capture_begin(void);
void host_capture_end(void);

/*
 * Everything printk wrote since host_capture_begin() ("" if nothing),
 * valid until the next capture starts. Works during and after a capture.
 */
const char *host_capture_text(void);

/*
 * Whether the captured text contains `needle`. When it does not, the
 * captured text is printed (as KTAP diagnostics) to help find out why.
 */
bool host_capture_contains(const char *needle);

/* How many times `needle` occurs in the captured text (no overlaps). */
unsigned int host_capture_count(const char *needle);

/* The C library's vsnprintf/snprintf, untouched by the rename in lib.h. */
int libc_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int libc_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
