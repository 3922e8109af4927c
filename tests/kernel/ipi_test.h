/* SPDX-License-Identifier: MIT */
/*
 * ipi_test.h - helpers shared by the IPI self-tests (ipi.c, ipi_route.c):
 * skip rules, bounded waits measured in TSC cycles, and counters.
 */
#ifndef XENLING_TESTS_IPI_TEST_H
#define XENLING_TESTS_IPI_TEST_H

#include <kernel.h>
#include <evtchn.h>
#include <hypervisor.h>
#include <ipi.h>
#include <ktest.h>
#include <percpu.h>
#include <smp.h>
#include <watchdog.h>
#include <arch/x86.h>

#define REQUIRE_XEN() \
    do \
    { \
        if ( !xen.present ) \
            KTEST_SKIP("not on Xen"); \
        ASSERT_TRUE(evtchn_available()); \
        ASSERT_TRUE(ipi_ready(0)); \
    } while ( 0 )

#define REQUIRE_CPUS(n) \
    do \
    { \
        REQUIRE_XEN(); \
        if ( cpus_online() < (n) ) \
            KTEST_SKIP("needs " #n " vCPUs"); \
    } while ( 0 )

/* TSC cycles in `s` seconds, at the rate Xen gives in its CPUID time
 * leaf (3 GHz if it gives none). */
static inline uint64_t
seconds(unsigned int s)
{
    uint32_t a, b, khz = 0, d;

    if ( xen.present )
        cpuid_count(xen.cpuid_base + 3, 0, &a, &b, &khz, &d);
    return (uint64_t)s * (khz ? khz : 3000000) * 1000;
}

/*
 * Spin, interrupts on, until done(ctx) or `cycles` TSC cycles passed. The
 * TSC is read every 64 rounds: under Xen a TSC read may trap.
 */
static inline bool
spin_until(bool (*done)(void *ctx), void *ctx, uint64_t cycles)
{
    uint64_t end = rdtsc_ordered() + cycles;
    unsigned long spins = 0;

    while ( !done(ctx) )
    {
        if ( ++spins % 64 == 0 && rdtsc_ordered() > end )
            return done(ctx);
        cpu_relax();
    }
    return true;
}

/* spin_until() for what must happen: a timeout dumps this CPU's event
 * and timer state (watchdog_dump) before the test fails on it. */
static inline bool
wait_until(bool (*done)(void *ctx), void *ctx, uint64_t cycles)
{
    if ( spin_until(done, ctx, cycles) )
        return true;
    watchdog_dump("an IPI test's wait timed out");
    return false;
}

static inline unsigned int
load_u(const volatile unsigned int *v)
{
    return __atomic_load_n(v, __ATOMIC_ACQUIRE);
}

static inline void
add_u(volatile unsigned int *v, unsigned int n)
{
    __atomic_fetch_add(v, n, __ATOMIC_RELEASE);
}

/* A counter and the target it must reach, for wait_until(). */
struct goal {
    volatile unsigned int *count;
    unsigned int want;
};

static inline bool
goal_reached(void *ctx)
{
    struct goal *g = ctx;

    return load_u(g->count) >= g->want;
}

#endif
