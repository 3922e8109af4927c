/* SPDX-License-Identifier: MIT */
/*
 * cmdline.h - the kernel command line: space-separated words, each either
 * "key=value" or a bare "flag". Values may be double-quoted to hold spaces.
 */
#ifndef XENLING_CMDLINE_H
#define XENLING_CMDLINE_H

#include <lib.h>

/*
 * Copy the value of the last "key=value" in cmdline into buf (NUL-terminated,
 * quotes removed). Returns true if the key was present; false (buf set to
 * "") if not, or if the value does not fit in size bytes (printk says so).
 */
bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t size);

/* True if a bare word `flag` (or "flag=...") appears. */
bool cmdline_has(const char *cmdline, const char *flag);

/*
 * The decimal value of "key=N" when it is a number from min to max:
 * returns true with *out set. Returns false with *out untouched (so the
 * caller's default stands) when the key is absent, or when its value is
 * not such a number, which printk names with the key and the range.
 */
bool cmdline_get_number(const char *cmdline, const char *key, uint64_t min,
                        uint64_t max, uint64_t *out);

#endif
