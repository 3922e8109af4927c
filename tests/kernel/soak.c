/* SPDX-License-Identifier: MIT */
/*
 * soak.c - the storm that `make soak` runs (tools/soak.sh; not in the
 * default set): for soak_s seconds (command line, default 10) a thread on
 * every vCPU sends event-channel IPIs to every other vCPU and keeps
 * STORM_TIMERS single-shot timers of its own CPU armed at short random
 * deadlines. Afterwards every count must be exact: each IPI sent ran
 * once on its target, each timer armed fired once and never early. The
 * totals are printed as "# soak: ..." lines; every wait is bounded, and
 * a worker that does not finish is reported with its last counts.
 */
#include <kernel.h>
#include <bootinfo.h>
#include <clock.h>
#include <cmdline.h>
#include <ipi.h>
#include <ktest.h>
#include <percpu.h>
#include <sched.h>
#include <smp.h>
#include <timer.h>
#include <wait.h>
#include <arch/x86.h>

#define STORM_TIMERS     16
#define STORM_DEFAULT_S  10
#define STORM_WAIT_EVERY 64         /* every 64th IPI of a worker waits */
#define STORM_MIN_NS     50000ull   /* timer deadlines: now + 50 us .. */
#define STORM_SPREAD_NS  2000000ull /* .. + 2 ms */
#define STORM_DRAIN_NS   5000000000ull
#define STORM_JOIN_SLACK 120ull /* seconds past the end to finish */
#define NS_PER_S         1000000000ull

extern struct boot_info boot_info;

struct storm_cpu;

struct storm_timer {
    struct timer t;
    uint64_t deadline;  /* written before arming, read by the callback */
    volatile bool idle; /* fired (or never armed): the worker re-arms */
    struct storm_cpu *sc;
};

/* One vCPU's storm. Written by its worker and by its timer callbacks
 * (same CPU, interrupts off in the callback); read by the test after the
 * worker is joined (or, for a report, racily while it is stuck). */
struct storm_cpu {
    struct storm_timer timers[STORM_TIMERS];
    uint64_t armed, fired, early, max_late_ns;
    uint64_t sent[MAX_CPUS]; /* IPIs queued for each target */
    uint64_t refused;        /* smp_call_on errors */
    uint64_t rounds;
    uint64_t rng;
    bool running; /* set by the worker, cleared when it stops */
} __attribute__((aligned(64)));

static struct storm_cpu storm[MAX_CPUS];
/* got[src][dst]: IPIs from src that ran on dst (atomic increments). */
static uint64_t got[MAX_CPUS][MAX_CPUS];
static uint64_t storm_end_ns;

static void
ipi_hit(void *arg)
{
    unsigned int src = (uintptr_t)arg;

    __atomic_fetch_add(&got[src][smp_processor_id()], 1, __ATOMIC_RELAXED);
}

static void
timer_hit(struct timer *t, void *arg)
{
    struct storm_timer *st = arg;
    struct storm_cpu *sc = st->sc;
    uint64_t now = clock_now_ns();

    if ( now < st->deadline )
        sc->early++;
    else
        sc->max_late_ns = MAX(sc->max_late_ns, now - st->deadline);
    sc->fired++;
    __atomic_store_n(&st->idle, true, __ATOMIC_RELEASE);
}

static uint64_t
next_rand(struct storm_cpu *sc)
{
    /* A 64-bit LCG (Knuth's MMIX constants): enough to spread deadlines. */
    sc->rng = sc->rng * 6364136223846793005ull + 1442695040888963407ull;
    return sc->rng >> 33;
}

/* Re-arm every timer of this CPU that has fired. */
static void
rearm_idle_timers(struct storm_cpu *sc)
{
    unsigned int i;

    for ( i = 0; i < STORM_TIMERS; i++ )
    {
        struct storm_timer *st = &sc->timers[i];

        if ( !__atomic_load_n(&st->idle, __ATOMIC_ACQUIRE) )
            continue;
        st->idle = false;
        st->deadline =
            clock_now_ns() + STORM_MIN_NS + next_rand(sc) % STORM_SPREAD_NS;
        sc->armed++;
        timer_arm(&st->t, st->deadline);
    }
}

static bool
all_timers_idle(const struct storm_cpu *sc)
{
    unsigned int i;

    for ( i = 0; i < STORM_TIMERS; i++ )
        if ( !__atomic_load_n(&sc->timers[i].idle, __ATOMIC_ACQUIRE) )
            return false;
    return true;
}

static void
storm_worker(void *arg)
{
    unsigned int me = smp_processor_id(), cpu, i;
    struct storm_cpu *sc = &storm[me];
    uint64_t drain_end;

    sc->running = true;
    sc->rng = 0x9e3779b97f4a7c15ull ^ me;
    for ( i = 0; i < STORM_TIMERS; i++ )
    {
        sc->timers[i].sc = sc;
        sc->timers[i].idle = true;
        timer_setup(&sc->timers[i].t, timer_hit, &sc->timers[i]);
    }
    while ( clock_now_ns() < storm_end_ns )
    {
        for ( cpu = 0; cpu < nr_cpus; cpu++ )
        {
            bool wait = (sc->rounds + cpu) % STORM_WAIT_EVERY == 0;

            if ( cpu == me || !cpu_online(cpu) || !ipi_ready(cpu) )
                continue;
            if ( smp_call_on(cpu, ipi_hit, (void *)(uintptr_t)me, wait) == 0 )
                sc->sent[cpu]++;
            else
                sc->refused++;
        }
        rearm_idle_timers(sc);
        sc->rounds++;
    }
    /* Let the last timers fire (bounded). */
    drain_end = clock_now_ns() + STORM_DRAIN_NS;
    while ( !all_timers_idle(sc) && clock_now_ns() < drain_end )
        sleep_ns(1000000);
    sc->running = false;
}

/* Every IPI sent has run on its target? */
static bool
ipis_all_delivered(void)
{
    unsigned int s, d;

    for ( s = 0; s < nr_cpus; s++ )
        for ( d = 0; d < nr_cpus; d++ )
            if ( __atomic_load_n(&got[s][d], __ATOMIC_RELAXED) !=
                 storm[s].sent[d] )
                return false;
    return true;
}

static unsigned int
soak_seconds(void)
{
    uint64_t s = STORM_DEFAULT_S;

    cmdline_get_number(boot_info.cmdline, "soak_s", 1, 1000000, &s);
    return (unsigned int)s;
}

TEST_MANUAL(soak, ipi_and_timer_storm_on_every_vcpu)
{
    struct thread *workers[MAX_CPUS] = { 0 };
    unsigned int secs = soak_seconds(), cpu, d, started = 0;
    uint64_t sent = 0, delivered = 0, armed = 0, fired = 0, early = 0;
    uint64_t refused = 0, rounds = 0, max_late = 0, drain_end;
    bool all_joined = true;

    if ( !thread_self() || !timer_available() || !ipi_ready(0) )
        KTEST_SKIP("needs threads, timers and IPIs (Xen)");
    memset(storm, 0, sizeof(storm));
    memset(got, 0, sizeof(got));
    storm_end_ns = clock_now_ns() + secs * NS_PER_S;
    printk("    # soak: %u s of IPI and timer storms on %u vCPUs\n", secs,
           cpus_online());
    for ( cpu = 0; cpu < nr_cpus; cpu++ )
        if ( cpu_online(cpu) && ipi_ready(cpu) )
        {
            workers[cpu] = thread_create("storm", storm_worker, NULL, cpu);
            EXPECT_TRUE(workers[cpu] != NULL);
            started += workers[cpu] != NULL;
        }
    for ( cpu = 0; cpu < nr_cpus; cpu++ )
    {
        int code;

        if ( !workers[cpu] )
            continue;
        if ( thread_join_timeout(workers[cpu],
                                 (secs + STORM_JOIN_SLACK) * NS_PER_S,
                                 &code) != 0 )
        {
            printk(
                "    # soak: CPU %u's worker did not finish: %llu rounds, %llu timers armed, %llu fired\n",
                cpu, (unsigned long long)storm[cpu].rounds,
                (unsigned long long)storm[cpu].armed,
                (unsigned long long)storm[cpu].fired);
            all_joined = false;
        }
    }
    ASSERT_TRUE(all_joined); /* a stuck worker still owns its timers */
    drain_end = clock_now_ns() + STORM_DRAIN_NS;
    while ( !ipis_all_delivered() && clock_now_ns() < drain_end )
        sleep_ns(1000000);

    for ( cpu = 0; cpu < nr_cpus; cpu++ )
    {
        const struct storm_cpu *sc = &storm[cpu];
        uint64_t s = 0, g = 0;

        if ( !workers[cpu] )
            continue;
        for ( d = 0; d < nr_cpus; d++ )
        {
            uint64_t got_sd = __atomic_load_n(&got[cpu][d], __ATOMIC_RELAXED);

            if ( got_sd != sc->sent[d] )
                printk("    # soak: CPU %u -> %u: %llu IPIs sent, %llu ran\n",
                       cpu, d, (unsigned long long)sc->sent[d],
                       (unsigned long long)got_sd);
            EXPECT_EQ(got_sd, sc->sent[d]);
            s += sc->sent[d];
            g += got_sd;
        }
        printk(
            "    # soak: CPU %u: %llu rounds, IPIs sent %llu, ran %llu, refused %llu; timers armed %llu, fired %llu, early %llu, latest %llu us late\n",
            cpu, (unsigned long long)sc->rounds, (unsigned long long)s,
            (unsigned long long)g, (unsigned long long)sc->refused,
            (unsigned long long)sc->armed, (unsigned long long)sc->fired,
            (unsigned long long)sc->early,
            (unsigned long long)(sc->max_late_ns / 1000));
        EXPECT_EQ(sc->fired, sc->armed);
        EXPECT_EQ(sc->early, 0ull);
        EXPECT_EQ(sc->refused, 0ull);
        EXPECT_GT(sc->rounds, 0ull);
        sent += s;
        delivered += g;
        armed += sc->armed;
        fired += sc->fired;
        early += sc->early;
        refused += sc->refused;
        rounds += sc->rounds;
        max_late = MAX(max_late, sc->max_late_ns);
    }
    printk(
        "    # soak: total over %u s on %u vCPUs: IPIs sent %llu, ran %llu, lost %lld, refused %llu; timers armed %llu, fired %llu, lost %lld, early %llu; latest timer %llu us late\n",
        secs, started, (unsigned long long)sent, (unsigned long long)delivered,
        (long long)(sent - delivered), (unsigned long long)refused,
        (unsigned long long)armed, (unsigned long long)fired,
        (long long)(armed - fired), (unsigned long long)early,
        (unsigned long long)(max_late / 1000));
    EXPECT_EQ(started, cpus_online());
    EXPECT_GT(sent, 0ull);
    EXPECT_GT(armed, 0ull);
}
