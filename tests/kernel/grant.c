/* SPDX-License-Identifier: MIT */
/*
 * grant.c - self-tests of grant tables (kernel/xen/grant/): Xen reads an
 * entry as we wrote it (a GNTTABOP_copy through our own grant), an ended
 * grant is refused by Xen, the table grows past its first frame, and bad
 * ends are refused. A backend holding a mapping is tested on tier 2 with
 * the dom0 agent (tests/kernel/grant_peer.c).
 */
#include <kernel.h>
#include <grant.h>
#include <hypervisor.h>
#include <ktest.h>
#include <mm.h>
#include <xen_errno.h>
#include <xenstore.h>

/* Our own domain id: dom0 is 0; a domU learns its id from xenstore. */
static bool
self_domid(domid_t *id)
{
    if ( xen.initial_domain )
        *id = 0;
    else if ( xenstore_available() )
        *id = (domid_t)xs_domid();
    else
        return false;
    return true;
}

static void
fill(uint64_t *p, uint64_t seed)
{
    unsigned int i;

    for ( i = 0; i < PAGE_SIZE / 8; i++ )
        p[i] = seed ^ (i * 0x9e3779b97f4a7c15ull);
}

TEST(grant, xen_reads_what_we_granted)
{
    uint64_t *src, *dst;
    grant_ref_t ref;
    domid_t self;

    if ( !gnttab_available() )
        KTEST_SKIP("no grant table (not on Xen)");
    if ( !self_domid(&self) )
        KTEST_SKIP("own domain id unknown (no xenstore)");
    src = page_alloc();
    dst = page_alloc_zeroed();
    ASSERT_TRUE(src && dst);
    fill(src, 0xfeedull);
    ASSERT_EQ(gnttab_grant(self, src, true, &ref), 0);
    EXPECT_EQ(gnttab_copy_from_ref(self, ref, dst, PAGE_SIZE), 0);
    EXPECT_EQ(memcmp(src, dst, PAGE_SIZE), 0);
    EXPECT_EQ(gnttab_end(ref), 0);
    /* Ended: Xen must refuse to copy through it now. */
    memset(dst, 0, PAGE_SIZE);
    EXPECT_NE(gnttab_copy_from_ref(self, ref, dst, PAGE_SIZE), 0);
    EXPECT_EQ(dst[0], 0ull);
    page_free(src);
    page_free(dst);
}

TEST(grant, table_grows_past_first_frame)
{
    static grant_ref_t refs[600];
    struct gnttab_info before, during, after;
    uint64_t *page, *dst;
    unsigned int i, n = 0;
    domid_t self;

    if ( !gnttab_available() )
        KTEST_SKIP("no grant table (not on Xen)");
    gnttab_get_info(&before);
    if ( before.max_frames < 2 )
        KTEST_SKIP("Xen allows this domain a single grant frame");
    page = page_alloc();
    ASSERT_TRUE(page != NULL);
    fill(page, 0xabcull);
    /* Granted to ourselves where we know our id, so Xen can copy through
     * the last one below; else to dom0. */
    if ( !self_domid(&self) )
        self = DOMID_INVALID;
    /* More references than one frame holds (512, 8 of them reserved). */
    for ( i = 0; i < ARRAY_SIZE(refs); i++ )
    {
        if ( gnttab_grant(self == DOMID_INVALID ? 0 : self, page, true,
                          &refs[i]) != 0 )
            break;
        n++;
    }
    EXPECT_EQ(n, (unsigned int)ARRAY_SIZE(refs));
    gnttab_get_info(&during);
    EXPECT_GE(during.frames, 2u);
    EXPECT_GE(during.refs, during.frames * 512u);
    /* The last reference lives in the new frame; Xen must find it. */
    if ( self != DOMID_INVALID && n == ARRAY_SIZE(refs) )
    {
        dst = page_alloc_zeroed();
        ASSERT_TRUE(dst != NULL);
        EXPECT_GE(refs[n - 1], 512u);
        EXPECT_EQ(gnttab_copy_from_ref(self, refs[n - 1], dst, 64), 0);
        EXPECT_EQ(memcmp(page, dst, 64), 0);
        page_free(dst);
    }
    for ( i = 0; i < n; i++ )
        EXPECT_EQ(gnttab_end(refs[i]), 0);
    gnttab_get_info(&after);
    EXPECT_EQ(after.free, during.free + n);
    page_free(page);
}

TEST(grant, bad_ends_refused)
{
    grant_ref_t ref;
    void *page;

    if ( !gnttab_available() )
        KTEST_SKIP("no grant table (not on Xen)");
    page = page_alloc();
    ASSERT_TRUE(page != NULL);
    EXPECT_EQ(gnttab_end(3), -XEN_EINVAL);        /* the toolstack's */
    EXPECT_EQ(gnttab_end(1u << 30), -XEN_EINVAL); /* beyond the table */
    EXPECT_EQ(gnttab_grant(0, (char *)page + 8, false, &ref), -XEN_EINVAL);
    ASSERT_EQ(gnttab_grant(0, page, false, &ref), 0);
    EXPECT_EQ(gnttab_end(ref), 0);
    EXPECT_EQ(gnttab_end(ref), -XEN_EINVAL); /* twice */
    /* The page handed to gnttab_end_and_free must be the granted one. */
    ASSERT_EQ(gnttab_grant(0, page, false, &ref), 0);
    EXPECT_EQ(gnttab_end_and_free(ref, (char *)page + PAGE_SIZE), -XEN_EINVAL);
    EXPECT_EQ(gnttab_end(ref), 0); /* still granted: nothing changed */
    page_free(page);
}
