/* SPDX-License-Identifier: MIT */
/*
 * xs_test.c - asking the tier-2 dom0 agent to act for a self-test
 * (tests/kernel/xs_test.h; the agent and its protocol are in
 * tools/tier2/). The request goes out as a console line, the answer comes
 * back as a xenstore key in our data/ directory.
 */
#include <kernel.h>
#include <mm.h>
#include <wait.h>
#include <xen_errno.h>
#include "tests/kernel/xs_test.h"

int
xs_test_dom0_request(unsigned int token, const char *fmt, ...)
{
    uint64_t deadline = clock_now_ns() + XS_TEST_WAIT;
    char req[192], key[48], *v;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    vsnprintf(req, sizeof(req), fmt, ap);
    va_end(ap);
    snprintf(key, sizeof(key), "data/dom0-reply/%x", token);
    xs_rm(XS_TX_NONE, key); /* a stale answer must not count */
    printk("XENLING-DOM0-REQUEST %x %s\n", token, req);
    do
    {
        rc = xs_read(XS_TX_NONE, key, &v, NULL);
        if ( rc == -XEN_ENOENT )
            sleep_ns(50 * NSEC_PER_MSEC);
    } while ( rc == -XEN_ENOENT && clock_now_ns() < deadline );
    if ( rc == -XEN_ENOENT )
        return -XEN_ETIMEDOUT;
    if ( rc )
        return rc;
    rc = strncmp(v, "ok", 2) == 0 ? 0 : -XEN_EIO;
    if ( rc )
        printk("    # dom0 agent answered \"%.120s\" to \"%s\"\n", v, req);
    kfree(v);
    xs_rm(XS_TX_NONE, key);
    return rc;
}
