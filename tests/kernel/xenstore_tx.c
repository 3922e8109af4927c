/* SPDX-License-Identifier: MIT */
/*
 * xenstore_tx.c - self-tests of xenstore transactions
 * (kernel/xen/xenstore/xs_ops.c) against tier 2's xenstored: a write
 * inside an aborted transaction leaves no trace; two threads on two vCPUs
 * that read the same counter in overlapping transactions conflict, and
 * xs_transaction_run retries the loser until the total is exact (each
 * thread loses one round on purpose, then both race freely). Also the
 * request round-trip benchmark. SKIP without xenstore.
 */
#include <kernel.h>
#include <clock.h>
#include <ktest.h>
#include <mm.h>
#include <sched.h>
#include <smp.h>
#include <stats.h>
#include <wait.h>
#include <xen_errno.h>
#include <xenstore.h>
#include <arch/x86.h>
#include "tests/kernel/xs_test.h"

#define TX_KEY      "data/xenling-test/tx-counter"
#define RACE_ROUNDS 10 /* free-running increments per thread */
#define MAX_TRIES   20
#define BENCH_READS 100

TEST(xenstore, aborted_transaction_leaves_nothing)
{
    const char *key = "data/xenling-test/tx-abort";
    uint32_t tx;
    char *v;

    XS_REQUIRE();
    ASSERT_EQ(xs_transaction_start(&tx), 0);
    EXPECT_NE(tx, XS_TX_NONE);
    ASSERT_EQ(xs_write(tx, key, "inside"), 0);
    /* The transaction sees its own write; the store does not yet. */
    ASSERT_EQ(xs_read(tx, key, &v, NULL), 0);
    EXPECT_STREQ(v, "inside");
    kfree(v);
    EXPECT_EQ(xs_read(XS_TX_NONE, key, &v, NULL), -XEN_ENOENT);
    EXPECT_EQ(xs_transaction_end(tx, false), 0);
    EXPECT_EQ(xs_read(XS_TX_NONE, key, &v, NULL), -XEN_ENOENT);
    /* An ended transaction is gone: using it again is an error. */
    EXPECT_NE(xs_transaction_end(tx, true), 0);
}

/*
 * The conflict test. In round r (0 and 1) both threads start a
 * transaction and read the counter; once both have read, thread r (the
 * winner) writes and commits, and only then does the other (the loser)
 * write and commit, which xenstored must refuse with EAGAIN because the
 * counter changed under it. xs_transaction_run then runs the loser's body
 * again in a new transaction, which succeeds. After both rounds each
 * thread has retried at least once, and the counter is 4.
 */
struct tx_shared {
    unsigned int read_by[2];  /* round r: bit t set once thread t read */
    bool winner_done[2];      /* round r: its winner committed */
    unsigned int finished[2]; /* round r: threads that committed */
    struct waitq wq;
};

struct tx_thread {
    struct tx_shared *sh;
    unsigned int me;         /* 0 or 1 */
    unsigned int round;      /* the round being played */
    unsigned int attempt;    /* body runs in this round */
    unsigned int retries[2]; /* per round: tries beyond the first */
    unsigned int race_tries; /* tries in the free race, all rounds */
    int rc;
    bool timed_out;
};

static bool
both_read(void *arg)
{
    struct tx_thread *th = arg;

    return __atomic_load_n(&th->sh->read_by[th->round], __ATOMIC_ACQUIRE) == 3;
}

static bool
winner_done(void *arg)
{
    struct tx_thread *th = arg;

    return __atomic_load_n(&th->sh->winner_done[th->round], __ATOMIC_ACQUIRE);
}

static bool
round_over(void *arg)
{
    struct tx_thread *th = arg;

    return __atomic_load_n(&th->sh->finished[th->round], __ATOMIC_ACQUIRE) == 2;
}

/* Increment the counter inside transaction tx. */
static int
increment(uint32_t tx)
{
    uint64_t v;
    int rc = xs_read_uint(tx, TX_KEY, UINT32_MAX, &v);

    return rc ? rc : xs_printf(tx, TX_KEY, "%llu", (unsigned long long)v + 1);
}

static int
staged_body(uint32_t tx, void *arg)
{
    struct tx_thread *th = arg;
    uint64_t v;
    int rc = xs_read_uint(tx, TX_KEY, UINT32_MAX, &v);

    if ( rc )
        return rc;
    if ( th->attempt++ == 0 ) /* only the first attempt is staged */
    {
        __atomic_fetch_or(&th->sh->read_by[th->round], 1u << th->me,
                          __ATOMIC_RELEASE);
        waitq_wake_all(&th->sh->wq);
        if ( !wait_event_timeout(&th->sh->wq, both_read, th, XS_TEST_WAIT) ||
             (th->me != th->round &&
              !wait_event_timeout(&th->sh->wq, winner_done, th, XS_TEST_WAIT)) )
            th->timed_out = true;
    }
    return xs_printf(tx, TX_KEY, "%llu", (unsigned long long)v + 1);
}

static int
race_body(uint32_t tx, void *arg)
{
    return increment(tx);
}

static void
tx_thread_fn(void *arg)
{
    struct tx_thread *th = arg;
    unsigned int r, tries, i;

    for ( r = 0; r < 2 && th->rc == 0; r++ )
    {
        th->round = r;
        th->attempt = 0;
        th->rc = xs_transaction_run(staged_body, th, MAX_TRIES, &tries);
        th->retries[r] = tries - 1;
        if ( th->me == r )
            __atomic_store_n(&th->sh->winner_done[r], true, __ATOMIC_RELEASE);
        __atomic_fetch_add(&th->sh->finished[r], 1, __ATOMIC_RELEASE);
        waitq_wake_all(&th->sh->wq);
        if ( !wait_event_timeout(&th->sh->wq, round_over, th, XS_TEST_WAIT) )
            th->timed_out = true;
    }
    for ( i = 0; i < RACE_ROUNDS && th->rc == 0; i++ )
    {
        th->rc = xs_transaction_run(race_body, th, MAX_TRIES, &tries);
        th->race_tries += tries;
    }
}

TEST(xenstore, transactions_conflict_and_retry_on_two_vcpus)
{
    static struct tx_shared sh;
    struct tx_thread th[2];
    struct thread *thr[2];
    uint64_t total;
    unsigned int i;
    int code;

    XS_REQUIRE();
    if ( cpus_online() < 2 )
        KTEST_SKIP("needs 2 vCPUs");
    memset(&sh, 0, sizeof(sh));
    sh.wq = (struct waitq)WAITQ_INIT("xs-test-tx");
    ASSERT_EQ(xs_write(XS_TX_NONE, TX_KEY, "0"), 0);
    for ( i = 0; i < 2; i++ )
    {
        th[i] = (struct tx_thread){ .sh = &sh, .me = i };
        thr[i] = thread_create("xs-tx", tx_thread_fn, &th[i], i);
        ASSERT_TRUE(thr[i] != NULL);
    }
    for ( i = 0; i < 2; i++ )
    {
        ASSERT_EQ(thread_join_timeout(thr[i], 120 * NSEC_PER_SEC, &code), 0);
        printk(
            "    # thread %u: retries %u (lost round %u), %u tries for %u free increments\n",
            i, th[i].retries[0] + th[i].retries[1], 1 - i, th[i].race_tries,
            RACE_ROUNDS);
        EXPECT_EQ(th[i].rc, 0);
        EXPECT_FALSE(th[i].timed_out);
        /* The round it lost on purpose took a retry. */
        EXPECT_GE(th[i].retries[1 - i], 1u);
    }
    ASSERT_EQ(xs_read_uint(XS_TX_NONE, TX_KEY, UINT32_MAX, &total), 0);
    EXPECT_EQ(total, 4u + 2 * RACE_ROUNDS);
    EXPECT_EQ(xs_rm(XS_TX_NONE, TX_KEY), 0);
}

static int
always_conflicts(uint32_t tx, void *arg)
{
    return -XEN_EAGAIN;
}

static int
fails(uint32_t tx, void *arg)
{
    return -XEN_EINVAL;
}

TEST(xenstore, transaction_retries_are_bounded)
{
    unsigned int tries;

    XS_REQUIRE();
    EXPECT_EQ(xs_transaction_run(always_conflicts, NULL, 3, &tries),
              -XEN_EAGAIN);
    EXPECT_EQ(tries, 3u);
    EXPECT_EQ(xs_transaction_run(fails, NULL, 3, &tries), -XEN_EINVAL);
    EXPECT_EQ(tries, 1u);
}

/*
 * The round trip of one request: a read of "domid", BENCH_READS times. A
 * number, printed, never judged. Timed with this vCPU's TSC (the thread
 * stays on its CPU): clock_now_ns() is clamped across CPUs and can read
 * the same twice.
 */
TEST(xenstore, bench_read_round_trip)
{
    static uint64_t ns[BENCH_READS];
    uint64_t khz = clock_tsc_hz() / 1000, v;
    struct stats_summary s;
    unsigned int i, bad = 0;

    XS_REQUIRE();
    ASSERT_TRUE(khz > 0);
    for ( i = 0; i < BENCH_READS; i++ )
    {
        uint64_t t0 = rdtsc_ordered();

        if ( xs_read_uint(XS_TX_NONE, "domid", 0x7fef, &v) != 0 ||
             v != xs_domid() )
            bad++;
        ns[i] = (rdtsc_ordered() - t0) * 1000000 / khz;
    }
    EXPECT_EQ(bad, 0u);
    stats_summarize(ns, BENCH_READS, &s);
    printk(
        "    # bench: xenstore read of domid, round trip: n %zu min %llu median %llu p99 %llu max %llu ns\n",
        s.n, (unsigned long long)s.min, (unsigned long long)s.median,
        (unsigned long long)s.p99, (unsigned long long)s.max);
}
