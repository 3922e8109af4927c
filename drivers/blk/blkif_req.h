/* SPDX-License-Identifier: MIT */
/*
 * blkif_req.h - turning a caller's request into blkif ring requests: a
 * run of 512-byte sectors and a buffer become one or more ring requests
 * of at most `max_segs` segments, each segment a run of sectors inside
 * one 4 KiB page (xen/io/blkif.h: first_sect..last_sect of the page).
 * Portable (drivers/blk/blkif_req.c), host-tested in
 * tests/host/test_blkif_req.c.
 *
 *   buffer:  | page 0      | page 1      | page 2  ...
 *                  [s0 s1 s2 ...                   ]   the caller's run
 *   segment:       [0: sects 3..7][1: sects 0..7][2: 0..2]
 *   ring request:  segments 0..max_segs-1, the next starts after
 *
 * Sector numbers here are always 512-byte units, as blkif counts them
 * (we never offer feature-large-sector-size); a disk whose logical
 * sector is larger needs every request aligned to it, which
 * blkif_split_start checks.
 */
#ifndef XENLING_BLKIF_REQ_H
#define XENLING_BLKIF_REQ_H

#include <lib.h>
#include <xen/xen.h>
#include <xen/io/blkif.h>

#define BLKIF_SECTOR        512u
#define BLKIF_PAGE          4096u
#define BLKIF_PAGE_SECTS    (BLKIF_PAGE / BLKIF_SECTOR)
#define BLKIF_SEGS_MAX      BLKIF_MAX_SEGMENTS_PER_REQUEST
/* The largest ring request of page-aligned data, in sectors (88). */
#define BLKIF_REQ_SECTS_MAX (BLKIF_SEGS_MAX * BLKIF_PAGE_SECTS)

/* Where a caller's request stands while it is cut into ring requests. */
struct blkif_split {
    uint64_t sector;   /* the next sector to cover */
    uint64_t left;     /* sectors still to cover */
    uint32_t page;     /* the buffer page holding the next sector */
    uint32_t in_page;  /* the sector within that page (0..7) */
    uint32_t max_segs; /* segments per ring request */
};

/* One ring request's worth of a split: `nr_segs` segments. */
struct blkif_piece {
    uint64_t sector;     /* the first sector */
    uint32_t nr_sectors; /* how many */
    uint32_t nr_segs;
    struct {
        uint32_t page; /* the buffer page (0 = the buffer's first) */
        uint8_t first; /* first sector in that page, 0..7 */
        uint8_t last;  /* last sector in that page, first..7 */
    } seg[BLKIF_SEGS_MAX];
};

/*
 * Start cutting a request of `count` sectors from `sector` whose buffer
 * begins `offset` bytes into its first page, on a disk of
 * `disk_sectors` sectors of `sector_size` bytes each (a power of two,
 * 512..4096; disk_sectors counts 512-byte units). Returns 0, or
 * -XEN_EINVAL when count is 0, the offset is not a multiple of the
 * sector size or not inside a page, the sector or count is not a
 * multiple of the disk's sector, or max_segs is not 1..BLKIF_SEGS_MAX;
 * -XEN_ERANGE when the run does not end on the disk (overflow
 * included). Nothing is printed: the caller knows its context.
 */
int blkif_split_start(struct blkif_split *s, uint64_t sector, uint64_t count,
                      uint32_t offset, uint32_t sector_size,
                      uint64_t disk_sectors, uint32_t max_segs);

/*
 * Cut the next ring request into *p: as many sectors as max_segs pages
 * hold from where the last one stopped. Returns false (p untouched)
 * when the whole run is covered.
 */
bool blkif_split_next(struct blkif_split *s, struct blkif_piece *p);

/*
 * How many ring requests a run needs (what blkif_split_next will
 * return), for the same arguments as blkif_split_start after it
 * succeeded: 0 if it would not.
 */
uint64_t blkif_split_count(uint64_t count, uint32_t offset, uint32_t max_segs);

/*
 * Write the ring request for piece `p` into *req: operation `op`
 * (BLKIF_OP_READ, _WRITE or _WRITE_BARRIER), the disk's `handle`, the
 * shadow `id`, and gref[i] as segment i's grant. The whole struct is
 * written (unused segments zeroed), so nothing stale reaches the ring.
 */
void blkif_req_fill(blkif_request_t *req, uint8_t op, blkif_vdev_t handle,
                    uint64_t id, const struct blkif_piece *p,
                    const grant_ref_t *gref);

/*
 * Write a request without data: BLKIF_OP_FLUSH_DISKCACHE, or an empty
 * BLKIF_OP_WRITE_BARRIER (both zero segments, sector 0).
 */
void blkif_req_fill_empty(blkif_request_t *req, uint8_t op, blkif_vdev_t handle,
                          uint64_t id);

/* "read", "write", "barrier", "flush", ... or "op?" for others. */
const char *blkif_op_name(unsigned int op);

#endif
