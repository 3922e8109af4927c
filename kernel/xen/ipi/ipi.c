/* SPDX-License-Identifier: MIT */
/*
 * ipi.c - IPIs through event channels (include/ipi.h). Each online
 * vCPU has one EVTCHNOP_bind_ipi port per IPI kind, all bound by the boot
 * CPU in ipi_init(). A call-function IPI is only a doorbell: the work
 * travels in the target's call queue (a locked list of struct ipi_call,
 * kernel/xen/ipi/ipi_queue.c), and the event says "look at your queue".
 * Binding, sending and dispatch are kernel/xen/evtchn/evtchn.c's; vCPU
 * bring-up is kernel/arch/x86/smpboot.c's.
 */
#include <kernel.h>
#include <evtchn.h>
#include <ipi.h>
#include <percpu.h>
#include <smp.h>
#include <spinlock.h>
#include <arch/x86.h>
#include "kernel/xen/ipi/ipi_queue.h"

/*
 * A waiting caller says so once after this many TSC cycles (seconds at
 * any TSC rate we meet): a hint for a hang, not an error, as fn may be
 * slow. The TSC is read only every WAIT_TSC_EVERY spins, since under
 * Xen a TSC read may itself trap to the hypervisor.
 */
#define WAIT_WARN_CYCLES (20ull * 1000 * 1000 * 1000)
#define WAIT_TSC_EVERY   1024

struct ipi_cpu {
    /*
     * The call queue (include/ipi_queue.h) and the lock that protects
     * it, always taken with interrupts disabled (the owner takes it in
     * its IPI handler).
     */
    spinlock_t lock;
    struct ipi_queue queue;
    /* Written by ipi_init() before `ready` is set, read-only after. */
    evtchn_port_t port[NR_IPI_KINDS];
    bool ready;                 /* store-release by ipi_init(), load-acquire
                                   by everyone else */
    struct ipi_stats stats;     /* written by the owner, interrupts off */
    struct ipi_pool pool;       /* requests for calls without wait */
} __attribute__((aligned(64))); /* one cache line or more per CPU */

/* Locks set up by ipi_init(); nothing is sent to a CPU before it is ready,
 * and no CPU runs its queue before something was sent to it. */
static struct ipi_cpu ipi_cpus[MAX_CPUS];

/* The scheduler's hook; atomic loads and stores, any CPU. */
static void (*resched_hook)(void);

bool
ipi_ready(unsigned int cpu)
{
    /* Acquire: the ports written before `ready` are visible. */
    return cpu < MAX_CPUS &&
           __atomic_load_n(&ipi_cpus[cpu].ready, __ATOMIC_ACQUIRE);
}

/* May `what` target `cpu` (not the caller)? 0 or -errno (printed). */
static int
check_target(const char *what, unsigned int cpu)
{
    if ( cpu >= nr_cpus )
    {
        printk("ipi: %s(%u): no such CPU (%u vCPUs)\n", what, cpu, nr_cpus);
        return -XEN_EINVAL;
    }
    if ( !ipi_ready(cpu) )
    {
        printk("ipi: %s(%u): CPU %u %s\n", what, cpu, cpu,
               cpu_online(cpu) ? "has no IPI ports" : "is offline");
        return -XEN_ENODEV;
    }
    return 0;
}

/* The handlers get their CPU's ipi_cpu as argument: check that Xen
 * delivered the event where the port is bound. */
static struct ipi_cpu *
event_cpu(void *arg, evtchn_port_t port)
{
    struct ipi_cpu *c = arg;
    unsigned int me = smp_processor_id();

    if ( c != &ipi_cpus[me] )
        panic(
            "ipi: port %u of CPU %u handled on CPU %u: an IPI port's events must reach only the vCPU it is bound to",
            port, (unsigned int)(c - ipi_cpus), me);
    return c;
}

/*
 * Run the calls queued for this CPU until the queue is empty, interrupts
 * disabled. Each call is taken off the queue under the lock and run
 * without it, so fn may queue calls itself, even to this CPU. The calls
 * behind it stay in the queue while it runs: if fn waits, the waiting
 * loop finds them there and runs them (taking the whole list at once
 * would hide them in this function's local variable, and two CPUs each
 * waiting for a call the other had taken would never finish). Called by
 * the IPI handler and by a waiting caller on its own CPU.
 */
static void
run_queue(struct ipi_cpu *c)
{
    unsigned long flags = irq_save();
    struct ipi_call *call;

    for ( ;; )
    {
        spin_lock(&c->lock);
        call = ipi_queue_pop(&c->queue);
        spin_unlock(&c->lock);
        if ( !call )
            break;
        ipi_call_run(call);
        c->stats.calls_run++;
    }
    irq_restore(flags);
}

static void
call_function_event(evtchn_port_t port, void *arg)
{
    struct ipi_cpu *c = event_cpu(arg, port);

    c->stats.call_events++;
    run_queue(c);
}

static void
reschedule_event(evtchn_port_t port, void *arg)
{
    struct ipi_cpu *c = event_cpu(arg, port);
    /* Acquire: what the hook's owner set up before installing it. */
    void (*hook)(void) = __atomic_load_n(&resched_hook, __ATOMIC_ACQUIRE);

    c->stats.reschedules++;
    if ( hook )
        hook();
}

/*
 * Append `call` to CPU `cpu`'s queue and ring its doorbell if the queue
 * was empty. A queue that was not empty needs no second event: the
 * append that made it non-empty rang, and whoever empties the queue is
 * its owner, in run_queue(), which goes on until it finds it empty under
 * the lock, so it runs our call too. Event channels clear the pending
 * flag before the handler runs, so a ring after the owner found the queue
 * empty always brings it round again.
 */
static void
queue_call(unsigned int cpu, struct ipi_call *call)
{
    struct ipi_cpu *t = &ipi_cpus[cpu];
    evtchn_port_t port = t->port[IPI_CALL_FUNCTION];
    unsigned long flags;
    bool was_empty;
    int rc;

    flags = spin_lock_irqsave(&t->lock);
    was_empty = ipi_queue_push(&t->queue, call);
    spin_unlock(&t->lock);
    /*
     * The unlock is a release store and the hypercall follows it, so the
     * queued call is in memory before Xen raises the event; the target
     * reads the queue under the same lock.
     */
    if ( was_empty )
    {
        rc = evtchn_send(port);
        if ( rc )
            panic(
                "ipi: EVTCHNOP_send on CPU %u's call port %u failed (%d): an online CPU's IPI ports stay bound",
                cpu, port, rc);
        ipi_cpus[smp_processor_id()].stats.doorbells++;
    }
    irq_restore(flags);
}

/*
 * Wait for the target to finish `call`. Meanwhile run our own queue: the
 * target may itself be waiting for us with interrupts off (in its IPI
 * handler, say), and then only we can run its call to us.
 */
static void
wait_done(struct ipi_call *call, unsigned int target)
{
    struct ipi_cpu *me = &ipi_cpus[smp_processor_id()];
    uint64_t start = rdtsc_ordered();
    unsigned long spins = 0;
    bool warned = false;

    /* fn's stores are visible to us once we see it done. */
    while ( !ipi_call_done(call) )
    {
        /* An unlocked peek, only a hint: run_queue takes the lock. */
        if ( ipi_queue_peek(&me->queue) )
            run_queue(me);
        if ( !warned && ++spins % WAIT_TSC_EVERY == 0 &&
             rdtsc_ordered() - start > WAIT_WARN_CYCLES )
        {
            printk(
                "ipi: CPU %u has waited %llu TSC cycles for a call on CPU %u (stuck with interrupts off?)\n",
                smp_processor_id(), (unsigned long long)WAIT_WARN_CYCLES,
                target);
            warned = true;
        }
        cpu_relax();
    }
}

/*
 * A free slot of this CPU's pool for a call without wait. If all are in
 * flight, run our own queue while we wait for one: their targets may be
 * waiting for us.
 */
static struct ipi_call *
slot_get(struct ipi_cpu *me)
{
    for ( ;; )
    {
        /* Interrupts off: a handler on this CPU may take slots too. */
        unsigned long flags = irq_save();
        struct ipi_call *slot = ipi_pool_get(&me->pool);

        irq_restore(flags);
        if ( slot )
            return slot;
        if ( ipi_queue_peek(&me->queue) )
            run_queue(me);
        cpu_relax();
    }
}

/* Queue fn(arg) for `cpu`: in `call` (the caller's stack) if we wait for
 * it, else in a slot of our pool. */
static void
call_remote(unsigned int cpu, struct ipi_call *call, void (*fn)(void *arg),
            void *arg, bool wait)
{
    if ( !wait )
        call = slot_get(&ipi_cpus[smp_processor_id()]);
    ipi_call_prepare(call, fn, arg, !wait);
    queue_call(cpu, call);
}

static void
run_here(void (*fn)(void *arg), void *arg)
{
    unsigned long flags = irq_save();

    fn(arg);
    irq_restore(flags);
}

int
smp_call_on(unsigned int cpu, void (*fn)(void *arg), void *arg, bool wait)
{
    struct ipi_call call;
    int rc;

    if ( !fn )
    {
        printk("ipi: call_on(%u): no function\n", cpu);
        return -XEN_EINVAL;
    }
    if ( cpu == smp_processor_id() )
    {
        run_here(fn, arg);
        return 0;
    }
    rc = check_target("call_on", cpu);
    if ( rc )
        return rc;
    call_remote(cpu, &call, fn, arg, wait);
    if ( wait )
        wait_done(&call, cpu);
    return 0;
}

int
smp_call_on_others(void (*fn)(void *arg), void *arg, bool wait)
{
    struct ipi_call calls[MAX_CPUS];
    bool queued[MAX_CPUS] = { false };
    unsigned int cpu, me = smp_processor_id();
    int rc = 0;

    if ( !fn )
    {
        printk("ipi: call_on_others: no function\n");
        return -XEN_EINVAL;
    }
    for ( cpu = 0; cpu < nr_cpus && rc == 0; cpu++ )
    {
        if ( cpu == me || !cpu_online(cpu) )
            continue;
        rc = check_target("call_on_others", cpu);
        if ( rc == 0 )
            call_remote(cpu, &calls[cpu], fn, arg, wait);
        queued[cpu] = rc == 0;
    }
    for ( cpu = 0; wait && cpu < nr_cpus; cpu++ )
        if ( queued[cpu] )
            wait_done(&calls[cpu], cpu);
    return rc;
}

int
smp_send_reschedule(unsigned int cpu)
{
    int rc = check_target("send_reschedule", cpu);

    if ( rc == 0 )
        rc = evtchn_send(ipi_cpus[cpu].port[IPI_RESCHEDULE]);
    return rc;
}

ipi_resched_hook_t
ipi_set_reschedule_hook(ipi_resched_hook_t hook)
{
    /* Release: pairs with reschedule_event's acquire. */
    return __atomic_exchange_n(&resched_hook, hook, __ATOMIC_ACQ_REL);
}

void
ipi_get_stats(unsigned int cpu, struct ipi_stats *out)
{
    const struct ipi_stats *s;

    memset(out, 0, sizeof(*out));
    if ( cpu >= MAX_CPUS )
        return;
    /* Aligned 64-bit loads do not tear on x86-64. */
    s = &ipi_cpus[cpu].stats;
    out->calls_run = __atomic_load_n(&s->calls_run, __ATOMIC_RELAXED);
    out->call_events = __atomic_load_n(&s->call_events, __ATOMIC_RELAXED);
    out->doorbells = __atomic_load_n(&s->doorbells, __ATOMIC_RELAXED);
    out->reschedules = __atomic_load_n(&s->reschedules, __ATOMIC_RELAXED);
}

/* Each kind's handler; ipi_init and ipi_resume bind these. */
static const evtchn_handler_t ipi_handlers[NR_IPI_KINDS] = {
    [IPI_CALL_FUNCTION] = call_function_event,
    [IPI_RESCHEDULE] = reschedule_event,
};

int
ipi_init(void)
{
    unsigned int cpu, kind, ready = 0;
    int rc, first = 0;

    for ( cpu = 0; cpu < MAX_CPUS; cpu++ )
        ipi_cpus[cpu].lock = (spinlock_t)SPINLOCK_INIT("ipi_queue");
    if ( !evtchn_available() )
    {
        printk("ipi: no event channels: calls run on the calling CPU only\n");
        return -XEN_ENODEV;
    }
    /*
     * The boot CPU binds every vCPU's ports (EVTCHNOP_bind_ipi takes the
     * vCPU to notify), after smp_init(): each AP already has its upcall
     * in place, and all ports exist before anything can send.
     */
    for ( cpu = 0; cpu < nr_cpus; cpu++ )
    {
        struct ipi_cpu *c = &ipi_cpus[cpu];

        if ( !cpu_online(cpu) )
            continue;
        for ( kind = 0, rc = 0; kind < NR_IPI_KINDS && rc == 0; kind++ )
            rc = evtchn_bind_ipi(cpu, ipi_handlers[kind], c, &c->port[kind]);
        if ( rc )
        {
            /* kind is one past the port that failed. */
            for ( kind--; kind-- > 0; )
                evtchn_close(c->port[kind]);
            printk(
                "ipi: vCPU %u: binding its IPI ports failed (%d): calls to it are refused\n",
                cpu, rc);
            first = first ? first : rc;
            continue;
        }
        /* Release: the ports are written before anyone sees `ready`. */
        __atomic_store_n(&c->ready, true, __ATOMIC_RELEASE);
        printk("ipi: vCPU %u: call-function port %u, reschedule port %u\n", cpu,
               c->port[IPI_CALL_FUNCTION], c->port[IPI_RESCHEDULE]);
        ready++;
    }
    printk("ipi: event-channel IPIs on %u of %u vCPUs\n", ready, nr_cpus);
    return first;
}

bool
ipi_ports_held(void)
{
    struct evtchn_status st;

    /* Only we bind IPI ports, and a new domain has none: if vCPU 0's
     * call-function port is still an IPI port of vCPU 0, this is the
     * domain we suspended. */
    if ( !ipi_ready(0) ||
         evtchn_status(ipi_cpus[0].port[IPI_CALL_FUNCTION], &st) != 0 )
        return false;
    return st.status == EVTCHNSTAT_ipi && st.vcpu == 0;
}

int
ipi_resume(void)
{
    unsigned int cpu, kind;
    bool queued;
    int rc;

    for ( cpu = 0; cpu < nr_cpus; cpu++ )
    {
        struct ipi_cpu *c = &ipi_cpus[cpu];

        if ( !ipi_ready(cpu) )
            continue;
        /* Every other CPU is parked with interrupts off, and this one has
         * them off too: nobody sends while the numbers change. */
        for ( kind = 0; kind < NR_IPI_KINDS; kind++ )
        {
            rc = evtchn_bind_ipi(cpu, ipi_handlers[kind], c, &c->port[kind]);
            if ( rc )
                panic(
                    "ipi: vCPU %u: cannot bind its IPI port %u again after resume (%d)",
                    cpu, kind, rc);
        }
        /* A doorbell rung in the old domain was lost with it: ring again
         * for calls still queued. */
        spin_lock(&c->lock);
        queued = c->queue.head != NULL;
        spin_unlock(&c->lock);
        if ( queued )
            evtchn_send(c->port[IPI_CALL_FUNCTION]);
        printk(
            "ipi: vCPU %u: call-function port %u, reschedule port %u (after resume)\n",
            cpu, c->port[IPI_CALL_FUNCTION], c->port[IPI_RESCHEDULE]);
    }
    return 0;
}
