/* SPDX-License-Identifier: MIT */
/*
 * gnt_entries.h - the portable half of grant tables
 * (kernel/xen/grant/gnt_entries.c): the free list of grant references and
 * the life cycle of one version-1 grant entry, shared with Xen. The
 * kernel half (grant.c) maps the table's frames and calls these; host
 * tests run them on ordinary memory.
 *
 * One v1 entry (8 bytes, xen/grant_table.h):
 *
 *   flags (16 bits)  domid (16 bits)  frame (32 bits)
 *   GTF_permit_access [| GTF_readonly]   written by us
 *   GTF_reading | GTF_writing            set by Xen while the grantee
 *                                        has the frame mapped or in use
 */
#ifndef XENLING_GNT_ENTRIES_H
#define XENLING_GNT_ENTRIES_H

#include <lib.h>
#include <xen/xen.h>
#include <xen/grant_table.h>

#define GNT_ENTRIES_PER_FRAME (4096 / sizeof(grant_entry_v1_t))

/*
 * The free references. `next` has one slot per reference the table can
 * ever hold; a free reference's slot links to the next free one, a used
 * one holds GNT_REF_IN_USE. References below GNTTAB_NR_RESERVED_ENTRIES
 * belong to the toolstack and are never handed out. Not locked: the
 * caller (grant.c) holds its lock.
 */
#define GNT_REF_ENDING 0xfffffffdu /* used; its end waits for the grantee */
#define GNT_REF_IN_USE 0xfffffffeu
#define GNT_REF_END    0xffffffffu

struct gnt_refs {
    uint32_t *next;    /* [capacity] */
    uint32_t capacity; /* slots in next[] */
    uint32_t nr;       /* references that exist now (mapped frames) */
    uint32_t head;     /* first free reference, or GNT_REF_END */
    uint32_t nr_free;
};

/* Start with no references; next[] has room for `capacity`. */
void gnt_refs_init(struct gnt_refs *r, uint32_t *next, uint32_t capacity);

/*
 * Make references [r->nr, new_nr) free (a frame of entries was mapped).
 * Returns 0, or -XEN_EINVAL if new_nr is not above r->nr or beyond the
 * capacity.
 */
int gnt_refs_grow(struct gnt_refs *r, uint32_t new_nr);

/* Take a free reference into *ref. Returns 0, or -XEN_ENOSPC if none. */
int gnt_refs_get(struct gnt_refs *r, grant_ref_t *ref);

/*
 * Give a used or ending reference back. Returns 0, or -XEN_EINVAL for a
 * reference that is reserved, out of range or already free (nothing
 * changes).
 */
int gnt_refs_put(struct gnt_refs *r, grant_ref_t ref);

/*
 * Why the owner cannot end `ref`: NULL if it is in use, else the phrase
 * for the message ("reserved for the toolstack", "beyond the table", "not
 * granted: ended already, or never granted", "already ending: its end
 * waits for the grantee to unmap it").
 */
const char *gnt_refs_why_not_in_use(const struct gnt_refs *r, grant_ref_t ref);

/*
 * Mark a used reference as ending: its end was refused (still mapped) and
 * is retried later; the reference itself remembers it, so deferring needs
 * no memory. Returns 0, or -XEN_EINVAL if `ref` is not in use.
 */
int gnt_refs_defer(struct gnt_refs *r, grant_ref_t ref);

/* The first ending reference at or above `from`, or GNT_REF_END. */
uint32_t gnt_refs_next_ending(const struct gnt_refs *r, uint32_t from);

/*
 * Fill an unused entry to grant `domid` access to `frame`: domid and frame
 * first, then, after a release fence, the flags that make it valid (Xen
 * must never see valid flags with a stale frame). Returns 0, or
 * -XEN_EINVAL if the frame does not fit v1's 32 bits or the entry is in
 * use.
 */
int gnt_entry_grant(grant_entry_v1_t *e, domid_t domid, uint64_t frame,
                    bool readonly);

/*
 * End access through an entry: atomically clear its flags, but only if Xen
 * does not say the grantee is using it (GTF_reading/GTF_writing). Returns
 * 0 (the grantee can no longer map it), or -XEN_EBUSY (still mapped or in
 * use: nothing changed, the page must be kept).
 */
int gnt_entry_end(grant_entry_v1_t *e);

#endif
