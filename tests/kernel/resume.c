/* SPDX-License-Identifier: MIT */
/*
 * resume.c - resume.*: a workload that lives through suspend cycles
 * driven by the toolstack (manual: tools/run-tier2.sh --action
 * save-restore|migrate|checkpoint|mixed). A thread on every vCPU keeps
 * timers of four periods armed, calls every other vCPU (call-function
 * IPIs, every 16th waited for) and reads the monotonic clock, while the
 * test asks dom0 for resume_cycles=N cycles (default 3), one at a time,
 * by writing the cycle's number into data/resume-ready, and waits for a
 * suspend to come back each time. Then: no timer early, none lost, the clock
 * never backwards, every IPI ran exactly once, and each cycle's jump is
 * printed. resume_kind=checkpoint (or new) also checks that every cycle
 * was a cancelled suspend (or a new domain). With blktest=DISK the disk
 * is written meanwhile (tests/kernel/resume_blk.c) and checked after.
 */
#include <kernel.h>
#include <bootinfo.h>
#include <clock.h>
#include <cmdline.h>
#include <ipi.h>
#include <ktest.h>
#include <percpu.h>
#include <resume.h>
#include <sched.h>
#include <smp.h>
#include <timer.h>
#include <wait.h>
#include <xen_errno.h>
#include <xenstore.h>
#include "tests/kernel/blk_test.h"

#define RT_PERIODS       4
#define RT_CYCLE_WAIT_NS (300 * NSEC_PER_SEC) /* one save or migration */
#define RT_SETTLE_NS     (500 * NSEC_PER_MSEC)
#define RT_DRAIN_NS      (5 * NSEC_PER_SEC)

extern struct boot_info boot_info;

static const uint64_t periods_ns[RT_PERIODS] = { 1 * NSEC_PER_MSEC,
                                                 7 * NSEC_PER_MSEC,
                                                 50 * NSEC_PER_MSEC,
                                                 300 * NSEC_PER_MSEC };

struct rt_timer {
    struct timer t;
    uint64_t deadline, period;
    struct rt_cpu *rc;
};

/* One vCPU's share: written by its worker and its timer callbacks (same
 * CPU, callbacks with interrupts off), read by the test after the join. */
struct rt_cpu {
    struct rt_timer timers[RT_PERIODS];
    uint64_t armed, fired, early, max_late_ns;
    uint64_t sent[MAX_CPUS], refused, clock_reads, backwards;
    uint64_t max_gap_ns; /* longest step between two clock reads */
} __attribute__((aligned(64)));

static struct rt_cpu rt[MAX_CPUS];
static uint64_t rt_got[MAX_CPUS][MAX_CPUS]; /* [src][dst], atomic */
static bool rt_stop;                        /* atomic */

static void
rt_ipi(void *arg)
{
    __atomic_fetch_add(&rt_got[(uintptr_t)arg][smp_processor_id()], 1,
                       __ATOMIC_RELAXED);
}

static void
rt_fire(struct timer *t, void *arg)
{
    struct rt_timer *x = arg;
    uint64_t now = clock_now_ns();

    if ( now < x->deadline )
        x->rc->early++;
    else
        x->rc->max_late_ns = MAX(x->rc->max_late_ns, now - x->deadline);
    x->rc->fired++;
    if ( __atomic_load_n(&rt_stop, __ATOMIC_RELAXED) )
        return;
    x->deadline = now + x->period;
    x->rc->armed++;
    timer_arm(&x->t, x->deadline);
}

static void
rt_worker(void *arg)
{
    unsigned int me = smp_processor_id(), cpu, i;
    struct rt_cpu *c = &rt[me];
    uint64_t last = clock_now_ns(), round = 0, end;

    for ( i = 0; i < RT_PERIODS; i++ )
    {
        struct rt_timer *x = &c->timers[i];

        x->rc = c;
        x->period = periods_ns[i];
        timer_setup(&x->t, rt_fire, x);
        x->deadline = clock_now_ns() + x->period;
        c->armed++;
        timer_arm(&x->t, x->deadline); /* from now on it re-arms itself */
    }
    while ( !__atomic_load_n(&rt_stop, __ATOMIC_RELAXED) )
    {
        uint64_t now = clock_now_ns();

        c->clock_reads++;
        if ( now < last )
            c->backwards++;
        else
            c->max_gap_ns = MAX(c->max_gap_ns, now - last);
        last = now;
        for ( cpu = 0; cpu < nr_cpus; cpu++ )
        {
            if ( cpu == me || !ipi_ready(cpu) )
                continue;
            if ( smp_call_on(cpu, rt_ipi, (void *)(uintptr_t)me,
                             (round + cpu) % 16 == 0) == 0 )
                c->sent[cpu]++;
            else
                c->refused++;
        }
        round++;
        sleep_ns(200 * NSEC_PER_USEC);
    }
    /* Stopped: the callbacks no longer re-arm; let the last ones fire. */
    end = clock_now_ns() + RT_DRAIN_NS;
    for ( i = 0; i < RT_PERIODS; i++ )
        while ( timer_pending(&c->timers[i].t) && clock_now_ns() < end )
            sleep_ns(NSEC_PER_MSEC);
}

static unsigned int
rt_cycles(void)
{
    char buf[8];
    unsigned int n = 0, i;

    if ( !cmdline_get(boot_info.cmdline, "resume_cycles", buf, sizeof(buf)) )
        return 3;
    for ( i = 0; buf[i] >= '0' && buf[i] <= '9' && n < 1000; i++ )
        n = n * 10 + (unsigned int)(buf[i] - '0');
    return buf[i] || n == 0 ? 3 : n;
}

/* Whether a suspend came back since the count was *arg. */
static bool
rt_cycle_done(void *arg)
{
    struct resume_stats s;

    resume_get_stats(&s);
    return s.resumed + s.cancelled > *(unsigned int *)arg;
}

/* Ask dom0 for cycle k and wait for a suspend to come back (a save that
 * dom0 had to run twice may bring two); prints what the clock did. */
static bool
rt_one_cycle(unsigned int k)
{
    unsigned int c0;
    struct clock_resume_info ci;
    struct resume_stats s;
    struct waitq never = WAITQ_INIT("resume-test");
    uint64_t t0, t1;
    int rc;

    resume_get_stats(&s);
    c0 = s.resumed + s.cancelled;
    rc = xs_printf(XS_TX_NONE, "data/resume-ready", "%u", k);
    if ( rc )
    {
        printk("    # resume: cannot write data/resume-ready (%s)\n",
               xen_errno_name(rc));
        return false;
    }
    t0 = clock_now_ns();
    /* Nobody wakes this queue: it polls the condition every 100 ms. */
    while ( !rt_cycle_done(&c0) && clock_now_ns() - t0 < RT_CYCLE_WAIT_NS )
        wait_event_timeout(&never, rt_cycle_done, &c0, 100 * NSEC_PER_MSEC);
    t1 = clock_now_ns();
    if ( !rt_cycle_done(&c0) )
    {
        printk("    # resume: cycle %u: no suspend within %llu s\n", k,
               RT_CYCLE_WAIT_NS / NSEC_PER_SEC);
        return false;
    }
    resume_get_stats(&s);
    clock_get_resume_info(&ci);
    if ( s.last_cancelled )
        printk(
            "    # resume: cycle %u: cancelled suspend (resumed in place), %llu ms after asking\n",
            k, (unsigned long long)((t1 - t0) / NSEC_PER_MSEC));
    else
    {
        printk("    # resume: cycle %u: new domain %u, %llu ms after asking\n",
               k, xs_domid(), (unsigned long long)((t1 - t0) / NSEC_PER_MSEC));
        printk(
            "    # resume: cycle %u: monotonic jump %llu us, wall-clock downtime %llu us, Xen system time alone %lld us\n",
            k, (unsigned long long)((ci.after - ci.before) / NSEC_PER_USEC),
            (unsigned long long)(ci.downtime / NSEC_PER_USEC),
            (long long)(ci.raw_jump / 1000));
    }
    return true;
}

TEST_MANUAL(resume, workload_lives_through_suspend_cycles)
{
    struct thread *workers[MAX_CPUS] = { 0 };
    unsigned int n = rt_cycles(), k = 1, cpu, d, started = 0;
    struct resume_stats before, after;
    char kind[16] = "", disk[16];
    bool writing;
    uint64_t end;

    if ( !thread_self() || !timer_available() || !ipi_ready(0) ||
         !xenstore_available() )
        KTEST_SKIP("needs threads, timers, IPIs and xenstore (a domU)");
    cmdline_get(boot_info.cmdline, "resume_kind", kind, sizeof(kind));
    memset(rt, 0, sizeof(rt));
    memset(rt_got, 0, sizeof(rt_got));
    __atomic_store_n(&rt_stop, false, __ATOMIC_RELAXED);
    resume_get_stats(&before);
    for ( cpu = 0; cpu < nr_cpus; cpu++ )
        if ( cpu_online(cpu) && ipi_ready(cpu) )
        {
            workers[cpu] = thread_create("resume-rt", rt_worker, NULL, cpu);
            EXPECT_TRUE(workers[cpu] != NULL);
            started += workers[cpu] != NULL;
        }
    writing = resume_blk_start();
    /* A disk named but not written is a failure, not a skip. */
    EXPECT_TRUE(writing ||
                !cmdline_get(boot_info.cmdline, "blktest", disk, sizeof(disk)));
    printk("    # resume: workload on %u vCPUs; asking dom0 for %u cycles\n",
           started, n);
    sleep_ns(RT_SETTLE_NS);
    for ( k = 1; k <= n; k++ )
        if ( !rt_one_cycle(k) )
            break;
    sleep_ns(RT_SETTLE_NS); /* some work after the last resume too */
    __atomic_store_n(&rt_stop, true, __ATOMIC_RELAXED);
    for ( cpu = 0; cpu < nr_cpus; cpu++ )
        if ( workers[cpu] )
            thread_join(workers[cpu]);
    if ( writing ) /* after the IPI workers: the check goes faster */
        resume_blk_finish(t);
    resume_get_stats(&after);
    end = clock_now_ns() + RT_DRAIN_NS;
    for ( ;; )
    {
        bool all = true;

        for ( cpu = 0; cpu < nr_cpus; cpu++ )
            for ( d = 0; d < nr_cpus; d++ )
                all &= __atomic_load_n(&rt_got[cpu][d], __ATOMIC_RELAXED) ==
                       rt[cpu].sent[d];
        if ( all || clock_now_ns() > end )
            break;
        sleep_ns(NSEC_PER_MSEC);
    }

    for ( cpu = 0; cpu < nr_cpus; cpu++ )
    {
        const struct rt_cpu *c = &rt[cpu];
        uint64_t s = 0, g = 0;

        if ( !workers[cpu] )
            continue;
        for ( d = 0; d < nr_cpus; d++ )
        {
            s += c->sent[d];
            g += __atomic_load_n(&rt_got[cpu][d], __ATOMIC_RELAXED);
            EXPECT_EQ(__atomic_load_n(&rt_got[cpu][d], __ATOMIC_RELAXED),
                      c->sent[d]);
        }
        printk(
            "    # resume: CPU %u: timers armed %llu, fired %llu, early %llu, latest %llu ms late; IPIs sent %llu, ran %llu, refused %llu; clock reads %llu, backwards %llu, longest step %llu ms\n",
            cpu, (unsigned long long)c->armed, (unsigned long long)c->fired,
            (unsigned long long)c->early,
            (unsigned long long)(c->max_late_ns / NSEC_PER_MSEC),
            (unsigned long long)s, (unsigned long long)g,
            (unsigned long long)c->refused, (unsigned long long)c->clock_reads,
            (unsigned long long)c->backwards,
            (unsigned long long)(c->max_gap_ns / NSEC_PER_MSEC));
        EXPECT_EQ(c->fired, c->armed);
        EXPECT_EQ(c->early, 0ull);
        EXPECT_EQ(c->backwards, 0ull);
        EXPECT_EQ(c->refused, 0ull);
        EXPECT_GT(s, 0ull);
    }
    printk("    # resume: %u new domains, %u cancelled suspends in this test\n",
           after.resumed - before.resumed, after.cancelled - before.cancelled);
    EXPECT_EQ(started, cpus_online());
    EXPECT_EQ(k, n + 1); /* every cycle came back */
    if ( strcmp(kind, "checkpoint") == 0 )
        EXPECT_EQ(after.resumed - before.resumed, 0u);
    if ( strcmp(kind, "new") == 0 )
        EXPECT_EQ(after.cancelled - before.cancelled, 0u);
}
