/* SPDX-License-Identifier: MIT */
/*
 * xs_test.c - asking the tier-2 dom0 agent to act for a self-test
 * (tests/kernel/xs_test.h; the agent and its protocol are in
 * tools/tier2/), formatted, through the one client of the agent's protocol
 * (tests/kernel/dom0_agent.c).
 */
#include <kernel.h>
#include <mm.h>
#include <wait.h>
#include <xen_errno.h>
#include "tests/kernel/dom0_agent.h"
#include "tests/kernel/xs_test.h"

int
xs_test_dom0_request(const char *fmt, ...)
{
    char req[192], res[128];
    va_list ap;
    int rc;

    va_start(ap, fmt);
    vsnprintf(req, sizeof(req), fmt, ap);
    va_end(ap);
    rc = dom0_agent(req, res, sizeof(res), XS_TEST_WAIT);
    if ( rc == -XEN_EIO )
        printk("    # dom0 agent answered \"%.120s\" to \"%s\"\n", res, req);
    return rc;
}
