/* SPDX-License-Identifier: MIT */
/*
 * pvclock.h - the portable arithmetic behind the PV clock: reading a
 * vcpu_time_info record under its version seqlock, scaling a TSC delta
 * to nanoseconds, the cross-vCPU monotonic clamp, and reading the wall
 * clock base from shared_info. kernel/xen/time/pvclock_math.c implements it
 * (unit-tested on the host); kernel/xen/time/pvclock.c chooses the record and
 * supplies the TSC; <clock.h> is what the rest of the kernel uses.
 */
#ifndef XENLING_PVCLOCK_H
#define XENLING_PVCLOCK_H

#include <lib.h>
#include <clock.h>
#include <xen/xen.h>

/* One consistent copy of a vcpu_time_info record, plus the TSC value
 * read inside the same version window. */
struct pvclock_snapshot {
    uint32_t version;       /* even: the record was not being updated */
    uint64_t tsc_timestamp; /* TSC when Xen last wrote the record */
    uint64_t system_time;   /* Xen system time (ns) at tsc_timestamp */
    uint32_t mul;           /* tsc_to_system_mul: 32.32 fixed point */
    int8_t shift;           /* tsc_shift, applied before the multiply */
    uint8_t flags;          /* XEN_PVCLOCK_* */
    uint64_t tsc;           /* our TSC read */
};

/*
 * Copy *ti into *s under the record's version seqlock, calling read_tsc()
 * once per attempt between the two version reads. Retries while Xen is
 * updating the record (odd version) or has updated it meanwhile (version
 * changed), so never returns a torn copy. Spins for as long as Xen keeps
 * the version odd. Any context.
 */
void pvclock_snapshot(const volatile struct vcpu_time_info *ti,
                      uint64_t (*read_tsc)(void), struct pvclock_snapshot *s);

/*
 * Scale a TSC delta to nanoseconds the way Xen defines it: shift the delta
 * by `shift` (left if positive, right if negative), then multiply by
 * mul / 2^32. Exact to the nanosecond below (64x32-bit product, top 64 of
 * 96 bits kept). Any shift is well defined: a shift of 64 or more places
 * in either direction yields 0.
 */
uint64_t pvclock_scale_delta(uint64_t delta, uint32_t mul, int8_t shift);

/*
 * System time in ns at the snapshot's TSC: system_time plus the scaled
 * TSC delta. A TSC below tsc_timestamp (a record written with a TSC the
 * caller's core has not reached yet) counts as a delta of 0.
 */
uint64_t pvclock_snapshot_ns(const struct pvclock_snapshot *s);

/*
 * The monotonic clamp: atomically raise *last to `now` if `now` is larger
 * and return max(*last, now). Lock-free, any context and CPU; *last must
 * only ever be updated through this function.
 */
uint64_t pvclock_clamp(uint64_t *last, uint64_t now);

/*
 * Across a suspend and resume in a new domain, Xen's system time restarts
 * from the new host's boot: it may be far ahead of, or behind, what our
 * monotonic clock last said. What the offset is computed from: */
struct pvclock_resume {
    uint64_t mono_before;    /* our monotonic clock just before suspending */
    uint64_t wall_before_ns; /* the wall clock then (ns since the epoch) */
    uint64_t raw_after;      /* Xen system time just after resuming */
    uint64_t wall_after_ns;  /* the wall clock then */
};

/*
 * The offset to add to Xen system time from now on, so that the monotonic
 * clock goes on from mono_before plus the downtime the wall clock saw
 * (counted as 0 if the wall clock went backwards), neither backwards nor
 * leaping by the two hosts' uptime difference. *downtime gets that
 * downtime. Pure arithmetic, modulo 2^64.
 */
int64_t pvclock_resume_offset(const struct pvclock_resume *r,
                              uint64_t *downtime);

/*
 * Whether Xen's scale factors are usable: mul non-zero and the shift in
 * the range Xen produces (-32..32).
 */
bool pvclock_scale_valid(uint32_t mul, int8_t shift);

/* TSC ticks per second described by mul and shift (0 if invalid). */
uint64_t pvclock_tsc_hz(uint32_t mul, int8_t shift);

/*
 * Read the wall-clock base (wall time at system time 0) from shared_info
 * under its wc_version seqlock, combining wc_sec_hi and wc_sec. A wc_nsec
 * of a second or more (never written by a correct Xen) is carried into
 * the seconds. Any context.
 */
void pvclock_read_wallclock(const volatile struct shared_info *si,
                            struct wall_time *base);

/* base + system_ns, normalized (nsec < NSEC_PER_SEC). */
void pvclock_wall_add(const struct wall_time *base, uint64_t system_ns,
                      struct wall_time *out);

#endif
