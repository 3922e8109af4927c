/* SPDX-License-Identifier: MIT */
/*
 * watchdog.c - the backstop of bounded waits (include/watchdog.h): per-CPU
 * queues of armed watchdogs, sorted by deadline (the portable timerq), on
 * the local APIC's one-shot timer, and the dump a trip prints. The APIC
 * timer is measured once against the PV clock (one shot, timed), so
 * callers give deadlines in clock_now_ns() time like every other; the
 * queues hold them less the time spent suspended (paused_ns), so that a
 * suspend does not trip the waits it interrupted.
 */
#include <kernel.h>
#include <bootinfo.h>
#include <cmdline.h>
#include <clock.h>
#include <evtchn.h>
#include <hardlockup.h>
#include <hypervisor.h>
#include <percpu.h>
#include <sched.h>
#include <shared_info.h>
#include <spinlock.h>
#include <timer.h>
#include <traps.h>
#include <watchdog.h>
#include <arch/lapic.h>
#include <arch/x86.h>

#define WATCHDOG_VECTOR 0xf1

extern struct boot_info boot_info;
#define MEASURE_TICKS    200000ull /* ~32 ms at the 100 MHz Xen emulates */
#define MEASURE_LIMIT_NS NSEC_PER_SEC
#define PROGRAM_MAX_US   (60ull * 1000 * 1000)

struct watchdog_cpu {
    spinlock_t lock;
    struct timerq q;     /* armed watchdogs of this CPU: lock */
    uint64_t programmed; /* when the APIC timer fires, 0: idle: lock */
    uint64_t next_beat;  /* the hard-lockup heartbeat's next time (clock),
                            0: no heartbeat here: lock */
    bool ready;          /* set once by watchdog_init_cpu */
};

static struct watchdog_cpu wd_cpus[MAX_CPUS];

/*
 * Time the domain spent suspended, summed: a queue orders its watchdogs
 * by run time (clock_now_ns() - paused_ns), so a wait that spans an xl
 * save does not trip for however long the saved domain slept. Written
 * by watchdog_resume on CPU 0 while the other vCPUs are parked and
 * interrupts are off; read anywhere (relaxed: it only ever grows, and the
 * parked vCPUs are released after it is written).
 */
static uint64_t paused_ns;
static uint64_t suspended_at; /* watchdog_suspend's clock: CPU 0 only */
/* Xen's account of each vCPU's time, written by Xen at each of its context
 * switches (VCPUOP_register_runstate_memory_area); read-only here. */
static struct vcpu_runstate_info runstate[MAX_CPUS]
    __attribute__((aligned(64)));
/* Set by watchdog_init_cpu, and again by watchdog_resume (CPU 0, the
 * others parked). */
static bool runstate_ok[MAX_CPUS];
static uint64_t ticks_per_ms; /* APIC timer ticks (divided by 16): boot CPU,
                                 once, before any other CPU uses it */
static unsigned long trips, unexpected; /* atomic */
static bool expected;                   /* set by a test on purpose */
static volatile bool measuring;         /* boot CPU, at its init */
static uint64_t measured_at;            /* clock when the shot fired */

/* CPU cpu's running, runnable, blocked and offline totals (ns) up to
 * now: what Xen wrote at that vCPU's last context switch, plus the time
 * since in the state it entered then; zeros without the area. Xen
 * writes the area without a lock: read until the entry time stays the
 * same. */
void
watchdog_runstate(unsigned int cpu, uint64_t t[4])
{
    struct vcpu_runstate_info *rs;
    unsigned int i, tries;
    uint64_t e, now;
    int state = -1;

    memset(t, 0, 4 * sizeof(*t));
    if ( cpu >= MAX_CPUS || !runstate_ok[cpu] )
        return;
    rs = &runstate[cpu];
    /* The state is read with the times, inside the check: read after
     * it, a switch in between added the time since the old entry to the
     * new state (a remote vCPU's running time once went back by 957 ms
     * between two reads). Up to 100 tries, then zeros (no reading). */
    for ( tries = 0; tries < 100; tries++ )
    {
        e = __atomic_load_n(&rs->state_entry_time, __ATOMIC_ACQUIRE);
        if ( e & XEN_RUNSTATE_UPDATE )
            continue; /* Xen is writing it */
        state = __atomic_load_n(&rs->state, __ATOMIC_RELAXED);
        for ( i = 0; i < 4; i++ )
            t[i] = __atomic_load_n(&rs->time[i], __ATOMIC_RELAXED);
        /* Orders the loads above before the entry time's second load. */
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if ( __atomic_load_n(&rs->state_entry_time, __ATOMIC_ACQUIRE) == e )
            break;
        state = -1;
    }
    if ( state < 0 )
    {
        memset(t, 0, 4 * sizeof(*t));
        return;
    }
    /* The state it is in now has run since its entry time (Xen system
     * time, as clock_raw_ns reads it). */
    now = clock_raw_ns();
    if ( state < 4 && now > e )
        t[state] += now - e;
}

/* This vCPU's totals. */
static void
runstate_read(uint64_t t[4])
{
    watchdog_runstate(smp_processor_id(), t);
}

/* How Xen spent this vCPU's time between two runstate_read()s: a wait
 * that overran because the vCPU was not run (runnable, or no time at
 * all) is told apart from one whose event never came (blocked). */
static void
print_runstate(const uint64_t before[4], const uint64_t after[4])
{
    uint64_t d[4];
    unsigned int i;

    if ( !after[RUNSTATE_running] )
        return; /* no runstate area */
    for ( i = 0; i < 4; i++ )
        d[i] = (after[i] - before[i]) / NSEC_PER_MSEC;
    printk(
        "watchdog: CPU %u: since the wait began, Xen ran this vCPU %llu ms, left it runnable (no pCPU) %llu ms, blocked %llu ms\n",
        smp_processor_id(), (unsigned long long)d[RUNSTATE_running],
        (unsigned long long)d[RUNSTATE_runnable],
        (unsigned long long)d[RUNSTATE_blocked]);
}

/* Who had this CPU when the watchdog interrupt came, and what became of
 * the waiter: asleep (its wake-up was lost), or runnable but not run. */
static void
print_threads(const struct trap_frame *f, const struct thread *waiter)
{
    static const char *const states[] = { "runnable (not run)", "running",
                                          "asleep (never woken)", "dead" };
    const struct thread *now = thread_self();

    /* The waiter's state is read without its lock: a snapshot. */
    printk(
        "watchdog: CPU %u: interrupted %s at rip %llx; the waiter %s is %s\n",
        smp_processor_id(), now ? now->name : "no thread",
        (unsigned long long)f->rip, waiter ? waiter->name : "(halting)",
        !waiter                              ? "halted on this CPU"
        : waiter->state < ARRAY_SIZE(states) ? states[waiter->state]
                                             : "?");
}

bool
watchdog_available(void)
{
    return wd_cpus[smp_processor_id()].ready;
}

/*
 * Start the APIC timer for `deadline`, at most a minute ahead (the count
 * is 32 bits: a later deadline is programmed again when this count runs
 * out and nothing is due). Caller holds wc->lock on wc's own CPU.
 *
 * The timer is touched as seldom as possible: never when a watchdog is
 * disarmed (a shot that finds nothing due just programs the next), and
 * on arming only for a deadline earlier than the one programmed, as every
 * APIC register write is a VM exit into Xen's emulation and most waits
 * end long before their watchdog. (An earlier note here blamed writing
 * the timer at every wait for an upcall vector "stuck in the IRR" on
 * tier 2; that IRR bit was raised by the dump's own console output, see
 * watchdog_dump().)
 */
static void
program(struct watchdog_cpu *wc, uint64_t deadline)
{
    uint64_t now = clock_now_ns(), us, ticks;

    us = deadline > now ? (deadline - now) / NSEC_PER_USEC : 0;
    us = MIN(us, PROGRAM_MAX_US);
    ticks = us * ticks_per_ms / 1000;
    lapic_timer_start(WATCHDOG_VECTOR, MAX(MIN(ticks, UINT32_MAX), 1ull));
    wc->programmed = MAX(now + us * NSEC_PER_USEC, 1ull);
}

static void
watchdog_irq(struct trap_frame *f, void *arg)
{
    struct watchdog_cpu *wc = &wd_cpus[smp_processor_id()];
    struct watchdog *fired[8];
    struct timerq_node *n;
    struct vcpu_info *vi = vcpu_info(smp_processor_id());
    unsigned int i, nr = 0, pending;
    uint64_t xen_ns[4];
    uint64_t paused = __atomic_load_n(&paused_ns, __ATOMIC_RELAXED);
    uint64_t now, next;
    bool irr, isr, beat = false;
    char why[80];

    if ( measuring )
    {
        /* Release: the time is stored before measure() sees it. */
        __atomic_store_n(&measured_at, clock_now_ns(), __ATOMIC_RELEASE);
        lapic_eoi();
        return;
    }
    /* The upcall's state as this interrupt found it, before our EOI: a
     * vector raised while we run is no sign of a lost one. */
    lapic_vector_state(EVTCHN_UPCALL_VECTOR, &irr, &isr);
    pending = vi ? vi->evtchn_upcall_pending : 0;
    runstate_read(xen_ns);
    spin_lock(&wc->lock);
    wc->programmed = 0; /* the shot is spent */
    now = clock_now_ns();
    while ( nr < ARRAY_SIZE(fired) &&
            (n = timerq_pop_expired(&wc->q, now - paused)) != NULL )
        fired[nr++] = container_of(n, struct watchdog, node);
    if ( wc->next_beat && now >= wc->next_beat )
    {
        beat = true;
        wc->next_beat = now + HARDLOCKUP_BEAT_NS;
    }
    next = wc->next_beat ? wc->next_beat : UINT64_MAX;
    if ( (n = timerq_first(&wc->q)) != NULL )
        next = MIN(next, n->deadline + paused);
    if ( next != UINT64_MAX )
        program(wc, next);
    spin_unlock(&wc->lock);
    lapic_eoi();
    if ( beat )
        hardlockup_tick(f, irr, isr);

    /* The waiters run on this CPU, which is here with interrupts off:
     * each wd stays valid until we return. */
    for ( i = 0; i < nr; i++ )
    {
        __atomic_fetch_add(&trips, 1, __ATOMIC_RELAXED);
        if ( !__atomic_load_n(&expected, __ATOMIC_RELAXED) )
            __atomic_fetch_add(&unexpected, 1, __ATOMIC_RELAXED);
        snprintf(why, sizeof(why), "%s did not end %llu ms past its timeout",
                 fired[i]->what, WATCHDOG_MARGIN_NS / NSEC_PER_MSEC);
        watchdog_dump(why);
        printk(
            "watchdog: CPU %u: at this interrupt, before its EOI: upcall_pending %u, upcall vector IRR %d ISR %d\n",
            smp_processor_id(), pending, irr, isr);
        print_runstate(fired[i]->xen_ns, xen_ns);
        print_threads(f, fired[i]->waiter);
        fired[i]->tripped = true;
        if ( fired[i]->waiter )
            thread_wake(fired[i]->waiter);
    }
}

/*
 * Ticks of the APIC timer (divided by 16) in one ms, by the PV clock: the
 * time one shot of MEASURE_TICKS takes to raise its interrupt, which is
 * just what a watchdog relies on. (On tier 1, timing the current-count
 * register instead gave 2.6 times the rate the shots had, and the
 * watchdogs tripped late.) Boot CPU, interrupts on; 0 if the shot never
 * came.
 */
static uint64_t
measure(void)
{
    uint64_t t0, fired, end;

    measuring = true;
    __atomic_store_n(&measured_at, 0, __ATOMIC_RELAXED);
    t0 = clock_now_ns();
    end = t0 + MEASURE_LIMIT_NS;
    lapic_timer_start(WATCHDOG_VECTOR, MEASURE_TICKS);
    while ( !(fired = __atomic_load_n(&measured_at, __ATOMIC_ACQUIRE)) &&
            clock_now_ns() < end )
        cpu_relax();
    lapic_timer_stop();
    measuring = false;
    if ( !fired || fired <= t0 )
        return 0;
    return MEASURE_TICKS * NSEC_PER_MSEC / (fired - t0);
}

int
watchdog_init_cpu(void)
{
    unsigned int cpu = smp_processor_id();
    struct watchdog_cpu *wc = &wd_cpus[cpu];
    unsigned long flags;

    if ( !clock_available() )
        return -1; /* no timers either: waits do not wait */
    if ( cmdline_has(boot_info.cmdline, "nowatchdog") )
    {
        if ( cpu == 0 )
            printk("watchdog: off (nowatchdog): waits have no backstop\n");
        return -1;
    }
    if ( lapic_enable(LAPIC_SPURIOUS_VECTOR) )
    {
        printk("watchdog: CPU %u: no local APIC: its waits have no backstop\n",
               cpu);
        return -1;
    }
    if ( cpu == 0 )
    {
        if ( irq_register(WATCHDOG_VECTOR, watchdog_irq, NULL) )
        {
            printk("watchdog: vector 0x%x already taken\n", WATCHDOG_VECTOR);
            return -1;
        }
        ticks_per_ms = measure();
        if ( !ticks_per_ms )
            printk(
                "watchdog: the local APIC timer's shot never came: waits have no backstop\n");
        else
            printk(
                "watchdog: local APIC timer at %llu kHz (divided by 16), vector 0x%x, waits get %llu ms past their timeout\n",
                (unsigned long long)ticks_per_ms, WATCHDOG_VECTOR,
                WATCHDOG_MARGIN_NS / NSEC_PER_MSEC);
    }
    flags = irq_save();
    wc->lock = (spinlock_t)SPINLOCK_INIT("watchdog");
    timerq_init(&wc->q);
    wc->ready = ticks_per_ms != 0;
    irq_restore(flags);
    if ( wc->ready )
    {
        struct vcpu_register_runstate_memory_area a = {
            .addr.v = &runstate[cpu],
        };

        runstate_ok[cpu] =
            hypercall_vcpu_op(VCPUOP_register_runstate_memory_area, cpu, &a) ==
            0;
        /* The heartbeat: a shot at least every HARDLOCKUP_BEAT_NS. */
        if ( hardlockup_init_cpu() == 0 )
        {
            flags = spin_lock_irqsave(&wc->lock);
            wc->next_beat = clock_now_ns() + HARDLOCKUP_BEAT_NS;
            if ( !wc->programmed || wc->next_beat < wc->programmed )
                program(wc, wc->next_beat);
            spin_unlock_irqrestore(&wc->lock, flags);
        }
    }
    return wc->ready ? 0 : -1;
}

void
watchdog_arm(struct watchdog *wd, uint64_t deadline_ns, const char *what)
{
    struct watchdog_cpu *wc = &wd_cpus[smp_processor_id()];
    unsigned long flags;

    timerq_node_init(&wd->node);
    wd->waiter = sched_can_sleep() ? thread_self() : NULL;
    wd->what = what;
    wd->tripped = false;
    if ( !wc->ready || deadline_ns == UINT64_MAX )
        return; /* no watchdogs here, or a wait that is not bounded */
    runstate_read(wd->xen_ns);
    flags = spin_lock_irqsave(&wc->lock);
    timerq_insert(&wc->q, &wd->node,
                  deadline_ns - __atomic_load_n(&paused_ns, __ATOMIC_RELAXED));
    if ( !wc->programmed || deadline_ns < wc->programmed )
        program(wc, deadline_ns);
    spin_unlock_irqrestore(&wc->lock, flags);
}

bool
watchdog_disarm(struct watchdog *wd)
{
    struct watchdog_cpu *wc = &wd_cpus[smp_processor_id()];
    unsigned long flags;

    if ( wc->ready )
    {
        /* The APIC timer stays as it is (see program()). */
        flags = spin_lock_irqsave(&wc->lock);
        timerq_remove(&wc->q, &wd->node);
        spin_unlock_irqrestore(&wc->lock, flags);
    }
    return wd->tripped;
}

void
watchdog_suspend(void)
{
    suspended_at = clock_now_ns();
}

/*
 * A new domain after a restore or migration knows none of the runstate
 * areas: without them Xen's account would stay frozen at the save, and
 * a vCPU left waiting for a physical CPU would count as running (the
 * hard-lockup rule would take it for stuck). Register every one again;
 * in the same domain (a cancelled suspend) this changes nothing.
 */
static void
runstate_register_again(void)
{
    unsigned int cpu;

    for ( cpu = 0; cpu < MAX_CPUS; cpu++ )
    {
        struct vcpu_register_runstate_memory_area a = {
            .addr.v = &runstate[cpu],
        };

        if ( runstate_ok[cpu] )
            runstate_ok[cpu] =
                hypercall_vcpu_op(VCPUOP_register_runstate_memory_area, cpu,
                                  &a) == 0;
    }
}

void
watchdog_resume(void)
{
    uint64_t now = clock_now_ns();

    /* 0: no suspend began (a suspend given up before the hypercall). */
    if ( suspended_at && now > suspended_at )
        __atomic_fetch_add(&paused_ns, now - suspended_at, __ATOMIC_RELAXED);
    suspended_at = 0;
    runstate_register_again();
    hardlockup_resume(); /* nor against the heartbeats */
}

unsigned long
watchdog_trips(void)
{
    return __atomic_load_n(&trips, __ATOMIC_RELAXED);
}

unsigned long
watchdog_unexpected_trips(void)
{
    return __atomic_load_n(&unexpected, __ATOMIC_RELAXED);
}

void
watchdog_expect_trip(bool expect)
{
    __atomic_store_n(&expected, expect, __ATOMIC_RELAXED);
}

void
watchdog_dump(const char *why)
{
    unsigned int cpu = smp_processor_id();
    struct vcpu_info *vi = vcpu_info(cpu);
    uint64_t now = clock_now_ns(), raw = clock_raw_ns(), tsc = rdtsc_ordered();
    unsigned int pending = vi ? vi->evtchn_upcall_pending : 0;
    unsigned int mask = vi ? vi->evtchn_upcall_mask : 0;
    char pfx[24];
    bool irr, isr;
    uint32_t tpr, ppr;
    int irr_hi, isr_hi;

    /* The upcall's state is read before the first line is printed: the
     * dump's own console output brings events (on tier 2 the PV console
     * is itself an event channel), which would show up here as pending. */
    lapic_vector_state(EVTCHN_UPCALL_VECTOR, &irr, &isr);
    lapic_priority_state(&tpr, &ppr, &irr_hi, &isr_hi);
    /* Every line names the CPU: dumps of several CPUs may interleave. */
    snprintf(pfx, sizeof(pfx), "watchdog: CPU %u:", cpu);
    printk("%s %s; state:\n", pfx, why);
    printk("%s clock %llu ns (raw %llu), TSC %llu\n", pfx,
           (unsigned long long)now, (unsigned long long)raw,
           (unsigned long long)tsc);
    if ( vi )
        printk("%s vcpu_info: upcall_pending %u upcall_mask %u\n", pfx, pending,
               mask);
    printk(
        "%s local APIC (%s): upcall vector 0x%x IRR %d ISR %d; TPR 0x%x PPR 0x%x, highest IRR vector 0x%x, highest ISR vector 0x%x (-1: none)\n",
        pfx, lapic_mode(), EVTCHN_UPCALL_VECTOR, irr, isr, tpr, ppr, irr_hi,
        isr_hi);
    timer_dump(pfx);
    sched_dump(pfx);
}
