/* SPDX-License-Identifier: MIT */
/*
 * timer.c - per-CPU timer queues on Xen's per-vCPU single-shot timer
 * (include/timer.h): arming and cancelling, keeping Xen's one hardware
 * deadline equal to the earliest queued one, running expired callbacks
 * on VIRQ_TIMER, and tickless idle and timed waits on top. The deadline
 * logic is kernel/xen/time/timer_core.c (host-tested against a model of
 * Xen), the sorted queue kernel/xen/time/timerq.c, the clock
 * kernel/xen/time/pvclock.c.
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

struct timer_cpu {
    spinlock_t lock;
    struct timer_core core; /* queue, hardware deadline, stats: lock */
    bool ready;             /* set once by timer_init_cpu */
    evtchn_port_t port;     /* this vCPU's VIRQ_TIMER */
};

static struct timer_cpu timer_cpus[MAX_CPUS];

/*
 * Give Xen this vCPU's next deadline (timer_core_ops.program). Flags 0,
 * not VCPU_SSHOTTMR_future: with that flag an old Xen refuses a deadline
 * that has already passed (-ETIME), and a timer armed for "now" (or one
 * that became due while we were busy) would never fire. Without it, Xen
 * raises VIRQ_TIMER at once for a past deadline, which is exactly what we
 * want. Only a vCPU itself may set its single-shot timer.
 */
static void
hw_program(void *ctx, uint64_t deadline)
{
    struct timer_cpu *tc = ctx;
    unsigned int cpu = smp_processor_id();
    struct vcpu_set_singleshot_timer st = {
        .timeout_abs_ns = clock_xen_deadline(deadline),
        .flags = 0,
    };
    long rc;

    ASSERT_HELD(&tc->lock);
    if ( fault_timer_early_ns[cpu] ) /* a test plays Xen's slop */
    {
        st.timeout_abs_ns -= MIN(st.timeout_abs_ns, fault_timer_early_ns[cpu]);
        fault_timer_early_ns[cpu] = 0;
    }
    rc = hypercall_vcpu_op(VCPUOP_set_singleshot_timer, cpu, &st);
    if ( rc )
        panic(
            "VCPUOP_set_singleshot_timer on vCPU %u failed (%ld): its timers would never fire",
            cpu, rc);
}

static void
hw_stop(void *ctx)
{
    hypercall_vcpu_op(VCPUOP_stop_singleshot_timer, smp_processor_id(), NULL);
}

static uint64_t
hw_now(void *ctx)
{
    return clock_now_ns();
}

/*
 * Run an expired timer's callback. The lock is dropped around it so it
 * can arm or cancel timers; core.running tells timer_cancel_sync to wait.
 */
static void
run_callback(void *ctx, struct timerq_node *n)
{
    struct timer_cpu *tc = ctx;
    struct timer *t = container_of(n, struct timer, node);

    spin_unlock(&tc->lock);
    t->fn(t, t->arg);
    spin_lock(&tc->lock);
}

static const struct timer_core_ops timer_hw_ops = {
    .program = hw_program,
    .stop = hw_stop,
    .now = hw_now,
    .run = run_callback,
};

/*
 * VIRQ_TIMER: Xen's single-shot timer for this vCPU went off. Runs every
 * callback whose deadline has passed by our clock, then hands Xen the
 * next deadline (timer_core_expire). Xen fires up to its slop early, and
 * our clock can read slightly behind Xen's, so a VIRQ may find nothing
 * due yet: then the same deadline is set again. Event-channel dispatch
 * calls this with interrupts disabled.
 */
static void
timer_virq(evtchn_port_t port, void *arg)
{
    struct timer_cpu *tc = arg;

    if ( tc != &timer_cpus[smp_processor_id()] )
        panic(
            "VIRQ_TIMER for another vCPU's queue arrived on vCPU %u: VIRQ_TIMER must stay bound to its own vCPU",
            smp_processor_id());

    spin_lock(&tc->lock);
    timer_core_expire(&tc->core);
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
    timer_core_init(&tc->core, &timer_hw_ops, tc);

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
    printk(
        "timer: CPU %u: single-shot timer on VIRQ_TIMER port %u, periodic timer stopped\n",
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

int
timer_resume_cpu(void)
{
    unsigned int cpu = smp_processor_id();
    struct timer_cpu *tc = &timer_cpus[cpu];
    unsigned long flags;
    long rc;

    if ( !tc->ready )
        return 0;
    hypercall_vcpu_op(VCPUOP_stop_periodic_timer, cpu, NULL);
    /* The old port is gone with the old domain: a new one, a new number. */
    rc = evtchn_bind_virq(VIRQ_TIMER, cpu, timer_virq, tc, &tc->port);
    if ( rc )
        panic(
            "timer: vCPU %u: cannot bind VIRQ_TIMER again after resume (%ld): its timers would never fire",
            cpu, rc);
    flags = spin_lock_irqsave(&tc->lock);
    timer_core_resume(&tc->core);
    spin_unlock_irqrestore(&tc->lock, flags);
    printk("timer: CPU %u: VIRQ_TIMER on port %u again, %s\n", cpu, tc->port,
           tc->core.hw_armed ? "next deadline re-armed" : "no timer queued");
    return 0;
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
        panic(
            "timer_arm on CPU %u for a timer of CPU %u: a timer is armed only on its home CPU",
            smp_processor_id(), t->cpu);
    if ( !tc->ready )
        panic("timer_arm on CPU %u before its timers were initialized", t->cpu);

    flags = spin_lock_irqsave(&tc->lock);
    timer_core_arm(&tc->core, &t->node, deadline_ns);
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
    /* Only the home CPU can reprogram Xen; from elsewhere the old
     * deadline stays and its VIRQ finds nothing due (stats.early). */
    was_armed = timer_core_cancel(&tc->core, &t->node,
                                  t->cpu == smp_processor_id(), running);
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
            panic(
                "timer_cancel_sync from the timer's own callback: it would wait for itself forever");
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
        panic(
            "cpu_idle_until_event with interrupts enabled: an event between the caller's check and the halt would be missed");
    if ( this_cpu()->irq_depth )
        panic(
            "cpu_idle_until_event in interrupt context: only threads may idle");
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
    *out = tc->core.stats;
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
    struct timer_core *c = &tc->core;
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
    printk(
        "%s Xen deadline %s, %lld us from now (%llu); VIRQ_TIMER port %u; %llu VIRQs (%llu early), %llu callbacks, %llu deadlines set%s\n",
        prefix, c->hw_armed ? "armed" : "not armed (last given)",
        us_from(c->hw_deadline, now), (unsigned long long)c->hw_deadline,
        tc->port, (unsigned long long)c->stats.virqs,
        (unsigned long long)c->stats.early, (unsigned long long)c->stats.fired,
        (unsigned long long)c->stats.programs,
        locked ? "" : " (queue lock busy: read without it)");
    len = snprintf(line, sizeof(line),
                   "%s queue: %zu timers, due in (us):", prefix, c->q.count);
    for ( n = timerq_first(&c->q); n && n != &c->q.head && shown < 6;
          n = n->next, shown++ )
        len += n->deadline == UINT64_MAX /* a wait with no deadline */
                   ? snprintf(line + MIN(len, sizeof(line)),
                              sizeof(line) - MIN(len, sizeof(line)), " never")
                   : snprintf(line + MIN(len, sizeof(line)),
                              sizeof(line) - MIN(len, sizeof(line)), " %lld",
                              us_from(n->deadline, now));
    if ( locked )
        spin_unlock(&tc->lock);
    printk("%s\n", line);
    evtchn_describe_port(tc->port, line, sizeof(line));
    printk("%s VIRQ_TIMER %s\n", prefix, line);
}
