/* SPDX-License-Identifier: MIT */
/*
 * control.c - self-tests of the toolstack's control requests
 * (kernel/xen/control/control.c): we advertise what we handle, and a
 * request we do not know is acknowledged (cleared) and refused, not acted
 * on. The real `xl shutdown -w` and `xl reboot` are proven by tier-2 runs
 * that end the domain (tools/run-tier2.sh --action).
 */
#include <kernel.h>
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
