/* SPDX-License-Identifier: MIT */
/*
 * blkif_pool.c - the persistent-grant pool (drivers/blk/blkif_pool.h).
 * Portable: host-tested in tests/host/test_blkif_pool.c.
 */
#include "drivers/blk/blkif_pool.h"

void
blkif_pool_init(struct blkif_pool *p, struct blkif_pgnt *storage, uint32_t cap)
{
    memset(p, 0, sizeof(*p));
    p->e = storage;
    p->cap = cap;
}

bool
blkif_pool_get(struct blkif_pool *p, grant_ref_t *gref, void **page)
{
    if ( p->nfree == 0 )
        return false;
    p->nfree--;
    *gref = p->e[p->nfree].gref;
    *page = p->e[p->nfree].page;
    p->hits++;
    return true;
}

enum blkif_pool_src
blkif_pool_take(struct blkif_pool *p, bool persistent, grant_ref_t *gref,
                void **page)
{
    if ( !persistent )
        return BLKIF_POOL_ONCE;
    if ( blkif_pool_get(p, gref, page) )
        return BLKIF_POOL_REUSED;
    if ( blkif_pool_may_grow(p) )
        return BLKIF_POOL_NEW;
    p->waits++;
    return BLKIF_POOL_WAIT;
}

bool
blkif_grant_readonly(bool persistent, bool backend_only_reads)
{
    return backend_only_reads && !persistent;
}

bool
blkif_pool_may_grow(const struct blkif_pool *p)
{
    return p->granted < p->cap;
}

void
blkif_pool_grew(struct blkif_pool *p)
{
    p->granted++;
    p->grown++;
}

void
blkif_pool_put(struct blkif_pool *p, grant_ref_t gref, void *page,
               uint64_t now_ns)
{
    /* Never more free than granted, and granted <= cap: it fits. */
    p->e[p->nfree].gref = gref;
    p->e[p->nfree].page = page;
    p->e[p->nfree].used_ns = now_ns;
    p->nfree++;
}

uint32_t
blkif_pool_shrink(struct blkif_pool *p, uint64_t now_ns, uint64_t idle_ns,
                  struct blkif_pgnt *out, uint32_t max)
{
    uint32_t n = 0;

    /* The bottom of the stack is the least recently used. */
    while ( n < p->nfree && n < max &&
            (idle_ns == 0 ||
             (now_ns > idle_ns && p->e[n].used_ns < now_ns - idle_ns)) )
    {
        out[n] = p->e[n];
        n++;
    }
    if ( n == 0 )
        return 0;
    memmove(p->e, p->e + n, (p->nfree - n) * sizeof(*p->e));
    p->nfree -= n;
    p->granted -= n;
    p->shrunk += n;
    return n;
}
