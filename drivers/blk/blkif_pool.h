/* SPDX-License-Identifier: MIT */
/*
 * blkif_pool.h - persistent grants: a bounded pool of pages each granted
 * to the backend once (writable, as blkif asks) and reused for request
 * after request, the data copied in and out, so the backend can keep
 * them mapped (feature-persistent) instead of mapping and unmapping each
 * segment. The free pages are a LIFO stack: the most recently used is
 * reused first, so a small hot set serves a light load and the rest,
 * left at the bottom, go idle; blkif_pool_shrink hands back those unused
 * for a while. Portable (drivers/blk/blkif_pool.c), host-tested in
 * tests/host/test_blkif_pool.c; the driver grants and ends the pages.
 *
 *   e[0]  ........ e[nfree-1] | (in use by requests: granted - nfree)
 *   oldest                 newest
 */
#ifndef XENLING_BLKIF_POOL_H
#define XENLING_BLKIF_POOL_H

#include <lib.h>
#include <xen/xen.h>
#include <xen/grant_table.h>

/* One persistently granted page. */
struct blkif_pgnt {
    grant_ref_t gref;
    void *page;
    uint64_t used_ns; /* when it was last given back */
};

/* One queue's pool. Locked by the driver (the queue's lock). */
struct blkif_pool {
    struct blkif_pgnt *e; /* cap entries; [0, nfree) are free */
    uint32_t cap;         /* the most pages the pool may hold granted */
    uint32_t nfree;       /* free now */
    uint32_t granted;     /* pool pages in existence: free + in use */
    uint64_t hits;        /* gets served from the pool */
    uint64_t waits;       /* takes that found it empty at its cap */
    uint64_t grown;       /* pages added */
    uint64_t shrunk;      /* pages handed back idle */
};

/* Start an empty pool over `storage` (cap entries; cap may be 0). */
void blkif_pool_init(struct blkif_pool *p, struct blkif_pgnt *storage,
                     uint32_t cap);

/*
 * Take the most recently used free page: true with *gref and *page, or
 * false when none is free.
 */
bool blkif_pool_get(struct blkif_pool *p, grant_ref_t *gref, void **page);

/* Where the page of one segment comes from (blkif_pool_take). */
enum blkif_pool_src {
    BLKIF_POOL_REUSED, /* a free page of the pool: *gref and *page set */
    BLKIF_POOL_NEW,    /* grant a new page and keep it in the pool */
    BLKIF_POOL_ONCE,   /* grant a page for this segment only */
    BLKIF_POOL_WAIT,   /* none now: wait until a completion frees one */
};

/*
 * The page for one segment. Without persistent grants, always a page
 * granted for the segment only (p is not used). With them, a free page
 * of the pool, else a new one while the pool is below its cap, else
 * none: the request waits for a page to come back (BLKIF_POOL_WAIT),
 * and never gets a grant outside the pool, because a backend that keeps
 * grants maps any grant it is given persistently while it has room, so
 * a grant meant for one request would stay mapped after it (Linux's
 * blkback: until it purges it) and its page could not be taken back.
 * The caller keeps the pool's cap above the pages of one request, so
 * that a request never waits for itself.
 */
enum blkif_pool_src blkif_pool_take(struct blkif_pool *p, bool persistent,
                                    grant_ref_t *gref, void **page);

/*
 * Whether a segment's grant may be read-only: only for a page the
 * backend only reads (a write's data, indirect descriptors), and only
 * without persistent grants. With feature-persistent the backend may
 * map every grant writable (xen/io/blkif.h; Linux's blkback does), pool
 * page or not, and Xen refuses a writable map of a read-only grant: the
 * request fails with BLKIF_RSP_ERROR.
 */
bool blkif_grant_readonly(bool persistent, bool backend_only_reads);

/*
 * Whether the caller may grant one more page for the pool (it then
 * calls blkif_pool_grew and uses the page, putting it back later);
 * false at the cap: use a page granted for this request only.
 */
bool blkif_pool_may_grow(const struct blkif_pool *p);
void blkif_pool_grew(struct blkif_pool *p);

/* Give a page of the pool back, at time now_ns. */
void blkif_pool_put(struct blkif_pool *p, grant_ref_t gref, void *page,
                    uint64_t now_ns);

/*
 * Take out up to `max` free pages unused since before now_ns - idle_ns
 * (the oldest first) into out[]; with idle_ns 0 every free page goes
 * (the disk is closing). Returns how many: the caller ends their grants
 * and frees them.
 */
uint32_t blkif_pool_shrink(struct blkif_pool *p, uint64_t now_ns,
                           uint64_t idle_ns, struct blkif_pgnt *out,
                           uint32_t max);

#endif
