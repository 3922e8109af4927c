/* SPDX-License-Identifier: MIT */
/*
 * blk_bench.c - the block benchmark: `bench=blk blktest=DISK` on the
 * command line runs, on the scratch disk DISK, the workloads of `make
 * bench`'s block table (tools/blk/bench.sh): sequential 1 MiB reads and
 * writes with 1 and 8 requests in flight, random 4 KiB reads and writes
 * with 1 in flight, random 4 KiB reads with 32. Each prints one line
 * "BENCH blkfront <workload> <value> <unit>" (MiB/s or IOPS), timed on the
 * PV clock. The test checks that every request succeeded, never how fast.
 * The requests go straight to the public API (include/blk.h): each one is
 * submitted again from its own completion until the time is up, so the
 * queue depth stays what the workload says.
 */
#include <kernel.h>
#include <blk.h>
#include <bootinfo.h>
#include <clock.h>
#include <cmdline.h>
#include <evtchn.h>
#include <hypervisor.h>
#include <ktest.h>
#include <mm.h>
#include <percpu.h>
#include <smp.h>
#include <wait.h>
#include <watchdog.h>
#include "drivers/blk/blk_pattern.h"

extern struct boot_info boot_info;

#define BENCH_MAX_QD       32
#define BENCH_DEFAULT_SECS 3
#define BENCH_MAX_SECS     60

struct workload {
    const char *name;
    unsigned int op;  /* BLK_OP_READ or BLK_OP_WRITE */
    uint32_t sectors; /* per request */
    unsigned int qd;  /* requests in flight */
    bool random;      /* else sequential */
};

static const struct workload workloads[] = {
    { "seq-read-1M-qd1", BLK_OP_READ, 2048, 1, false },
    { "seq-write-1M-qd1", BLK_OP_WRITE, 2048, 1, false },
    { "seq-read-1M-qd8", BLK_OP_READ, 2048, 8, false },
    { "seq-write-1M-qd8", BLK_OP_WRITE, 2048, 8, false },
    { "rand-read-4K-qd1", BLK_OP_READ, 8, 1, true },
    { "rand-write-4K-qd1", BLK_OP_WRITE, 8, 1, true },
    { "rand-read-4K-qd32", BLK_OP_READ, 8, 32, true },
};

struct run;

/* One request slot: its request, its buffer, its random stream. */
struct slot {
    struct blk_req r;
    struct run *run;
    void *buf;
    uint64_t rng;
    uint64_t t_submit; /* clock when the request was sent */
};

/* Request latencies: bucket b counts those under 2^(b+1) us and (but
 * for bucket 0) at least 2^b us. */
#define LAT_BUCKETS 24

/*
 * One workload in progress. The completions (any CPU, interrupt context)
 * update the counters with atomics and stop resubmitting at `t_end`,
 * set before the first request; `next` is the sequential cursor, taken
 * atomically.
 */
struct run {
    const struct workload *w;
    struct blk_disk *d;
    uint64_t slots_in_disk;    /* request-sized slots the disk holds */
    uint64_t next;             /* atomic: the next sequential slot */
    unsigned int inflight;     /* atomic */
    uint64_t done, failed;     /* atomic */
    int first_error;           /* the first failure's status (atomic) */
    uint64_t t_last;           /* atomic: clock of the last completion */
    uint64_t t_end;            /* no new request after this clock */
    bool profile;              /* blkprof: time each request (a TSC read) */
    uint64_t lat[LAT_BUCKETS]; /* atomic: the latency histogram */
    uint64_t lat_max;          /* atomic: the longest request (ns) */
    struct waitq wq;           /* the thread waits for inflight == 0 */
    struct slot slot[BENCH_MAX_QD];
};

/* xorshift64: a different fixed stream per slot, so runs repeat. */
static uint64_t
rng_next(uint64_t *s)
{
    uint64_t x = *s;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

/* Aim slot s at its next place on the disk. */
static void
slot_aim(struct run *run, struct slot *s)
{
    uint64_t n;

    if ( run->w->random )
        n = rng_next(&s->rng) % run->slots_in_disk;
    else
        n = __atomic_fetch_add(&run->next, 1, __ATOMIC_RELAXED) %
            run->slots_in_disk;
    s->r.op = run->w->op;
    s->r.sector = n * run->w->sectors;
    s->r.count = run->w->sectors;
    s->r.buf = s->buf;
    s->r.status = 0;
    s->r.flags = 0;
}

static void slot_done(struct blk_req *r);

/* Count one request's latency (ns) in run's histogram. Any context. */
static void
lat_note(struct run *run, uint64_t ns)
{
    uint64_t us = ns / 1000, max;
    unsigned int b = 0;

    while ( b + 1 < LAT_BUCKETS && us >= (2ull << b) )
        b++;
    __atomic_add_fetch(&run->lat[b], 1, __ATOMIC_RELAXED);
    max = __atomic_load_n(&run->lat_max, __ATOMIC_RELAXED);
    while ( ns > max &&
            !__atomic_compare_exchange_n(&run->lat_max, &max, ns, true,
                                         __ATOMIC_RELAXED, __ATOMIC_RELAXED) )
        continue;
}

/* The upper bound (us) of the bucket holding the p-th permille request. */
static uint64_t
lat_permille(const struct run *run, uint64_t total, unsigned int p)
{
    uint64_t seen = 0;
    unsigned int b;

    for ( b = 0; b < LAT_BUCKETS; b++ )
    {
        seen += run->lat[b];
        if ( seen * 1000 >= total * p )
            break;
    }
    return 2ull << (b < LAT_BUCKETS ? b : LAT_BUCKETS - 1);
}

static void
slot_submit(struct run *run, struct slot *s)
{
    slot_aim(run, s);
    s->r.done = slot_done;
    if ( run->profile ) /* each TSC read traps to Xen under TCG */
        s->t_submit = clock_now_ns();
    blk_submit(run->d, &s->r);
}

/*
 * A request completed: count it, and send the slot's next request unless
 * the time is up or this one failed (a failure ends the slot, so a disk
 * that fails every request cannot loop here).
 */
static void
slot_done(struct blk_req *r)
{
    struct slot *s = container_of(r, struct slot, r);
    struct run *run = s->run;
    uint64_t now = clock_now_ns();

    __atomic_store_n(&run->t_last, now, __ATOMIC_RELAXED);
    if ( run->profile )
        lat_note(run, now - s->t_submit);
    if ( r->status )
    {
        int none = 0;

        __atomic_add_fetch(&run->failed, 1, __ATOMIC_RELAXED);
        __atomic_compare_exchange_n(&run->first_error, &none, r->status, false,
                                    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    }
    else
    {
        __atomic_add_fetch(&run->done, 1, __ATOMIC_RELAXED);
        /*
         * The completions end the run at its deadline themselves: ones
         * that keep finding the next response ready keep this CPU in one
         * upcall, where a thread told to stop them could not run (with
         * a stop flag set by the thread, 31 s instead of 3 were seen).
         */
        if ( now < run->t_end )
        {
            slot_submit(run, s);
            return;
        }
    }
    /* Release: the counters above are visible before the thread sees
     * the slot idle. */
    if ( __atomic_sub_fetch(&run->inflight, 1, __ATOMIC_RELEASE) == 0 )
        waitq_wake_all(&run->wq);
}

static bool
run_idle(void *arg)
{
    struct run *run = arg;

    /* Acquire: pairs with slot_done's release of inflight. */
    return __atomic_load_n(&run->inflight, __ATOMIC_ACQUIRE) == 0;
}

/* Where the vCPUs' time went: Xen's runstate totals (ns) and our upcall
 * and handler counts, per vCPU. */
struct snap {
    uint64_t t[MAX_CPUS][4];
    struct evtchn_stats ev[MAX_CPUS];
};

static void
snap_take(struct snap *s)
{
    unsigned int cpu;

    memset(s, 0, sizeof(*s));
    for ( cpu = 0; cpu < MAX_CPUS; cpu++ )
    {
        if ( !cpu_online(cpu) )
            continue;
        watchdog_runstate(cpu, s->t[cpu]);
        evtchn_get_stats(cpu, &s->ev[cpu]);
    }
}

/* "12.3%": n per mille of total, into buf. */
static const char *
pct(char *buf, size_t len, uint64_t n, uint64_t total)
{
    uint64_t pm = total ? n * 1000 / total : 0;

    snprintf(buf, len, "%llu.%llu%%", (unsigned long long)(pm / 10),
             (unsigned long long)(pm % 10));
    return buf;
}

/*
 * Print where the time went during a workload: the mean time a request
 * took (queue depth x elapsed / requests, Little's law) and, with
 * blkprof, the spread of the requests' own latencies (submit to
 * completion handler); then per vCPU its share of running, runnable and
 * blocked time (Xen's runstate accounting), the upcalls and handler
 * calls it took and, with blkprof, the time spent in them. The timed
 * parts cost TSC reads, each a trap to Xen under TCG (tools/README.md),
 * so the plain benchmark leaves them out. A vCPU that
 * mostly sat blocked says the time went to the backend, dom0 and the
 * device; one that was runnable without a pCPU says the host was short
 * of CPUs; one that ran while the requests waited says the guest itself
 * spent it.
 */
static void
print_profile(const struct workload *w, const struct run *run,
              const struct snap *before, const struct snap *after, uint64_t ns,
              uint64_t done)
{
    char a[12], b[12], c[12], up[40];
    uint64_t total = 0, d[4], sum;
    unsigned int cpu, i;

    if ( !done )
        return;
    if ( !run->profile )
        printk("    # blk_bench: %s: profile: %llu us a request\n", w->name,
               (unsigned long long)(w->qd * ns / done / 1000));
    for ( i = 0; i < LAT_BUCKETS; i++ )
        total += run->lat[i];
    if ( run->profile )
        printk(
            "    # blk_bench: %s: profile: %llu us a request; latency p50 < %llu us, p90 < %llu us, p99 < %llu us, max %llu us\n",
            w->name, (unsigned long long)(w->qd * ns / done / 1000),
            (unsigned long long)lat_permille(run, total, 500),
            (unsigned long long)lat_permille(run, total, 900),
            (unsigned long long)lat_permille(run, total, 990),
            (unsigned long long)(run->lat_max / 1000));
    for ( cpu = 0; cpu < MAX_CPUS; cpu++ )
    {
        if ( !cpu_online(cpu) )
            continue;
        sum = 0;
        for ( i = 0; i < 4; i++ )
            sum += d[i] = after->t[cpu][i] - before->t[cpu][i];
        if ( run->profile )
            snprintf(up, sizeof(up), "%llu us in upcalls",
                     (unsigned long long)((after->ev[cpu].busy_ns -
                                           before->ev[cpu].busy_ns) /
                                          1000));
        else
            snprintf(up, sizeof(up), "upcalls not timed (blkprof)");
        printk(
            "    # blk_bench: %s: profile: vCPU %u ran %s, runnable %s, blocked %s; %llu upcalls, %llu events, %s\n",
            w->name, cpu, pct(a, sizeof(a), d[RUNSTATE_running], sum),
            pct(b, sizeof(b), d[RUNSTATE_runnable], sum),
            pct(c, sizeof(c), d[RUNSTATE_blocked], sum),
            (unsigned long long)(after->ev[cpu].upcalls -
                                 before->ev[cpu].upcalls),
            (unsigned long long)(after->ev[cpu].events -
                                 before->ev[cpu].events),
            up);
    }
}

/* The benchmark's seconds per workload: blkbench_s=, default 3. */
static unsigned int
bench_seconds(void)
{
    uint64_t n = BENCH_DEFAULT_SECS;

    cmdline_get_number(boot_info.cmdline, "blkbench_s", 1, BENCH_MAX_SECS, &n);
    return (unsigned int)n;
}

/*
 * Run workload w on d for `secs` seconds and print its BENCH line.
 * Returns the requests that failed (0 on success); *completed gets the
 * ones that succeeded. Sets *stuck when requests never came back (their
 * buffers must then never be freed).
 */
static uint64_t
run_workload(struct ktest_ctx *t, struct run *run, struct blk_disk *d,
             const struct blk_info *in, const struct workload *w,
             unsigned int secs, uint64_t *completed, bool *stuck)
{
    static struct snap before, after; /* one benchmark thread */
    uint64_t t0, ns, bytes, per_s;
    unsigned int i;

    run->w = w;
    run->d = d;
    run->slots_in_disk = in->sectors / w->sectors;
    run->next = 0;
    run->done = run->failed = 0;
    run->first_error = 0;
    memset(run->lat, 0, sizeof(run->lat));
    run->lat_max = 0;
    run->inflight = w->qd;
    snap_take(&before);
    t0 = clock_now_ns();
    run->t_last = t0;
    run->t_end = t0 + (uint64_t)secs * 1000000000ull;
    for ( i = 0; i < w->qd; i++ )
        slot_submit(run, &run->slot[i]);
    sleep_ns((uint64_t)secs * 1000000000ull);
    if ( !EXPECT_TRUE(
             wait_event_timeout(&run->wq, run_idle, run, 2 * BLK_TIMEOUT_NS)) )
    {
        *stuck = true;
        return w->qd;
    }
    ns = __atomic_load_n(&run->t_last, __ATOMIC_RELAXED) - t0;
    snap_take(&after);
    *completed = run->done;
    bytes = run->done * w->sectors * BLK_SECTOR;
    if ( w->sectors >= 2048 )
    {
        /* MiB/s with two decimals. */
        per_s = ns ? bytes * 100 / 1048576 * 1000000000ull / ns : 0;
        printk("BENCH blkfront %s %llu.%02llu MiB/s\n", w->name,
               (unsigned long long)(per_s / 100),
               (unsigned long long)(per_s % 100));
    }
    else
    {
        per_s = ns ? run->done * 1000000000ull / ns : 0;
        printk("BENCH blkfront %s %llu IOPS\n", w->name,
               (unsigned long long)per_s);
    }
    printk(
        "    # blk_bench: %s: %llu requests in %llu ms, %llu failed (first status %d)\n",
        w->name, (unsigned long long)run->done,
        (unsigned long long)(ns / 1000000), (unsigned long long)run->failed,
        run->first_error);
    print_profile(w, run, &before, &after, ns, run->done);
    return run->failed;
}

TEST_MANUAL(blk_bench, workloads)
{
    static struct run run = { .wq = WAITQ_INIT("blk_bench") };
    char name[16];
    struct blk_disk *d;
    struct blk_info in;
    unsigned int i, secs = bench_seconds();
    uint64_t completed;
    bool buffers = true, stuck = false;

    if ( !xen.present )
        KTEST_SKIP("not on Xen: no disks");
    ASSERT_TRUE(clock_available());
    /* bench=blk was asked for: a missing disk is a failure, not a skip. */
    ASSERT_TRUE(cmdline_get(boot_info.cmdline, "blktest", name, sizeof(name)));
    d = blk_disk_find(name);
    ASSERT_TRUE(d != NULL);
    blk_disk_info(d, &in);
    if ( !EXPECT_FALSE(in.readonly) || !EXPECT_GE(in.sectors, 2048u) )
    {
        blk_disk_put(d);
        return;
    }
    /* blkprof on the command line: time requests and upcalls too. */
    run.profile = cmdline_has(boot_info.cmdline, "blkprof");
    __atomic_store_n(&evtchn_time_upcalls, run.profile, __ATOMIC_RELAXED);
    printk("    # blk_bench: %s: %llu sectors, %u s per workload%s\n", name,
           (unsigned long long)in.sectors, secs,
           run.profile ? ", profiled (blkprof)" : "");

    /* Buffers big enough for the largest request, one per slot. */
    for ( i = 0; i < BENCH_MAX_QD; i++ )
    {
        unsigned int n = i < 8 ? 2048 * BLK_SECTOR / PAGE_SIZE : 1;

        run.slot[i].run = &run;
        run.slot[i].rng = 0x9e3779b97f4a7c15ull * (i + 1);
        run.slot[i].buf = page_alloc_n(n);
        if ( !run.slot[i].buf )
            buffers = false;
        else
            memset(run.slot[i].buf, 0x5a ^ i, n * PAGE_SIZE);
    }
    if ( EXPECT_TRUE(buffers) )
    {
        for ( i = 0; i < ARRAY_SIZE(workloads); i++ )
        {
            const struct workload *w = &workloads[i];

            completed = 0;
            EXPECT_LE(w->qd, (unsigned int)BENCH_MAX_QD);
            if ( w->qd > 8 )
                EXPECT_LE(w->sectors, (uint32_t)(PAGE_SIZE / BLK_SECTOR));
            if ( !EXPECT_EQ(
                     run_workload(t, &run, d, &in, w, secs, &completed, &stuck),
                     0u) )
                break;
            EXPECT_GT(completed, 0u);
        }
    }
    /* Requests that never came back still own their buffers. */
    for ( i = 0; i < BENCH_MAX_QD && !stuck; i++ )
        if ( run.slot[i].buf )
        {
            page_free_n(run.slot[i].buf,
                        i < 8 ? 2048 * BLK_SECTOR / PAGE_SIZE : 1);
            run.slot[i].buf = NULL;
        }
    __atomic_store_n(&evtchn_time_upcalls, false, __ATOMIC_RELAXED);
    blk_disk_put(d);
}
