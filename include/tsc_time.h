/* SPDX-License-Identifier: MIT */
/*
 * tsc_time.h - placing a TSC reading on a clock's time line after the
 * fact: a TSC read early in boot, before the PV clock existed, becomes
 * Xen system time once one (TSC, time) pair and the TSC's rate are
 * known. Portable (kernel/lib/tsc_time.c), unit-tested in
 * tests/host/test_tsc_time.c; kernel/timeline.c uses it.
 */
#ifndef XENLING_TSC_TIME_H
#define XENLING_TSC_TIME_H

#include <lib.h>

/*
 * The clock's time, in ns, when the TSC read `tsc`, given that the clock
 * read `ref_ns` when the TSC read `ref_tsc` and that the TSC counts `hz`
 * ticks a second. `tsc` may be before or after `ref_tsc`. Exact to the
 * nanosecond (rounded down) for any 64-bit delta. Returns 0 when hz is 0
 * or the time would fall before the clock's zero.
 */
uint64_t tsc_time_ns(uint64_t tsc, uint64_t ref_tsc, uint64_t ref_ns,
                     uint64_t hz);

#endif
