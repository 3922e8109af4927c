/* SPDX-License-Identifier: MIT */
/*
 * tsan_timer.c - one CPU's timers (kernel/xen/time/timer_core.c) against
 * cancels from other CPUs, under threads and ThreadSanitizer. The home
 * thread plays kernel/xen/time/timer.c on its CPU: it arms timers, moves the clock,
 * plays Xen's single-shot timer (early by a slop) and runs VIRQ_TIMER,
 * whose callbacks run with the lock dropped and sometimes re-arm
 * themselves. Two other threads play timer_cancel_sync() from other CPUs
 * and then reuse the timer's memory at once, as a caller freeing it
 * would. Checked: after the cancel no callback of that timer is running
 * or queued (ThreadSanitizer sees any overlap as a race on the payload),
 * callbacks never run early, and each arming fires at most once.
 */
#include <pthread.h>

#include <ktest.h>
#include <timer_core.h>
#include "tsan.h"

#define NTIMERS    8
#define NCANCEL    2
#define HOME_STEPS 200000

struct item {
    struct timerq_node node;
    bool cancelling;       /* a canceller owns it: under lock */
    bool armed;            /* armed and not yet fired: under lock */
    unsigned long payload; /* plain: callback, then canceller, never both */
    unsigned long fired;   /* under lock */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct timer_core core;
static struct item items[NTIMERS];
static uint64_t clock_ns;                        /* home thread only */
static bool xen_armed;                           /* home thread only */
static uint64_t xen_deadline;                    /* home thread only */
static unsigned long early, double_fire, reused; /* under lock */
static bool stop;                                /* atomics */

static void
m_program(void *ctx, uint64_t deadline)
{
    xen_armed = true;
    xen_deadline = deadline;
}

static void
m_stop(void *ctx)
{
    xen_armed = false;
}

static uint64_t
m_now(void *ctx)
{
    return clock_ns;
}

/* Arm it unless a canceller owns it. Lock held, home thread. */
static void
arm_locked(struct item *it, uint64_t deadline)
{
    if ( it->cancelling )
        return;
    it->armed = true;
    timer_core_arm(&core, &it->node, deadline);
}

/* run_callback() of kernel/xen/time/timer.c: the lock is dropped around it. */
static void
m_run(void *ctx, struct timerq_node *n)
{
    struct item *it = container_of(n, struct item, node);

    if ( clock_ns < n->deadline )
        early++;
    if ( !it->armed )
        double_fire++;
    it->armed = false;
    it->fired++;
    pthread_mutex_unlock(&lock);
    it->payload++; /* the callback's use of the timer's memory */
    pthread_mutex_lock(&lock);
    if ( it->payload % 3 == 0 ) /* sometimes periodic */
        arm_locked(it, clock_ns + 10);
}

static const struct timer_core_ops ops = {
    .program = m_program,
    .stop = m_stop,
    .now = m_now,
    .run = m_run,
};

static void *
home_main(void *arg)
{
    uint64_t rng = 9;
    unsigned long i;

    for ( i = 0; i < HOME_STEPS; i++ )
    {
        struct item *it = &items[tsan_rand(&rng) % NTIMERS];

        pthread_mutex_lock(&lock);
        if ( tsan_rand(&rng) % 2 )
            arm_locked(it, clock_ns + tsan_rand(&rng) % 100);
        clock_ns += tsan_rand(&rng) % 20;
        /* Xen fires up to 5 ns early; the VIRQ runs at once. */
        if ( xen_armed && xen_deadline <= clock_ns + 5 )
        {
            xen_armed = false;
            timer_core_expire(&core);
        }
        pthread_mutex_unlock(&lock);
        if ( i % 64 == 0 )
            tsan_relax();
    }
    __atomic_store_n(&stop, true, __ATOMIC_RELEASE);
    return NULL;
}

/* timer_cancel_sync() from another CPU, then reuse of the memory. */
static void *
cancel_main(void *arg)
{
    uint64_t rng = 100 + (uintptr_t)arg;

    while ( !__atomic_load_n(&stop, __ATOMIC_ACQUIRE) )
    {
        struct item *it = &items[tsan_rand(&rng) % NTIMERS];
        bool running, mine;

        /* Own it (unless the other canceller does): no more arming. */
        pthread_mutex_lock(&lock);
        mine = !it->cancelling;
        it->cancelling = true;
        pthread_mutex_unlock(&lock);
        if ( !mine )
            continue;
        do
        {
            pthread_mutex_lock(&lock);
            if ( timer_core_cancel(&core, &it->node, false, &running) )
                it->armed = false;
            pthread_mutex_unlock(&lock);
            if ( running )
                tsan_relax();
        } while ( running );
        /* Cancelled and not running: the memory is ours now. */
        it->payload += 3;
        pthread_mutex_lock(&lock);
        if ( timerq_node_queued(&it->node) )
            reused++;
        it->cancelling = false;
        pthread_mutex_unlock(&lock);
        tsan_relax();
    }
    return NULL;
}

TEST(tsan_timer, cancel_sync_from_other_cpus)
{
    pthread_t home, cancel[NCANCEL];
    unsigned long fired = 0;
    unsigned int i;

    timer_core_init(&core, &ops, NULL);
    for ( i = 0; i < NTIMERS; i++ )
    {
        memset(&items[i], 0, sizeof(items[i]));
        timerq_node_init(&items[i].node);
    }
    clock_ns = 1000;
    ASSERT_EQ(pthread_create(&home, NULL, home_main, NULL), 0);
    for ( i = 0; i < NCANCEL; i++ )
        ASSERT_EQ(
            pthread_create(&cancel[i], NULL, cancel_main, (void *)(uintptr_t)i),
            0);
    pthread_join(home, NULL);
    for ( i = 0; i < NCANCEL; i++ )
        pthread_join(cancel[i], NULL);
    for ( i = 0; i < NTIMERS; i++ )
        fired += items[i].fired;
    EXPECT_EQ(early, 0u);
    EXPECT_EQ(double_fire, 0u);
    EXPECT_EQ(reused, 0u);
    EXPECT_EQ(fired, core.stats.fired);
    EXPECT_GT(fired, 1000u);
    printk("    # %lu callbacks, %llu VIRQs (%llu early), %llu programs\n",
           fired, (unsigned long long)core.stats.virqs,
           (unsigned long long)core.stats.early,
           (unsigned long long)core.stats.programs);
}
