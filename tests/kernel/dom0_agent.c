/* SPDX-License-Identifier: MIT */
/*
 * dom0_agent.c - the guest side of the tier-2 dom0 agent's protocol
 * (tests/kernel/dom0_agent.h; the other side and the grammar are in
 * tools/tier2/agent and tools/tier2/README.md).
 */
#include <kernel.h>
#include <mm.h>
#include <clock.h>
#include <wait.h>
#include <xen_errno.h>
#include <xenstore.h>
#include <arch/x86.h>
#include "tests/kernel/dom0_agent.h"

#define POLL_NS (20 * NSEC_PER_MSEC)

int
dom0_agent(const char *request, char *result, size_t size, uint64_t timeout_ns)
{
    char token[20], path[48];
    uint64_t deadline = clock_now_ns() + timeout_ns;
    char *value = NULL;
    size_t len;
    int rc;

    snprintf(token, sizeof(token), "%llx",
             (unsigned long long)(rdtsc_ordered() & 0xffffffffffffull));
    snprintf(path, sizeof(path), "data/dom0-reply/%s", token);
    printk("XENLING-DOM0-REQUEST %s %s\n", token, request);
    for ( ;; )
    {
        rc = xs_read(XS_TX_NONE, path, &value, &len);
        if ( rc != -XEN_ENOENT || clock_now_ns() >= deadline )
            break;
        sleep_ns(POLL_NS);
    }
    if ( rc == -XEN_ENOENT )
        return -XEN_ETIMEDOUT;
    if ( rc )
        return rc;
    xs_rm(XS_TX_NONE, path);
    if ( strncmp(value, "ok", 2) == 0 && (value[2] == '\0' || value[2] == ' ') )
    {
        snprintf(result, size, "%s", value[2] ? value + 3 : "");
        rc = 0;
    }
    else
    {
        snprintf(result, size, "%s", value);
        rc = -XEN_EIO;
    }
    kfree(value);
    return rc;
}
