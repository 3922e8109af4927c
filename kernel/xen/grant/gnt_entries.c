/* SPDX-License-Identifier: MIT */
/*
 * gnt_entries.c - the free list of grant references and the v1 entry life
 * cycle (kernel/xen/grant/gnt_entries.h). Portable: host-tested in
 * tests/host/test_grant.c.
 */
#include "kernel/xen/grant/gnt_entries.h"
#include <xen/errno.h>

BUILD_BUG_ON(sizeof(grant_entry_v1_t) != 8);

void
gnt_refs_init(struct gnt_refs *r, uint32_t *next, uint32_t capacity)
{
    r->next = next;
    r->capacity = capacity;
    r->nr = 0;
    r->head = GNT_REF_END;
    r->nr_free = 0;
}

int
gnt_refs_grow(struct gnt_refs *r, uint32_t new_nr)
{
    uint32_t ref;

    if ( new_nr <= r->nr || new_nr > r->capacity )
        return -XEN_EINVAL;
    /* Link the new references in ascending order in front of the list. */
    for ( ref = new_nr; ref-- > r->nr; )
    {
        if ( ref < GNTTAB_NR_RESERVED_ENTRIES )
        {
            r->next[ref] = GNT_REF_IN_USE; /* the toolstack's */
            continue;
        }
        r->next[ref] = r->head;
        r->head = ref;
        r->nr_free++;
    }
    r->nr = new_nr;
    return 0;
}

int
gnt_refs_get(struct gnt_refs *r, grant_ref_t *ref)
{
    uint32_t h = r->head;

    if ( h == GNT_REF_END )
        return -XEN_ENOSPC;
    r->head = r->next[h];
    r->next[h] = GNT_REF_IN_USE;
    r->nr_free--;
    *ref = h;
    return 0;
}

int
gnt_refs_put(struct gnt_refs *r, grant_ref_t ref)
{
    if ( ref < GNTTAB_NR_RESERVED_ENTRIES || ref >= r->nr ||
         (r->next[ref] != GNT_REF_IN_USE && r->next[ref] != GNT_REF_ENDING) )
        return -XEN_EINVAL;
    r->next[ref] = r->head;
    r->head = ref;
    r->nr_free++;
    return 0;
}

const char *
gnt_refs_why_not_in_use(const struct gnt_refs *r, grant_ref_t ref)
{
    if ( ref < GNTTAB_NR_RESERVED_ENTRIES )
        return "reserved for the toolstack";
    if ( ref >= r->nr )
        return "beyond the table";
    if ( r->next[ref] == GNT_REF_ENDING )
        return "already ending: its end waits for the grantee to unmap it";
    if ( r->next[ref] != GNT_REF_IN_USE )
        return "not granted: ended already, or never granted";
    return NULL;
}

int
gnt_refs_defer(struct gnt_refs *r, grant_ref_t ref)
{
    if ( gnt_refs_why_not_in_use(r, ref) )
        return -XEN_EINVAL;
    r->next[ref] = GNT_REF_ENDING;
    return 0;
}

uint32_t
gnt_refs_next_ending(const struct gnt_refs *r, uint32_t from)
{
    uint32_t ref;

    for ( ref = MAX(from, (uint32_t)GNTTAB_NR_RESERVED_ENTRIES); ref < r->nr;
          ref++ )
        if ( r->next[ref] == GNT_REF_ENDING )
            return ref;
    return GNT_REF_END;
}

int
gnt_entry_grant(grant_entry_v1_t *e, domid_t domid, uint64_t frame,
                bool readonly)
{
    uint16_t flags = GTF_permit_access | (readonly ? GTF_readonly : 0);

    if ( frame > UINT32_MAX ||
         __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE) != GTF_invalid )
        return -XEN_EINVAL;
    e->domid = domid;
    e->frame = (uint32_t)frame;
    /* Release: domid and frame are visible before the flags that tell Xen
     * the entry is valid. */
    __atomic_store_n(&e->flags, flags, __ATOMIC_RELEASE);
    return 0;
}

int
gnt_entry_end(grant_entry_v1_t *e)
{
    uint16_t flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);

    do
    {
        if ( flags & (GTF_reading | GTF_writing) )
            return -XEN_EBUSY;
        /* Xen sets reading/writing with an atomic operation of its own:
         * the compare-and-swap fails (and we look again) if it raced us,
         * so we never clear an entry the grantee has just mapped. */
    } while ( !__atomic_compare_exchange_n(&e->flags, &flags, GTF_invalid,
                                           false, __ATOMIC_ACQ_REL,
                                           __ATOMIC_ACQUIRE) );
    return 0;
}
