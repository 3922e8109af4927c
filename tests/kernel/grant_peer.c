/* SPDX-License-Identifier: MIT */
/*
 * grant_peer.c - grant tables against a real other end: dom0 maps a page
 * we granted (through the tier-2 agent and gntdev), reads what we wrote,
 * writes back a value we then see, and while it holds the mapping our end
 * of the grant is refused and the page is not freed. TEST_MANUAL: it
 * needs the agent, which `make test` provides on tier 2.
 */
#include <kernel.h>
#include <clock.h>
#include <grant.h>
#include <hypervisor.h>
#include <ktest.h>
#include <mm.h>
#include <xen_errno.h>
#include <xenstore.h>
#include "tests/kernel/dom0_agent.h"

#define AGENT_NS (20 * NSEC_PER_SEC)

TEST_MANUAL(grant, dom0_maps_reads_writes_and_blocks_end)
{
    const uint64_t ours = 0x5eed1e55c0ffee01ull, theirs = 0x0dd0ba11ab1e0002ull;
    char req[64], res[96];
    struct gnttab_info info;
    volatile uint64_t *page;
    size_t free_before;
    grant_ref_t ref;

    if ( !gnttab_available() || !xenstore_available() || xen.initial_domain )
        KTEST_SKIP("needs a domU with grant tables and xenstore (tier 2)");
    page = page_alloc_zeroed();
    ASSERT_TRUE(page != NULL);
    page[32] = ours; /* byte offset 256 */
    ASSERT_EQ(gnttab_grant(0, (void *)page, false, &ref), 0);

    snprintf(req, sizeof(req), "gnt-map %u 256", ref);
    ASSERT_EQ(dom0_agent(req, res, sizeof(res), AGENT_NS), 0);
    printk("    # grant: dom0 mapped reference %u and read %s\n", ref, res);
    snprintf(req, sizeof(req), "%llx", (unsigned long long)ours);
    EXPECT_TRUE(strcmp(res, req) == 0 ||
                (strncmp(res, "0x", 2) == 0 && strcmp(res + 2, req) == 0));

    snprintf(req, sizeof(req), "gnt-write %u 264 0x%llx", ref,
             (unsigned long long)theirs);
    EXPECT_EQ(dom0_agent(req, res, sizeof(res), AGENT_NS), 0);
    EXPECT_EQ(page[33], theirs);

    /* dom0 holds the mapping: our end must be refused, the page kept. */
    EXPECT_EQ(gnttab_end(ref), -XEN_EBUSY);
    free_before = page_free_count();
    EXPECT_EQ(gnttab_end_and_free(ref, (void *)page), 1);
    gnttab_get_info(&info);
    EXPECT_EQ(info.deferred, 1u);
    EXPECT_EQ(page_free_count(), free_before); /* not freed */
    EXPECT_EQ(page[32], ours);                 /* and not poisoned */

    snprintf(req, sizeof(req), "gnt-unmap %u", ref);
    EXPECT_EQ(dom0_agent(req, res, sizeof(res), AGENT_NS), 0);
    /* Unmapped: the deferred end succeeds and the page is freed. */
    EXPECT_EQ(gnttab_retry_deferred(), 0u);
    EXPECT_EQ(page_free_count(), free_before + 1);
}
