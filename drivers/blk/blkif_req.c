/* SPDX-License-Identifier: MIT */
/*
 * blkif_req.c - cutting a caller's request into blkif ring requests and
 * writing them (drivers/blk/blkif_req.h). Portable: host-tested in
 * tests/host/test_blkif_req.c.
 */
#include "drivers/blk/blkif_req.h"
#include <xen/errno.h>

BUILD_BUG_ON(sizeof(blkif_request_t) != 112);
BUILD_BUG_ON(BLKIF_PAGE_SECTS - 1 > UINT8_MAX);

int
blkif_split_start(struct blkif_split *s, uint64_t sector, uint64_t count,
                  uint32_t offset, uint32_t sector_size, uint64_t disk_sectors,
                  uint32_t max_segs)
{
    uint32_t align;

    if ( sector_size < BLKIF_SECTOR || sector_size > BLKIF_PAGE ||
         (sector_size & (sector_size - 1)) )
        return -XEN_EINVAL;
    align = sector_size / BLKIF_SECTOR;
    if ( count == 0 || offset >= BLKIF_PAGE || offset % sector_size ||
         sector % align || count % align || max_segs == 0 ||
         max_segs > BLKIF_SEGS_MAX )
        return -XEN_EINVAL;
    if ( count > disk_sectors || sector > disk_sectors - count )
        return -XEN_ERANGE;
    s->sector = sector;
    s->left = count;
    s->page = 0;
    s->in_page = offset / BLKIF_SECTOR;
    s->max_segs = max_segs;
    return 0;
}

bool
blkif_split_next(struct blkif_split *s, struct blkif_piece *p)
{
    uint32_t n;

    if ( s->left == 0 )
        return false;
    p->sector = s->sector;
    p->nr_sectors = 0;
    p->nr_segs = 0;
    while ( s->left && p->nr_segs < s->max_segs )
    {
        n = BLKIF_PAGE_SECTS - s->in_page;
        if ( n > s->left )
            n = (uint32_t)s->left;
        p->seg[p->nr_segs].page = s->page;
        p->seg[p->nr_segs].first = (uint8_t)s->in_page;
        p->seg[p->nr_segs].last = (uint8_t)(s->in_page + n - 1);
        p->nr_segs++;
        p->nr_sectors += n;
        s->sector += n;
        s->left -= n;
        s->in_page += n;
        if ( s->in_page == BLKIF_PAGE_SECTS )
        {
            s->in_page = 0;
            s->page++;
        }
    }
    return true;
}

uint64_t
blkif_split_count(uint64_t count, uint32_t offset, uint32_t max_segs)
{
    uint64_t pages;

    if ( count == 0 || max_segs == 0 || offset >= BLKIF_PAGE )
        return 0;
    pages = (offset / BLKIF_SECTOR + count + BLKIF_PAGE_SECTS - 1) /
            BLKIF_PAGE_SECTS;
    return (pages + max_segs - 1) / max_segs;
}

void
blkif_req_fill(blkif_request_t *req, uint8_t op, blkif_vdev_t handle,
               uint64_t id, const struct blkif_piece *p,
               const grant_ref_t *gref)
{
    uint32_t i;

    memset(req, 0, sizeof(*req));
    req->operation = op;
    req->nr_segments = (uint8_t)p->nr_segs;
    req->handle = handle;
    req->id = id;
    req->sector_number = p->sector;
    for ( i = 0; i < p->nr_segs; i++ )
    {
        req->seg[i].gref = gref[i];
        req->seg[i].first_sect = p->seg[i].first;
        req->seg[i].last_sect = p->seg[i].last;
    }
}

void
blkif_req_fill_empty(blkif_request_t *req, uint8_t op, blkif_vdev_t handle,
                     uint64_t id)
{
    memset(req, 0, sizeof(*req));
    req->operation = op;
    req->handle = handle;
    req->id = id;
}

const char *
blkif_op_name(unsigned int op)
{
    static const char *const names[] = {
        [BLKIF_OP_READ] = "read",
        [BLKIF_OP_WRITE] = "write",
        [BLKIF_OP_WRITE_BARRIER] = "barrier",
        [BLKIF_OP_FLUSH_DISKCACHE] = "flush",
        [BLKIF_OP_RESERVED_1] = "reserved",
        [BLKIF_OP_DISCARD] = "discard",
        [BLKIF_OP_INDIRECT] = "indirect",
    };

    return op < ARRAY_SIZE(names) ? names[op] : "op?";
}
