/* SPDX-License-Identifier: MIT */
/*
 * tsan_ipi.c - the IPI call queue (kernel/xen/ipi/ipi_queue.c) under threads
 * and ThreadSanitizer. Each thread plays one CPU of kernel/xen/ipi/ipi.c: a
 * queue behind a mutex, a pool of requests, and a doorbell that stands
 * for the call-function event (set by a sender that found the queue
 * empty, taken with an exchange as Xen clears the pending bit before the
 * handler runs). A CPU with nothing to send services only its doorbell,
 * as a halted vCPU wakes only for an event, so a lost doorbell strands
 * calls and the test fails. Checked: every call runs exactly once, in
 * order per sender and target; a waited-for call's stores are visible
 * to its caller; calls made from inside a call (waiting on a third CPU)
 * never deadlock; and ThreadSanitizer sees no data race.
 */
#include <pthread.h>
#include <time.h>

#include <ktest.h>
#include "kernel/xen/ipi/ipi_queue.h"
#include "tsan.h"

#define NCPUS    4
#define PER_CPU  20000
#define TIME_OUT 60 /* seconds before the test calls it a hang */

struct sim_cpu {
    pthread_mutex_t lock; /* the spinlock of struct ipi_cpu */
    struct ipi_queue queue;
    struct ipi_pool pool;
    bool doorbell; /* atomics only */
    /* Only this CPU's thread touches these: */
    unsigned int id;
    uint32_t next_seq[NCPUS]; /* as a sender, per target */
    uint32_t last_seq[NCPUS]; /* as a target, per sender */
    unsigned long ran_from[NCPUS];
    unsigned long sent_to[NCPUS];
    unsigned long order_errors, result_errors;
    uint64_t rng;
};

static struct sim_cpu sim_cpus[NCPUS];
static __thread struct sim_cpu *me;
static unsigned long completed; /* calls run, all CPUs: atomics only */
static bool stop;               /* atomics only */

/* A waited-for call's argument, on the caller's stack. */
struct waited {
    unsigned int sender;
    uint32_t seq;
    uint64_t result; /* written by the target, read by the caller */
};

/* What every call does on its target: check its order, count it. */
static void
arrive(unsigned int sender, uint32_t seq)
{
    if ( seq != me->last_seq[sender] + 1 )
        me->order_errors++;
    me->last_seq[sender] = seq;
    me->ran_from[sender]++;
    __atomic_fetch_add(&completed, 1, __ATOMIC_RELAXED);
}

static void
pooled_fn(void *arg)
{
    uintptr_t v = (uintptr_t)arg;

    arrive((unsigned int)(v >> 32), (uint32_t)v);
}

static void call_on(unsigned int target, bool wait, bool nested);

static void
waited_fn(void *arg)
{
    struct waited *w = arg;

    arrive(w->sender, w->seq);
    w->result = (uint64_t)w->seq * 3 + w->sender;
    /* Now and then call a third CPU from inside the call, and wait: the
     * caller of this call is waiting for us meanwhile. */
    if ( tsan_rand(&me->rng) % 32 == 0 )
        call_on((me->id + 1 + tsan_rand(&me->rng) % (NCPUS - 1)) % NCPUS, true,
                true);
}

/* run_queue() of kernel/xen/ipi/ipi.c. */
static void
run_queue(struct sim_cpu *c)
{
    for ( ;; )
    {
        struct ipi_call *call;

        pthread_mutex_lock(&c->lock);
        call = ipi_queue_pop(&c->queue);
        pthread_mutex_unlock(&c->lock);
        if ( !call )
            break;
        ipi_call_run(call);
    }
}

/* The event: taken (cleared) before the handler runs, as Xen does. */
static void
service_doorbell(void)
{
    if ( __atomic_exchange_n(&me->doorbell, false, __ATOMIC_ACQ_REL) )
        run_queue(me);
}

/* queue_call() of kernel/xen/ipi/ipi.c. */
static void
queue_call(unsigned int target, struct ipi_call *call)
{
    struct sim_cpu *t = &sim_cpus[target];
    bool was_empty;

    pthread_mutex_lock(&t->lock);
    was_empty = ipi_queue_push(&t->queue, call);
    pthread_mutex_unlock(&t->lock);
    if ( was_empty )
        __atomic_store_n(&t->doorbell, true, __ATOMIC_RELEASE);
}

/* smp_call_on() to another CPU, with its waiting rules. */
static void
call_on(unsigned int target, bool wait, bool nested)
{
    uint32_t seq = ++me->next_seq[target];
    struct ipi_call call, *slot;
    struct waited w = { me->id, seq, 0 };

    me->sent_to[target]++;
    if ( wait )
    {
        ipi_call_prepare(&call, waited_fn, &w, false);
        queue_call(target, &call);
        while ( !ipi_call_done(&call) )
        {
            if ( ipi_queue_peek(&me->queue) )
                run_queue(me);
            tsan_relax();
        }
        if ( w.result != (uint64_t)seq * 3 + me->id )
            me->result_errors++;
        return;
    }
    while ( (slot = ipi_pool_get(&me->pool)) == NULL )
    {
        if ( ipi_queue_peek(&me->queue) )
            run_queue(me);
        tsan_relax();
    }
    ipi_call_prepare(slot, pooled_fn, (void *)(((uintptr_t)me->id << 32) | seq),
                     true);
    queue_call(target, slot);
}

static void *
cpu_main(void *arg)
{
    unsigned int i;

    me = arg;
    for ( i = 0; i < PER_CPU; i++ )
    {
        unsigned int target =
            (me->id + 1 + tsan_rand(&me->rng) % (NCPUS - 1)) % NCPUS;

        call_on(target, tsan_rand(&me->rng) % 4 == 0, false);
        service_doorbell();
    }
    /* Idle: like a halted vCPU, woken only by the doorbell. */
    while ( !__atomic_load_n(&stop, __ATOMIC_ACQUIRE) )
    {
        service_doorbell();
        tsan_relax();
    }
    return NULL;
}

TEST(tsan_ipi, calls_run_once_in_order_without_races)
{
    pthread_t th[NCPUS];
    unsigned long sent = 0, ran = 0;
    time_t start = time(NULL);
    unsigned int i, j;

    memset(sim_cpus, 0, sizeof(sim_cpus));
    for ( i = 0; i < NCPUS; i++ )
    {
        pthread_mutex_init(&sim_cpus[i].lock, NULL);
        sim_cpus[i].id = i;
        sim_cpus[i].rng = 1000 + i;
    }
    completed = 0;
    stop = false;
    for ( i = 0; i < NCPUS; i++ )
        ASSERT_EQ(pthread_create(&th[i], NULL, cpu_main, &sim_cpus[i]), 0);
    /* Nested calls are counted too, so wait for the count to settle. */
    for ( ;; )
    {
        unsigned long before = __atomic_load_n(&completed, __ATOMIC_RELAXED);

        if ( before >= NCPUS * PER_CPU )
        {
            struct timespec ts = { 0, 200 * 1000 * 1000 };

            nanosleep(&ts, NULL);
            if ( __atomic_load_n(&completed, __ATOMIC_RELAXED) == before )
                break;
        }
        if ( time(NULL) - start > TIME_OUT )
            break;
        tsan_relax();
    }
    __atomic_store_n(&stop, true, __ATOMIC_RELEASE);
    for ( i = 0; i < NCPUS; i++ )
        pthread_join(th[i], NULL);

    for ( i = 0; i < NCPUS; i++ )
    {
        EXPECT_EQ(sim_cpus[i].order_errors, 0u);
        EXPECT_EQ(sim_cpus[i].result_errors, 0u);
        EXPECT_TRUE(sim_cpus[i].queue.head == NULL);
        for ( j = 0; j < NCPUS; j++ )
        {
            EXPECT_EQ(sim_cpus[j].ran_from[i], sim_cpus[i].sent_to[j]);
            sent += sim_cpus[i].sent_to[j];
            ran += sim_cpus[j].ran_from[i];
        }
        for ( j = 0; j < IPI_POOL_SLOTS; j++ )
            EXPECT_FALSE(sim_cpus[i].pool.slots[j].busy);
    }
    EXPECT_EQ(ran, sent);
    EXPECT_GE(sent, (unsigned long)NCPUS * PER_CPU);
    printk("    # %lu calls (%lu nested) in %ld s\n", sent,
           sent - NCPUS * PER_CPU, (long)(time(NULL) - start));
}

/* Target of the pool test: runs its queue until told to stop. */
static void *
drain_main(void *arg)
{
    me = arg;
    while ( !__atomic_load_n(&stop, __ATOMIC_ACQUIRE) )
    {
        service_doorbell();
        tsan_relax();
    }
    service_doorbell();
    return NULL;
}

/*
 * One sender keeps its pool full, so every slot the target hands back is
 * refilled at once: a target that read fn or arg after clearing `busy`
 * would race with the refill, which ThreadSanitizer reports.
 */
TEST(tsan_ipi, pool_slots_reused_at_once)
{
    pthread_t th;
    unsigned int i;

    memset(sim_cpus, 0, sizeof(sim_cpus));
    for ( i = 0; i < 2; i++ )
    {
        pthread_mutex_init(&sim_cpus[i].lock, NULL);
        sim_cpus[i].id = i;
    }
    completed = 0;
    stop = false;
    ASSERT_EQ(pthread_create(&th, NULL, drain_main, &sim_cpus[1]), 0);
    me = &sim_cpus[0];
    for ( i = 0; i < 4 * PER_CPU; i++ )
        call_on(1, false, false);
    while ( __atomic_load_n(&completed, __ATOMIC_RELAXED) < 4 * PER_CPU )
        tsan_relax();
    __atomic_store_n(&stop, true, __ATOMIC_RELEASE);
    pthread_join(th, NULL);
    me = NULL;
    EXPECT_EQ(sim_cpus[1].ran_from[0], 4u * PER_CPU);
    EXPECT_EQ(sim_cpus[1].order_errors, 0u);
}
