/* SPDX-License-Identifier: MIT */
/*
 * bench.c - benchmarks, run only when selected by name (`make bench`
 * boots tier 1 with tests=bench.*): the cost of a null hypercall, of a
 * clock read, an event's trip from evtchn_send to its handler on a
 * loopback channel, and timer lateness. Each prints "# bench:" lines and
 * checks only that the thing measured worked, never how fast it was.
 */
#include <kernel.h>
#include <clock.h>
#include <evtchn.h>
#include <hypervisor.h>
#include <ktest.h>
#include <stats.h>
#include <timer.h>
#include <wait.h>
#include <arch/x86.h>

#define BENCH_HYPERCALLS  20000
#define BENCH_CLOCK_READS 100000
#define BENCH_EVENTS      1000
#define BENCH_TIMERS      200

static uint64_t samples[BENCH_EVENTS];

/* TSC cycles to nanoseconds at the rate Xen describes. */
static uint64_t
cycles_to_ns(uint64_t cycles)
{
    uint64_t hz = clock_tsc_hz();

    return hz ? cycles * 1000 / (hz / 1000000) : 0;
}

static void
print_summary(const char *what, const char *unit, uint64_t *v, size_t n)
{
    struct stats_summary s;

    stats_summarize(v, n, &s);
    printk("    # bench: %s: n %zu min %llu median %llu p99 %llu max %llu %s\n",
           what, s.n, (unsigned long long)s.min, (unsigned long long)s.median,
           (unsigned long long)s.p99, (unsigned long long)s.max, unit);
}

TEST_MANUAL(bench, null_hypercall)
{
    uint64_t c0, c1, n0, n1;
    unsigned int i, wrong = 0;
    long want;

    if ( !xen.present )
        KTEST_SKIP("not on Xen");
    ASSERT_TRUE(clock_available());

    /* XENVER_version does no work beyond entering and leaving Xen. */
    want = ((long)xen.major << 16) | xen.minor;
    n0 = clock_now_ns();
    c0 = rdtsc_ordered();
    for ( i = 0; i < BENCH_HYPERCALLS; i++ )
        if ( hypercall_xen_version(XENVER_version, NULL) != want )
            wrong++;
    c1 = rdtsc_ordered();
    n1 = clock_now_ns();
    EXPECT_EQ(wrong, 0u);
    printk(
        "    # bench: null hypercall (xen_version): %llu ns, %llu TSC cycles per call (mean of %u)\n",
        (unsigned long long)((n1 - n0) / BENCH_HYPERCALLS),
        (unsigned long long)((c1 - c0) / BENCH_HYPERCALLS), BENCH_HYPERCALLS);
}

TEST_MANUAL(bench, clock_read)
{
    uint64_t c0, c1, c2, prev, now;
    unsigned int i, back = 0;

    if ( !xen.present )
        KTEST_SKIP("not on Xen");
    ASSERT_TRUE(clock_available());

    prev = clock_now_ns();
    c0 = rdtsc_ordered();
    for ( i = 0; i < BENCH_CLOCK_READS; i++ )
    {
        now = clock_now_ns();
        back += now < prev;
        prev = now;
    }
    c1 = rdtsc_ordered();
    /* The TSC read alone: if Xen emulates the TSC, each one is an exit
     * to the hypervisor, and it dominates the clock read. */
    for ( i = 0; i < BENCH_CLOCK_READS; i++ )
        rdtsc_ordered();
    c2 = rdtsc_ordered();
    EXPECT_EQ(back, 0u);
    EXPECT_GT(c2, c1);
    printk(
        "    # bench: clock_now_ns(): %llu ns, %llu TSC cycles per read (mean of %u)\n",
        (unsigned long long)cycles_to_ns((c1 - c0) / BENCH_CLOCK_READS),
        (unsigned long long)((c1 - c0) / BENCH_CLOCK_READS), BENCH_CLOCK_READS);
    printk(
        "    # bench: lfence; rdtsc: %llu ns, %llu TSC cycles per read (mean of %u)\n",
        (unsigned long long)cycles_to_ns((c2 - c1) / BENCH_CLOCK_READS),
        (unsigned long long)((c2 - c1) / BENCH_CLOCK_READS), BENCH_CLOCK_READS);
}

/* The loopback event's handler: stamp the arrival. */
static volatile uint64_t event_tsc;
static volatile unsigned int events_seen;
/* The benchmark waits here; the handlers wake it. */
static struct waitq bench_wq = WAITQ_INIT("bench");

static void
loop_handler(evtchn_port_t port, void *arg)
{
    event_tsc = rdtsc_ordered();
    events_seen++;
    waitq_wake_all(&bench_wq);
}

/* Nothing is ever sent towards b; a handler is bound all the same. */
static void
idle_handler(evtchn_port_t port, void *arg)
{}

static bool
event_arrived(void *arg)
{
    return events_seen == *(unsigned int *)arg;
}

TEST_MANUAL(bench, evtchn_loopback)
{
    evtchn_port_t a, b;
    unsigned int i, lost = 0;
    unsigned long flags;

    if ( !xen.present )
        KTEST_SKIP("not on Xen");
    ASSERT_TRUE(evtchn_available());
    ASSERT_TRUE(timer_available());

    /* A channel from ourselves to ourselves: a is the unbound end that
     * b connects to. Sending on b raises a, whose handler stamps it. */
    ASSERT_EQ(evtchn_alloc_unbound(DOMID_SELF, loop_handler, NULL, &a), 0);
    if ( !EXPECT_EQ(
             evtchn_bind_interdomain(DOMID_SELF, a, idle_handler, NULL, &b),
             0) )
    {
        evtchn_close(a);
        return;
    }

    events_seen = 0;
    flags = irq_save();
    irq_enable(); /* the upcall comes as the send returns */
    for ( i = 0; i < BENCH_EVENTS; i++ )
    {
        unsigned int want = i + 1;
        uint64_t t0 = rdtsc_ordered();

        EXPECT_EQ(evtchn_send(b), 0);
        irq_disable();
        if ( !wait_event_timeout(&bench_wq, event_arrived, &want,
                                 NSEC_PER_SEC) )
        {
            lost++;
            irq_enable();
            break;
        }
        irq_enable();
        samples[i] = event_tsc - t0;
    }
    irq_restore(flags);
    EXPECT_EQ(lost, 0u);
    EXPECT_EQ(events_seen, (unsigned int)BENCH_EVENTS);
    EXPECT_EQ(evtchn_close(b), 0);
    EXPECT_EQ(evtchn_close(a), 0);
    if ( lost )
        return;

    print_summary("event send->handler (loopback)", "TSC cycles", samples,
                  BENCH_EVENTS);
    for ( i = 0; i < BENCH_EVENTS; i++ )
        samples[i] = cycles_to_ns(samples[i]);
    print_summary("event send->handler (loopback)", "ns", samples,
                  BENCH_EVENTS);
}

/* One timer at a time, 1 ms out: how late does it run? */
static volatile uint64_t timer_fired_at;

static void
bench_timer_fn(struct timer *t, void *arg)
{
    timer_fired_at = clock_now_ns();
    waitq_wake_all(&bench_wq);
}

static bool
bench_timer_done(void *arg)
{
    return timer_fired_at != 0;
}

TEST_MANUAL(bench, timer_lateness)
{
    struct timer tm;
    unsigned int i, early = 0, lost = 0;

    if ( !xen.present )
        KTEST_SKIP("not on Xen");
    ASSERT_TRUE(timer_available());

    timer_setup(&tm, bench_timer_fn, NULL);
    for ( i = 0; i < BENCH_TIMERS; i++ )
    {
        uint64_t deadline = clock_now_ns() + NSEC_PER_MSEC;

        timer_fired_at = 0;
        timer_arm(&tm, deadline);
        if ( !wait_event_timeout(&bench_wq, bench_timer_done, NULL,
                                 NSEC_PER_SEC) )
        {
            lost++;
            break;
        }
        early += timer_fired_at < deadline;
        samples[i] = (timer_fired_at - deadline) / NSEC_PER_USEC;
    }
    timer_cancel_sync(&tm);
    EXPECT_EQ(lost, 0u);
    EXPECT_EQ(early, 0u);
    if ( !lost )
        print_summary("timer lateness, 1 ms timers one at a time", "us",
                      samples, BENCH_TIMERS);
}
