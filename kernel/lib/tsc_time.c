/* SPDX-License-Identifier: MIT */
/*
 * tsc_time.c - a TSC reading as a clock's time (include/tsc_time.h).
 */
#include <tsc_time.h>

#define NS_PER_SEC 1000000000ull

/* delta ticks in ns, rounded down: 128-bit product, so no delta overflows
 * before the result itself would. Saturates at UINT64_MAX. */
static uint64_t
ticks_to_ns(uint64_t delta, uint64_t hz)
{
    unsigned __int128 ns = (unsigned __int128)delta * NS_PER_SEC / hz;

    return ns > UINT64_MAX ? UINT64_MAX : (uint64_t)ns;
}

uint64_t
tsc_time_ns(uint64_t tsc, uint64_t ref_tsc, uint64_t ref_ns, uint64_t hz)
{
    uint64_t d;

    if ( hz == 0 )
        return 0;
    if ( tsc >= ref_tsc )
    {
        d = ticks_to_ns(tsc - ref_tsc, hz);
        return d > UINT64_MAX - ref_ns ? UINT64_MAX : ref_ns + d;
    }
    /* Before the reference: round the distance up, so the result is the
     * time rounded down, as after it. */
    d = ticks_to_ns(ref_tsc - tsc, hz);
    if ( d >= ref_ns )
        return 0; /* also when the distance saturated */
    if ( (unsigned __int128)d * hz !=
         (unsigned __int128)(ref_tsc - tsc) * NS_PER_SEC )
        d++;
    return ref_ns - d;
}
