/* SPDX-License-Identifier: MIT */
/*
 * evtchn_race.c - self-tests of the event-channel core's ordering rules
 * (kernel/xen/evtchn.c): a port being closed is not handed out again
 * while its handler still runs on another vCPU; an upcall that comes too
 * early still clears evtchn_upcall_pending. The other event-channel
 * tests are tests/kernel/evtchn.c. SKIP without Xen.
 */
#include <kernel.h>
#include <clock.h>
#include <evtchn.h>
#include "kernel/xen/evtchn/evtchn_abi.h"
#include <fault.h>
#include <hypervisor.h>
#include <ktest.h>
#include <percpu.h>
#include <sched.h>
#include <shared_info.h>
#include <smp.h>
#include <wait.h>
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
    uint64_t end = rdtsc_ordered() + 10 * WAIT_LONG; /* only if broken */

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
    uint64_t start;
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
    /* Let the closer reach its wait for the running handler (50 ms). */
    start = clock_now_ns();
    while ( evtchn_port_bound(r.old_port) &&
            clock_now_ns() - start < 50 * NSEC_PER_MSEC )
        sleep_ns(5 * NSEC_PER_MSEC);
    rc = evtchn_bind_ipi(1, new_handler, &r, &new_port);
    /* The old handler must still be running, or this proved nothing. */
    EXPECT_FALSE(r.handler_done);
    r.release = true;
    EXPECT_TRUE(wait_flag(&r.handler_done));
    if ( closer )
        EXPECT_EQ(thread_join_timeout(closer, 5 * NSEC_PER_SEC, &code), 0);
    /* Give a stray event time to arrive. */
    sleep_ns(20 * NSEC_PER_MSEC);

    EXPECT_TRUE(closer != NULL);
    EXPECT_EQ(r.close_rc, 0);
    EXPECT_EQ(rc, 0);
    EXPECT_NE(new_port, r.old_port);
    EXPECT_EQ(r.new_events, 0u);
    EXPECT_FALSE(evtchn_port_bound(r.old_port));
    if ( rc == 0 )
        EXPECT_EQ(evtchn_close(new_port), 0);
}

static void
count_handler(evtchn_port_t port, void *arg)
{
    (*(volatile unsigned int *)arg)++;
}

/*
 * An upcall that comes before the vCPU's event set-up is done (here by
 * fault injection) must still clear evtchn_upcall_pending: Xen raises
 * the per-vCPU vector only when the flag goes from 0 to 1, so a flag left
 * set would silence every later event on this vCPU.
 */
TEST(evtchn, early_upcall_clears_the_flag)
{
    volatile unsigned int got_a = 0, got_b = 0;
    struct vcpu_info *vi = vcpu_info(smp_processor_id());
    evtchn_port_t a, b;
    unsigned long flags;
    uint8_t left;
    uint64_t end;

    if ( !xen.present )
        KTEST_SKIP("not on Xen");
    ASSERT_TRUE(evtchn_available() && vi);
    ASSERT_EQ(
        evtchn_alloc_unbound(DOMID_SELF, count_handler, (void *)&got_a, &a), 0);
    if ( evtchn_bind_interdomain(DOMID_SELF, a, count_handler, (void *)&got_b,
                                 &b) )
    {
        evtchn_close(a);
        ASSERT_TRUE(false);
    }

    /* Xen's side of an upcall: the flag set; then the upcall comes in
     * before the vCPU is ready for it. */
    flags = irq_save();
    __atomic_store_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST);
    fault_upcall_too_early = true;
    evtchn_do_upcall();
    fault_upcall_too_early = false;
    left = __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST);
    irq_restore(flags);
    EXPECT_EQ(left, 0);

    /* Later events still come in. */
    EXPECT_EQ(evtchn_send(b), 0);
    end = rdtsc_ordered() + WAIT_LONG;
    while ( got_a == 0 && rdtsc_ordered() < end )
        cpu_relax();
    EXPECT_EQ(got_a, 1u);

    /* If the flag was left set, take the upcall by hand so that the
     * tests after this one get their events. */
    flags = irq_save();
    if ( __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST) )
        evtchn_do_upcall();
    irq_restore(flags);
    EXPECT_EQ(evtchn_close(b), 0);
    EXPECT_EQ(evtchn_close(a), 0);
}
