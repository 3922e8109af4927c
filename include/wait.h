/* SPDX-License-Identifier: MIT */
/*
 * wait.h - the one way to wait for a condition or a timeout
 * (kernel/wait.c). A waiter calls wait_event_timeout(); whoever makes the
 * condition true (an interrupt handler, another thread, another CPU) sets
 * it and then calls waitq_wake_all() on the same queue.
 *
 * How it waits depends on where it is called: a thread, once the
 * scheduler runs with timers on its CPU, sleeps and lets the CPU's other
 * threads run; anywhere else (boot before sched_init, or a CPU without
 * timers) the CPU halts until an interrupt and re-checks. Callers need
 * not care which.
 *
 *     static struct waitq reply_wq = WAITQ_INIT("xs-reply");
 *     ...waiter:   ok = wait_event_timeout(&reply_wq, reply_arrived, req,
 *                                          NSEC_PER_SEC);
 *     ...handler:  req->done = true; waitq_wake_all(&reply_wq);
 */
#ifndef XENLING_WAIT_H
#define XENLING_WAIT_H

#include <lib.h>
#include <spinlock.h>

struct waiter;

struct waitq {
    spinlock_t lock;     /* protects `head`; taken with interrupts off */
    struct waiter *head; /* sleeping threads: lock */
};

#define WAITQ_INIT(n) \
    { \
        .lock = SPINLOCK_INIT(n), .head = NULL \
    }

/*
 * Wait until cond(arg) is true or timeout_ns have passed; returns cond's
 * last value (true: it became true in time). cond is called with
 * interrupts off and wq's lock held, so an event that makes it true
 * cannot slip in between the check and the sleep: keep it short, and it
 * must not wait or take wq's lock. Thread context (never an interrupt
 * handler); interrupts are restored on return. Without timers (plain
 * QEMU), returns cond(arg) at once.
 */
bool wait_event_timeout(struct waitq *wq, bool (*cond)(void *arg), void *arg,
                        uint64_t timeout_ns);

/*
 * Wake every thread sleeping on wq so it re-checks its condition. Call it
 * after making a condition true. Any context, any CPU; takes wq's lock
 * and then run-queue locks (never call it holding a run-queue lock).
 */
void waitq_wake_all(struct waitq *wq);

/*
 * Wait at least ns nanoseconds (a thread sleeps, anything else halts).
 * Returns 0, or -1 at once if this CPU has no timers. Thread context.
 */
int sleep_ns(uint64_t ns);

#endif
