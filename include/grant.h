/* SPDX-License-Identifier: MIT */
/*
 * grant.h - grant tables (version 1): letting another domain (a backend
 * in dom0) map or copy one of our pages. kernel/xen/grant/; the chapter
 * is docs/grant.md.
 *
 * A grant is one entry in a table we share with Xen: "domain D may access
 * frame F (read-only or not)". Its index, the grant reference, is what we
 * tell the other domain (through xenstore or a ring); it maps the page
 * with GNTTABOP_map_grant_ref, and Xen marks the entry in use meanwhile.
 * Every function returns 0 or a negative Xen errno and prints why it
 * refused. All are safe on any CPU with interrupts on or off.
 */
#ifndef XENLING_GRANT_H
#define XENLING_GRANT_H

#include <lib.h>
#include <xen/xen.h>
#include <xen/grant_table.h>

/*
 * Ask Xen how big the table may grow (GNTTABOP_query_size), map its first
 * frame with XENMEM_add_to_physmap (XENMAPSPACE_grant_table) over a page
 * taken from the allocator for good, and start a thread that retries
 * deferred ends. Boot CPU, once, after sched_init. Returns 0, or a
 * negative errno without Xen (grants then stay unavailable).
 */
int gnttab_init(void);

/*
 * Suspend and resume (kernel/resume.c). gnttab_suspend() copies the
 * table's entries (0, or -XEN_ENOMEM: printed, do not suspend); on the
 * boot vCPU with interrupts off and the others parked, so that no grant
 * changes after the copy (a completion ending a grant would be undone
 * by the copy). gnttab_resume(cancelled): in a new domain, map the
 * table's frames again at the same guest frames and put the entries
 * back, so every reference stays valid; the copy is freed either way.
 * Thread context, interrupts on; 0 (panics if Xen refuses a frame).
 */
int gnttab_suspend(void);
int gnttab_resume(bool cancelled);
bool gnttab_available(void);

/*
 * Grant `domid` access to the page at `page` (page-aligned, ours, and
 * never freed while granted), read-only if `readonly`. Maps another frame
 * of the table when all references are used, up to Xen's limit. On
 * success *ref is the reference to hand to the other domain. Returns
 * -XEN_ENOSPC when the table is full at its limit.
 */
int gnttab_grant(domid_t domid, const void *page, bool readonly,
                 grant_ref_t *ref);

/*
 * End the grant `ref`: after 0 the other domain can no longer map the
 * page, and the reference is free. Returns -XEN_EBUSY (printed) if the
 * other domain still has the page mapped: nothing changes, the grant stays
 * valid, and the page must not be freed or reused; -XEN_EINVAL (printed
 * with the reason) for a reference that is not in use: reserved, beyond
 * the table, ended already (or never granted), or already ending.
 */
int gnttab_end(grant_ref_t ref);

/*
 * End the grant and free its page (page_free). If the other domain still
 * has it mapped, the page is kept (a console line says so) and both are
 * retried later, until the other side lets go: a page a backend can still
 * write is never freed. Deferring allocates nothing (the reference marks
 * it), so it cannot fail. Returns 0 if ended now, 1 if deferred, or
 * -XEN_EINVAL (printed, nothing changes) for a reference that is not in
 * use or a page that is not the one it grants.
 */
int gnttab_end_and_free(grant_ref_t ref, void *page);

/* Try every deferred end again now; returns how many remain. */
unsigned int gnttab_retry_deferred(void);

struct gnttab_info {
    unsigned int frames;     /* table frames mapped now */
    unsigned int max_frames; /* Xen's limit for this domain */
    unsigned int refs;       /* references that exist (frames * 512) */
    unsigned int free;       /* of those, free now */
    unsigned int deferred;   /* ends waiting for the other side */
};
void gnttab_get_info(struct gnttab_info *out);

/*
 * For tests: have Xen copy `len` bytes from grant `ref` of domain `owner`
 * (ours, granted to `owner` itself) into the page at `dst`
 * (GNTTABOP_copy). Proves Xen reads the entry as we wrote it. Returns 0,
 * or a negative errno / GNTST_* status (printed).
 */
int gnttab_copy_from_ref(domid_t owner, grant_ref_t ref, void *dst,
                         unsigned int len);

#endif
