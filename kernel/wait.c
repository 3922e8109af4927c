/* SPDX-License-Identifier: MIT */
/*
 * wait.c - waiting for a condition or a timeout (include/wait.h). A
 * thread sleeps through the scheduler (thread_sleep_until); before the
 * scheduler, or on a CPU without timers, the CPU halts until an event
 * (cpu_idle_until_event). Both re-check the condition with interrupts
 * off, so a wake-up between the check and the sleep is never lost, and
 * both have a watchdog (include/watchdog.h) in case the timer's event
 * is: then the wait ends as timed out, after the watchdog's dump.
 */
#include <kernel.h>
#include <clock.h>
#include <sched.h>
#include <timer.h>
#include <wait.h>
#include <watchdog.h>
#include <arch/x86.h>

/* A sleeping thread on a wait queue: lives on its stack while it waits. */
struct waiter {
    struct thread *t;
    struct waiter *next; /* wq->lock */
};

static uint64_t
deadline_after(uint64_t timeout_ns)
{
    uint64_t now = clock_now_ns();

    return timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
}

/* thread_sleep_until has the watchdog: its trip wakes us past the
 * deadline, which ends the loop. */
static bool
sleep_on(struct waitq *wq, bool (*cond)(void *arg), void *arg,
         uint64_t deadline)
{
    struct waiter w = { .t = thread_self() };
    struct waiter **pp;
    unsigned long flags;
    bool ok;

    flags = spin_lock_irqsave(&wq->lock);
    w.next = wq->head;
    wq->head = &w;
    while ( !(ok = cond(arg)) && clock_now_ns() < deadline )
        thread_sleep_until(&wq->lock, deadline);
    for ( pp = &wq->head; *pp != &w; pp = &(*pp)->next )
        ;
    *pp = w.next;
    spin_unlock_irqrestore(&wq->lock, flags);
    return ok;
}

/* The timeout timer of a halting wait: it only sets a flag. */
static void
expire_fn(struct timer *t, void *arg)
{
    *(volatile bool *)arg = true;
}

static bool
halt_until(struct waitq *wq, bool (*cond)(void *arg), void *arg,
           uint64_t deadline, struct watchdog *wd)
{
    volatile bool expired = false;
    struct timer t;
    unsigned long flags;
    bool ok;

    timer_setup(&t, expire_fn, (void *)&expired);
    flags = spin_lock_irqsave(&wq->lock);
    timer_arm(&t, deadline);
    /* Interrupts are off for each check, so an event that makes cond
     * true either came before it or will end the halt after it. The
     * lock is dropped while halted: wakers take it. */
    while ( !(ok = cond(arg)) && !expired && !watchdog_tripped(wd) )
    {
        spin_unlock(&wq->lock);
        cpu_idle_until_event();
        spin_lock(&wq->lock);
    }
    /* On our own CPU with interrupts off, the callback cannot be running:
     * after this the on-stack timer is unused. */
    timer_cancel(&t);
    spin_unlock_irqrestore(&wq->lock, flags);
    return ok;
}

bool
wait_event_timeout(struct waitq *wq, bool (*cond)(void *arg), void *arg,
                   uint64_t timeout_ns)
{
    struct watchdog wd;
    uint64_t deadline;
    bool ok;

    if ( !timer_available() )
        return cond(arg);
    deadline = deadline_after(timeout_ns);
    if ( sched_can_sleep() )
        return sleep_on(wq, cond, arg, deadline);
    /* The backstop, should the timer's event never come: a margin past
     * the deadline (none for a wait of centuries, which is not bounded). */
    watchdog_arm(&wd, watchdog_deadline(deadline), "a halting wait");
    ok = halt_until(wq, cond, arg, deadline, &wd);
    watchdog_disarm(&wd);
    return ok;
}

void
waitq_wake_all(struct waitq *wq)
{
    struct waiter *w;
    unsigned long flags;

    flags = spin_lock_irqsave(&wq->lock);
    for ( w = wq->head; w; w = w->next )
        thread_wake(w->t);
    spin_unlock_irqrestore(&wq->lock, flags);
}

static bool
never(void *arg)
{
    return false;
}

int
sleep_ns(uint64_t ns)
{
    struct waitq wq = WAITQ_INIT("sleep");

    if ( !timer_available() )
        return -1;
    wait_event_timeout(&wq, never, NULL, ns);
    return 0;
}
