/* SPDX-License-Identifier: MIT */
/*
 * timer.c - per-CPU timer queues on Xen's per-vCPU single-shot timer
 * (include/timer.h): arming and cancelling, keeping Xen's one hardware
 * deadline equal to the earliest queued one, running expired callbacks
 * on VIRQ_TIMER, and tickless idle and timed waits on top. The sorted
 * queue itself is kernel/xen/time/timerq.c; the clock is kernel/xen/time/pvclock.c.
 */
#include <kernel.h>
#include <clock.h>
#include <evtchn.h>
#include <fault.h>
#include <hypervisor.h>
#include <percpu.h>
#include <shared_info.h>
#include <spinlock.h>
#include <timer.h>
#include <arch/x86.h>

/*
 * Xen's system time is a signed 64-bit count (s_time_t): a deadline
 * above INT64_MAX would read as negative, i.e. long past, and fire at
 * once. Deadlines are capped here; 2^63 ns is 292 years.
 */
#define HW_DEADLINE_MAX ((uint64_t)INT64_MAX)

struct timer_cpu {
    spinlock_t lock;
    struct timerq q;       /* armed timers of this CPU: lock */
    struct timer *running; /* callback being run, or NULL: lock */
    bool dispatching;      /* in timer_virq's loop: lock */
    bool hw_armed;         /* Xen holds hw_deadline for us: lock */
    uint64_t hw_deadline;
    bool ready;               /* set once by timer_init_cpu */
    evtchn_port_t port;       /* this vCPU's VIRQ_TIMER */
    struct timer_stats stats; /* written by this CPU only, under lock */
};

static struct timer_cpu timer_cpus[MAX_CPUS];

/*
 * Give Xen this vCPU's next deadline. Flags 0, not VCPU_SSHOTTMR_future:
 * with that flag an old Xen refuses a deadline that has already passed
 * (-ETIME), and a timer armed for "now" (or one that became due while
 * we were busy) would never fire. Without it, Xen raises VIRQ_TIMER at
 * once for a past deadline, which is exactly what we want. Only a vCPU
 * itself may set its single-shot timer.
 */
static void
hw_set(struct timer_cpu *tc, uint64_t deadline)
{
    unsigned int cpu = smp_processor_id();
    struct vcpu_set_singleshot_timer st = {
        .timeout_abs_ns = MIN(deadline, HW_DEADLINE_MAX),
        .flags = 0,
    };
    long rc;

    if ( fault_timer_early_ns[cpu] ) /* a test plays Xen's slop */
    {
        st.timeout_abs_ns -= MIN(st.timeout_abs_ns, fault_timer_early_ns[cpu]);
        fault_timer_early_ns[cpu] = 0;
    }
    rc = hypercall_vcpu_op(VCPUOP_set_singleshot_timer, cpu, &st);
    if ( rc )
        panic("VCPUOP_set_singleshot_timer on vCPU %u failed (%ld): its "
              "timers would never fire",
              cpu, rc);
    tc->hw_armed = true;
    tc->hw_deadline = deadline;
    tc->stats.programs++;
}

/*
 * Make Xen's deadline match the earliest queued one: set it if it
 * differs, stop it if the queue is empty. Caller holds tc->lock on tc's
 * own CPU. While timer_virq runs callbacks it reprograms once at the
 * end, so callbacks that arm timers cost no hypercall each.
 */
static void
hw_update(struct timer_cpu *tc)
{
    struct timerq_node *first = timerq_first(&tc->q);

    ASSERT_HELD(&tc->lock);
    if ( tc->dispatching )
        return;
    if ( !first )
    {
        if ( tc->hw_armed )
        {
            hypercall_vcpu_op(VCPUOP_stop_singleshot_timer, smp_processor_id(),
                              NULL);
            tc->hw_armed = false;
        }
        return;
    }
    if ( !tc->hw_armed || tc->hw_deadline != first->deadline )
        hw_set(tc, first->deadline);
}

/*
 * VIRQ_TIMER: Xen's single-shot timer for this vCPU went off. Runs every
 * callback whose deadline has passed by our clock, then hands Xen the
 * next deadline. Xen's notion of "passed" and ours can differ slightly,
 * so a VIRQ may find nothing due yet: then the same deadline is simply
 * set again. Event-channel dispatch calls this with interrupts disabled.
 */
static void
timer_virq(evtchn_port_t port, void *arg)
{
    struct timer_cpu *tc = arg;
    struct timerq_node *n;
    uint64_t fired = 0;

    if ( tc != &timer_cpus[smp_processor_id()] )
        panic("VIRQ_TIMER for another vCPU's queue arrived on vCPU %u: "
              "VIRQ_TIMER must stay bound to its own vCPU",
              smp_processor_id());

    spin_lock(&tc->lock);
    tc->stats.virqs++;
    tc->hw_armed = false; /* a single shot: it is spent now */
    tc->dispatching = true;
    /*
     * Read the clock once per pass, not once per timer (a clock read can
     * cost as much as a hypercall), and pass again until a pass finds
     * nothing due: callbacks take time, and may arm timers due by then.
     */
    for ( ;; )
    {
        uint64_t now = clock_now_ns(), batch = 0;

        while ( (n = timerq_pop_expired(&tc->q, now)) != NULL )
        {
            struct timer *t = container_of(n, struct timer, node);

            /* Drop the lock around the callback so it can arm or cancel
             * timers; `running` tells timer_cancel_sync to wait for it. */
            tc->running = t;
            spin_unlock(&tc->lock);
            t->fn(t, t->arg);
            spin_lock(&tc->lock);
            tc->running = NULL;
            batch++;
        }
        if ( !batch )
            break;
        fired += batch;
    }
    tc->dispatching = false;
    tc->stats.fired += fired;
    if ( !fired )
        tc->stats.early++;
    hw_update(tc);
    spin_unlock(&tc->lock);
}

int
timer_init_cpu(void)
{
    unsigned int cpu = smp_processor_id();
    struct timer_cpu *tc = &timer_cpus[cpu];
    long rc;

    /* The clock reads this vCPU's own time record. */
    if ( !clock_available() || !vcpu_info(cpu) )
    {
        printk("timer: CPU %u: no PV clock here: no timers\n", cpu);
        return -1;
    }
    tc->lock = (spinlock_t)SPINLOCK_INIT("timer_cpu");
    timerq_init(&tc->q);

    /*
     * Xen gives PV guests a 100 Hz periodic VIRQ_TIMER by default (PVH
     * vCPUs start with none). Stop it anyway: with it, every vCPU would
     * wake 100 times a second for nothing, and a tickless kernel wants
     * only the deadlines it asked for. Any vCPU may stop any vCPU's.
     */
    rc = hypercall_vcpu_op(VCPUOP_stop_periodic_timer, cpu, NULL);
    if ( rc )
        printk("timer: CPU %u: VCPUOP_stop_periodic_timer failed (%ld)\n", cpu,
               rc);
    /* No stale single-shot deadline from before we took over. */
    hypercall_vcpu_op(VCPUOP_stop_singleshot_timer, cpu, NULL);

    rc = evtchn_bind_virq(VIRQ_TIMER, cpu, timer_virq, tc, &tc->port);
    if ( rc )
    {
        printk("timer: CPU %u: cannot bind VIRQ_TIMER (%ld): no timers\n", cpu,
               rc);
        return rc;
    }
    tc->ready = true;
    printk("timer: CPU %u: single-shot timer on VIRQ_TIMER port %u, "
           "periodic timer stopped\n",
           cpu, tc->port);
    return 0;
}

int
timer_init(void)
{
    if ( clock_init() )
    {
        printk("timer: no PV clock: timers unavailable\n");
        return -1;
    }
    if ( !evtchn_available() )
    {
        printk("timer: no event channels: timers unavailable\n");
        return -1;
    }
    return timer_init_cpu();
}

unsigned int
timer_virq_port(void)
{
    return timer_cpus[smp_processor_id()].port;
}

bool
timer_available(void)
{
    return timer_cpus[smp_processor_id()].ready;
}

void
timer_setup(struct timer *t, timer_fn_t fn, void *arg)
{
    timerq_node_init(&t->node);
    t->fn = fn;
    t->arg = arg;
    t->cpu = smp_processor_id();
}

void
timer_arm(struct timer *t, uint64_t deadline_ns)
{
    struct timer_cpu *tc = &timer_cpus[t->cpu];
    unsigned long flags;

    if ( t->cpu != smp_processor_id() )
        panic("timer_arm on CPU %u for a timer of CPU %u: a timer is armed "
              "only on its home CPU",
              smp_processor_id(), t->cpu);
    if ( !tc->ready )
        panic("timer_arm on CPU %u before its timers were initialized", t->cpu);

    flags = spin_lock_irqsave(&tc->lock);
    timerq_remove(&tc->q, &t->node); /* re-arm: move it */
    timerq_insert(&tc->q, &t->node, deadline_ns);
    hw_update(tc);
    spin_unlock_irqrestore(&tc->lock, flags);
}

/* Take t off its queue if armed; report whether its callback runs now. */
static bool
cancel_locked(struct timer *t, bool *running)
{
    struct timer_cpu *tc = &timer_cpus[t->cpu];
    unsigned long flags;
    bool was_armed;

    /* No timer can be armed on a CPU whose timers never started. */
    *running = false;
    if ( !tc->ready )
        return false;
    flags = spin_lock_irqsave(&tc->lock);
    was_armed = timerq_remove(&tc->q, &t->node);

    /* Only the home CPU can reprogram Xen; from elsewhere the old
     * deadline stays and its VIRQ finds nothing due (stats.early). */
    if ( was_armed && t->cpu == smp_processor_id() )
        hw_update(tc);
    *running = tc->running == t;
    spin_unlock_irqrestore(&tc->lock, flags);
    return was_armed;
}

bool
timer_cancel(struct timer *t)
{
    bool running;

    return cancel_locked(t, &running);
}

bool
timer_cancel_sync(struct timer *t)
{
    bool running, was_armed = cancel_locked(t, &running);

    while ( running )
    {
        /* On the home CPU callbacks run with interrupts off, so the only
         * way to see t running here is to be inside t's callback. */
        if ( t->cpu == smp_processor_id() )
            panic("timer_cancel_sync from the timer's own callback: it "
                  "would wait for itself forever");
        cpu_relax();
        was_armed |= cancel_locked(t, &running);
    }
    return was_armed;
}

bool
timer_pending(const struct timer *t)
{
    return timerq_node_queued(&t->node);
}

void
cpu_idle_until_event(void)
{
    if ( read_flags() & X86_FLAGS_IF )
        panic("cpu_idle_until_event with interrupts enabled: an event "
              "between the caller's check and the halt would be missed");
    if ( this_cpu()->irq_depth )
        panic("cpu_idle_until_event in interrupt context: only threads "
              "may idle");
    /*
     * sti takes effect after the next instruction, so no interrupt can
     * be taken between sti and hlt: a pending event wakes hlt at once
     * instead of being handled just before we halt and then waited for
     * forever. Xen blocks the halted vCPU until an event is pending for
     * it; the upcall handler runs, and we return after it.
     */
    safe_halt();
    irq_disable();
}

void
timer_get_stats(unsigned int cpu, struct timer_stats *out)
{
    struct timer_cpu *tc;
    unsigned long flags;

    if ( cpu >= MAX_CPUS || !timer_cpus[cpu].ready )
    {
        memset(out, 0, sizeof(*out));
        return;
    }
    tc = &timer_cpus[cpu];
    flags = spin_lock_irqsave(&tc->lock);
    *out = tc->stats;
    spin_unlock_irqrestore(&tc->lock, flags);
}

/* Signed microseconds from now to t, for the dump. */
static long long
us_from(uint64_t t, uint64_t now)
{
    return (long long)(t - now) / 1000;
}

void
timer_dump(const char *prefix)
{
    unsigned int cpu = smp_processor_id(), shown = 0;
    struct timer_cpu *tc = &timer_cpus[cpu];
    uint64_t now = clock_now_ns();
    struct timerq_node *n;
    char line[160];
    size_t len;
    bool locked;

    if ( !tc->ready )
    {
        printk("%s timers: none on CPU %u\n", prefix, cpu);
        return;
    }
    /* A snapshot; without the lock if another CPU holds it (a cancel). */
    locked = spin_trylock(&tc->lock);
    printk("%s Xen deadline %s, %lld us from now (%llu); VIRQ_TIMER port "
           "%u; %llu VIRQs (%llu early), %llu callbacks, %llu deadlines "
           "set%s\n",
           prefix, tc->hw_armed ? "armed" : "not armed (last given)",
           us_from(tc->hw_deadline, now), (unsigned long long)tc->hw_deadline,
           tc->port, (unsigned long long)tc->stats.virqs,
           (unsigned long long)tc->stats.early,
           (unsigned long long)tc->stats.fired,
           (unsigned long long)tc->stats.programs,
           locked ? "" : " (queue lock busy: read without it)");
    len = snprintf(line, sizeof(line),
                   "%s queue: %zu timers, due in (us):", prefix, tc->q.count);
    for ( n = timerq_first(&tc->q); n && n != &tc->q.head && shown < 6;
          n = n->next, shown++ )
        len += snprintf(line + MIN(len, sizeof(line)),
                        sizeof(line) - MIN(len, sizeof(line)), " %lld",
                        us_from(n->deadline, now));
    if ( locked )
        spin_unlock(&tc->lock);
    printk("%s\n", line);
    evtchn_describe_port(tc->port, line, sizeof(line));
    printk("%s VIRQ_TIMER %s\n", prefix, line);
}
