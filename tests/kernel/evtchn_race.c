/* SPDX-License-Identifier: MIT */
/*
 * evtchn_race.c - self-tests of the event-channel core's ordering rules
 * (kernel/xen/evtchn.c): a port being closed is not handed out again
 * while its handler still runs on another vCPU. The other event-channel
 * tests are tests/kernel/evtchn.c. SKIP without Xen.
 */
#include <kernel.h>
#include <clock.h>
#include <evtchn.h>
#include <hypervisor.h>
#include <ktest.h>
#include <percpu.h>
#include <sched.h>
#include <smp.h>
#include <arch/x86.h>

/* A bound on every wait, in TSC cycles (a few GHz): reached only when
 * something is broken. */
#define WAIT_LONG (4ull * 1000 * 1000 * 1000)

static bool
wait_flag(volatile bool *flag)
{
    uint64_t end = rdtsc_ordered() + WAIT_LONG;

    while ( !*flag )
    {
        if ( rdtsc_ordered() > end )
            return false;
        cpu_relax();
    }
    return true;
}

struct close_race {
    evtchn_port_t old_port;
    volatile bool in_handler, release, handler_done;
    volatile unsigned int new_events;
    volatile int close_rc;
};

/* The old port's handler on vCPU 1: holds on until released, then sends
 * on its own port, as a handler that re-raises its event does. */
static void
old_handler(evtchn_port_t port, void *arg)
{
    struct close_race *r = arg;
    uint64_t end = rdtsc_ordered() + WAIT_LONG;

    r->in_handler = true;
    while ( !r->release && rdtsc_ordered() < end )
        cpu_relax();
    evtchn_send(port);
    r->handler_done = true;
}

static void
new_handler(evtchn_port_t port, void *arg)
{
    ((struct close_race *)arg)->new_events++;
}

static void
closer_thread(void *arg)
{
    struct close_race *r = arg;

    r->close_rc = evtchn_close(r->old_port);
}

/*
 * Close a port while its handler runs on vCPU 1, and bind a new port
 * meanwhile. Xen hands out the lowest free number, so if the old port
 * were closed in Xen (or free in our table) before its handler ended,
 * the new binding would get the old number, and the old handler's send
 * would reach the new binding's handler.
 */
TEST(evtchn, close_waits_before_the_port_is_reused)
{
    struct close_race r = { 0 };
    evtchn_port_t new_port = 0;
    struct thread *closer;
    unsigned int i;
    int code = -1, rc;

    if ( !xen.present )
        KTEST_SKIP("not on Xen");
    ASSERT_TRUE(evtchn_available());
    if ( !cpu_online(1) || !thread_self() )
        KTEST_SKIP("needs a second vCPU and threads");

    ASSERT_EQ(evtchn_bind_ipi(1, old_handler, &r, &r.old_port), 0);
    EXPECT_EQ(evtchn_send(r.old_port), 0);
    if ( !EXPECT_TRUE(wait_flag(&r.in_handler)) )
    {
        r.release = true;
        evtchn_close(r.old_port);
        return;
    }
    closer = thread_create("closer", closer_thread, &r, smp_processor_id());
    /* Let the closer reach its wait for the running handler. */
    for ( i = 0; i < 20 && evtchn_port_bound(r.old_port); i++ )
        thread_sleep_ns(5 * NSEC_PER_MSEC);
    rc = evtchn_bind_ipi(1, new_handler, &r, &new_port);
    r.release = true;
    EXPECT_TRUE(wait_flag(&r.handler_done));
    if ( closer )
        EXPECT_EQ(thread_join_timeout(closer, 5 * NSEC_PER_SEC, &code), 0);
    /* Give a stray event time to arrive. */
    thread_sleep_ns(20 * NSEC_PER_MSEC);

    EXPECT_TRUE(closer != NULL);
    EXPECT_EQ(r.close_rc, 0);
    EXPECT_EQ(rc, 0);
    EXPECT_NE(new_port, r.old_port);
    EXPECT_EQ(r.new_events, 0u);
    EXPECT_FALSE(evtchn_port_bound(r.old_port));
    if ( rc == 0 )
        EXPECT_EQ(evtchn_close(new_port), 0);
}
