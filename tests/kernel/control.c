/* SPDX-License-Identifier: MIT */
/*
 * control.c - self-tests of the toolstack's control requests
 * (kernel/xen/control/control.c): we advertise what we handle, and a
 * request we do not know is acknowledged (cleared) and refused, not acted
 * on; a known one is acknowledged before the guest acts on it (the act
 * stood in for by a test hook). The real `xl shutdown -w` and `xl reboot`
 * are proven by tier-2 runs that end the domain (tools/run-tier2.sh
 * --action); they pass without the acknowledgement too, as xl gives up
 * waiting for it once the domain is gone.
 */
#include <kernel.h>
#include <fault.h>
#include <hypervisor.h>
#include <mm.h>
#include <clock.h>
#include <ktest.h>
#include <wait.h>
#include <xen_errno.h>
#include <xenstore.h>

TEST(control, features_advertised)
{
    uint64_t v;

    if ( !xenstore_available() )
        KTEST_SKIP("no xenstore (not a Xen domU)");
    EXPECT_EQ(xs_read_uint(XS_TX_NONE, "control/feature-poweroff", 1, &v), 0);
    EXPECT_EQ(v, 1ull);
    EXPECT_EQ(xs_read_uint(XS_TX_NONE, "control/feature-reboot", 1, &v), 0);
    EXPECT_EQ(v, 1ull);
}

TEST(control, unknown_request_acknowledged_and_refused)
{
    uint64_t deadline;
    char *value = NULL;
    size_t len = 1;
    int rc;

    if ( !xenstore_available() )
        KTEST_SKIP("no xenstore (not a Xen domU)");
    ASSERT_EQ(xs_write(XS_TX_NONE, "control/shutdown", "dance"), 0);
    /* The watch thread clears the node; we are still running after it. */
    deadline = clock_now_ns() + 10 * NSEC_PER_SEC;
    do
    {
        kfree(value);
        value = NULL;
        sleep_ns(10 * NSEC_PER_MSEC);
        rc = xs_read(XS_TX_NONE, "control/shutdown", &value, &len);
    } while ( rc == 0 && len != 0 && clock_now_ns() < deadline );
    EXPECT_EQ(rc, 0);
    EXPECT_EQ(len, (size_t)0);
    kfree(value);
}

/* What the stand-in for machine_shutdown saw, in the xenstore thread. */
static volatile unsigned int seen_reason = ~0u;
static volatile int acked_before = -1;

static void
fake_shutdown(unsigned int reason)
{
    char *value = NULL;
    size_t len = 1;

    acked_before =
        xs_read(XS_TX_NONE, "control/shutdown", &value, &len) == 0 && len == 0;
    kfree(value);
    /* Release: acked_before is set before the test sees the reason. */
    __atomic_store_n(&seen_reason, reason, __ATOMIC_RELEASE);
}

TEST(control, known_request_acknowledged_before_acting)
{
    uint64_t deadline;

    if ( !xenstore_available() )
        KTEST_SKIP("no xenstore (not a Xen domU)");
    seen_reason = ~0u;
    acked_before = -1;
    fault_control_shutdown = fake_shutdown;
    ASSERT_EQ(xs_write(XS_TX_NONE, "control/shutdown", "reboot"), 0);
    deadline = clock_now_ns() + 10 * NSEC_PER_SEC;
    while ( __atomic_load_n(&seen_reason, __ATOMIC_ACQUIRE) == ~0u &&
            clock_now_ns() < deadline )
        sleep_ns(10 * NSEC_PER_MSEC);
    /* Not seen: the hook stays, so a late callback cannot end the run. */
    if ( seen_reason != ~0u )
        fault_control_shutdown = NULL;
    EXPECT_EQ(seen_reason, (unsigned int)SHUTDOWN_reboot);
    /* libxl waits for the cleared node: it must come before the act. */
    EXPECT_EQ(acked_before, 1);
}
