/* SPDX-License-Identifier: MIT */
/*
 * blk.h - block devices: what a caller may ask of a disk and what it is
 * told back. The disks are Xen virtual block devices served by a
 * backend in another domain (blkfront: drivers/blk/).
 *
 * Sectors are always 512 bytes here, whatever the disk's logical sector
 * size; a request must be aligned to that size.
 *
 * What each operation promises once it completes with status 0:
 * - BLK_OP_READ, BLK_OP_WRITE: the data moved; nothing about order or
 *   durability relative to other requests in flight.
 * - BLK_OP_FLUSH: every write that completed before the flush was
 *   issued is on stable storage. Without a cache flush from the backend
 *   it falls back to a barrier (BLK_RES_NOT_DURABLE set), or, with
 *   neither, fails with -XEN_EOPNOTSUPP: durability cannot be promised.
 * - BLK_OP_BARRIER: every write issued before it completed before it,
 *   and no write issued after it starts before it completed. With data,
 *   the data is written in between, and is durable before any later
 *   write starts when the backend offers a cache flush (else
 *   BLK_RES_NOT_DURABLE: ordered, but nothing is promised about the
 *   disk's cache). drivers/blk/blkif_order.h has the steps each takes.
 * A read-only disk is never written: BLK_OP_WRITE and BLK_OP_BARRIER with
 * data fail with -XEN_EROFS before anything reaches the backend.
 */
#ifndef XENLING_BLK_H
#define XENLING_BLK_H

#include <lib.h>

enum blk_op {
    BLK_OP_READ,
    BLK_OP_WRITE,
    BLK_OP_FLUSH,
    BLK_OP_BARRIER,
};

/* Completed, but the disk's cache may still hold the data. */
#define BLK_RES_NOT_DURABLE (1u << 0)

#define BLK_SECTOR         512u
#define BLK_REQ_PRIV_WORDS 12

/*
 * One request. The caller fills the first block, submits it, and must
 * not touch it again until done(r) has run; the driver fills status and
 * flags before calling done. The buffer needs no alignment: the backend
 * never sees it (the driver copies through pages of its own, so a
 * backend can neither read nor write anything else of ours).
 */
struct blk_req {
    unsigned int op; /* enum blk_op */
    uint64_t sector; /* the first 512-byte sector */
    uint32_t count;  /* sectors; 0 for FLUSH and an empty BARRIER */
    void *buf;       /* count * BLK_SECTOR bytes */
    void (*done)(struct blk_req *r);   /* called once, never with a lock
                                      * of the driver held */
    void *arg;                         /* the caller's */
    int status;                        /* 0 or a negative Xen errno */
    unsigned int flags;                /* BLK_RES_* */
    uint64_t priv[BLK_REQ_PRIV_WORDS]; /* the driver's */
};

#endif
