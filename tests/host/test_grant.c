/* SPDX-License-Identifier: MIT */
/*
 * test_grant.c - host tests of the portable half of grant tables
 * (kernel/xen/grant/gnt_entries.c): the free list of references, the
 * reserved ones, growth, double frees, and the v1 entry life cycle with
 * Xen's in-use bits standing in for a backend's mapping.
 */
#include <ktest.h>
#include "kernel/xen/grant/gnt_entries.h"
#include <xen/errno.h>

#define CAP (2 * GNT_ENTRIES_PER_FRAME)

static uint32_t next[CAP];

TEST(grant, refs_skip_reserved_and_grow)
{
    struct gnt_refs r;
    grant_ref_t ref, first;
    unsigned int n = 0;

    gnt_refs_init(&r, next, CAP);
    EXPECT_EQ(gnt_refs_get(&r, &ref), -XEN_ENOSPC); /* no frame yet */
    ASSERT_EQ(gnt_refs_grow(&r, GNT_ENTRIES_PER_FRAME), 0);
    EXPECT_EQ(r.nr_free, GNT_ENTRIES_PER_FRAME - GNTTAB_NR_RESERVED_ENTRIES);
    ASSERT_EQ(gnt_refs_get(&r, &first), 0);
    EXPECT_EQ(first, (grant_ref_t)GNTTAB_NR_RESERVED_ENTRIES);
    n = 1;
    while ( gnt_refs_get(&r, &ref) == 0 )
    {
        EXPECT_GE(ref, (grant_ref_t)GNTTAB_NR_RESERVED_ENTRIES);
        EXPECT_LT(ref, (grant_ref_t)GNT_ENTRIES_PER_FRAME);
        n++;
    }
    EXPECT_EQ(n, GNT_ENTRIES_PER_FRAME - GNTTAB_NR_RESERVED_ENTRIES);
    /* A second frame adds a whole frame of references. */
    ASSERT_EQ(gnt_refs_grow(&r, CAP), 0);
    EXPECT_EQ(r.nr_free, GNT_ENTRIES_PER_FRAME);
    ASSERT_EQ(gnt_refs_get(&r, &ref), 0);
    EXPECT_EQ(ref, (grant_ref_t)GNT_ENTRIES_PER_FRAME);
}

TEST(grant, refs_reject_bad_growth_and_puts)
{
    struct gnt_refs r;
    grant_ref_t ref;

    gnt_refs_init(&r, next, CAP);
    EXPECT_EQ(gnt_refs_grow(&r, CAP + 1), -XEN_EINVAL);
    ASSERT_EQ(gnt_refs_grow(&r, GNT_ENTRIES_PER_FRAME), 0);
    EXPECT_EQ(gnt_refs_grow(&r, GNT_ENTRIES_PER_FRAME), -XEN_EINVAL);
    ASSERT_EQ(gnt_refs_get(&r, &ref), 0);
    EXPECT_EQ(gnt_refs_put(&r, ref), 0);
    EXPECT_EQ(gnt_refs_put(&r, ref), -XEN_EINVAL); /* double free */
    EXPECT_EQ(gnt_refs_put(&r, 3), -XEN_EINVAL);   /* reserved */
    EXPECT_EQ(gnt_refs_put(&r, GNT_ENTRIES_PER_FRAME), -XEN_EINVAL);
    /* The freed reference comes back first. */
    ASSERT_EQ(gnt_refs_get(&r, &ref), 0);
    EXPECT_EQ(ref, (grant_ref_t)GNTTAB_NR_RESERVED_ENTRIES);
}

TEST(grant, entry_life_cycle)
{
    grant_entry_v1_t e = { 0 };

    ASSERT_EQ(gnt_entry_grant(&e, 7, 0x1234, false), 0);
    EXPECT_EQ(e.flags, GTF_permit_access);
    EXPECT_EQ(e.domid, 7);
    EXPECT_EQ(e.frame, 0x1234u);
    /* In use: a second grant through the same entry is refused. */
    EXPECT_EQ(gnt_entry_grant(&e, 8, 0x99, false), -XEN_EINVAL);
    EXPECT_EQ(e.domid, 7);
    EXPECT_EQ(gnt_entry_end(&e), 0);
    EXPECT_EQ(e.flags, GTF_invalid);
    ASSERT_EQ(gnt_entry_grant(&e, 7, 0x55, true), 0);
    EXPECT_EQ(e.flags, GTF_permit_access | GTF_readonly);
    /* A frame beyond v1's 32 bits cannot be granted. */
    EXPECT_EQ(gnt_entry_end(&e), 0);
    EXPECT_EQ(gnt_entry_grant(&e, 7, 1ull << 32, false), -XEN_EINVAL);
}

TEST(grant, end_refused_while_peer_maps)
{
    grant_entry_v1_t e = { 0 };

    ASSERT_EQ(gnt_entry_grant(&e, 0, 0x1000, false), 0);
    /* Xen marks the entry while the backend has the page mapped. */
    e.flags |= GTF_reading | GTF_writing;
    EXPECT_EQ(gnt_entry_end(&e), -XEN_EBUSY);
    EXPECT_TRUE(e.flags & GTF_permit_access); /* still granted */
    e.flags &= ~GTF_writing;
    EXPECT_EQ(gnt_entry_end(&e), -XEN_EBUSY);
    e.flags &= ~GTF_reading; /* the backend unmapped */
    EXPECT_EQ(gnt_entry_end(&e), 0);
    EXPECT_EQ(e.flags, GTF_invalid);
}

/* Each reason an end is refused has its own words: a double end is not
 * "we did not grant" (the message grant.c prints names the reason). */
TEST(grant, refused_ends_say_why)
{
    struct gnt_refs r;
    grant_ref_t ref;

    gnt_refs_init(&r, next, CAP);
    ASSERT_EQ(gnt_refs_grow(&r, GNT_ENTRIES_PER_FRAME), 0);
    ASSERT_EQ(gnt_refs_get(&r, &ref), 0);
    EXPECT_TRUE(gnt_refs_why_not_in_use(&r, ref) == NULL);
    EXPECT_STREQ(gnt_refs_why_not_in_use(&r, 3), "reserved for the toolstack");
    EXPECT_STREQ(gnt_refs_why_not_in_use(&r, GNT_ENTRIES_PER_FRAME),
                 "beyond the table");
    ASSERT_EQ(gnt_refs_put(&r, ref), 0);
    EXPECT_STREQ(gnt_refs_why_not_in_use(&r, ref),
                 "not granted: ended already, or never granted");
}

/* A refused end is remembered in the reference itself, with no memory
 * to allocate (a failed allocation once lost the page and the reference
 * for good); the retry finds it, and ends and frees it like a used one. */
TEST(grant, deferred_end_lives_in_the_reference)
{
    struct gnt_refs r;
    grant_ref_t a, b, c;

    gnt_refs_init(&r, next, CAP);
    ASSERT_EQ(gnt_refs_grow(&r, CAP), 0);
    ASSERT_EQ(gnt_refs_get(&r, &a), 0);
    ASSERT_EQ(gnt_refs_get(&r, &b), 0);
    ASSERT_EQ(gnt_refs_get(&r, &c), 0);
    EXPECT_EQ(gnt_refs_next_ending(&r, 0), GNT_REF_END);
    ASSERT_EQ(gnt_refs_defer(&r, a), 0);
    ASSERT_EQ(gnt_refs_defer(&r, c), 0);
    EXPECT_EQ(gnt_refs_defer(&r, c), -XEN_EINVAL); /* already ending */
    EXPECT_EQ(gnt_refs_defer(&r, 3), -XEN_EINVAL);
    EXPECT_STREQ(gnt_refs_why_not_in_use(&r, a),
                 "already ending: its end waits for the grantee to unmap it");
    EXPECT_EQ(gnt_refs_next_ending(&r, 0), a);
    EXPECT_EQ(gnt_refs_next_ending(&r, a + 1), c);
    EXPECT_EQ(gnt_refs_next_ending(&r, c + 1), GNT_REF_END);
    /* Ended at last: back on the free list, not ending any more. */
    EXPECT_EQ(gnt_refs_put(&r, a), 0);
    EXPECT_EQ(gnt_refs_next_ending(&r, 0), c);
    EXPECT_EQ(gnt_refs_put(&r, a), -XEN_EINVAL);
    EXPECT_EQ(gnt_refs_put(&r, b), 0);
    EXPECT_EQ(gnt_refs_put(&r, c), 0);
    EXPECT_EQ(gnt_refs_next_ending(&r, 0), GNT_REF_END);
    EXPECT_EQ(r.nr_free, CAP - GNTTAB_NR_RESERVED_ENTRIES);
}
