/* SPDX-License-Identifier: MIT */
/*
 * timer_core.h - the deadline logic of one CPU's timers, without Xen or
 * locks: which armed timers are due, which one deadline Xen's single-shot
 * timer must hold, and what a VIRQ_TIMER does (run what is due, then
 * re-arm, also when nothing was due yet because Xen fired within its slop
 * and the clock still reads just before the deadline). Portable
 * (kernel/xen/time/timer_core.c): kernel/xen/time/timer.c gives it the hypercalls, the
 * clock and the lock; tests/host/test_timer_core.c gives it a model of
 * Xen that fires early, coalesces and drops events.
 */
#ifndef XENLING_TIMER_CORE_H
#define XENLING_TIMER_CORE_H

#include <lib.h>
#include <timerq.h>

/* Per-CPU counters, for tests and benchmarks. */
struct timer_stats {
    uint64_t virqs;    /* VIRQ_TIMER events handled */
    uint64_t fired;    /* callbacks run */
    uint64_t early;    /* VIRQs that found nothing expired yet */
    uint64_t programs; /* VCPUOP_set_singleshot_timer calls */
    uint64_t resumes;  /* timer_core_resume calls */
};

/*
 * Xen's system time is a signed 64-bit count (s_time_t): a deadline above
 * INT64_MAX would read as negative, i.e. long past, and fire at once.
 * Deadlines handed to the hardware are capped here (2^63 ns: 292 years).
 */
#define TIMER_HW_DEADLINE_MAX ((uint64_t)INT64_MAX)

/* What the core needs from its CPU. All are called with the lock held. */
struct timer_core_ops {
    /* Set the single-shot timer to `deadline` (at most
     * TIMER_HW_DEADLINE_MAX), replacing any earlier one. Must not fail. */
    void (*program)(void *ctx, uint64_t deadline);
    /* Stop the single-shot timer. */
    void (*stop)(void *ctx);
    /* The clock the deadlines are in (clock_now_ns()). */
    uint64_t (*now)(void *ctx);
    /* Run the callback of expired node n. May drop the lock around the
     * callback (which may then arm and cancel timers) and retake it. */
    void (*run)(void *ctx, struct timerq_node *n);
};

/*
 * One CPU's timers. Every field is protected by the owner's lock (the
 * timer_cpu lock in kernel/xen/time/timer.c); only the home CPU calls
 * timer_core_arm and timer_core_expire.
 */
struct timer_core {
    struct timerq q;             /* armed timers */
    struct timerq_node *running; /* whose callback runs now, or NULL */
    bool dispatching;            /* inside timer_core_expire */
    bool hw_armed;               /* Xen holds hw_deadline for us */
    uint64_t hw_deadline;
    struct timer_stats stats;
    const struct timer_core_ops *ops;
    void *ctx;
};

/* An empty core that calls ops with ctx. */
void timer_core_init(struct timer_core *c, const struct timer_core_ops *ops,
                     void *ctx);

/*
 * Arm n for `deadline`, or move it there if armed, and make the hardware
 * deadline the earliest queued one. Home CPU, lock held.
 */
void timer_core_arm(struct timer_core *c, struct timerq_node *n,
                    uint64_t deadline);

/*
 * Disarm n. Returns true if it was armed. *running says whether n's
 * callback runs right now. `home` is whether the caller is the home CPU:
 * only it can reprogram the hardware, so from elsewhere the old deadline
 * stays and its VIRQ finds nothing due. Lock held.
 */
bool timer_core_cancel(struct timer_core *c, struct timerq_node *n, bool home,
                       bool *running);

/*
 * The VIRQ_TIMER handler's work: the single shot is spent; run every
 * callback due by the clock, reading it once per pass and passing again
 * until a pass finds nothing due; then give the hardware the next
 * deadline. A VIRQ that finds nothing due (Xen fired early, or for a
 * deadline since cancelled) re-arms the same deadline. Home CPU, lock
 * held, interrupts off.
 */
void timer_core_expire(struct timer_core *c);

/*
 * After a resume in a new domain, whose Xen holds no deadline for us:
 * program the earliest queued deadline again (none if the queue is
 * empty). Timers that came due meanwhile fire at the next VIRQ, late but
 * never lost. Caller holds the lock, on the home CPU.
 */
void timer_core_resume(struct timer_core *c);

#endif
