/* SPDX-License-Identifier: MIT */
/*
 * timer_core.c - the deadline logic of one CPU's timers
 * (include/timer_core.h): keeping the single hardware deadline equal to
 * the earliest queued one, and running what is due on VIRQ_TIMER. The
 * sorted queue is timerq.c; the hypercalls, clock and lock are
 * kernel/xen/time/timer.c's.
 */
#include <timer_core.h>

void
timer_core_init(struct timer_core *c, const struct timer_core_ops *ops,
                void *ctx)
{
    memset(c, 0, sizeof(*c));
    timerq_init(&c->q);
    c->ops = ops;
    c->ctx = ctx;
}

/*
 * Make the hardware deadline match the earliest queued one: set it if it
 * differs (or the hardware holds none), stop it if the queue is empty.
 * While timer_core_expire runs callbacks it updates once at the end, so
 * callbacks that arm timers cost no hypercall each.
 */
static void
hw_update(struct timer_core *c)
{
    struct timerq_node *first = timerq_first(&c->q);

    if ( c->dispatching )
        return;
    if ( !first )
    {
        if ( c->hw_armed )
        {
            c->ops->stop(c->ctx);
            c->hw_armed = false;
        }
        return;
    }
    if ( c->hw_armed && c->hw_deadline == first->deadline )
        return;
    c->ops->program(c->ctx, MIN(first->deadline, TIMER_HW_DEADLINE_MAX));
    c->hw_armed = true;
    c->hw_deadline = first->deadline;
    c->stats.programs++;
}

void
timer_core_arm(struct timer_core *c, struct timerq_node *n, uint64_t deadline)
{
    timerq_remove(&c->q, n); /* re-arm: move it */
    timerq_insert(&c->q, n, deadline);
    hw_update(c);
}

bool
timer_core_cancel(struct timer_core *c, struct timerq_node *n, bool home,
                  bool *running)
{
    bool was_armed = timerq_remove(&c->q, n);

    if ( was_armed && home )
        hw_update(c);
    *running = c->running == n;
    return was_armed;
}

void
timer_core_expire(struct timer_core *c)
{
    struct timerq_node *n;
    uint64_t fired = 0;

    c->stats.virqs++;
    /*
     * A single shot: whatever Xen held is spent now. Forgetting it is
     * what makes hw_update() below program the next deadline even when
     * it is the same one, as it is when Xen fired within its slop before
     * our clock reached the deadline and nothing ran.
     */
    c->hw_armed = false;
    c->dispatching = true;
    /*
     * Read the clock once per pass, not once per timer (a clock read can
     * cost as much as a hypercall), and pass again until a pass finds
     * nothing due: callbacks take time, and may arm timers due by then.
     */
    for ( ;; )
    {
        uint64_t now = c->ops->now(c->ctx), batch = 0;

        while ( (n = timerq_pop_expired(&c->q, now)) != NULL )
        {
            c->running = n;
            c->ops->run(c->ctx, n);
            c->running = NULL;
            batch++;
        }
        if ( !batch )
            break;
        fired += batch;
    }
    c->dispatching = false;
    c->stats.fired += fired;
    if ( !fired )
        c->stats.early++;
    hw_update(c);
}

void
timer_core_resume(struct timer_core *c)
{
    /* The new domain's Xen holds no deadline for us: program the earliest
     * queued one, whatever we believed Xen held. */
    c->hw_armed = false;
    c->stats.resumes++;
    hw_update(c);
}
