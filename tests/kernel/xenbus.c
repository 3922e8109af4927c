/* SPDX-License-Identifier: MIT */
/*
 * xenbus.c - self-tests of the xenbus core (kernel/xen/xenbus/) on tier 2
 * with a disk (tools/run-tier2.sh --disk FILE): the toolstack's vbd is
 * found under device/vbd/<id> with a backend in dom0 at the path the
 * toolstack promises; without a driver bound (there is no blkfront yet)
 * the backend reaches InitWait and waits for us, and we stay
 * Initialising, in our struct and in xenstore. Manual tests, in suites
 * of their own so that tests=xenbus.* leaves them out: a disk attached
 * and detached after boot comes and goes (xenbus_hotplug), and a stand-in
 * driver's hooks follow a real backend (xenbus_driver). SKIP without
 * xenstore, and without a disk.
 */
#include <kernel.h>
#include <ktest.h>
#include <mm.h>
#include <wait.h>
#include <xen_errno.h>
#include <xenbus.h>
#include <xenstore.h>
#include "tests/kernel/xs_test.h"

/* The first vbd, with a reference; NULL if the run has no disk. */
static struct xenbus_device *
first_vbd(void)
{
    struct xenbus_device *devs[8], *vbd = NULL;
    unsigned int n = xenbus_list(devs, ARRAY_SIZE(devs)), i;

    for ( i = 0; i < MIN(n, ARRAY_SIZE(devs)); i++ )
        if ( !vbd && strcmp(devs[i]->class, "vbd") == 0 && !devs[i]->invalid )
            vbd = devs[i];
        else
            xenbus_put(devs[i]);
    return vbd;
}

#define VBD_REQUIRE(dev) \
    do \
    { \
        XS_REQUIRE(); \
        (dev) = first_vbd(); \
        if ( !(dev) ) \
            KTEST_SKIP("no vbd (run tier 2 with --disk FILE)"); \
    } while ( 0 )

TEST(xenbus, vbd_found_with_its_backend)
{
    struct xenbus_device *dev, *again;
    char want[XENBUS_PATH_MAX], key[XENBUS_PATH_MAX], *v;
    uint64_t id;

    VBD_REQUIRE(dev);
    printk("    # %s: backend %s in domain %u\n", dev->nodename, dev->otherend,
           dev->otherend_id);
    EXPECT_EQ(dev->otherend_id, 0u); /* tier 2's backends are in dom0 */
    snprintf(want, sizeof(want), "/local/domain/%u/backend/vbd/%u/%s",
             dev->otherend_id, xs_domid(), dev->id);
    EXPECT_STREQ(dev->otherend, want);
    /* What xenstore says now agrees with what the bus recorded. */
    snprintf(key, sizeof(key), "%s/backend", dev->nodename);
    ASSERT_EQ(xs_read(XS_TX_NONE, key, &v, NULL), 0);
    EXPECT_STREQ(v, dev->otherend);
    kfree(v);
    /* The backend knows us as its frontend. */
    snprintf(key, sizeof(key), "%s/frontend-id", dev->otherend);
    ASSERT_EQ(xs_read_uint(XS_TX_NONE, key, 0x7fef, &id), 0);
    EXPECT_EQ(id, (uint64_t)xs_domid());
    /* xenbus_find finds the same device. */
    again = xenbus_find("vbd", dev->id);
    EXPECT_TRUE(again == dev);
    if ( again )
        xenbus_put(again);
    EXPECT_TRUE(xenbus_find("vbd", "no-such-id") == NULL);
    xenbus_put(dev);
}

TEST(xenbus, without_driver_backend_waits_and_we_stay_initialising)
{
    struct xenbus_device *dev;
    XenbusState front, back;
    char key[XENBUS_PATH_MAX];
    uint64_t state;
    bool gone;

    VBD_REQUIRE(dev);
    if ( dev->driver )
    {
        xenbus_put(dev);
        KTEST_SKIP(
            "blkfront drives every vbd: with_driver_both_ends_connect checks that path");
    }
    /* blkback goes to InitWait once its hotplug script ran. */
    EXPECT_EQ(xenbus_wait_backend(dev, XenbusStateInitWait, XS_TEST_WAIT), 0);
    xenbus_get_states(dev, &front, &back, &gone);
    printk("    # %s: front %u, backend %u%s\n", dev->nodename, front, back,
           gone ? " (gone)" : "");
    EXPECT_EQ(front, XenbusStateInitialising);
    EXPECT_EQ(back, XenbusStateInitWait);
    EXPECT_FALSE(gone);
    /* And xenstore agrees on both. */
    snprintf(key, sizeof(key), "%s/state", dev->nodename);
    ASSERT_EQ(xs_read_uint(XS_TX_NONE, key, 8, &state), 0);
    EXPECT_EQ(state, (uint64_t)XenbusStateInitialising);
    EXPECT_EQ(xenbus_read_backend_uint(dev, "state", 8, &state), 0);
    EXPECT_EQ(state, (uint64_t)XenbusStateInitWait);
    /* Nothing moves the backend on without us: a wait for Connected
     * times out (briefly: its outcome, not its speed, is checked). */
    EXPECT_EQ(
        xenbus_wait_backend(dev, XenbusStateConnected, 200 * NSEC_PER_MSEC),
        -XEN_ETIMEDOUT);
    xenbus_put(dev);
}

/*
 * With a driver bound (blkfront, for every vbd), the handshake runs to
 * its end: both sides Connected, and xenstore agrees.
 */
TEST(xenbus, with_driver_both_ends_connect)
{
    struct xenbus_device *dev;
    XenbusState front, back;
    uint64_t state;
    bool gone;

    VBD_REQUIRE(dev);
    if ( !dev->driver )
    {
        xenbus_put(dev);
        KTEST_SKIP("no driver bound to the vbd");
    }
    EXPECT_EQ(xenbus_wait_backend(dev, XenbusStateConnected, XS_TEST_WAIT), 0);
    xenbus_get_states(dev, &front, &back, &gone);
    EXPECT_EQ(front, XenbusStateConnected);
    EXPECT_EQ(back, XenbusStateConnected);
    EXPECT_FALSE(gone);
    EXPECT_EQ(xenbus_read_backend_uint(dev, "state", 8, &state), 0);
    EXPECT_EQ(state, (uint64_t)XenbusStateConnected);
    xenbus_put(dev);
}

TEST(xenbus, switches_the_state_machine_forbids_are_refused)
{
    struct xenbus_device *dev;
    XenbusState was;

    VBD_REQUIRE(dev);
    was = dev->state;
    /* Initialising may not jump to Connected; Connected (a driver is
     * bound) may not go back to Initialising; neither to Reconfiguring. */
    EXPECT_EQ(xenbus_switch_state(dev, was == XenbusStateInitialising
                                           ? XenbusStateConnected
                                           : XenbusStateInitialising),
              -XEN_EINVAL);
    EXPECT_EQ(xenbus_switch_state(dev, XenbusStateReconfiguring), -XEN_EINVAL);
    EXPECT_EQ(dev->state, was);
    xenbus_put(dev);
}

/* A watch callback runs in the xenstore thread, where waiting for a
 * backend would wait for news that only that thread can deliver. */
static int wait_rc = 1;
static struct xenbus_device *wait_dev;
static struct waitq wait_wq = WAITQ_INIT("xenbus-test");

static void
wait_in_callback(struct xs_watch *w, const char *path)
{
    if ( wait_rc == 1 )
        wait_rc =
            xenbus_wait_backend(wait_dev, XenbusStateConnected, NSEC_PER_SEC);
    waitq_wake_all(&wait_wq);
}

static bool
wait_done(void *arg)
{
    return __atomic_load_n(&wait_rc, __ATOMIC_RELAXED) != 1;
}

TEST(xenbus, waiting_in_the_xenstore_thread_is_refused)
{
    static struct xs_watch w;

    VBD_REQUIRE(wait_dev);
    wait_rc = 1;
    ASSERT_EQ(xs_watch(&w, "data/xenling-test", wait_in_callback, NULL), 0);
    EXPECT_TRUE(wait_event_timeout(&wait_wq, wait_done, NULL, XS_TEST_WAIT));
    EXPECT_EQ(wait_rc, -XEN_EDEADLK);
    EXPECT_EQ(xs_unwatch(&w), 0);
    xenbus_put(wait_dev);
}

/* A vbd that is not in `known` (n entries), with a reference, or NULL. */
static struct xenbus_device *
new_vbd(struct xenbus_device **known, unsigned int n)
{
    struct xenbus_device *devs[8], *found = NULL;
    unsigned int m = xenbus_list(devs, ARRAY_SIZE(devs)), i, j;

    for ( i = 0; i < MIN(m, ARRAY_SIZE(devs)); i++ )
    {
        for ( j = 0; j < n && known[j] != devs[i]; j++ )
            ;
        if ( !found && j == n && strcmp(devs[i]->class, "vbd") == 0 )
            found = devs[i];
        else
            xenbus_put(devs[i]);
    }
    return found;
}

static bool
removed(struct xenbus_device *dev)
{
    return __atomic_load_n(&dev->removed, __ATOMIC_ACQUIRE);
}

/*
 * Hot plug: a disk attached after boot (xl block-attach) appears through
 * the watch on device/, its backend reaches InitWait, and when it is
 * detached (xl block-detach) the backend closes, we answer Closed, and
 * the device vanishes. dom0 must attach and detach the disk: the test
 * asks the tier-2 agent (verbs block-attach/block-detach; SKIP if it
 * refuses them), and with no agent at all waits for someone to do it.
 * Manual (tests=xenbus_hotplug.*): the agent lacks those verbs today.
 */
TEST_MANUAL(xenbus_hotplug, attach_and_detach)
{
    struct xenbus_device *before[8], *dev = NULL;
    unsigned int n, i;
    uint64_t deadline = clock_now_ns() + 3 * XS_TEST_WAIT;
    XenbusState front, back;
    bool gone, asked;
    int rc;

    XS_REQUIRE();
    n = MIN(xenbus_list(before, ARRAY_SIZE(before)), ARRAY_SIZE(before));
    rc = xs_test_dom0_request("block-attach xvdc");
    if ( rc == -XEN_EIO )
        KTEST_SKIP("the dom0 agent cannot attach disks (block-attach)");
    asked = rc == 0;
    if ( !asked )
        printk("    # waiting for dom0 to attach a disk (xl block-attach)\n");
    while ( !(dev = new_vbd(before, n)) && clock_now_ns() < deadline )
        sleep_ns(100 * NSEC_PER_MSEC);
    for ( i = 0; i < n; i++ )
        xenbus_put(before[i]);
    if ( !dev )
        KTEST_SKIP("no disk was attached after boot");
    printk("    # attached: %s, backend %s\n", dev->nodename, dev->otherend);
    EXPECT_FALSE(dev->invalid);
    EXPECT_EQ(xenbus_wait_backend(dev, XenbusStateInitWait, XS_TEST_WAIT), 0);
    if ( asked )
        EXPECT_EQ(xs_test_dom0_request("block-detach xvdc"), 0);
    else
        printk("    # waiting for dom0 to detach it (xl block-detach)\n");
    deadline = clock_now_ns() + 3 * XS_TEST_WAIT;
    while ( !removed(dev) && clock_now_ns() < deadline )
        sleep_ns(100 * NSEC_PER_MSEC);
    xenbus_get_states(dev, &front, &back, &gone);
    printk("    # detached: we were %s, the backend %s\n",
           front == XenbusStateClosed ? "Closed" : "not Closed",
           gone ? "gone" : "still there");
    EXPECT_TRUE(removed(dev));
    EXPECT_EQ(front, XenbusStateClosed); /* we answered the backend */
    EXPECT_TRUE(xenbus_find("vbd", dev->id) == NULL);
    xenbus_put(dev);
}

/* A stand-in driver that publishes nothing: it counts its hooks. */
static unsigned int hook_probe, hook_setup, hook_connect, hook_teardown;

static int
fake_probe(struct xenbus_device *dev)
{
    __atomic_fetch_add(&hook_probe, 1, __ATOMIC_RELAXED);
    return 0;
}

static int
fake_setup(struct xenbus_device *dev)
{
    __atomic_fetch_add(&hook_setup, 1, __ATOMIC_RELAXED);
    return 0;
}

static int
fake_connect(struct xenbus_device *dev)
{
    __atomic_fetch_add(&hook_connect, 1, __ATOMIC_RELAXED);
    return 0;
}

static void
fake_teardown(struct xenbus_device *dev)
{
    __atomic_fetch_add(&hook_teardown, 1, __ATOMIC_RELAXED);
}

/*
 * The hooks follow a real backend: a driver bound to the vbd is probed
 * and set up (the backend waits in InitWait), so we go Initialised; it
 * publishes no ring, so blkback gives up and closes, and the bus tears
 * the driver down and answers Closing, then Closed. Manual
 * (tests=xenbus_driver.*): the driver stays registered and the disk is
 * closed for the rest of the run.
 */
TEST_MANUAL(xenbus_driver, hooks_follow_a_real_backend)
{
    static struct xenbus_driver fake = {
        .class = "vbd",
        .probe = fake_probe,
        .setup = fake_setup,
        .connect = fake_connect,
        .teardown = fake_teardown,
    };
    struct xenbus_device *dev;
    XenbusState front, back;
    bool gone;

    VBD_REQUIRE(dev);
    ASSERT_TRUE(dev->driver == NULL);
    ASSERT_EQ(xenbus_wait_backend(dev, XenbusStateInitWait, XS_TEST_WAIT), 0);
    ASSERT_EQ(xenbus_register_driver(&fake), 0);
    EXPECT_EQ(hook_probe, 1u);
    EXPECT_EQ(hook_setup, 1u);
    EXPECT_TRUE(dev->driver == &fake);
    xenbus_get_states(dev, &front, &back, &gone);
    EXPECT_EQ(front, XenbusStateInitialised);
    /* blkback finds no ring-ref and closes; we follow it to Closed. */
    EXPECT_EQ(xenbus_wait_backend(dev, XenbusStateClosed, XS_TEST_WAIT), 0);
    xs_flush_events();
    xenbus_get_states(dev, &front, &back, &gone);
    printk(
        "    # hooks: probe %u setup %u connect %u teardown %u; front %u back %u\n",
        hook_probe, hook_setup, hook_connect, hook_teardown, front, back);
    EXPECT_EQ(front, XenbusStateClosed);
    EXPECT_EQ(hook_connect, 0u);
    EXPECT_EQ(hook_teardown, 1u);
    xenbus_put(dev);
}
