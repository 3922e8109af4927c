/* SPDX-License-Identifier: MIT */
/*
 * sched.c - kernel threads and the per-CPU round-robin scheduler
 * (include/sched.h): run queues, the idle loop, switching at a yield, a
 * sleep or the end of an interrupt, time slices on the single-shot
 * timer, wake-up across CPUs with the reschedule IPI, exit and join. The
 * register swap is kernel/arch/x86/switch.asm; the preemption point is
 * called from trap_dispatch (kernel/arch/x86/traps.c).
 */
#include <kernel.h>
#include <clock.h>
#include <ipi.h>
#include <mm.h>
#include <percpu.h>
#include <sched.h>
#include <smp.h>
#include <spinlock.h>
#include <timer.h>
#include <watchdog.h>
#include <arch/x86.h>

/* The lowest word of every thread stack; a write just above the guard
 * page (below it, every access faults) changes it. */
#define STACK_GUARD 0x5354414b47524421ull /* "STAKGRD!" */

/*
 * Lock order: a caller's lock given to thread_sleep*() (join_lock is one)
 * before a run-queue lock, before a timer-queue lock (timer_arm and
 * timer_cancel take it). Never two run-queue locks at once: whoever
 * holds one (only this file) calls nothing that takes another. Every
 * run-queue lock is taken with interrupts off.
 */
struct sched_cpu {
    /*
     * The run queue and the state of this CPU's threads. Held across a
     * context switch: the thread switching away takes it and the thread
     * switching in releases it (finish_switch), so nobody sees the CPU
     * between two threads.
     */
    spinlock_t lock;
    struct thread *head; /* runnable threads, oldest first: lock */
    struct thread *tail;
    /* Threads in the queue: lock (the idle loop peeks without it). */
    unsigned int nr_queued;
    struct thread *idle; /* set before `ready`, then read-only */
    /* The time slice: armed and cancelled by this CPU, with lock held. */
    struct timer slice;
    bool has_timer;           /* this CPU's timers work: set before `ready` */
    bool ready;               /* store-release once, on this CPU */
    struct sched_stats stats; /* lock, or this CPU with interrupts off */
} __attribute__((aligned(64)));

/* The initial stack frame of a new thread; see switch.asm's picture. */
struct switch_frame {
    uint64_t r15, r14, r13, r12, rbx, rbp;
    uint64_t rip;      /* sched_thread_entry */
    uint64_t ret_addr; /* 0: sched_thread_start's return address */
};
BUILD_BUG_ON(sizeof(struct switch_frame) != 8 * 8);

static struct sched_cpu sched_cpus[MAX_CPUS];
static struct thread idle_threads[MAX_CPUS]; /* the APs' boot contexts */
static struct thread main_thread;            /* the boot CPU's */

/* Guards thread->joiner and the change to THREAD_DEAD (sched.h). */
static spinlock_t join_lock = SPINLOCK_INIT("join");

static unsigned int next_id; /* atomic increments */

/*
 * Whether new threads start with interrupts on: as the boot context had
 * them at sched_init. On Xen, evtchn_init turned them on; on plain QEMU
 * they stay off, because nothing programs the legacy PIC there and its
 * timer interrupt would arrive on vector 8, looking like a double fault.
 * Threads there are cooperative. Set once by sched_init.
 */
static bool threads_irq_on;

/* switch.asm */
struct thread *sched_switch(uint64_t *save_rsp, uint64_t next_rsp,
                            struct thread *prev);
void sched_thread_entry(void);
void sched_thread_start(struct thread *self, struct thread *prev) __noreturn;

static struct sched_cpu *
my_sched(void)
{
    return &sched_cpus[smp_processor_id()];
}

static bool
sched_ready(const struct sched_cpu *sc)
{
    /* Acquire: pairs with sched_init_cpu's release of `ready`. */
    return __atomic_load_n(&sc->ready, __ATOMIC_ACQUIRE);
}

static void
rq_push(struct sched_cpu *sc, struct thread *t)
{
    ASSERT_HELD(&sc->lock);
    t->state = THREAD_RUNNABLE;
    t->rq_next = NULL;
    if ( sc->tail )
        sc->tail->rq_next = t;
    else
        sc->head = t;
    sc->tail = t;
    __atomic_store_n(&sc->nr_queued, sc->nr_queued + 1, __ATOMIC_RELAXED);
}

static struct thread *
rq_pop(struct sched_cpu *sc)
{
    struct thread *t = sc->head;

    ASSERT_HELD(&sc->lock);
    if ( !t )
        return NULL;
    sc->head = t->rq_next;
    if ( !sc->head )
        sc->tail = NULL;
    t->rq_next = NULL;
    __atomic_store_n(&sc->nr_queued, sc->nr_queued - 1, __ATOMIC_RELAXED);
    return t;
}

bool
thread_stack_intact(const struct thread *t)
{
    return !t->stack || *(const volatile uint64_t *)t->stack == STACK_GUARD;
}

static void
check_stack(const struct thread *t)
{
    if ( !thread_stack_intact(t) )
        panic(
            "thread %u (%s) overflowed its %lu-byte stack: the guard word at %p was overwritten",
            t->id, t->name, THREAD_STACK_PAGES * PAGE_SIZE, t->stack);
}

/*
 * The time slice ran out (VIRQ_TIMER, interrupts off, this CPU): ask for
 * a switch at the end of this interrupt. Nothing else happens here; the
 * switch itself is at the preemption point.
 */
static void
slice_expired(struct timer *t, void *arg)
{
    struct sched_cpu *sc = arg;

    sc->stats.slices++;
    this_cpu()->need_resched = true;
}

/*
 * Give `next`, about to run, a fresh time slice if anyone is waiting for
 * this CPU, else stop the timer: tickless while one thread has the CPU
 * to itself. This CPU, lock held.
 */
static void
slice_restart(struct sched_cpu *sc)
{
    if ( !sc->has_timer )
        return;
    if ( sc->nr_queued )
        timer_arm(&sc->slice, clock_now_ns() + SCHED_SLICE_NS);
    else if ( timer_pending(&sc->slice) )
        timer_cancel(&sc->slice);
}

/*
 * A thread was just queued on this CPU, its own (lock held, interrupts
 * off). The idle thread gives way at the next preemption point; a real
 * thread keeps the CPU until its slice ends: start one if none runs.
 */
static void
kick_locked(struct sched_cpu *sc)
{
    ASSERT_HELD(&sc->lock);
    if ( this_cpu()->thread == sc->idle )
        this_cpu()->need_resched = true;
    else if ( sc->has_timer && !timer_pending(&sc->slice) )
        timer_arm(&sc->slice, clock_now_ns() + SCHED_SLICE_NS);
}

/*
 * The reschedule IPI's hook, on the target CPU, interrupts off: do for a
 * thread queued here from afar what kick_locked does for a local one.
 */
static void
resched_hook(void)
{
    struct sched_cpu *sc = my_sched();

    if ( !sched_ready(sc) )
        return;
    spin_lock(&sc->lock);
    if ( sc->nr_queued )
        kick_locked(sc);
    spin_unlock(&sc->lock);
}

/* Tell another CPU that its run queue grew. */
static void
kick_remote(unsigned int cpu)
{
    int rc;

    rc = smp_send_reschedule(cpu);
    if ( rc )
        panic(
            "sched: reschedule IPI to CPU %u failed (%d): a CPU that runs threads has IPI ports",
            cpu, rc);
}

/*
 * The second half of every switch, run by the thread switching in, on
 * its own stack: release the run-queue lock the previous thread took,
 * and if that thread was exiting, it is now off its stack for good:
 * declare it dead and wake its joiner. Interrupts stay off.
 */
static void
finish_switch(struct sched_cpu *sc, struct thread *prev)
{
    bool dying = prev->exiting;

    spin_unlock(&sc->lock);
    if ( !dying )
        return;
    spin_lock(&join_lock);
    prev->state = THREAD_DEAD;
    /* Under join_lock the joiner cannot free prev, or return and free
     * itself, until we are done with both. */
    if ( prev->joiner )
        thread_wake(prev->joiner);
    spin_unlock(&join_lock);
}

/*
 * Pick the next thread and switch to it. The caller is this CPU's
 * running thread, with interrupts off and sc->lock held, and has set its
 * own fate: still RUNNING (a yield or a preemption: back to the tail of
 * the queue), SLEEPING (off the queue until a wake), or `exiting`.
 * Returns when the caller is chosen again, with sc->lock released and
 * interrupts still off; at once if nobody else is runnable.
 */
static void
schedule_locked(struct sched_cpu *sc, bool preempt)
{
    struct cpu *c = this_cpu();
    struct thread *prev = c->thread, *next;

    ASSERT_HELD(&sc->lock);
    if ( prev != sc->idle && prev->state == THREAD_RUNNING && !prev->exiting )
        rq_push(sc, prev);
    next = rq_pop(sc);
    if ( !next )
        next = sc->idle;
    c->need_resched = false;
    next->state = THREAD_RUNNING;
    slice_restart(sc);
    if ( next == prev )
    {
        spin_unlock(&sc->lock);
        return;
    }
    check_stack(prev);
    check_stack(next);
    paging_tlb_sync(); /* next's stack guard is in force before it runs */
    sc->stats.switches++;
    if ( preempt && prev != sc->idle )
        sc->stats.preemptions++;
    c->thread = next;
    prev = sched_switch(&prev->rsp, next->rsp, prev);
    /* We are `next` now, some time later; prev is whoever ran before. */
    finish_switch(sc, prev);
}

/* First C code of a new thread (from sched_thread_entry, switch.asm). */
void
sched_thread_start(struct thread *self, struct thread *prev)
{
    finish_switch(&sched_cpus[self->cpu], prev);
    if ( threads_irq_on )
        irq_enable();
    self->fn(self->arg);
    thread_exit(0);
}

/*
 * The preemption point, at the end of an interrupt that is returning to
 * thread context with interrupts enabled (trap_dispatch, with irq_depth
 * back at 0 and interrupts still off). The interrupted thread's whole
 * frame is on its own stack, under this call: switching stacks parks it
 * there, and when the thread is picked again this returns, trap_dispatch
 * returns, and trap_common pops the frame and irets into the thread.
 */
void
sched_preempt(void)
{
    struct sched_cpu *sc = my_sched();

    spin_lock(&sc->lock);
    schedule_locked(sc, true);
}

/* The running thread, checked for a call that may switch away. */
static struct thread *
switchable_self(const char *what, bool idle_ok)
{
    struct cpu *c = this_cpu();
    struct thread *me = c->thread;

    if ( !me )
        panic("%s before sched_init: there is no thread to switch from", what);
    if ( c->irq_depth )
        panic("%s in interrupt context: only a thread may switch away", what);
    if ( !idle_ok && me == sched_cpus[c->id].idle )
        panic("%s from CPU %u's idle thread: it must always be runnable", what,
              c->id);
    return me;
}

void
sched_idle_loop(void)
{
    irq_disable();
    for ( ;; )
    {
        struct sched_cpu *sc = my_sched();

        /* An unlocked peek is enough: whoever queues a thread here
         * afterwards also sends the event that ends the halt. */
        if ( sched_ready(sc) &&
             (this_cpu()->need_resched ||
              __atomic_load_n(&sc->nr_queued, __ATOMIC_RELAXED)) )
        {
            spin_lock(&sc->lock);
            schedule_locked(sc, false);
        }
        else
            cpu_idle_until_event();
    }
}

static void
idle_thread_fn(void *arg)
{
    sched_idle_loop();
}

/* Name, id and CPU of a thread struct. */
static void
thread_init(struct thread *t, const char *name, unsigned int cpu)
{
    snprintf(t->name, sizeof(t->name), "%s", name ? name : "thread");
    t->id = __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED);
    t->cpu = cpu;
}

/* A new thread with its stack laid out for its first switch (switch.asm
 * has the picture), not yet queued. NULL without memory. */
static struct thread *
thread_alloc(const char *name, void (*fn)(void *arg), void *arg,
             unsigned int cpu)
{
    struct thread *t = kzalloc(sizeof(*t));
    struct switch_frame *f;
    void *guard;

    if ( !t )
        return NULL;
    /* One more page below the stack, unmapped: an overflow faults there
     * (kernel/arch/x86/paging.c) before it can reach other memory. */
    guard = page_alloc_n(THREAD_STACK_PAGES + 1);
    if ( !guard )
    {
        kfree(t);
        return NULL;
    }
    paging_guard_page(guard);
    t->stack = (char *)guard + PAGE_SIZE;
    thread_init(t, name, cpu);
    t->fn = fn;
    t->arg = arg;
    *(uint64_t *)t->stack = STACK_GUARD;
    /* The top is page-aligned, so ret_addr sits 8 below a 16-byte
     * boundary, where a call would have put it. */
    f = (struct switch_frame *)((char *)t->stack +
                                THREAD_STACK_PAGES * PAGE_SIZE) -
        1;
    memset(f, 0, sizeof(*f));
    f->r12 = (uint64_t)(uintptr_t)t;
    f->rip = (uint64_t)(uintptr_t)sched_thread_entry;
    t->rsp = (uint64_t)(uintptr_t)f;
    return t;
}

/*
 * This CPU's part of sched_init: adopt the running context as `self`,
 * set up the slice timer (only a CPU itself can), publish `ready`. Runs
 * on the CPU itself, interrupts off: on an AP from an IPI that
 * interrupted its idle loop, so that context is its idle thread.
 */
static void
sched_init_cpu(struct thread *self, struct thread *idle)
{
    unsigned int cpu = smp_processor_id();
    struct sched_cpu *sc = &sched_cpus[cpu];

    self->state = THREAD_RUNNING;
    sc->idle = idle;
    sc->has_timer = timer_available();
    if ( sc->has_timer )
        timer_setup(&sc->slice, slice_expired, sc);
    this_cpu()->thread = self;
    /* Release: all of the above is visible before `ready`. */
    __atomic_store_n(&sc->ready, true, __ATOMIC_RELEASE);
}

static void
sched_init_ap(void *arg)
{
    struct thread *idle = &idle_threads[smp_processor_id()];

    sched_init_cpu(idle, idle);
}

void
sched_init(void)
{
    struct thread *idle0;
    unsigned int cpu, ready = 1;
    unsigned long flags;
    char name[THREAD_NAME_MAX];

    threads_irq_on = read_flags() & X86_FLAGS_IF;
    for ( cpu = 0; cpu < MAX_CPUS; cpu++ )
        sched_cpus[cpu].lock = (spinlock_t)SPINLOCK_INIT("runqueue");
    thread_init(&main_thread, "main", 0);
    idle0 = thread_alloc("idle0", idle_thread_fn, NULL, 0);
    if ( !idle0 )
        panic("sched: no memory for the boot CPU's idle thread");
    for ( cpu = 1; cpu < nr_cpus; cpu++ )
    {
        snprintf(name, sizeof(name), "idle%u", cpu);
        thread_init(&idle_threads[cpu], name, cpu);
    }

    flags = irq_save();
    sched_init_cpu(&main_thread, idle0);
    irq_restore(flags);
    ipi_set_reschedule_hook(resched_hook);
    for ( cpu = 1; cpu < nr_cpus; cpu++ )
        if ( ipi_ready(cpu) &&
             smp_call_on(cpu, sched_init_ap, NULL, true) == 0 )
            ready++;
    printk("sched: threads on %u of %u CPUs, %s\n", ready, nr_cpus,
           sched_cpus[0].has_timer ? "10 ms time slices"
                                   : "no timers: no preemption");
}

struct thread *
thread_create(const char *name, void (*fn)(void *arg), void *arg,
              unsigned int cpu)
{
    struct sched_cpu *sc;
    struct thread *t;
    unsigned long flags;
    bool local;

    name = name ? name : "thread";
    if ( !fn )
    {
        printk("sched: thread_create(%s): no function\n", name);
        return NULL;
    }
    if ( cpu >= nr_cpus || !sched_ready(&sched_cpus[cpu]) )
    {
        printk(
            "sched: thread_create(%s): CPU %u cannot run threads (%u vCPUs)\n",
            name, cpu, nr_cpus);
        return NULL;
    }
    t = thread_alloc(name, fn, arg, cpu);
    if ( !t )
    {
        printk("sched: thread_create(%s): out of memory\n", name);
        return NULL;
    }
    sc = &sched_cpus[cpu];
    flags = spin_lock_irqsave(&sc->lock);
    rq_push(sc, t);
    local = cpu == smp_processor_id();
    if ( local )
        kick_locked(sc);
    spin_unlock_irqrestore(&sc->lock, flags);
    if ( !local )
        kick_remote(cpu);
    return t;
}

struct thread *
thread_self(void)
{
    return this_cpu()->thread;
}

void
thread_yield(void)
{
    struct sched_cpu *sc = my_sched();
    unsigned long flags;

    switchable_self("thread_yield", true);
    flags = spin_lock_irqsave(&sc->lock);
    schedule_locked(sc, false);
    irq_restore(flags);
}

void
thread_exit(int code)
{
    struct sched_cpu *sc = my_sched();
    struct thread *me = switchable_self("thread_exit", false);

    if ( !me->stack )
        panic(
            "thread_exit(%d) from %s, a boot context: it has no joiner and its stack is not ours to free",
            code, me->name);
    irq_disable();
    spin_lock(&sc->lock);
    me->exit_code = code;
    me->exiting = true;
    schedule_locked(sc, false);
    panic("thread %u (%s) ran again after thread_exit", me->id, me->name);
}

void
thread_sleep(spinlock_t *held)
{
    struct sched_cpu *sc = my_sched();
    struct thread *me = switchable_self("thread_sleep", false);

    if ( read_flags() & X86_FLAGS_IF )
        panic(
            "thread_sleep with interrupts on: take the lock with spin_lock_irqsave, or a wake-up could be missed");
    ASSERT_HELD(held);
    spin_lock(&sc->lock);
    me->state = THREAD_SLEEPING;
    /* From here a waker may take `held`, but our state changes only
     * under sc->lock, which we hold until we are off the CPU. */
    spin_unlock(held);
    schedule_locked(sc, false);
    spin_lock(held);
}

/* The deadline of a thread_sleep_until. */
struct sleep_timer {
    struct timer timer;
    struct thread *t;
    bool fired;
};

static void
sleep_timer_fn(struct timer *tm, void *arg)
{
    struct sleep_timer *st = arg;

    st->fired = true;
    thread_wake(st->t);
}

bool
thread_sleep_until(spinlock_t *held, uint64_t deadline_ns)
{
    struct sleep_timer st = { .fired = false };
    struct watchdog wd;
    bool tripped;

    if ( !my_sched()->has_timer )
        return false;
    st.t = switchable_self("thread_sleep_until", false);
    timer_setup(&st.timer, sleep_timer_fn, &st);
    /* Interrupts are off (thread_sleep checks): the timer cannot fire
     * before we sleep, only once another thread or idle runs. */
    timer_arm(&st.timer, deadline_ns);
    /* The backstop of every sleep with a deadline (thread joins and waits
     * alike), should the timer's event be lost: its trip, a margin past
     * the deadline, dumps the state and wakes us as timed out. */
    watchdog_arm(&wd, watchdog_deadline(deadline_ns), "a sleeping thread");
    thread_sleep(held);
    tripped = watchdog_disarm(&wd);
    /* Our CPU, interrupts off: the callback is not running, so after the
     * cancel the timer on our stack is unused. */
    timer_cancel(&st.timer);
    return !st.fired && !tripped;
}

bool
sched_can_sleep(void)
{
    struct cpu *c = this_cpu();
    struct sched_cpu *sc = &sched_cpus[c->id];

    return c->thread && !c->irq_depth && c->thread != sc->idle && sc->has_timer;
}

bool
thread_wake(struct thread *t)
{
    struct sched_cpu *sc = &sched_cpus[t->cpu];
    bool local = t->cpu == smp_processor_id();
    unsigned long flags;
    bool woke;

    flags = spin_lock_irqsave(&sc->lock);
    woke = t->state == THREAD_SLEEPING;
    if ( woke )
    {
        rq_push(sc, t);
        sc->stats.wakeups++;
        if ( local )
            kick_locked(sc);
    }
    spin_unlock_irqrestore(&sc->lock, flags);
    if ( woke && !local )
        kick_remote(t->cpu);
    return woke;
}

/* Wait for t's death under join_lock, until the deadline if `bounded`;
 * then free it. Returns 0 (joined) or -1 (timed out). */
static int
join(struct thread *t, bool bounded, uint64_t deadline, int *code)
{
    struct thread *me = switchable_self("thread_join", false);
    unsigned long flags;
    bool dead;

    if ( t == me || !t->stack )
        panic(
            "thread_join(%s) by %s: a thread cannot join itself or a boot context",
            t->name, me->name);
    flags = spin_lock_irqsave(&join_lock);
    if ( t->joiner && t->joiner != me )
        panic("thread_join(%s): %s already joins it; one joiner per thread",
              t->name, t->joiner->name);
    while ( t->state != THREAD_DEAD )
    {
        t->joiner = me;
        if ( !bounded )
            thread_sleep(&join_lock);
        else if ( !thread_sleep_until(&join_lock, deadline) )
            break; /* the deadline passed (or there are no timers) */
    }
    dead = t->state == THREAD_DEAD;
    t->joiner = NULL;
    spin_unlock_irqrestore(&join_lock, flags);
    if ( !dead )
        return -1;
    /* DEAD was set under join_lock after t left its stack for good, and
     * nobody else holds a pointer to t. */
    *code = t->exit_code;
    paging_unguard_page((char *)t->stack - PAGE_SIZE);
    page_free_n((char *)t->stack - PAGE_SIZE, THREAD_STACK_PAGES + 1);
    kfree(t);
    return 0;
}

int
thread_join(struct thread *t)
{
    int code = 0;

    join(t, false, 0, &code);
    return code;
}

int
thread_join_timeout(struct thread *t, uint64_t timeout_ns, int *code)
{
    return join(t, true, clock_now_ns() + timeout_ns, code);
}

void
sched_dump(const char *pfx)
{
    struct cpu *c = this_cpu();
    struct sched_cpu *sc = &sched_cpus[c->id];
    const struct thread *t, *me = c->thread;
    char names[160];
    size_t n = 0;
    unsigned int i = 0;
    bool locked;

    if ( !sched_ready(sc) )
        return;
    locked = spin_trylock(&sc->lock);
    names[0] = '\0';
    for ( t = sc->head; t && i < 8 && n < sizeof(names); t = t->rq_next, i++ )
        n += snprintf(names + n, sizeof(names) - n, " %s", t->name);
    printk(
        "%s sched: running %s, need_resched %d, %u queued:%s%s; %llu switches, %llu preemptions, %llu slices%s\n",
        pfx, me ? me->name : "none", c->need_resched, sc->nr_queued,
        i ? names : " none", t ? " ..." : "",
        (unsigned long long)sc->stats.switches,
        (unsigned long long)sc->stats.preemptions,
        (unsigned long long)sc->stats.slices,
        locked ? "" : " (run-queue lock busy: read without it)");
    if ( locked )
        spin_unlock(&sc->lock);
}

bool
thread_is_idle(const struct thread *t, unsigned int cpu)
{
    return cpu < MAX_CPUS && t && t == sched_cpus[cpu].idle;
}

void
sched_get_stats(unsigned int cpu, struct sched_stats *out)
{
    const struct sched_stats *s;

    memset(out, 0, sizeof(*out));
    if ( cpu >= MAX_CPUS )
        return;
    /* Aligned 64-bit loads do not tear on x86-64. */
    s = &sched_cpus[cpu].stats;
    out->switches = __atomic_load_n(&s->switches, __ATOMIC_RELAXED);
    out->preemptions = __atomic_load_n(&s->preemptions, __ATOMIC_RELAXED);
    out->slices = __atomic_load_n(&s->slices, __ATOMIC_RELAXED);
    out->wakeups = __atomic_load_n(&s->wakeups, __ATOMIC_RELAXED);
}
