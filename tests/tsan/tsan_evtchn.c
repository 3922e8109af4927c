/* SPDX-License-Identifier: MIT */
/*
 * tsan_evtchn.c - event dispatch against close, under threads and
 * ThreadSanitizer: a model of kernel/xen/evtchn.c's port table,
 * evtchn_dispatch() and evtchn_close(), with a small "Xen" that hands out
 * the lowest free port (so a closed number is reused at once), keeps
 * pending bits and delivers each port on the CPU it is bound to. Two
 * threads dispatch; two bind, send, close and free their handler's
 * argument, again and again. Checked: a handler only ever runs with its
 * own binding's argument, never after the close returned (the argument
 * is freed then), and the table never disagrees with Xen about a port.
 *
 * The close protocol is the one kernel/xen/evtchn/evtchn.c follows since
 * the review's fix (issue 13): clear the handler, wait for running
 * handlers, then close in Xen and free the slot, both under the lock that
 * bind takes. The order before the fix (close in Xen and free the slot,
 * then wait) is modelled too, as a manual test:
 *   build/tsan/tsan-tests tests=tsan_evtchn.close_before_fix
 * which is expected to fail (see tests/tsan/README.md).
 */
#include <pthread.h>
#include <stdlib.h>

#include <ktest.h>
#include "tsan.h"

#define NPORTS   8 /* port 0 is never valid */
#define NCPUS    2 /* dispatching threads */
#define NBINDERS 2
#define BINDS    4000 /* per binder */

typedef void (*handler_fn)(unsigned int port, void *arg);

/* What a binder hands its handler; freed after the close. */
struct binding {
    unsigned int owner; /* which binder: its handler checks this */
    bool closed;        /* set after evtchn_close returned */
    unsigned long events;
};

/* The kernel's struct port: all written under evtchn_lock. */
struct port {
    handler_fn handler; /* atomics: read by dispatch without the lock */
    void *arg;
    bool bound;
};

static pthread_mutex_t evtchn_lock = PTHREAD_MUTEX_INITIALIZER;
static struct port ports[NPORTS];
static unsigned int running[NCPUS]; /* atomics */
static bool fixed_close;            /* which protocol */

/* "Xen": which ports exist, where each is delivered, what is pending. */
static pthread_mutex_t xen_lock = PTHREAD_MUTEX_INITIALIZER;
static bool xen_used[NPORTS];
static unsigned int xen_cpu[NPORTS]; /* atomics */
static bool xen_pending[NPORTS];     /* atomics */

static unsigned long wrong_arg, after_close, out_of_sync; /* atomics */
static bool stop;                                         /* atomics */

static unsigned int
xen_alloc(unsigned int cpu)
{
    unsigned int p;

    pthread_mutex_lock(&xen_lock);
    for ( p = 1; p < NPORTS && xen_used[p]; p++ )
        ;
    if ( p < NPORTS )
    {
        xen_used[p] = true;
        __atomic_store_n(&xen_cpu[p], cpu, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&xen_lock);
    return p < NPORTS ? p : 0;
}

static void
xen_close(unsigned int p)
{
    pthread_mutex_lock(&xen_lock);
    xen_used[p] = false;
    __atomic_store_n(&xen_pending[p], false, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&xen_lock);
}

static void
xen_send(unsigned int p)
{
    pthread_mutex_lock(&xen_lock);
    if ( xen_used[p] )
        __atomic_store_n(&xen_pending[p], true, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&xen_lock);
}

/*
 * evtchn_dispatch(): say which port runs, then look up its handler; the
 * seq_cst pair stands for the kernel's smp_mb() between them (evtchn_close
 * does the mirror image). A yield between the lookup and the argument
 * load widens the window a close and a re-bind could slip into.
 */
static void
dispatch(unsigned int cpu, unsigned int port, uint64_t *rng)
{
    handler_fn fn;

    __atomic_store_n(&running[cpu], port, __ATOMIC_SEQ_CST);
    fn = __atomic_load_n(&ports[port].handler, __ATOMIC_SEQ_CST);
    if ( fn )
    {
        if ( tsan_rand(rng) % 4 == 0 )
            tsan_relax();
        fn(port, ports[port].arg);
    }
    /* Release: the handler's work is done before a closer sees 0. */
    __atomic_store_n(&running[cpu], 0, __ATOMIC_RELEASE);
}

static void
handle(unsigned int owner, void *arg)
{
    struct binding *b = arg;

    if ( b->owner != owner )
        __atomic_fetch_add(&wrong_arg, 1, __ATOMIC_RELAXED);
    if ( __atomic_load_n(&b->closed, __ATOMIC_RELAXED) )
        __atomic_fetch_add(&after_close, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&b->events, 1, __ATOMIC_RELAXED);
}

static void
handler0(unsigned int port, void *arg)
{
    handle(0, arg);
}

static void
handler1(unsigned int port, void *arg)
{
    handle(1, arg);
}

static const handler_fn handlers[NBINDERS] = { handler0, handler1 };

/* bind_finish(): the slot Xen's new port uses must be free. */
static unsigned int
bind(unsigned int cpu, handler_fn fn, void *arg)
{
    unsigned int p = xen_alloc(cpu);

    if ( !p )
        return 0;
    pthread_mutex_lock(&evtchn_lock);
    if ( ports[p].bound )
        __atomic_fetch_add(&out_of_sync, 1, __ATOMIC_RELAXED); /* panic */
    ports[p].arg = arg;
    ports[p].bound = true;
    /* Release: arg is visible before the handler that receives it. */
    __atomic_store_n(&ports[p].handler, fn, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&evtchn_lock);
    return p;
}

/* Wait until no other CPU runs port p's handler. */
static void
wait_handlers(unsigned int p)
{
    unsigned int cpu;

    for ( cpu = 0; cpu < NCPUS; cpu++ )
        while ( __atomic_load_n(&running[cpu], __ATOMIC_SEQ_CST) == p )
            tsan_relax();
}

static void
close_port(unsigned int p)
{
    pthread_mutex_lock(&evtchn_lock);
    if ( fixed_close )
    {
        /* Clear: no handler starts from now on. */
        __atomic_store_n(&ports[p].handler, NULL, __ATOMIC_SEQ_CST);
        pthread_mutex_unlock(&evtchn_lock);
        /* Wait: the port still exists in Xen, so nobody can re-bind it. */
        wait_handlers(p);
        /* Close and free under the lock a bind of the number takes. */
        pthread_mutex_lock(&evtchn_lock);
        xen_close(p);
        ports[p].bound = false;
        pthread_mutex_unlock(&evtchn_lock);
        return;
    }
    /* The order before the fix: close in Xen, free the slot, wait. */
    xen_close(p);
    __atomic_store_n(&ports[p].handler, NULL, __ATOMIC_SEQ_CST);
    ports[p].bound = false;
    pthread_mutex_unlock(&evtchn_lock);
    wait_handlers(p);
}

static void *
cpu_main(void *arg)
{
    unsigned int cpu = (unsigned int)(uintptr_t)arg, p;
    uint64_t rng = 77 + cpu;

    while ( !__atomic_load_n(&stop, __ATOMIC_ACQUIRE) )
    {
        for ( p = 1; p < NPORTS; p++ )
            if ( __atomic_load_n(&xen_cpu[p], __ATOMIC_RELAXED) == cpu &&
                 __atomic_exchange_n(&xen_pending[p], false, __ATOMIC_ACQ_REL) )
                dispatch(cpu, p, &rng);
        tsan_relax();
    }
    return NULL;
}

static void *
binder_main(void *arg)
{
    unsigned int me = (unsigned int)(uintptr_t)arg, i, k;
    uint64_t rng = 5 + me;

    for ( i = 0; i < BINDS; i++ )
    {
        struct binding *b = calloc(1, sizeof(*b));
        unsigned int p;

        if ( !b )
            abort();
        b->owner = me;
        p = bind((unsigned int)(tsan_rand(&rng) % NCPUS), handlers[me], b);
        if ( !p )
        {
            free(b);
            continue;
        }
        for ( k = tsan_rand(&rng) % 4; k > 0; k-- )
        {
            xen_send(p);
            tsan_relax();
        }
        close_port(p);
        __atomic_store_n(&b->closed, true, __ATOMIC_RELAXED);
        free(b);
    }
    return NULL;
}

static void
run(struct ktest_ctx *t, bool fixed)
{
    pthread_t cpu_th[NCPUS], bind_th[NBINDERS];
    unsigned int i;

    memset(ports, 0, sizeof(ports));
    memset(xen_used, 0, sizeof(xen_used));
    memset(xen_pending, 0, sizeof(xen_pending));
    memset(running, 0, sizeof(running));
    for ( i = 0; i < NPORTS; i++ )
        xen_cpu[i] = NCPUS; /* nowhere */
    wrong_arg = after_close = out_of_sync = 0;
    stop = false;
    fixed_close = fixed;
    for ( i = 0; i < NCPUS; i++ )
        ASSERT_EQ(
            pthread_create(&cpu_th[i], NULL, cpu_main, (void *)(uintptr_t)i),
            0);
    for ( i = 0; i < NBINDERS; i++ )
        ASSERT_EQ(pthread_create(&bind_th[i], NULL, binder_main,
                                 (void *)(uintptr_t)i),
                  0);
    for ( i = 0; i < NBINDERS; i++ )
        pthread_join(bind_th[i], NULL);
    __atomic_store_n(&stop, true, __ATOMIC_RELEASE);
    for ( i = 0; i < NCPUS; i++ )
        pthread_join(cpu_th[i], NULL);
    EXPECT_EQ(wrong_arg, 0u);
    EXPECT_EQ(after_close, 0u);
    EXPECT_EQ(out_of_sync, 0u);
    for ( i = 1; i < NPORTS; i++ )
        EXPECT_FALSE(ports[i].bound);
}

TEST(tsan_evtchn, close_fixed_clear_wait_close_free)
{
    run(t, true);
}

TEST_MANUAL(tsan_evtchn, close_before_fix)
{
    run(t, false);
}
