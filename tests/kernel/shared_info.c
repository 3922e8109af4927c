/* SPDX-License-Identifier: MIT */
/*
 * shared_info.c - self-tests of mapping shared_info
 * (kernel/xen/hypervisor/shared_info.c): when XENMEM_add_to_physmap is
 * refused, the page offered for it is never handed out again, because
 * Xen may already have taken the RAM behind it. Xen's refusal comes from
 * a test-only stand-in (fault_memory_op), so this runs everywhere.
 */
#include <kernel.h>
#include <fault.h>
#include <ktest.h>
#include <mm.h>
#include <shared_info.h>
#include <xen_errno.h>
#include <xen/memory.h>

static uint64_t fake_gpfn;
static unsigned int fake_calls;

/* Xen's worst case: the RAM at the frame is gone, then the call fails. */
static long
fake_add_to_physmap_fails(unsigned int cmd, void *arg)
{
    fake_calls++;
    if ( cmd != XENMEM_add_to_physmap )
        return -XEN_ENOSYS;
    fake_gpfn = ((struct xen_add_to_physmap *)arg)->gpfn;
    return -XEN_ENOMEM;
}

TEST(shared_info, refused_map_keeps_the_page_out)
{
    struct shared_info *mapped = shared_info;
    size_t before, after;
    int rc;

    fake_calls = 0;
    fake_gpfn = 0;
    before = page_free_count();
    fault_memory_op = fake_add_to_physmap_fails;
    rc = shared_info_init();
    fault_memory_op = NULL;
    after = page_free_count();

    EXPECT_EQ(rc, -XEN_ENOMEM);
    EXPECT_EQ(fake_calls, 1u);
    EXPECT_TRUE(shared_info == mapped); /* the mapping in use stays */
    /* The offered page may be a hole now: it must not be free. */
    EXPECT_EQ(before - after, 1u);
    /* Only the stand-in took it: give it back for the leak check. */
    if ( before - after == 1 && fake_gpfn )
        page_free(phys_to_virt(fake_gpfn << PAGE_SHIFT));
}
