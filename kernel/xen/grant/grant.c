/* SPDX-License-Identifier: MIT */
/*
 * grant.c - grant tables, version 1 (include/grant.h): the table's frames
 * mapped into our physical address space, references handed out from the
 * portable free list (gnt_entries.c), and ends that wait, when the other
 * domain still maps a page, until it lets go.
 */
#include <kernel.h>
#include <grant.h>
#include <hypervisor.h>
#include <mm.h>
#include <sched.h>
#include <spinlock.h>
#include <wait.h>
#include <xen_errno.h>
#include <clock.h>
#include "kernel/xen/grant/gnt_entries.h"

/* At most this many frames, whatever Xen allows (a static array of
 * pointers; 256 frames are 131072 references). */
#define GNT_MAX_FRAMES 256u
/* How often the reaper retries ends the other side still blocks. */
#define RETRY_NS       (100 * NSEC_PER_MSEC)

/*
 * Everything a resume would rebuild is here: the frames (re-added to the
 * physmap at the same guest frames), the sizes, and the entries in them.
 */
static struct {
    spinlock_t lock; /* everything below but max_frames */
    grant_entry_v1_t *frame[GNT_MAX_FRAMES]; /* mapped table frames */
    unsigned int nr_frames;
    unsigned int max_frames;  /* set once by gnttab_init */
    struct gnt_refs refs;     /* an ending reference is a deferred end */
    unsigned int nr_deferred; /* ending references */
    bool ready;               /* set last by gnttab_init */
    /* gnttab_suspend's copy of the frames, until gnttab_resume. */
    grant_entry_v1_t *saved;
} gt = { .lock = SPINLOCK_INIT("gnttab") };

static struct waitq reaper_wq = WAITQ_INIT("gnttab-reaper");

static long
grant_table_op(unsigned int cmd, void *arg, unsigned int count)
{
    return hypercall3(__HYPERVISOR_grant_table_op, cmd, arg, count);
}

static grant_entry_v1_t *
entry(grant_ref_t ref)
{
    return &gt.frame[ref / GNT_ENTRIES_PER_FRAME][ref % GNT_ENTRIES_PER_FRAME];
}

/*
 * Map table frame number gt.nr_frames over a page of ours: Xen takes the
 * RAM behind it back and puts the grant frame there, so the page is
 * never returned to the allocator, even if Xen refuses (Xen may already
 * have removed the RAM: we cannot tell, so we never reuse it). Caller
 * holds gt.lock.
 */
static int
map_frame_locked(void)
{
    struct xen_add_to_physmap xatp = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_grant_table,
        .idx = gt.nr_frames,
    };
    void *page;
    long rc;

    if ( gt.nr_frames >= gt.max_frames )
        return -XEN_ENOSPC;
    page = page_alloc_zeroed();
    if ( !page )
    {
        printk("gnttab: no page for table frame %u\n", gt.nr_frames);
        return -XEN_ENOMEM;
    }
    xatp.gpfn = virt_to_phys(page) >> PAGE_SHIFT;
    rc = xen_check(hypercall_memory_op(XENMEM_add_to_physmap, &xatp),
                   "gnttab: XENMEM_add_to_physmap of table frame %u",
                   gt.nr_frames);
    if ( rc )
        return rc; /* the page stays allocated: see above */
    gt.frame[gt.nr_frames++] = page;
    rc = gnt_refs_grow(&gt.refs, gt.nr_frames * GNT_ENTRIES_PER_FRAME);
    if ( rc )
        panic("gnttab: %u references do not fit the free list's %u slots",
              gt.nr_frames * (unsigned int)GNT_ENTRIES_PER_FRAME,
              gt.refs.capacity);
    /* Each growth changes our p2m under running vCPUs: say when, so a
     * later fault can be set beside it (tools/README.md, triple fault). */
    if ( gt.nr_frames > 1 )
        printk("gnttab: grown to %u frames (%u references), frame at 0x%llx\n",
               gt.nr_frames, gt.nr_frames * (unsigned int)GNT_ENTRIES_PER_FRAME,
               (unsigned long long)virt_to_phys(page));
    return 0;
}

static bool
have_deferred(void *arg)
{
    return __atomic_load_n(&gt.nr_deferred, __ATOMIC_RELAXED) != 0;
}

/* The reaper thread: while some end waits for the other side, retry it
 * every RETRY_NS; otherwise sleep until gnttab_end_and_free defers one. */
static void
reaper(void *arg)
{
    for ( ;; )
    {
        wait_event_timeout(&reaper_wq, have_deferred, NULL, UINT64_MAX);
        while ( gnttab_retry_deferred() )
            sleep_ns(RETRY_NS);
    }
}

int
gnttab_init(void)
{
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    size_t slots, pages;
    uint32_t *next;
    unsigned long flags;
    long rc;

    if ( !xen.hypercalls )
        return -XEN_ENODEV;
    rc = xen_check(grant_table_op(GNTTABOP_query_size, &q, 1),
                   "gnttab: GNTTABOP_query_size");
    if ( rc == 0 && q.status != GNTST_okay )
    {
        printk("gnttab: GNTTABOP_query_size status %d\n", q.status);
        rc = -XEN_EINVAL;
    }
    if ( rc )
        return rc;
    if ( q.max_nr_frames == 0 || q.nr_frames > q.max_nr_frames )
    {
        printk("gnttab: rejected sizes from Xen: %u frames of at most %u\n",
               q.nr_frames, q.max_nr_frames);
        return -XEN_EINVAL;
    }
    gt.max_frames = MIN(q.max_nr_frames, GNT_MAX_FRAMES);
    slots = gt.max_frames * GNT_ENTRIES_PER_FRAME;
    pages = (slots * sizeof(uint32_t) + PAGE_SIZE - 1) / PAGE_SIZE;
    next = page_alloc_n(pages);
    if ( !next )
    {
        printk("gnttab: no memory for %zu references\n", slots);
        return -XEN_ENOMEM;
    }
    gnt_refs_init(&gt.refs, next, slots);
    flags = spin_lock_irqsave(&gt.lock);
    rc = map_frame_locked();
    spin_unlock_irqrestore(&gt.lock, flags);
    if ( rc )
        return rc;
    if ( !thread_create("gnttab-reaper", reaper, NULL, 0) )
        printk(
            "gnttab: no reaper thread: deferred ends are retried only on later grant operations\n");
    gt.ready = true;
    printk(
        "gnttab: version 1, %u of at most %u frames (Xen allows %u), %u references\n",
        gt.nr_frames, gt.max_frames, q.max_nr_frames, gt.refs.nr);
    return 0;
}

int
gnttab_suspend(void)
{
    unsigned long flags;
    unsigned int i;

    if ( !gt.ready )
        return 0;
    /* Copy the entries now: whether the toolstack saves the table's
     * frames with our memory is its business, and they are Xen's pages
     * until we map new ones there. Grants do not change from here on:
     * every other vCPU is about to park and no grant is made meanwhile. */
    gt.saved = page_alloc_n(gt.nr_frames);
    if ( !gt.saved )
    {
        printk("gnttab: no memory to keep %u table frames across suspend\n",
               gt.nr_frames);
        return -XEN_ENOMEM;
    }
    flags = spin_lock_irqsave(&gt.lock);
    for ( i = 0; i < gt.nr_frames; i++ )
        memcpy((char *)gt.saved + i * PAGE_SIZE, gt.frame[i], PAGE_SIZE);
    spin_unlock_irqrestore(&gt.lock, flags);
    return 0;
}

int
gnttab_resume(bool cancelled)
{
    unsigned long flags;
    unsigned int i, j;
    long rc = 0;

    if ( !gt.ready || !gt.saved )
        return 0;
    flags = spin_lock_irqsave(&gt.lock);
    for ( i = 0; i < gt.nr_frames && !cancelled; i++ )
    {
        struct xen_add_to_physmap xatp = {
            .domid = DOMID_SELF,
            .space = XENMAPSPACE_grant_table,
            .idx = i,
            .gpfn = virt_to_phys(gt.frame[i]) >> PAGE_SHIFT,
        };
        grant_entry_v1_t *old = gt.saved + i * GNT_ENTRIES_PER_FRAME;

        rc = xen_check(
            hypercall_memory_op(XENMEM_add_to_physmap, &xatp),
            "gnttab: XENMEM_add_to_physmap of table frame %u after resume", i);
        if ( rc )
            panic(
                "gnttab: table frame %u cannot be mapped again after resume: every grant in it would be invalid",
                i);
        /*
         * Our grants again, with the same references, so a driver may
         * keep them; Xen's own marks of the old peer's mappings (reading,
         * writing) go: no domain maps anything of this new domain yet,
         * so nobody reads an entry while it is written.
         */
        for ( j = 0; j < GNT_ENTRIES_PER_FRAME; j++ )
        {
            grant_entry_v1_t e = old[j];

            e.flags &= ~(GTF_reading | GTF_writing);
            gt.frame[i][j] = e;
        }
    }
    spin_unlock_irqrestore(&gt.lock, flags);
    page_free_n(gt.saved, gt.nr_frames);
    gt.saved = NULL;
    if ( !cancelled )
        printk("gnttab: %u table frames mapped again, %u entries kept\n",
               gt.nr_frames,
               gt.nr_frames * (unsigned int)GNT_ENTRIES_PER_FRAME);
    return (int)rc;
}

bool
gnttab_available(void)
{
    return gt.ready;
}

int
gnttab_grant(domid_t domid, const void *page, bool readonly, grant_ref_t *ref)
{
    uint64_t frame = virt_to_phys(page) >> PAGE_SHIFT;
    unsigned long flags;
    int rc, grow = 0;

    if ( !gt.ready )
        return -XEN_ENODEV;
    if ( (uintptr_t)page & (PAGE_SIZE - 1) )
    {
        printk("gnttab: grant of %p: not page-aligned\n", page);
        return -XEN_EINVAL;
    }
    flags = spin_lock_irqsave(&gt.lock);
    rc = gnt_refs_get(&gt.refs, ref);
    if ( rc == -XEN_ENOSPC && (grow = map_frame_locked()) == 0 )
        rc = gnt_refs_get(&gt.refs, ref);
    if ( rc == 0 )
    {
        rc = gnt_entry_grant(entry(*ref), domid, frame, readonly);
        if ( rc )
        {
            printk(
                "gnttab: reference %u was free but its entry is in use (flags 0x%x)\n",
                *ref, entry(*ref)->flags);
            /* Leave it marked used: it is not ours to reuse. */
        }
    }
    else if ( grow == -XEN_ENOSPC )
        printk("gnttab: all %u references in use (%u frames, the limit)\n",
               gt.refs.nr, gt.nr_frames);
    else
        printk(
            "gnttab: all %u references in use (%u frames) and the table could not grow (error %d, said above)\n",
            gt.refs.nr, gt.nr_frames, grow);
    spin_unlock_irqrestore(&gt.lock, flags);
    return rc;
}

/* End `ref`, which must be in use, with gt.lock held: 0, -XEN_EBUSY
 * (still mapped), -XEN_EINVAL (*why says why it is not in use). */
static int
end_locked(grant_ref_t ref, const char **why)
{
    int rc;

    if ( (*why = gnt_refs_why_not_in_use(&gt.refs, ref)) != NULL )
        return -XEN_EINVAL;
    rc = gnt_entry_end(entry(ref));
    if ( rc == 0 )
        gnt_refs_put(&gt.refs, ref);
    return rc;
}

int
gnttab_end(grant_ref_t ref)
{
    const char *why;
    unsigned long flags;
    int rc;

    if ( !gt.ready )
        return -XEN_ENODEV;
    flags = spin_lock_irqsave(&gt.lock);
    rc = end_locked(ref, &why);
    spin_unlock_irqrestore(&gt.lock, flags);
    if ( rc == -XEN_EBUSY )
        printk("gnttab: reference %u is still mapped by domain %u: not ended\n",
               ref, entry(ref)->domid);
    else if ( rc )
        printk("gnttab: end of reference %u refused: %s\n", ref, why);
    return rc;
}

int
gnttab_end_and_free(grant_ref_t ref, void *page)
{
    const char *why = NULL;
    unsigned long flags;
    domid_t domid = 0;
    int rc;

    if ( !gt.ready )
        return -XEN_ENODEV;
    flags = spin_lock_irqsave(&gt.lock);
    if ( !gnt_refs_why_not_in_use(&gt.refs, ref) &&
         entry(ref)->frame != virt_to_phys(page) >> PAGE_SHIFT )
    {
        why = "the page given is not the one it grants";
        rc = -XEN_EINVAL;
    }
    else
        rc = end_locked(ref, &why);
    if ( rc == -XEN_EBUSY )
    {
        /* The reference remembers the deferred end (and its entry the
         * page): nothing to allocate, so nothing can be lost. */
        gnt_refs_defer(&gt.refs, ref);
        gt.nr_deferred++;
        domid = entry(ref)->domid;
    }
    spin_unlock_irqrestore(&gt.lock, flags);
    if ( rc == 0 )
    {
        page_free(page);
        return 0;
    }
    if ( rc == -XEN_EBUSY )
    {
        printk(
            "gnttab: reference %u is still mapped by domain %u: its page is kept, and the end retried every %llu ms until it is unmapped\n",
            ref, domid, (unsigned long long)(RETRY_NS / NSEC_PER_MSEC));
        waitq_wake_all(&reaper_wq);
        return 1;
    }
    printk("gnttab: end of reference %u refused: %s; page kept\n", ref, why);
    return rc;
}

unsigned int
gnttab_retry_deferred(void)
{
    uint32_t ref = 0, found = 0;
    unsigned long flags;
    unsigned int left;
    void *page;

    if ( !gt.ready )
        return 0;
    flags = spin_lock_irqsave(&gt.lock);
    /* Page frees nest inside gt.lock, as the table's growth allocates
     * inside it. */
    while ( found < gt.nr_deferred &&
            (ref = gnt_refs_next_ending(&gt.refs, ref)) != GNT_REF_END )
    {
        if ( gnt_entry_end(entry(ref)) == 0 )
        {
            page = phys_to_virt((uint64_t)entry(ref)->frame << PAGE_SHIFT);
            gnt_refs_put(&gt.refs, ref);
            gt.nr_deferred--;
            printk("gnttab: reference %u was unmapped at last: page freed\n",
                   ref);
            page_free(page);
        }
        else
            found++;
        ref++;
    }
    left = gt.nr_deferred;
    spin_unlock_irqrestore(&gt.lock, flags);
    return left;
}

void
gnttab_get_info(struct gnttab_info *out)
{
    unsigned long flags = spin_lock_irqsave(&gt.lock);

    out->frames = gt.nr_frames;
    out->max_frames = gt.max_frames;
    out->refs = gt.refs.nr;
    out->free = gt.refs.nr_free;
    out->deferred = gt.nr_deferred;
    spin_unlock_irqrestore(&gt.lock, flags);
}

int
gnttab_copy_from_ref(domid_t owner, grant_ref_t ref, void *dst,
                     unsigned int len)
{
    struct gnttab_copy op = {
        .source = { .u.ref = ref, .domid = owner },
        .dest = { .u.gmfn = virt_to_phys(dst) >> PAGE_SHIFT,
                  .domid = DOMID_SELF,
                  .offset = (uint16_t)((uintptr_t)dst & (PAGE_SIZE - 1)) },
        .len = (uint16_t)len,
        .flags = GNTCOPY_source_gref,
    };
    long rc;

    rc = xen_check(grant_table_op(GNTTABOP_copy, &op, 1),
                   "gnttab: GNTTABOP_copy from reference %u", ref);
    if ( rc )
        return rc;
    if ( op.status != GNTST_okay )
    {
        printk("gnttab: GNTTABOP_copy from reference %u: status %d\n", ref,
               op.status);
        return op.status;
    }
    return 0;
}
