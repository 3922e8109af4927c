/* SPDX-License-Identifier: MIT */
/*
 * watchdog.h - a backstop for every bounded wait. A wait ends by its own
 * timer (VIRQ_TIMER, an event channel); if that is lost, the CPU would
 * halt or sleep for ever, silently. So a wait also arms a watchdog a
 * margin past its timeout, on a clock with nothing in common with Xen's
 * event channels and single-shot timers: the local APIC's own one-shot
 * timer, which Xen emulates (vlapic) apart from both. When a watchdog
 * trips, its interrupt prints the state that tells the causes apart
 * (watchdog_dump) and wakes the waiter, whose wait then returns as timed
 * out; the self-test runner fails the test it happened in.
 * kernel/watchdog.c; kernel/wait.c uses it.
 *
 *     struct watchdog wd;
 *     watchdog_arm(&wd, deadline + WATCHDOG_MARGIN_NS, "wait");
 *     while ( !cond() && !watchdog_tripped(&wd) ) ...sleep or halt...
 *     watchdog_disarm(&wd);
 */
#ifndef XENLING_WATCHDOG_H
#define XENLING_WATCHDOG_H

#include <lib.h>
#include <timerq.h>

struct thread;

/* How long past its own timeout a wait may run before its watchdog
 * trips: far beyond any timer lateness seen under TCG (tens of ms). */
#define WATCHDOG_MARGIN_NS (2 * 1000 * 1000 * 1000ull)

struct watchdog {
    struct timerq_node node; /* in its CPU's watchdog queue: queue lock */
    struct thread *waiter;   /* woken on a trip; NULL: a halting wait */
    const char *what;        /* named in the dump */
    volatile bool tripped;   /* set by the watchdog interrupt */
    uint64_t xen_ns[4];      /* Xen's runstate totals when armed */
};

/*
 * Per CPU, on the CPU itself, after its timers (timer_init_cpu): enable
 * the local APIC, claim the watchdog vector (once) and, on the boot CPU,
 * measure the APIC timer against the PV clock. Returns 0, or -1 (printed)
 * when there is no PV clock or no local APIC: watchdogs on that CPU then
 * do nothing, and watchdog_available() is false there.
 */
int watchdog_init_cpu(void);
bool watchdog_available(void);

/*
 * Xen's account of CPU cpu's time, in ns, indexed by RUNSTATE_running,
 * _runnable, _blocked and _offline, up to now: the totals Xen wrote at
 * that vCPU's last context switch plus the time since in its current
 * state. All zeros when Xen has no runstate area for it.
 * Any context; a benchmark compares two readings (tests/kernel/blk_bench.c).
 */
void watchdog_runstate(unsigned int cpu, uint64_t t[4]);

/*
 * Arm wd on this CPU to trip at deadline_ns (clock_now_ns() time). The
 * waiter to wake is the calling thread when it may sleep, else none (a
 * halting wait ends at the interrupt anyway). Without watchdogs on this
 * CPU, or for deadline_ns UINT64_MAX (never), it only prepares wd, which
 * then never trips. Any context, not in a handler.
 */
void watchdog_arm(struct watchdog *wd, uint64_t deadline_ns, const char *what);

/*
 * Around a suspend (kernel/resume.c), on CPU 0 with the other vCPUs
 * parked and interrupts off: watchdog_suspend just before
 * SCHEDOP_shutdown(SHUTDOWN_suspend), watchdog_resume once the clock
 * reads right again (after clock_resume in a new domain) and before any
 * interrupt. The time in between does not count against armed watchdogs
 * nor the hard-lockup heartbeats (hardlockup_resume), and the runstate
 * areas are registered with Xen again (a new domain has none).
 */
void watchdog_suspend(void);
void watchdog_resume(void);

/* The watchdog deadline of a wait that ends at deadline_ns: the margin
 * past it, or UINT64_MAX (none) for a wait that is not bounded. */
static inline uint64_t
watchdog_deadline(uint64_t deadline_ns)
{
    return deadline_ns > UINT64_MAX - WATCHDOG_MARGIN_NS
               ? UINT64_MAX
               : deadline_ns + WATCHDOG_MARGIN_NS;
}

/* Take wd off its queue, on the CPU that armed it. Returns whether it
 * tripped. */
bool watchdog_disarm(struct watchdog *wd);

static inline bool
watchdog_tripped(const struct watchdog *wd)
{
    return wd->tripped;
}

/* Watchdogs tripped since boot, on every CPU, and of those the ones a
 * test declared it expects (watchdog_expect_trip). */
unsigned long watchdog_trips(void);
unsigned long watchdog_unexpected_trips(void);

/* A test that makes a watchdog trip on purpose says so first (true),
 * and says when it is done (false). */
void watchdog_expect_trip(bool expect);

/*
 * Print, each line prefixed "watchdog: CPU n:", `why` and then what tells
 * the causes of a lost wake-up apart on this CPU: the PV clock, the timer
 * state and queue (timer_dump) with the VIRQ_TIMER port's state, the
 * vcpu_info's upcall flags, the local APIC's request and in-service
 * bits for the upcall vector, and the scheduler's state (sched_dump). Any context on the CPU itself.
 */
void watchdog_dump(const char *why);

#endif
