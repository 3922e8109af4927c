/* SPDX-License-Identifier: MIT */
/*
 * clock.h - time for the rest of the kernel. The monotonic clock is Xen
 * system time: nanoseconds since Xen booted, extrapolated from this
 * vCPU's vcpu_time_info with the TSC; single-shot timer deadlines (see
 * <timer.h>) are in the same units. The wall clock is Xen's wall-clock
 * base in shared_info plus system time. kernel/xen/time/pvclock.c reads Xen's
 * records; the arithmetic is portable (kernel/xen/time/pvclock_math.c, with
 * <pvclock.h>). See docs/time.md.
 */
#ifndef XENLING_CLOCK_H
#define XENLING_CLOCK_H

#include <lib.h>

#define NSEC_PER_USEC 1000ull
#define NSEC_PER_MSEC 1000000ull
#define NSEC_PER_SEC  1000000000ull

/* Seconds and nanoseconds since the Unix epoch (1970-01-01 00:00 UTC). */
struct wall_time {
    uint64_t sec;
    uint32_t nsec; /* always < NSEC_PER_SEC */
};

/* A wall time broken down into UTC calendar fields. */
struct civil_time {
    uint64_t year; /* e.g. 2026 */
    uint8_t month; /* 1..12 */
    uint8_t day;   /* 1..31 */
    uint8_t hour, min, sec;
};

/*
 * Check this vCPU's time record and the wall clock and print what Xen
 * offers. Needs shared_info (evtchn_init maps it). Boot CPU, once.
 * Returns 0, or a negative value if there is no usable PV clock (not on
 * Xen, shared_info not mapped, or a record Xen filled with nonsense);
 * then clock_available() stays false.
 */
int clock_init(void);

/* Whether clock_init() succeeded. Any context. */
bool clock_available(void);

/*
 * Monotonic nanoseconds of Xen system time. Never goes backwards, also
 * across vCPUs: when Xen does not promise a stable TSC the result is
 * clamped against the largest value any vCPU has returned so far.
 * Returns 0 when !clock_available(). Any context, any CPU, lock-free.
 */
uint64_t clock_now_ns(void);

/*
 * This vCPU's system time without the cross-vCPU clamp: what the time
 * record alone says. Only for tests and diagnostics. 0 without a clock.
 */
uint64_t clock_raw_ns(void);

/*
 * The current wall time (UTC). Returns 0, or -1 (out zeroed) without a
 * clock. Any context.
 */
int clock_wall(struct wall_time *out);

/* TSC frequency in Hz as Xen's scale factors describe it; 0 without. */
uint64_t clock_tsc_hz(void);

/* Break `sec` since the epoch into UTC calendar fields. Portable. */
void wall_to_civil(uint64_t sec, struct civil_time *out);

#endif
