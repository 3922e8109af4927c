/* SPDX-License-Identifier: MIT */
/*
 * clock.c - self-tests of the PV clock (kernel/xen/time/pvclock.c): it never
 * goes backwards over many reads, it advances across a sleep by at least
 * the time slept, the TSC rate Xen describes is plausible, and the wall
 * clock reads a plausible date. All SKIP without Xen.
 */
#include <kernel.h>
#include <clock.h>
#include <hypervisor.h>
#include <ktest.h>
#include <timer.h>
#include <wait.h>

/*
 * Under QEMU TCG every TSC read exits to Xen (about 50 us each, see
 * docs/time.md): 25,000 reads take over a second, 100,000 took 5.7 s.
 */
#define CLOCK_READS 25000
#define RAW_READS   5000

TEST(clock, never_goes_backwards)
{
    uint64_t first, prev, now, raw, raw_prev, raw_max_back = 0;
    unsigned int i, back = 0, raw_back = 0;

    if ( !xen.present )
        KTEST_SKIP("not on Xen");
    ASSERT_TRUE(clock_available());

    first = prev = clock_now_ns();
    for ( i = 0; i < CLOCK_READS; i++ )
    {
        now = clock_now_ns();
        if ( now < prev )
            back++;
        prev = now;
    }
    EXPECT_EQ(back, 0u);
    EXPECT_GT(prev, first);

    /* The unclamped record, for the curious: how often would time have
     * gone backwards on this vCPU without the clamp? */
    raw_prev = clock_raw_ns();
    for ( i = 0; i < RAW_READS; i++ )
    {
        raw = clock_raw_ns();
        if ( raw < raw_prev )
        {
            raw_back++;
            raw_max_back = MAX(raw_max_back, raw_prev - raw);
        }
        raw_prev = raw;
    }
    printk(
        "    # clock: %u reads in %llu us; in %u raw reads the record went back %u times (by up to %llu ns)\n",
        CLOCK_READS, (unsigned long long)((prev - first) / NSEC_PER_USEC),
        RAW_READS, raw_back, (unsigned long long)raw_max_back);
}

TEST(clock, advances_across_sleep)
{
    const uint64_t nap = 20 * NSEC_PER_MSEC;
    uint64_t t0, t1;

    if ( !xen.present )
        KTEST_SKIP("not on Xen");
    ASSERT_TRUE(timer_available());

    t0 = clock_now_ns();
    ASSERT_EQ(sleep_ns(nap), 0);
    t1 = clock_now_ns();
    EXPECT_GE(t1 - t0, nap);
    printk("    # clock: sleep_ns(%llu ms) took %llu us\n",
           (unsigned long long)(nap / NSEC_PER_MSEC),
           (unsigned long long)((t1 - t0) / NSEC_PER_USEC));
}

TEST(clock, tsc_rate_plausible)
{
    uint64_t hz;

    if ( !xen.present )
        KTEST_SKIP("not on Xen");
    ASSERT_TRUE(clock_available());
    /* Between 10 MHz and 100 GHz: anything else means broken scaling. */
    hz = clock_tsc_hz();
    EXPECT_GE(hz, 10000000ull);
    EXPECT_LE(hz, 100000000000ull);
}

TEST(clock, wall_clock_plausible)
{
    struct wall_time w0, w1;
    struct civil_time c;

    if ( !xen.present )
        KTEST_SKIP("not on Xen");
    ASSERT_TRUE(clock_available());

    ASSERT_EQ(clock_wall(&w0), 0);
    EXPECT_LT(w0.nsec, (uint32_t)NSEC_PER_SEC);
    wall_to_civil(w0.sec, &c);
    /* Xen takes it from the (emulated) RTC: today's date. */
    EXPECT_GE(c.year, 2024ull);
    EXPECT_LT(c.year, 2200ull);
    printk("    # clock: wall clock %04llu-%02u-%02u %02u:%02u:%02u UTC\n",
           (unsigned long long)c.year, c.month, c.day, c.hour, c.min, c.sec);

    /* Wall time moves with system time. */
    ASSERT_EQ(sleep_ns(10 * NSEC_PER_MSEC), 0);
    ASSERT_EQ(clock_wall(&w1), 0);
    EXPECT_GE(w1.sec * NSEC_PER_SEC + w1.nsec,
              w0.sec * NSEC_PER_SEC + w0.nsec + 10 * NSEC_PER_MSEC);
}
