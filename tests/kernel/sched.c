/* SPDX-License-Identifier: MIT */
/*
 * sched.c - self-tests of kernel threads and the scheduler
 * (kernel/sched.c): a lock keeps a counter exact with threads on every
 * CPU, a thread woken from another CPU runs on its own, two threads that
 * never yield share a CPU through time slices, a thread queued on a busy
 * CPU gets a turn within a slice, timers fire on their CPU
 * and never early, hand-offs between CPUs lose no wake-up, yield and
 * timed sleeps do what they say, join frees everything. They run in
 * thread "main" on CPU 0; every wait is bounded (a thread that does not
 * finish is reported, not waited for forever). SKIP without Xen timers
 * (no time slices) or with too few vCPUs.
 */
#include <kernel.h>
#include <clock.h>
#include <hypervisor.h>
#include <ipi.h>
#include <ktest.h>
#include <mm.h>
#include <percpu.h>
#include <sched.h>
#include <smp.h>
#include <spinlock.h>
#include <timer.h>
#include <wait.h>
#include <arch/x86.h>

#define MS      NSEC_PER_MSEC
#define JOIN_NS (30 * NSEC_PER_SEC) /* generous: TCG, 8 vCPUs on 2 cores */

/*
 * The counter test: two threads per CPU, each aiming for COUNT_ROUNDS
 * locked increments but stopping at COUNT_LIMIT_NS. With more vCPUs than
 * host cores (tier 1 runs up to 8 on 2) a ticket lock often hands over
 * to a vCPU whose host thread is not running, which costs milliseconds
 * (tests/kernel/ipi.c measured 5 ms a hand-over), so the count a run
 * reaches varies; the check is that nothing is lost.
 */
#define COUNT_ROUNDS     20000u
#define COUNT_THINK      500 /* loop turns inside the critical section */
#define COUNT_LIMIT_NS   (3 * NSEC_PER_SEC)
#define PING_PONG_ROUNDS 100 /* hand-offs each way */

#define REQUIRE_THREADS() \
    do \
    { \
        if ( !xen.present ) \
            KTEST_SKIP("not on Xen"); \
        if ( !timer_available() ) \
            KTEST_SKIP("no Xen timers: no time slices"); \
        ASSERT_TRUE(thread_self() != NULL); \
    } while ( 0 )

#define REQUIRE_CPUS(n) \
    do \
    { \
        REQUIRE_THREADS(); \
        if ( cpus_online() < (n) ) \
            KTEST_SKIP("needs " #n " vCPUs"); \
    } while ( 0 )

/*
 * Join th within the deadline (clock_now_ns() time). Returns its exit
 * code, or -1 after reporting a thread that did not finish; that thread
 * is then left running (its data is static, so it harms nobody) and the
 * suite's leak check fails as well.
 */
static int
join_by(struct ktest_ctx *t, struct thread *th, uint64_t deadline)
{
    uint64_t now = clock_now_ns();
    int code = -1;

    if ( !EXPECT_EQ(thread_join_timeout(th, deadline > now ? deadline - now : 0,
                                        &code),
                    0) )
        printk("    # thread %s (CPU %u) did not finish in time\n", th->name,
               th->cpu);
    return code;
}

/* ---- A shared counter under a spinlock, threads on every CPU ---- */

static struct {
    spinlock_t lock;
    volatile unsigned long count;     /* lock */
    unsigned int rounds;              /* increments each thread aims for */
    volatile bool stop;               /* main's time limit: give up early */
    volatile unsigned int arrived;    /* atomic: threads at the start line */
    unsigned int threads;             /* how many will arrive */
    volatile unsigned int finished;   /* atomic */
    volatile unsigned int wrong_cpu;  /* atomic */
    unsigned int cpu[2 * MAX_CPUS];   /* where thread i was put */
    unsigned long done[2 * MAX_CPUS]; /* thread i's own increments */
} counter = { .lock = SPINLOCK_INIT("test_counter") };

static void
counter_fn(void *arg)
{
    unsigned int me = (uintptr_t)arg, j;
    unsigned long i;

    /* Start together, or the first threads could be done before the
     * last begin, and the lock would have nothing to protect. Yield, so
     * that the other thread of this CPU arrives too. */
    __atomic_fetch_add(&counter.arrived, 1, __ATOMIC_RELAXED);
    while ( __atomic_load_n(&counter.arrived, __ATOMIC_RELAXED) <
            counter.threads )
        thread_yield();
    for ( i = 0; i < counter.rounds && !counter.stop; i++ )
    {
        unsigned long flags = spin_lock_irqsave(&counter.lock);
        unsigned long v = counter.count;

        /* Read, think a little, write back: without the lock, increments
         * made in between by another CPU, or by the other thread of this
         * CPU when a time slice ends here, would be lost. */
        for ( j = 0; j < COUNT_THINK; j++ )
            barrier();
        counter.count = v + 1;
        spin_unlock_irqrestore(&counter.lock, flags);
    }
    counter.done[me] = i;
    if ( smp_processor_id() != counter.cpu[me] )
        __atomic_fetch_add(&counter.wrong_cpu, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&counter.finished, 1, __ATOMIC_RELEASE);
}

TEST(sched, locked_counter_is_exact_with_threads_on_every_cpu)
{
    struct thread *th[2 * MAX_CPUS];
    unsigned int cpu, i, n = 0, full = 0;
    unsigned long sum = 0;
    uint64_t t0, deadline;

    REQUIRE_THREADS();
    counter.count = 0;
    counter.stop = false;
    counter.rounds = COUNT_ROUNDS;
    counter.arrived = counter.finished = counter.wrong_cpu = 0;
    counter.threads = 2 * cpus_online();
    t0 = clock_now_ns();
    for ( cpu = 0; cpu < nr_cpus; cpu++ )
        for ( i = 0; i < 2 && cpu_online(cpu); i++ )
        {
            counter.cpu[n] = cpu;
            counter.done[n] = 0;
            th[n] =
                thread_create("counter", counter_fn, (void *)(uintptr_t)n, cpu);
            ASSERT_TRUE(th[n] != NULL);
            n++;
        }
    while ( __atomic_load_n(&counter.finished, __ATOMIC_ACQUIRE) < n &&
            clock_now_ns() - t0 < COUNT_LIMIT_NS )
        sleep_ns(10 * MS);
    counter.stop = true;
    deadline = clock_now_ns() + JOIN_NS;
    for ( i = 0; i < n; i++ )
    {
        join_by(t, th[i], deadline);
        EXPECT_GT(counter.done[i], 0ul); /* every thread took part */
        sum += counter.done[i];
        full += counter.done[i] == counter.rounds;
    }
    EXPECT_EQ(counter.count, sum);
    EXPECT_EQ(counter.wrong_cpu, 0u);
    printk(
        "    # %u threads, %u of them all %u rounds: %lu increments, %lu counted, %llu ms\n",
        n, full, counter.rounds, sum, counter.count,
        (unsigned long long)((clock_now_ns() - t0) / MS));
}

/* ---- Sleep on one CPU, wake from another ---- */

static struct {
    spinlock_t lock;
    struct thread *sleeper; /* set before the sleeper runs */
    bool waiting;           /* lock: the sleeper is in thread_sleep */
    bool go;                /* lock: its condition */
    unsigned int sleeps;    /* lock: returns from thread_sleep */
    unsigned int cpu_before, cpu_after, waker_cpu;
    bool wake_result;
} wk = { .lock = SPINLOCK_INIT("test_wake") };

static void
sleeper_fn(void *arg)
{
    unsigned long flags = spin_lock_irqsave(&wk.lock);

    wk.cpu_before = smp_processor_id();
    wk.waiting = true;
    while ( !wk.go )
    {
        thread_sleep(&wk.lock);
        wk.sleeps++;
    }
    wk.cpu_after = smp_processor_id();
    spin_unlock_irqrestore(&wk.lock, flags);
}

/* Run on the waking CPU by smp_call_on: an IPI handler there. */
static void
waker_fn(void *arg)
{
    unsigned long flags = spin_lock_irqsave(&wk.lock);

    wk.waker_cpu = smp_processor_id();
    wk.go = true;
    wk.wake_result = thread_wake(wk.sleeper);
    spin_unlock_irqrestore(&wk.lock, flags);
}

static bool
sleeper_waiting(void)
{
    unsigned long flags = spin_lock_irqsave(&wk.lock);
    bool w = wk.waiting;

    spin_unlock_irqrestore(&wk.lock, flags);
    return w;
}

TEST(sched, thread_woken_from_another_cpu_runs_on_its_own)
{
    unsigned int a = nr_cpus - 1, b = nr_cpus >= 3 ? 1 : 0;
    struct ipi_stats ib, ia;
    struct sched_stats sb, sa;
    uint64_t deadline;

    REQUIRE_CPUS(2);
    wk.waiting = wk.go = wk.wake_result = false;
    wk.sleeps = 0;
    wk.cpu_before = wk.cpu_after = wk.waker_cpu = ~0u;
    ipi_get_stats(a, &ib);
    sched_get_stats(a, &sb);
    /* Create it with the lock held, so sleeper is set before it runs. */
    {
        unsigned long flags = spin_lock_irqsave(&wk.lock);

        wk.sleeper = thread_create("sleeper", sleeper_fn, NULL, a);
        spin_unlock_irqrestore(&wk.lock, flags);
    }
    ASSERT_TRUE(wk.sleeper != NULL);
    deadline = clock_now_ns() + 10 * NSEC_PER_SEC;
    while ( !sleeper_waiting() && clock_now_ns() < deadline )
        sleep_ns(MS);
    /* Seen under the lock, `waiting` means the sleeper is SLEEPING: it
     * let the lock go inside thread_sleep, after changing its state. */
    EXPECT_TRUE(sleeper_waiting());
    ASSERT_EQ(smp_call_on(b, waker_fn, NULL, true), 0);
    join_by(t, wk.sleeper, clock_now_ns() + 10 * NSEC_PER_SEC);
    ipi_get_stats(a, &ia);
    sched_get_stats(a, &sa);

    EXPECT_TRUE(wk.wake_result); /* it was asleep */
    EXPECT_EQ(wk.waker_cpu, b);
    EXPECT_EQ(wk.cpu_before, a);
    EXPECT_EQ(wk.cpu_after, a); /* woken on b, ran on a */
    EXPECT_EQ(wk.sleeps, 1u);   /* no spurious wake-up */
    EXPECT_EQ(sa.wakeups, sb.wakeups + 1);
    EXPECT_GE(ia.reschedules, ib.reschedules + 1); /* a was told */
}

/* ---- Two threads that never yield share one CPU ---- */

static struct spinner {
    volatile unsigned long count;
    volatile bool saw_other; /* the other ran while this one was alive */
} spinners[2];
static volatile bool spin_stop;

#define SPIN_LIMIT_NS (5 * NSEC_PER_SEC) /* a spinner's own time limit */

static void
spinner_fn(void *arg)
{
    struct spinner *me = &spinners[(uintptr_t)arg];
    struct spinner *other = &spinners[1 - (uintptr_t)arg];
    unsigned long seen = other->count;
    uint64_t end = clock_now_ns() + SPIN_LIMIT_NS;

    /* Never yields, never sleeps: only a preemption lets the other run
     * (they share one CPU). The clock is read now and then, so that a
     * scheduler that never preempts still ends the test. */
    while ( !spin_stop )
    {
        me->count++;
        if ( other->count != seen )
            me->saw_other = true;
        if ( me->count % 4096 == 0 && clock_now_ns() > end )
            break;
    }
}

static bool
spinners_done(void)
{
    return spinners[0].saw_other && spinners[1].saw_other;
}

TEST(sched, time_slices_preempt_threads_that_never_yield)
{
    unsigned int cpu = nr_cpus - 1; /* CPU 0 too with one vCPU */
    struct sched_stats sb, sa;
    struct thread *th[2];
    uint64_t deadline;
    uintptr_t i;

    REQUIRE_THREADS();
    memset((void *)spinners, 0, sizeof(spinners));
    spin_stop = false;
    sched_get_stats(cpu, &sb);
    for ( i = 0; i < 2; i++ )
    {
        th[i] = thread_create("spinner", spinner_fn, (void *)i, cpu);
        ASSERT_TRUE(th[i] != NULL);
    }
    /* Both run within a few 10 ms slices; the bound is wide because a
     * vCPU of an overcommitted TCG host may get little real time. The
     * loop ends as soon as each has seen the other run. */
    deadline = clock_now_ns() + 5 * NSEC_PER_SEC;
    while ( !spinners_done() && clock_now_ns() < deadline )
        sleep_ns(10 * MS);
    spin_stop = true;
    deadline = clock_now_ns() + 10 * NSEC_PER_SEC;
    for ( i = 0; i < 2; i++ )
        join_by(t, th[i], deadline);
    sched_get_stats(cpu, &sa);

    EXPECT_GT(spinners[0].count, 0ul);
    EXPECT_GT(spinners[1].count, 0ul);
    EXPECT_TRUE(spinners[0].saw_other);
    EXPECT_TRUE(spinners[1].saw_other);
    EXPECT_GE(sa.preemptions, sb.preemptions + 2);
    printk(
        "    # CPU %u: %lu and %lu rounds, %llu preemptions, %llu slices ran out\n",
        cpu, spinners[0].count, spinners[1].count,
        (unsigned long long)(sa.preemptions - sb.preemptions),
        (unsigned long long)(sa.slices - sb.slices));
}

/* ---- A thread queued on a busy CPU gets a turn ---- */

static struct {
    volatile unsigned long spins; /* the busy thread's progress */
    volatile bool stop;
    volatile bool late_ran;    /* the second thread ran */
    volatile uint64_t late_at; /* when */
} busy;

static void
busy_fn(void *arg)
{
    uint64_t end = clock_now_ns() + SPIN_LIMIT_NS;

    while ( !busy.stop && (busy.spins % 4096 || clock_now_ns() < end) )
        busy.spins++;
}

static void
late_fn(void *arg)
{
    busy.late_at = clock_now_ns();
    busy.late_ran = true;
}

TEST(sched, thread_queued_on_a_busy_cpu_gets_a_slice)
{
    unsigned int cpu = nr_cpus - 1;
    struct thread *hog, *late;
    uint64_t deadline, queued_at;
    bool in_time;

    /* The busy CPU runs one thread that never yields, so no time slice
     * is armed there: only its reschedule IPI, sent by thread_create
     * from CPU 0, can get the newcomer a turn. */
    REQUIRE_CPUS(2);
    memset((void *)&busy, 0, sizeof(busy));
    hog = thread_create("hog", busy_fn, NULL, cpu);
    ASSERT_TRUE(hog != NULL);
    deadline = clock_now_ns() + 5 * NSEC_PER_SEC;
    while ( !busy.spins && clock_now_ns() < deadline )
        sleep_ns(MS);
    EXPECT_GT(busy.spins, 0ul);
    queued_at = clock_now_ns();
    late = thread_create("late", late_fn, NULL, cpu);
    EXPECT_TRUE(late != NULL);
    deadline = queued_at + 2 * NSEC_PER_SEC;
    while ( !busy.late_ran && clock_now_ns() < deadline )
        sleep_ns(MS);
    in_time = EXPECT_TRUE(busy.late_ran);
    busy.stop = true;
    deadline = clock_now_ns() + 10 * NSEC_PER_SEC;
    join_by(t, hog, deadline);
    if ( late )
        join_by(t, late, deadline);
    if ( in_time )
        printk(
            "    # CPU %u: the newcomer ran %llu us after it was queued\n", cpu,
            (unsigned long long)((busy.late_at - queued_at) / NSEC_PER_USEC));
}

/* ---- Each CPU's timers fire there, never early ---- */

#define NR_TIMER_PROBES 3
static const uint64_t probe_delay_ns[NR_TIMER_PROBES] = { 0, 2 * MS, 7 * MS };

struct cpu_probe {
    struct timer timer;
    unsigned int home;
    uint64_t deadline;
    uint64_t fired_at;
    unsigned int cpu; /* where the callback ran */
    unsigned int runs;
};

static struct {
    spinlock_t lock;
    struct cpu_probe probe[MAX_CPUS][NR_TIMER_PROBES]; /* lock */
    struct thread *thread[MAX_CPUS];                   /* lock */
    unsigned int pending[MAX_CPUS];                    /* lock */
} tp = { .lock = SPINLOCK_INIT("test_timers") };

static void
cpu_probe_fn(struct timer *tm, void *arg)
{
    struct cpu_probe *p = arg;
    unsigned long flags = spin_lock_irqsave(&tp.lock);

    p->fired_at = clock_now_ns();
    p->cpu = smp_processor_id();
    p->runs++;
    if ( --tp.pending[p->home] == 0 )
        thread_wake(tp.thread[p->home]);
    spin_unlock_irqrestore(&tp.lock, flags);
}

static void
timer_thread_fn(void *arg)
{
    unsigned int i, cpu = (uintptr_t)arg;
    unsigned long flags = spin_lock_irqsave(&tp.lock);
    uint64_t limit = clock_now_ns() + 5 * NSEC_PER_SEC;

    tp.thread[cpu] = thread_self();
    tp.pending[cpu] = NR_TIMER_PROBES;
    for ( i = 0; i < NR_TIMER_PROBES; i++ )
    {
        struct cpu_probe *p = &tp.probe[cpu][i];

        /* On this thread's CPU: the timers belong to it. */
        timer_setup(&p->timer, cpu_probe_fn, p);
        p->home = cpu;
        p->deadline = clock_now_ns() + probe_delay_ns[i];
        timer_arm(&p->timer, p->deadline);
    }
    while ( tp.pending[cpu] && clock_now_ns() < limit )
        thread_sleep_until(&tp.lock, limit);
    /* Our CPU, interrupts off: a callback cannot be running. */
    for ( i = 0; i < NR_TIMER_PROBES; i++ )
        timer_cancel(&tp.probe[cpu][i].timer);
    spin_unlock_irqrestore(&tp.lock, flags);
}

TEST(sched, each_cpus_timers_fire_there_never_early)
{
    struct thread *th[MAX_CPUS] = { NULL };
    uint64_t deadline, late, max_late = 0;
    unsigned int cpu, i;

    REQUIRE_THREADS();
    memset(tp.probe, 0, sizeof(tp.probe));
    for ( cpu = 0; cpu < nr_cpus; cpu++ )
    {
        if ( !cpu_online(cpu) )
            continue;
        th[cpu] = thread_create("timers", timer_thread_fn,
                                (void *)(uintptr_t)cpu, cpu);
        ASSERT_TRUE(th[cpu] != NULL);
    }
    deadline = clock_now_ns() + JOIN_NS;
    for ( cpu = 0; cpu < nr_cpus; cpu++ )
        if ( th[cpu] )
            join_by(t, th[cpu], deadline);
    for ( cpu = 0; cpu < nr_cpus; cpu++ )
        for ( i = 0; th[cpu] && i < NR_TIMER_PROBES; i++ )
        {
            struct cpu_probe *p = &tp.probe[cpu][i];

            EXPECT_EQ(p->runs, 1u);
            EXPECT_EQ(p->cpu, cpu);
            if ( EXPECT_GE(p->fired_at, p->deadline) && p->runs )
            {
                late = p->fired_at - p->deadline;
                max_late = MAX(late, max_late);
            }
        }
    printk("    # %u CPUs x %u timers, latest %llu us after its deadline\n",
           cpus_online(), NR_TIMER_PROBES,
           (unsigned long long)(max_late / NSEC_PER_USEC));
}

/* ---- Hand-offs between two CPUs lose no wake-up ---- */

static struct {
    spinlock_t lock;
    struct thread *player[2]; /* lock: set by each player itself */
    unsigned int turn;        /* lock: whose move */
    unsigned int moves[2];    /* lock */
    uint64_t limit;           /* the players' own time limit */
} pp = { .lock = SPINLOCK_INIT("test_pingpong") };

static void
player_fn(void *arg)
{
    unsigned int me = (uintptr_t)arg, i;
    unsigned long flags = spin_lock_irqsave(&pp.lock);

    pp.player[me] = thread_self();
    for ( i = 0; i < PING_PONG_ROUNDS; i++ )
    {
        /* A lost wake-up leaves us here until the limit. */
        while ( pp.turn != me && clock_now_ns() < pp.limit )
            thread_sleep_until(&pp.lock, pp.limit);
        if ( pp.turn != me )
            break;
        pp.moves[me]++;
        pp.turn = 1 - me;
        /* The other registers itself before it first looks at `turn`. */
        if ( pp.player[1 - me] )
            thread_wake(pp.player[1 - me]);
    }
    pp.player[me] = NULL; /* from now on nobody may wake us */
    spin_unlock_irqrestore(&pp.lock, flags);
}

TEST(sched, hand_offs_between_cpus_lose_no_wake_up)
{
    unsigned int cpu[2] = { 0, nr_cpus - 1 };
    struct thread *th[2];
    uint64_t t0, deadline;
    uintptr_t i;

    REQUIRE_THREADS();
    memset(&pp.player, 0, sizeof(pp.player));
    memset(&pp.moves, 0, sizeof(pp.moves));
    pp.turn = 0;
    t0 = clock_now_ns();
    pp.limit = t0 + 20 * NSEC_PER_SEC;
    for ( i = 0; i < 2; i++ )
    {
        th[i] = thread_create("player", player_fn, (void *)i, cpu[i]);
        ASSERT_TRUE(th[i] != NULL);
    }
    deadline = pp.limit + 10 * NSEC_PER_SEC;
    for ( i = 0; i < 2; i++ )
        join_by(t, th[i], deadline);
    EXPECT_EQ(pp.moves[0], (unsigned int)PING_PONG_ROUNDS);
    EXPECT_EQ(pp.moves[1], (unsigned int)PING_PONG_ROUNDS);
    printk("    # CPUs %u and %u: %u hand-offs in %llu ms\n", cpu[0], cpu[1],
           pp.moves[0] + pp.moves[1],
           (unsigned long long)((clock_now_ns() - t0) / MS));
}

/* ---- Yield, timed sleep, exit codes, bad requests ---- */

static volatile bool yield_target_ran;

static void
yield_target_fn(void *arg)
{
    yield_target_ran = true;
    thread_exit(42);
}

TEST(sched, yield_runs_the_next_thread_of_the_cpu)
{
    unsigned long flags;
    struct thread *th;

    /* Cooperative: works without timers too. */
    ASSERT_TRUE(thread_self() != NULL);
    yield_target_ran = false;
    flags = irq_save(); /* no time slice ends in between */
    th = thread_create("yield", yield_target_fn, NULL, smp_processor_id());
    EXPECT_FALSE(yield_target_ran); /* queued behind us */
    irq_restore(flags);
    ASSERT_TRUE(th != NULL);
    thread_yield();
    EXPECT_TRUE(yield_target_ran); /* it was first in the queue */
    EXPECT_EQ(thread_join(th), 42);
}

TEST(sched, timed_sleeps_never_end_early)
{
    spinlock_t lock = SPINLOCK_INIT("test_sleep");
    uint64_t deadline, woke_at, t0;
    unsigned long flags;
    bool by_wake;

    REQUIRE_THREADS();
    flags = spin_lock_irqsave(&lock);
    deadline = clock_now_ns() + 5 * MS;
    by_wake = thread_sleep_until(&lock, deadline); /* nobody wakes us */
    woke_at = clock_now_ns();
    spin_unlock_irqrestore(&lock, flags);
    EXPECT_FALSE(by_wake);
    EXPECT_GE(woke_at, deadline);

    t0 = clock_now_ns();
    EXPECT_EQ(sleep_ns(3 * MS), 0);
    EXPECT_GE(clock_now_ns() - t0, 3 * MS);
}

static void
exit_code_fn(void *arg)
{
    uintptr_t v = (uintptr_t)arg;

    if ( v % 2 )
        thread_exit((int)v);
    /* Even ones return: that is thread_exit(0). */
}

TEST(sched, join_returns_exit_codes_and_frees_everything)
{
    size_t pages = page_free_count() + heap_pages();
    size_t allocs = heap_live_allocations();
    struct thread *th[16];
    unsigned int round, cpus = 0, cpu;
    uintptr_t i;

    REQUIRE_THREADS();
    for ( cpu = 0; cpu < nr_cpus; cpu++ )
        cpus += cpu_online(cpu);
    for ( round = 0; round < 4; round++ )
    {
        for ( i = 0; i < ARRAY_SIZE(th); i++ )
        {
            th[i] = thread_create("exit", exit_code_fn, (void *)i,
                                  (i + round) % cpus);
            ASSERT_TRUE(th[i] != NULL);
        }
        for ( i = 0; i < ARRAY_SIZE(th); i++ )
            EXPECT_EQ(join_by(t, th[i], clock_now_ns() + JOIN_NS),
                      (int)(i % 2 ? i : 0));
    }
    EXPECT_EQ(page_free_count() + heap_pages(), pages);
    EXPECT_EQ(heap_live_allocations(), allocs);
}

static void
nothing_fn(void *arg)
{}

TEST(sched, stack_guard_notices_an_overwrite)
{
    struct thread *th;
    unsigned long flags;
    uint64_t saved;

    /* Checks the check; a real overflow panics at the next switch. */
    ASSERT_TRUE(thread_self() != NULL);
    th = thread_create("guarded", nothing_fn, NULL, smp_processor_id());
    ASSERT_TRUE(th != NULL);
    /* Interrupts off: th, queued on our CPU, cannot run meanwhile. */
    flags = irq_save();
    EXPECT_TRUE(thread_stack_intact(th));
    saved = *(volatile uint64_t *)th->stack;
    *(volatile uint64_t *)th->stack = saved ^ 1;
    EXPECT_FALSE(thread_stack_intact(th));
    *(volatile uint64_t *)th->stack = saved;
    EXPECT_TRUE(thread_stack_intact(th));
    irq_restore(flags);
    EXPECT_EQ(thread_join(th), 0);
}

TEST(sched, bad_requests_are_refused)
{
    struct thread *me = thread_self();

    ASSERT_TRUE(me != NULL);
    EXPECT_STREQ(me->name, "main");
    EXPECT_EQ(me->cpu, 0u);
    EXPECT_EQ(me->state, THREAD_RUNNING);
    EXPECT_TRUE(thread_create("bad", NULL, NULL, 0) == NULL);
    EXPECT_TRUE(thread_create("bad", nothing_fn, NULL, nr_cpus) == NULL);
    EXPECT_TRUE(thread_create("bad", nothing_fn, NULL, ~0u) == NULL);
    EXPECT_FALSE(thread_wake(me)); /* running, not sleeping */
}
