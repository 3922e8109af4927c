/* SPDX-License-Identifier: MIT */
/*
 * timer.h - one-shot kernel timers, tickless idle, and waiting with a
 * timeout. Each CPU keeps its armed timers in a queue sorted by deadline
 * and gives Xen a single hardware deadline, the earliest, through its
 * vCPU's single-shot timer (VCPUOP_set_singleshot_timer); Xen then raises
 * VIRQ_TIMER on that vCPU and the expired callbacks run. There is no
 * periodic tick and no emulated timer (PIT, HPET, LAPIC).
 * kernel/xen/time/timer.c, with the deadline logic in
 * kernel/xen/time/timer_core.c; waiting with a timeout is <wait.h>; the
 * deadlines are in clock_now_ns() units (<clock.h>); docs/time.md.
 *
 * Rules:
 * - A timer belongs to the CPU that called timer_setup() on it: only that
 *   CPU may arm it (only a vCPU itself can program its Xen timer), and
 *   its callback runs there. Any CPU may cancel it.
 * - Callbacks run in interrupt context with interrupts disabled and no
 *   timer lock held: they may arm, re-arm or cancel any timer of their
 *   CPU (their own included), but must not sleep or wait. A timer
 *   re-armed for a deadline already past runs again in the same VIRQ.
 * - The struct timer must stay valid while it is armed or its callback
 *   runs: timer_cancel_sync() before freeing it.
 * - Nothing here allocates; every function is usable with interrupts off.
 */
#ifndef XENLING_TIMER_H
#define XENLING_TIMER_H

#include <lib.h>
#include <timer_core.h> /* struct timer_stats */
#include <timerq.h>

struct timer;
typedef void (*timer_fn_t)(struct timer *t, void *arg);

struct timer {
    struct timerq_node node; /* link and deadline: home CPU's queue lock */
    timer_fn_t fn;           /* set by timer_setup, then read-only */
    void *arg;
    unsigned int cpu; /* home CPU, set by timer_setup */
};

/*
 * Start the clock (clock_init) and the boot CPU's timers: stop Xen's
 * legacy periodic timer, bind VIRQ_TIMER, empty the queue. Boot CPU,
 * once, after evtchn_init. Returns 0, or a negative value (and prints
 * why) if there is no PV clock or no event channels: timers then stay
 * unavailable and timer_available() is false.
 */
int timer_init(void);

/*
 * The same per-CPU set-up for a secondary CPU, run on that CPU itself
 * after its event-channel set-up (evtchn_init_cpu) and before it uses
 * timers. Returns 0 or a negative value (printed).
 */
int timer_init_cpu(void);

/*
 * After a resume in a new domain, on each CPU itself, interrupts off,
 * after clock_resume() and evtchn_init_cpu(): bind this CPU's VIRQ_TIMER
 * again (a new port) and give Xen the earliest queued deadline. Returns
 * 0 (nothing for a CPU without timers); panics if Xen refuses the VIRQ.
 */
int timer_resume_cpu(void);

/* Whether this CPU's timers work (its timer_init[_cpu] succeeded). */
bool timer_available(void);

/* This CPU's VIRQ_TIMER port (0 without timers); for tests. */
unsigned int timer_virq_port(void);

/* Prepare t, unarmed, to call fn(t, arg) on the calling CPU. */
void timer_setup(struct timer *t, timer_fn_t fn, void *arg);

/*
 * Arm t to fire once at deadline_ns (clock_now_ns() time), or move it
 * there if already armed. A deadline in the past fires as soon as
 * possible. The callback never runs before clock_now_ns() reaches the
 * deadline. Only on t's home CPU (panics elsewhere, or if timers are
 * unavailable). Takes the home CPU's queue lock.
 */
void timer_arm(struct timer *t, uint64_t deadline_ns);

/*
 * Disarm t. Returns true if it was armed (its callback will not run for
 * that arming), false if it was not armed: never armed, already fired,
 * or its callback is running right now (on another CPU). Any CPU, any
 * context. Takes t's home CPU's queue lock.
 */
bool timer_cancel(struct timer *t);

/*
 * timer_cancel(), then wait until t's callback is not running on its
 * home CPU; after it, t may be freed (unless someone re-arms it). Must
 * not be called from t's own callback (that would wait forever: it
 * panics instead). Any CPU, any other context.
 */
bool timer_cancel_sync(struct timer *t);

/* Whether t is armed. A snapshot: only stable on t's home CPU with
 * interrupts disabled. */
bool timer_pending(const struct timer *t);

/*
 * Halt this CPU until an interrupt (an event upcall) has been handled.
 * Tickless: nothing wakes it but a real event, such as the earliest
 * timer deadline. Call with interrupts disabled, after checking the
 * condition being waited for; returns with interrupts disabled, possibly
 * without that condition true (re-check it). Thread context only.
 */
void cpu_idle_until_event(void);

/*
 * For diagnostics: print this CPU's timer state, each line starting with
 * `prefix`: the deadline Xen holds (or last held) and how far off it is
 * by clock_now_ns(), the VIRQ_TIMER port, the counters, and the first
 * queued deadlines. Any context on the CPU itself (the wait watchdog's).
 */
void timer_dump(const char *prefix);

/* Copy CPU cpu's counters into *out (zeros for an unused CPU). */
void timer_get_stats(unsigned int cpu, struct timer_stats *out);

#endif
