/* SPDX-License-Identifier: MIT */
/*
 * xs_test.h - what the xenstore and xenbus self-tests share
 * (tests/kernel/xs_test.c): the skip rule, a generous wait for things
 * that travel through dom0 under TCG, and asking the tier-2 dom0 agent
 * to act for us.
 */
#ifndef XENLING_XS_TEST_H
#define XENLING_XS_TEST_H

#include <clock.h>
#include <ktest.h>
#include <xenstore.h>

/* Long enough for dom0's agent (it polls every 0.1 s) under TCG. */
#define XS_TEST_WAIT (20 * NSEC_PER_SEC)

#define XS_REQUIRE() \
    do \
    { \
        if ( !xenstore_available() ) \
            KTEST_SKIP("no xenstore (plain QEMU, or we are dom0)"); \
    } while ( 0 )

/*
 * Ask the tier-2 dom0 agent to run one request, formatted like printk
 * ("xs-write %s %s", ...), through dom0_agent() (tests/kernel/dom0_agent.h).
 * Returns 0 if the agent answered "ok...", -XEN_EIO (the answer printed) if
 * it answered an error, -XEN_ETIMEDOUT if nobody answered within
 * XS_TEST_WAIT. Thread context.
 */
int xs_test_dom0_request(const char *fmt, ...) __printf(1, 2);

#endif
