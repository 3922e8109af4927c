/* SPDX-License-Identifier: MIT */
/*
 * gnt_entries.c - libFuzzer harness for the grant reference free list and
 * the v1 entry life cycle (kernel/xen/grant/gnt_entries.c), against a Xen
 * that sets any flag bits it likes in the shared entries at any time, and
 * a caller that hands back any reference number, twice or never taken.
 * Input: the capacity, then a script of grows, gets, puts, grants, ends
 * and hostile flag writes. Checked against a model: a reference is never
 * handed out twice or from the toolstack's reserved range, a bogus put is
 * refused and changes nothing, the free count is exact, a grant needs an
 * unused entry and a 32-bit frame, and an end succeeds exactly when Xen
 * does not say the grantee is reading or writing.
 */
#include <stdlib.h>

#include <xen/errno.h>
#include "kernel/xen/grant/gnt_entries.h"
#include "fuzz.h"

#define MAX_REFS 2048
#define NENTRIES 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct model {
    struct gnt_refs r;
    uint32_t *next;      /* exactly capacity slots: ASan guards the end */
    bool held[MAX_REFS]; /* taken with get, not yet put back */
    uint32_t nr_free;    /* what the free count must be */
    grant_entry_v1_t e[NENTRIES];
};

static void
do_grow(struct model *m, uint32_t new_nr)
{
    uint32_t old = m->r.nr, ref;
    int rc = gnt_refs_grow(&m->r, new_nr);

    if ( new_nr <= old || new_nr > m->r.capacity )
    {
        FUZZ_CHECK(rc == -XEN_EINVAL && m->r.nr == old,
                   "grow from %u to %u of %u returned %d", old, new_nr,
                   m->r.capacity, rc);
        return;
    }
    FUZZ_CHECK(rc == 0 && m->r.nr == new_nr, "grow to %u returned %d", new_nr,
               rc);
    for ( ref = old; ref < new_nr; ref++ )
        if ( ref >= GNTTAB_NR_RESERVED_ENTRIES )
            m->nr_free++;
}

static void
do_get(struct model *m)
{
    grant_ref_t ref = 0;
    int rc = gnt_refs_get(&m->r, &ref);

    if ( m->nr_free == 0 )
    {
        FUZZ_CHECK(rc == -XEN_ENOSPC, "get with none free returned %d", rc);
        return;
    }
    FUZZ_CHECK(rc == 0, "get with %u free returned %d", m->nr_free, rc);
    FUZZ_CHECK(ref >= GNTTAB_NR_RESERVED_ENTRIES && ref < m->r.nr,
               "get gave reference %u (reserved or past %u)", ref, m->r.nr);
    FUZZ_CHECK(!m->held[ref], "reference %u handed out twice", ref);
    m->held[ref] = true;
    m->nr_free--;
}

static void
do_put(struct model *m, grant_ref_t ref)
{
    bool ok = ref < MAX_REFS && m->held[ref];
    int rc = gnt_refs_put(&m->r, ref);

    FUZZ_CHECK(rc == (ok ? 0 : -XEN_EINVAL), "put of %u (%s) returned %d", ref,
               ok ? "held" : "not held", rc);
    if ( ok )
    {
        m->held[ref] = false;
        m->nr_free++;
    }
}

static void
do_grant(grant_entry_v1_t *e, domid_t domid, uint64_t frame, bool ro)
{
    uint16_t before = e->flags;
    int rc = gnt_entry_grant(e, domid, frame, ro);

    if ( frame > UINT32_MAX || before != GTF_invalid )
    {
        FUZZ_CHECK(rc == -XEN_EINVAL && e->flags == before,
                   "grant over flags 0x%x, frame 0x%llx returned %d", before,
                   (unsigned long long)frame, rc);
        return;
    }
    FUZZ_CHECK(rc == 0 && e->domid == domid && e->frame == frame &&
                   e->flags == (GTF_permit_access | (ro ? GTF_readonly : 0)),
               "grant returned %d, entry 0x%x/%u/0x%x", rc, e->flags, e->domid,
               e->frame);
}

static void
do_end(grant_entry_v1_t *e)
{
    uint16_t before = e->flags;
    int rc = gnt_entry_end(e);

    if ( before & (GTF_reading | GTF_writing) )
        FUZZ_CHECK(rc == -XEN_EBUSY && e->flags == before,
                   "end of a busy entry (0x%x) returned %d", before, rc);
    else
        FUZZ_CHECK(rc == 0 && e->flags == GTF_invalid,
                   "end of 0x%x returned %d, left 0x%x", before, rc, e->flags);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    static struct model m;
    uint32_t capacity = 1 + (uint32_t)fuzz_take(&in, 2) % MAX_REFS, i;

    memset(&m, 0, sizeof(m));
    m.next = malloc(capacity * sizeof(*m.next));
    if ( !m.next )
        fuzz_fail("out of memory");
    gnt_refs_init(&m.r, m.next, capacity);
    while ( fuzz_more(&in) )
    {
        grant_entry_v1_t *e = &m.e[fuzz_take(&in, 1) % NENTRIES];

        switch ( fuzz_take(&in, 1) % 7 )
        {
        case 0:
            do_grow(&m, (uint32_t)fuzz_take(&in, 2) % (MAX_REFS + 2));
            break;
        case 1:
        case 2:
            do_get(&m);
            break;
        case 3:
            do_put(&m, (grant_ref_t)fuzz_take(&in, 2));
            break;
        case 4:
            do_grant(e, (domid_t)fuzz_take(&in, 2), fuzz_take(&in, 5),
                     fuzz_take(&in, 1) & 1);
            break;
        case 5: /* Xen: any flag bits at all */
            e->flags = (uint16_t)fuzz_take(&in, 2);
            break;
        default:
            do_end(e);
            break;
        }
        FUZZ_CHECK(m.r.nr_free == m.nr_free, "free count %u, expected %u",
                   m.r.nr_free, m.nr_free);
    }
    /* Everything handed out comes back, and then nothing is held. */
    for ( i = 0; i < MAX_REFS; i++ )
        if ( m.held[i] )
            do_put(&m, i);
    while ( m.nr_free )
        do_get(&m);
    do_get(&m);
    free(m.next);
    return 0;
}
