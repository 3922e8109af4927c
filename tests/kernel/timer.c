/* SPDX-License-Identifier: MIT */
/*
 * timer.c - self-tests of the per-CPU timers (kernel/xen/time/timer.c): no
 * callback before its deadline, a thousand pseudo-random deadlines fire
 * in order and exactly once, cancel (also from a callback) really stops
 * a timer, re-arming moves it, callbacks run in interrupt context on
 * their CPU, and timed waits end on the condition or on the timeout.
 * Lateness is printed as a KTAP diagnostic, never asserted: under QEMU
 * TCG it ranges from a fraction of a millisecond to tens. SKIP without
 * Xen.
 */
#include <kernel.h>
#include <clock.h>
#include <fault.h>
#include <hypervisor.h>
#include <ktest.h>
#include <percpu.h>
#include <stats.h>
#include <timer.h>
#include <wait.h>
#include <arch/x86.h>

#define MANY      1000
#define SPREAD_NS (200 * NSEC_PER_MSEC)
#define WAIT_NS   (10 * NSEC_PER_SEC)

/* One test timer and what happened to it. */
struct probe {
    struct timer timer;
    uint64_t deadline;    /* as armed */
    uint64_t fired_at;    /* clock_now_ns() in the callback */
    unsigned int fired;   /* times the callback ran */
    bool bad_context;     /* ran with interrupts on, or elsewhere */
    struct timer *cancel; /* a timer to cancel from the callback */
};

static struct probe probes[MANY];
static unsigned int fire_order[MANY];
static volatile unsigned int fired_total;
static uint64_t lateness[MANY];

static uint32_t
lcg(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 1;
}

/* Tests wait here for timer callbacks, which wake it. */
static struct waitq timer_test_wq = WAITQ_INIT("timer-test");

static void
probe_fn(struct timer *t, void *arg)
{
    struct probe *p = arg;

    p->fired_at = clock_now_ns();
    p->fired++;
    if ( (read_flags() & X86_FLAGS_IF) || !this_cpu()->irq_depth ||
         smp_processor_id() != t->cpu )
        p->bad_context = true;
    if ( p->cancel )
        timer_cancel(p->cancel);
    if ( fired_total < MANY )
        fire_order[fired_total] = p - probes;
    fired_total++;
    waitq_wake_all(&timer_test_wq);
}

/*
 * Disarm every probe a test may have left armed (a test that fails
 * half-way returns early), then set up the first n afresh. Zeroed probes
 * are safe to cancel: they are on no queue.
 */
static void
probes_reset(unsigned int n)
{
    unsigned int i;

    for ( i = 0; i < MANY; i++ )
        timer_cancel_sync(&probes[i].timer);
    for ( i = 0; i < n; i++ )
    {
        memset(&probes[i], 0, sizeof(probes[i]));
        timer_setup(&probes[i].timer, probe_fn, &probes[i]);
    }
    fired_total = 0;
}

static void
probe_arm(struct probe *p, uint64_t deadline)
{
    p->deadline = deadline;
    timer_arm(&p->timer, deadline);
}

static bool
all_fired(void *arg)
{
    return fired_total >= *(unsigned int *)arg;
}

/* Wait until `n` callbacks have run in all; false on timeout. */
static bool
wait_fired(unsigned int n)
{
    return wait_event_timeout(&timer_test_wq, all_fired, &n, WAIT_NS);
}

/* Count probes [0, n) that broke a rule: fired early, twice, or in the
 * wrong context. */
static unsigned int
count_early(unsigned int n)
{
    unsigned int i, bad = 0;

    for ( i = 0; i < n; i++ )
        if ( probes[i].fired && probes[i].fired_at < probes[i].deadline )
        {
            printk(
                "    # timer %u fired %llu ns before its deadline\n", i,
                (unsigned long long)(probes[i].deadline - probes[i].fired_at));
            bad++;
        }
    return bad;
}

static unsigned int
count_bad_context(unsigned int n)
{
    unsigned int i, bad = 0;

    for ( i = 0; i < n; i++ )
        bad += probes[i].bad_context;
    return bad;
}

static void
print_lateness(const char *what, unsigned int n)
{
    struct stats_summary s;
    unsigned int i;

    for ( i = 0; i < n; i++ )
        lateness[i] = (probes[i].fired_at - probes[i].deadline) / NSEC_PER_USEC;
    stats_summarize(lateness, n, &s);
    printk(
        "    # timer lateness (%s, %u timers): min %llu median %llu p99 %llu max %llu us\n",
        what, n, (unsigned long long)s.min, (unsigned long long)s.median,
        (unsigned long long)s.p99, (unsigned long long)s.max);
}

TEST(timer, never_before_deadline)
{
    const unsigned int n = 20;
    uint64_t now;
    unsigned int i;

    if ( !xen.present )
        KTEST_SKIP("not on Xen");
    ASSERT_TRUE(timer_available());

    probes_reset(n);
    now = clock_now_ns();
    /* One long past, one exactly now, the rest 1 ms apart. */
    probe_arm(&probes[0], now > NSEC_PER_MSEC ? now - NSEC_PER_MSEC : 0);
    for ( i = 1; i < n; i++ )
        probe_arm(&probes[i], now + (i - 1) * NSEC_PER_MSEC);
    ASSERT_TRUE(wait_fired(n));
    for ( i = 0; i < n; i++ )
        EXPECT_EQ(probes[i].fired, 1u);
    EXPECT_EQ(count_early(n), 0u);
    EXPECT_EQ(count_bad_context(n), 0u);
    print_lateness("1 ms apart", n);
}

TEST(timer, many_fire_in_order_once)
{
    uint32_t seed = 12345;
    unsigned int i, out_of_order = 0, not_once = 0;
    struct timer_stats s0, s1;
    unsigned long flags;
    uint64_t base;

    if ( !xen.present )
        KTEST_SKIP("not on Xen");
    ASSERT_TRUE(timer_available());

    probes_reset(MANY);
    timer_get_stats(smp_processor_id(), &s0);
    /* Arm all before any can fire, so the queue alone decides order. */
    flags = irq_save();
    base = clock_now_ns() + NSEC_PER_MSEC;
    for ( i = 0; i < MANY; i++ )
        probe_arm(&probes[i], base + lcg(&seed) % SPREAD_NS);
    irq_restore(flags);

    EXPECT_TRUE(wait_fired(MANY));
    timer_get_stats(smp_processor_id(), &s1);
    for ( i = 0; i < MANY; i++ )
        if ( probes[i].fired != 1 )
            not_once++;
    EXPECT_EQ(not_once, 0u);
    EXPECT_EQ(fired_total, (unsigned int)MANY);
    for ( i = 1; i < MIN(fired_total, (unsigned int)MANY); i++ )
        if ( probes[fire_order[i]].deadline <
             probes[fire_order[i - 1]].deadline )
            out_of_order++;
    EXPECT_EQ(out_of_order, 0u);
    EXPECT_EQ(count_early(MANY), 0u);
    EXPECT_EQ(count_bad_context(MANY), 0u);
    print_lateness("0-200 ms", MANY);
    /* Timers due together share a VIRQ: fewer VIRQs than timers. */
    printk(
        "    # timer: %u timers took %llu VIRQs (%llu found nothing due) and %llu deadlines set\n",
        MANY, (unsigned long long)(s1.virqs - s0.virqs),
        (unsigned long long)(s1.early - s0.early),
        (unsigned long long)(s1.programs - s0.programs));
}

TEST(timer, cancel_stops_it)
{
    const unsigned int n = 60;
    unsigned int i, wrong = 0, live = 0;
    unsigned long flags;
    uint64_t now;

    if ( !xen.present )
        KTEST_SKIP("not on Xen");
    ASSERT_TRUE(timer_available());

    probes_reset(n);
    flags = irq_save();
    now = clock_now_ns();
    for ( i = 0; i < n; i++ )
        probe_arm(&probes[i], now + (i % 20) * NSEC_PER_MSEC);
    /* Cancel every third, including ones already due: nothing can fire
     * while interrupts are off, so each cancel must find it armed. */
    for ( i = 0; i < n; i += 3 )
        if ( !timer_cancel(&probes[i].timer) )
            wrong++;
    EXPECT_EQ(wrong, 0u);
    for ( i = 0; i < n; i++ )
    {
        EXPECT_EQ(timer_pending(&probes[i].timer), i % 3 != 0);
        live += i % 3 != 0;
    }
    irq_restore(flags);

    ASSERT_TRUE(wait_fired(live));
    /* Give a wrongly surviving timer time to show itself. */
    ASSERT_EQ(sleep_ns(30 * NSEC_PER_MSEC), 0);
    for ( i = 0; i < n; i++ )
        if ( probes[i].fired != (i % 3 ? 1u : 0u) )
            wrong++;
    EXPECT_EQ(wrong, 0u);
    EXPECT_EQ(fired_total, live);

    /* Cancelling a timer that has fired, or twice, finds nothing. */
    EXPECT_FALSE(timer_cancel(&probes[1].timer));
    EXPECT_FALSE(timer_cancel(&probes[0].timer));
    EXPECT_FALSE(timer_cancel_sync(&probes[0].timer));
}

TEST(timer, cancel_from_callback)
{
    unsigned long flags;
    uint64_t when;

    if ( !xen.present )
        KTEST_SKIP("not on Xen");
    ASSERT_TRUE(timer_available());

    /* Same deadline: both are due in the same VIRQ, 0 runs first and
     * cancels 1, which must then not run although it had expired. */
    probes_reset(3);
    probes[0].cancel = &probes[1].timer;
    /* Interrupts off: under TCG a few hypercalls can outlast 2 ms, and
     * 0 must not fire before 1 is armed. */
    flags = irq_save();
    when = clock_now_ns() + 2 * NSEC_PER_MSEC;
    probe_arm(&probes[0], when);
    probe_arm(&probes[1], when);
    probe_arm(&probes[2], when + 5 * NSEC_PER_MSEC);
    irq_restore(flags);
    ASSERT_TRUE(wait_fired(2));
    EXPECT_EQ(probes[0].fired, 1u);
    EXPECT_EQ(probes[1].fired, 0u);
    EXPECT_EQ(probes[2].fired, 1u);
    EXPECT_FALSE(timer_pending(&probes[1].timer));
}

TEST(timer, rearm_moves_it)
{
    unsigned long flags;
    uint64_t now;

    if ( !xen.present )
        KTEST_SKIP("not on Xen");
    ASSERT_TRUE(timer_available());

    probes_reset(2);
    /* Earlier: armed for 10 s, moved to 3 ms. Later: armed for 1 ms,
     * moved to 25 ms; it must not fire at the first deadline. Interrupts
     * off, so that the first deadline cannot pass before the move. */
    flags = irq_save();
    now = clock_now_ns();
    probe_arm(&probes[0], now + 10 * NSEC_PER_SEC);
    probe_arm(&probes[0], now + 3 * NSEC_PER_MSEC);
    probe_arm(&probes[1], now + 1 * NSEC_PER_MSEC);
    probe_arm(&probes[1], now + 25 * NSEC_PER_MSEC);
    irq_restore(flags);
    ASSERT_TRUE(wait_fired(2));
    ASSERT_EQ(sleep_ns(5 * NSEC_PER_MSEC), 0);
    EXPECT_EQ(probes[0].fired, 1u);
    EXPECT_EQ(probes[1].fired, 1u);
    EXPECT_EQ(fired_total, 2u);
    EXPECT_EQ(count_early(2), 0u);
    EXPECT_FALSE(timer_pending(&probes[0].timer));
}

/* A callback that re-arms its own timer: a periodic timer in 5 shots. */
static unsigned int periodic_shots;
static uint64_t periodic_deadline;
static bool periodic_early;

static void
periodic_fn(struct timer *t, void *arg)
{
    if ( clock_now_ns() < periodic_deadline )
        periodic_early = true;
    if ( ++periodic_shots < 5 )
    {
        periodic_deadline += 2 * NSEC_PER_MSEC;
        timer_arm(t, periodic_deadline);
    }
    waitq_wake_all(&timer_test_wq);
}

static bool
periodic_done(void *arg)
{
    return periodic_shots >= 5;
}

TEST(timer, rearm_from_own_callback)
{
    struct timer tm;

    if ( !xen.present )
        KTEST_SKIP("not on Xen");
    ASSERT_TRUE(timer_available());

    periodic_shots = 0;
    periodic_early = false;
    periodic_deadline = clock_now_ns() + NSEC_PER_MSEC;
    timer_setup(&tm, periodic_fn, NULL);
    timer_arm(&tm, periodic_deadline);
    EXPECT_TRUE(
        wait_event_timeout(&timer_test_wq, periodic_done, NULL, WAIT_NS));
    /* The on-stack timer must be idle before the test returns. */
    timer_cancel_sync(&tm);
    EXPECT_EQ(periodic_shots, 5u);
    EXPECT_FALSE(periodic_early);
}

static bool
never_true(void *arg)
{
    return false;
}

TEST(timer, wait_event_timeout_both_ways)
{
    const uint64_t timeout = 15 * NSEC_PER_MSEC;
    uint64_t t0, t1;
    unsigned int one = 1;

    if ( !xen.present )
        KTEST_SKIP("not on Xen");
    ASSERT_TRUE(timer_available());

    /* Never true: returns false, and not before the timeout. */
    t0 = clock_now_ns();
    EXPECT_FALSE(wait_event_timeout(&timer_test_wq, never_true, NULL, timeout));
    t1 = clock_now_ns();
    EXPECT_GE(t1 - t0, timeout);

    /* Made true by an event (a timer at 2 ms) well inside a long
     * timeout: returns true without waiting for the timeout. */
    probes_reset(1);
    t0 = clock_now_ns();
    probe_arm(&probes[0], t0 + 2 * NSEC_PER_MSEC);
    EXPECT_TRUE(wait_event_timeout(&timer_test_wq, all_fired, &one, WAIT_NS));
    t1 = clock_now_ns();
    EXPECT_LT(t1 - t0, WAIT_NS);
    EXPECT_EQ(probes[0].fired, 1u);
}

TEST(timer, tickless_idle)
{
    struct timer_stats s0, s1;
    unsigned int cpu = smp_processor_id();

    if ( !xen.present )
        KTEST_SKIP("not on Xen");
    ASSERT_TRUE(timer_available());

    /* With the periodic timer stopped, a 50 ms sleep is one timer: a
     * 100 Hz tick would add about five VIRQs. */
    timer_get_stats(cpu, &s0);
    ASSERT_EQ(sleep_ns(50 * NSEC_PER_MSEC), 0);
    timer_get_stats(cpu, &s1);
    EXPECT_GE(s1.virqs - s0.virqs, 1ull);
    EXPECT_LE(s1.virqs - s0.virqs, 3ull);
    printk(
        "    # timer: CPU %u since boot: %llu VIRQs (%llu found nothing due), %llu callbacks, %llu deadlines set\n",
        cpu, (unsigned long long)s1.virqs, (unsigned long long)s1.early,
        (unsigned long long)s1.fired, (unsigned long long)s1.programs);
}

/*
 * Xen may fire a single-shot timer up to its slop before the deadline it
 * was given, and the PV clock may then still read before the deadline:
 * the VIRQ finds nothing due. The deadline must be handed to Xen again,
 * or the timer never fires. Here Xen is given a deadline almost a second
 * early (fault_timer_early_ns) for a timer due in one second, so the
 * VIRQ comes long before the deadline even when it is handled late.
 */
TEST(timer, early_virq_still_rearms)
{
    unsigned int cpu = smp_processor_id();
    struct timer_stats s0, s1;
    unsigned long flags;
    uint64_t end;

    if ( !xen.present )
        KTEST_SKIP("not on Xen");
    ASSERT_TRUE(timer_available());

    probes_reset(1);
    timer_get_stats(cpu, &s0);
    flags = irq_save();
    fault_timer_early_ns[cpu] = NSEC_PER_SEC - NSEC_PER_MSEC;
    probe_arm(&probes[0], clock_now_ns() + NSEC_PER_SEC);
    irq_restore(flags);
    /* Spin rather than sleep: a sleep arms a timer of its own, which
     * would hand Xen the deadline again and hide a missing re-arm. */
    end = clock_now_ns() + WAIT_NS;
    while ( !probes[0].fired && clock_now_ns() < end )
        cpu_relax();
    EXPECT_EQ(probes[0].fired, 1u);
    timer_get_stats(cpu, &s1);
    EXPECT_EQ(fault_timer_early_ns[cpu], 0ull); /* the hook was used */
    EXPECT_EQ(count_early(1), 0u);
    printk("    # timer: %llu early VIRQs, %llu deadlines set\n",
           (unsigned long long)(s1.early - s0.early),
           (unsigned long long)(s1.programs - s0.programs));
    if ( s1.early == s0.early )
        KTEST_SKIP("the early VIRQ was handled after the deadline");
}
