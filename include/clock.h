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

/*
 * The Xen system time for a deadline in clock_now_ns() units (they differ
 * after a resume in a new domain by the offset clock_resume() keeps); at
 * least 1. For the single-shot timer hypercall. Any context.
 */
uint64_t clock_xen_deadline(uint64_t mono_ns);
/*
 * Suspend and resume (kernel/resume.c), boot CPU, interrupts off, every
 * other vCPU parked. clock_suspend() notes the monotonic and wall clocks
 * just before SCHEDOP_shutdown; clock_resume(), in a new domain once this
 * vCPU's vcpu_info is registered again, sets the offset so the monotonic
 * clock goes on from where it was plus the downtime the wall clock saw
 * (pvclock_resume_offset), and prints the figures.
 */
void clock_suspend(void);
void clock_resume(void);
/* The last resume's figures, for the resume tests. */
struct clock_resume_info {
    uint64_t before;    /* monotonic ns just before the suspend */
    uint64_t after;     /* monotonic ns just after the resume */
    uint64_t downtime;  /* as the wall clock saw it */
    int64_t raw_jump;   /* Xen system time after minus monotonic before */
    unsigned int count; /* resumes in a new domain so far */
};
void clock_get_resume_info(struct clock_resume_info *out);
/* TSC frequency in Hz as Xen's scale factors describe it; 0 without. */
uint64_t clock_tsc_hz(void);

/* Break `sec` since the epoch into UTC calendar fields. Portable. */
void wall_to_civil(uint64_t sec, struct civil_time *out);

#endif
