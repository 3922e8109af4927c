/* SPDX-License-Identifier: MIT */
/*
 * test_xenbus_state.c - host tests of the xenbus frontend state machine
 * and path syntax (kernel/xen/xenbus/xenbus_state.c): the handshake with
 * and without a driver, closing and vanishing backends, every switch a
 * driver may ask for, and a sweep over every (front, back) pair showing
 * the machine settles in legal steps with SETUP and TEARDOWN paired.
 */
#include <ktest.h>
#include "host.h"
#include "kernel/xen/xenbus/xenbus_state.h"

/* Short names for the states, so the tables below stay readable. */
#define UNKNOWN       XenbusStateUnknown
#define INITIALISING  XenbusStateInitialising
#define INITWAIT      XenbusStateInitWait
#define INITIALISED   XenbusStateInitialised
#define CONNECTED     XenbusStateConnected
#define CLOSING       XenbusStateClosing
#define CLOSED        XenbusStateClosed
#define RECONFIGURING XenbusStateReconfiguring
#define RECONFIGURED  XenbusStateReconfigured
#define INVALID       ((XenbusState)9)

/* One step from (front, back); returns the new front, *act its actions. */
static XenbusState
step(XenbusState front, XenbusState back, bool gone, bool driver,
     unsigned int *act)
{
    struct xb_view v = { front, back, gone, driver };
    struct xb_step s;

    if ( xb_front_step(&v, &s) != 0 )
        return (XenbusState)-1;
    *act = s.actions;
    return s.front;
}

/*
 * Step until the front state stays put (at most 8 steps). Returns the
 * final state; *acts collects every action in order, one hex digit per
 * step (0 for a step without actions).
 */
static XenbusState
settle(XenbusState front, XenbusState back, bool gone, bool driver,
       unsigned int *acts, unsigned int *steps)
{
    unsigned int i, a;

    *acts = 0;
    for ( i = 0; i < 8; i++ )
    {
        XenbusState next = step(front, back, gone, driver, &a);

        if ( next == front && a == 0 )
            break;
        *acts = (*acts << 4) | a;
        front = next;
    }
    *steps = i;
    return front;
}

TEST(xenbus_state, no_driver_stays_initialising)
{
    static const XenbusState backs[] = { UNKNOWN,   INITIALISING,
                                         INITWAIT,  INITIALISED,
                                         CONNECTED, RECONFIGURING };
    unsigned int a, i;

    for ( i = 0; i < ARRAY_SIZE(backs); i++ )
    {
        EXPECT_EQ(step(INITIALISING, backs[i], false, false, &a), INITIALISING);
        EXPECT_EQ(a, 0u);
    }
}

TEST(xenbus_state, no_driver_closes_with_backend)
{
    unsigned int a;

    EXPECT_EQ(step(INITIALISING, CLOSING, false, false, &a), CLOSED);
    EXPECT_EQ(a, 0u);
    EXPECT_EQ(step(INITIALISING, CLOSED, false, false, &a), CLOSED);
    EXPECT_EQ(step(INITIALISING, UNKNOWN, true, false, &a), CLOSED);
    EXPECT_EQ(a, 0u);
    EXPECT_EQ(step(CLOSED, CLOSING, false, false, &a), CLOSED);
    EXPECT_EQ(step(CLOSED, INITWAIT, false, false, &a), CLOSED);
}

TEST(xenbus_state, driver_handshake_in_order)
{
    unsigned int a;

    EXPECT_EQ(step(INITIALISING, INITIALISING, false, true, &a), INITIALISING);
    EXPECT_EQ(a, 0u);
    EXPECT_EQ(step(INITIALISING, INITWAIT, false, true, &a), INITIALISED);
    EXPECT_EQ(a, XB_ACT_SETUP);
    EXPECT_EQ(step(INITIALISED, INITWAIT, false, true, &a), INITIALISED);
    EXPECT_EQ(a, 0u);
    EXPECT_EQ(step(INITIALISED, CONNECTED, false, true, &a), CONNECTED);
    EXPECT_EQ(a, XB_ACT_CONNECT);
    EXPECT_EQ(step(CONNECTED, CONNECTED, false, true, &a), CONNECTED);
    EXPECT_EQ(a, 0u);
    /* A driver that asked for InitWait itself sets up the same way. */
    EXPECT_EQ(step(INITWAIT, INITWAIT, false, true, &a), INITIALISED);
    EXPECT_EQ(a, XB_ACT_SETUP);
}

TEST(xenbus_state, backend_already_connected_takes_two_steps)
{
    unsigned int acts, steps;

    EXPECT_EQ(settle(INITIALISING, CONNECTED, false, true, &acts, &steps),
              CONNECTED);
    EXPECT_EQ(steps, 2u);
    EXPECT_EQ(acts, (XB_ACT_SETUP << 4) | XB_ACT_CONNECT);
}

TEST(xenbus_state, backend_closing_tears_down_then_closes)
{
    unsigned int a, acts, steps;

    EXPECT_EQ(step(CONNECTED, CLOSING, false, true, &a), CLOSING);
    EXPECT_EQ(a, XB_ACT_TEARDOWN);
    EXPECT_EQ(step(CLOSING, CLOSING, false, true, &a), CLOSED);
    EXPECT_EQ(a, 0u);
    EXPECT_EQ(settle(INITIALISED, CLOSING, false, true, &acts, &steps), CLOSED);
    EXPECT_EQ(acts, (unsigned int)XB_ACT_TEARDOWN << 4);
    /* Nothing set up yet: close without a teardown. */
    EXPECT_EQ(step(INITIALISING, CLOSING, false, true, &a), CLOSING);
    EXPECT_EQ(a, 0u);
}

TEST(xenbus_state, backend_closed_or_gone_closes_at_once)
{
    unsigned int a;

    EXPECT_EQ(step(CONNECTED, CLOSED, false, true, &a), CLOSED);
    EXPECT_EQ(a, XB_ACT_TEARDOWN);
    EXPECT_EQ(step(INITIALISED, CONNECTED, true, true, &a), CLOSED);
    EXPECT_EQ(a, XB_ACT_TEARDOWN);
    EXPECT_EQ(step(INITIALISING, INITWAIT, true, true, &a), CLOSED);
    EXPECT_EQ(a, 0u);
    EXPECT_EQ(step(CLOSING, CLOSED, false, true, &a), CLOSED);
    EXPECT_EQ(a, 0u);
    EXPECT_EQ(step(CLOSED, CLOSED, false, true, &a), CLOSED);
    EXPECT_EQ(a, 0u);
}

TEST(xenbus_state, closed_front_reconnects_when_backend_returns)
{
    unsigned int acts, steps;

    EXPECT_EQ(settle(CLOSED, INITWAIT, false, true, &acts, &steps),
              INITIALISED);
    EXPECT_EQ(steps, 2u);
    EXPECT_EQ(acts, (unsigned int)XB_ACT_SETUP);
    /* A Closed backend, or one still Connected from before, does not. */
    EXPECT_EQ(settle(CLOSED, CONNECTED, false, true, &acts, &steps), CLOSED);
    EXPECT_EQ(steps, 0u);
}

TEST(xenbus_state, reconfiguring_is_ignored)
{
    unsigned int a;

    EXPECT_EQ(step(CONNECTED, RECONFIGURING, false, true, &a), CONNECTED);
    EXPECT_EQ(a, 0u);
    EXPECT_EQ(step(CONNECTED, RECONFIGURED, false, true, &a), CONNECTED);
    EXPECT_EQ(a, 0u);
}

TEST(xenbus_state, invalid_states_refused)
{
    struct xb_view v = { CONNECTED, INVALID, false, true };
    struct xb_step s;

    host_capture_begin();
    EXPECT_EQ(xb_front_step(&v, &s), -XEN_EINVAL);
    host_capture_end();
    EXPECT_EQ(s.front, CONNECTED); /* stay */
    EXPECT_EQ(s.actions, 0u);
    EXPECT_TRUE(host_capture_contains("front 4 back 9: not states"));
    v = (struct xb_view){ (XenbusState)42, CONNECTED, false, true };
    host_capture_begin();
    EXPECT_EQ(xb_front_step(&v, &s), -XEN_EINVAL);
    host_capture_end();
}

TEST(xenbus_state, driver_switches_allowed)
{
    /* allowed[from] = bit mask of the states `to` a driver may take. */
    static const unsigned int allowed[9] = {
        [UNKNOWN] = (1u << UNKNOWN) | (1u << CLOSED),
        [INITIALISING] = (1u << INITIALISING) | (1u << INITWAIT) |
                         (1u << INITIALISED) | (1u << CLOSING) | (1u << CLOSED),
        [INITWAIT] = (1u << INITWAIT) | (1u << INITIALISED) | (1u << CLOSING) |
                     (1u << CLOSED),
        [INITIALISED] = (1u << INITIALISED) | (1u << CONNECTED) |
                        (1u << CLOSING) | (1u << CLOSED),
        [CONNECTED] = (1u << CONNECTED) | (1u << CLOSING) | (1u << CLOSED),
        [CLOSING] = (1u << CLOSING) | (1u << CLOSED),
        [CLOSED] = (1u << CLOSED) | (1u << INITIALISING),
        [RECONFIGURING] = (1u << RECONFIGURING) | (1u << CLOSED),
        [RECONFIGURED] = (1u << RECONFIGURED) | (1u << CLOSED),
    };
    unsigned int from, to, wrong = 0;

    for ( from = 0; from < 9; from++ )
        for ( to = 0; to < 9; to++ )
            if ( xb_front_may_switch(from, to) !=
                 !!(allowed[from] & (1u << to)) )
            {
                printk("    # switch %s -> %s misjudged\n", xb_state_name(from),
                       xb_state_name(to));
                wrong++;
            }
    EXPECT_EQ(wrong, 0u);
    EXPECT_FALSE(xb_front_may_switch(CONNECTED, INVALID));
    EXPECT_FALSE(xb_front_may_switch(INVALID, CLOSED));
}

/*
 * Every (front, back, gone, driver) settles within 3 steps; every step
 * is a switch a driver may make; SETUP only leaves Initialising or
 * InitWait, CONNECT only Initialised, TEARDOWN only a set-up state; and
 * without a driver there are no actions at all.
 */
TEST(xenbus_state, every_state_pair_settles_legally)
{
    unsigned int front, back, gone, drv, bad = 0;

    for ( front = 0; front < 9; front++ )
        for ( back = 0; back < 9; back++ )
            for ( gone = 0; gone < 2; gone++ )
                for ( drv = 0; drv < 2; drv++ )
                {
                    XenbusState f = front;
                    unsigned int i, a;

                    for ( i = 0; i < 8; i++ )
                    {
                        XenbusState n = step(f, back, gone, drv, &a);
                        bool ok = xb_front_may_switch(f, n);

                        if ( (a & XB_ACT_SETUP) && f != INITIALISING &&
                             f != INITWAIT )
                            ok = false;
                        if ( (a & XB_ACT_CONNECT) && f != INITIALISED )
                            ok = false;
                        if ( (a & XB_ACT_TEARDOWN) && f != INITIALISED &&
                             f != CONNECTED )
                            ok = false;
                        if ( !drv && a != 0 )
                            ok = false;
                        if ( !ok )
                        {
                            printk(
                                "    # %s/%s gone %u driver %u: bad step to %s (actions %u)\n",
                                xb_state_name(f), xb_state_name(back), gone,
                                drv, xb_state_name(n), a);
                            bad++;
                            break;
                        }
                        if ( n == f && a == 0 )
                            break;
                        f = n;
                    }
                    if ( i > 3 )
                        bad++;
                }
    EXPECT_EQ(bad, 0u);
}

TEST(xenbus_state, state_names)
{
    EXPECT_STREQ(xb_state_name(INITIALISING), "Initialising");
    EXPECT_STREQ(xb_state_name(CONNECTED), "Connected");
    EXPECT_STREQ(xb_state_name(CLOSED), "Closed");
    EXPECT_STREQ(xb_state_name(RECONFIGURED), "Reconfigured");
    EXPECT_STREQ(xb_state_name(9), "invalid");
}

TEST(xenbus_state, backend_path_must_match)
{
    const char *key = "device/vbd/51712/backend";

    EXPECT_EQ(xb_backend_path_check(key, "/local/domain/0/backend/vbd/3/51712",
                                    0, "vbd", 3, "51712"),
              0);
    host_capture_begin();
    EXPECT_EQ(xb_backend_path_check(key, "/local/domain/1/backend/vbd/3/51712",
                                    0, "vbd", 3, "51712"),
              -XEN_EINVAL);
    EXPECT_EQ(xb_backend_path_check(key, "/local/domain/0/backend/vif/3/51712",
                                    0, "vbd", 3, "51712"),
              -XEN_EINVAL);
    EXPECT_EQ(xb_backend_path_check(key, "/local/domain/0/backend/vbd/4/51712",
                                    0, "vbd", 3, "51712"),
              -XEN_EINVAL);
    EXPECT_EQ(xb_backend_path_check(key,
                                    "/local/domain/0/backend/vbd/3/51712/x", 0,
                                    "vbd", 3, "51712"),
              -XEN_EINVAL);
    EXPECT_EQ(xb_backend_path_check(key, "", 0, "vbd", 3, "51712"),
              -XEN_EINVAL);
    host_capture_end();
    EXPECT_EQ(
        host_capture_count(
            "xenbus: device/vbd/51712/backend is not the backend path /local/domain/0/backend/vbd/3/51712"),
        5u);
}

TEST(xenbus_state, device_path_split)
{
    char class[XB_NAME_MAX], id[XB_NAME_MAX];
    char longname[64];

    EXPECT_EQ(xb_device_path_split("device", class, id), 0);
    EXPECT_EQ(xb_device_path_split("device/vbd", class, id), 1);
    EXPECT_STREQ(class, "vbd");
    EXPECT_STREQ(id, "");
    EXPECT_EQ(xb_device_path_split("device/vbd/51712", class, id), 2);
    EXPECT_STREQ(id, "51712");
    EXPECT_EQ(xb_device_path_split("device/vbd/51712/state", class, id), 2);
    EXPECT_STREQ(class, "vbd");
    EXPECT_STREQ(id, "51712");
    EXPECT_EQ(xb_device_path_split("devices/vbd", class, id), -XEN_EINVAL);
    EXPECT_EQ(xb_device_path_split("device/", class, id), -XEN_EINVAL);
    EXPECT_EQ(xb_device_path_split("device//1", class, id), -XEN_EINVAL);
    EXPECT_EQ(xb_device_path_split("device/vbd/", class, id), -XEN_EINVAL);
    EXPECT_EQ(xb_device_path_split("/local/domain/1/device/vbd", class, id),
              -XEN_EINVAL);
    memset(longname, 'a', sizeof(longname));
    memcpy(longname, "device/", 7);
    longname[7 + XB_NAME_MAX - 1] = '\0'; /* a class of XB_NAME_MAX - 1 */
    EXPECT_EQ(xb_device_path_split(longname, class, id), 1);
    longname[7 + XB_NAME_MAX - 1] = 'a';
    longname[7 + XB_NAME_MAX] = '\0'; /* one more: too long */
    EXPECT_EQ(xb_device_path_split(longname, class, id), -XEN_EINVAL);
}
