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
 * - BLK_OP_DISCARD: the whole discard extents inside the run (count
 *   sectors from sector; buf unused) may be forgotten by the disk; what
 *   they read back as afterwards is not promised (blkif promises
 *   nothing; docs/blkfront.md says what Linux's blkback does). The
 *   sectors around them are untouched. -XEN_EOPNOTSUPP without the
 *   backend's feature-discard (or with blk=nodiscard).
 * A read-only disk is never written: BLK_OP_WRITE, BLK_OP_DISCARD and
 * BLK_OP_BARRIER with data fail with -XEN_EROFS before anything reaches
 * the backend.
 */
#ifndef XENLING_BLK_H
#define XENLING_BLK_H

#include <lib.h>

enum blk_op {
    BLK_OP_READ,
    BLK_OP_WRITE,
    BLK_OP_FLUSH,
    BLK_OP_BARRIER,
    BLK_OP_DISCARD,
};

/* Completed, but the disk's cache may still hold the data. */
#define BLK_RES_NOT_DURABLE (1u << 0)

#define BLK_SECTOR         512u
#define BLK_QUEUES_MAX     8u /* a disk's queues at most */
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
    void *buf;       /* count * BLK_SECTOR bytes (DISCARD: unused) */
    void (*done)(struct blk_req *r);   /* called once, never with a lock
                                      * of the driver held */
    void *arg;                         /* the caller's */
    int status;                        /* 0 or a negative Xen errno */
    unsigned int flags;                /* BLK_RES_* */
    uint64_t priv[BLK_REQ_PRIV_WORDS]; /* the driver's */
};

struct blk_disk;

/* What a disk is, for callers and the console. */
struct blk_info {
    char name[16];        /* "xvda" */
    uint64_t sectors;     /* its size in 512-byte sectors */
    uint32_t sector_size; /* logical; requests align to it */
    uint32_t phys_sector_size;
    bool readonly, cdrom, removable;
    bool flush, barrier; /* offered, and not refused since */
    bool discard;        /* offered, on, and not refused since */
    uint32_t discard_granularity, discard_alignment; /* bytes */
    uint32_t queues;                                 /* rings in use */
    uint32_t ring_pages;                             /* each ring's pages */
    uint32_t max_segs;   /* segments one ring request may carry */
    bool persistent;     /* the backend keeps our grants mapped */
    uint64_t indirect;   /* of the reads and writes, sent as INDIRECT */
    uint64_t discards;   /* discards sent to the backend */
    uint64_t pool_hits;  /* segments served by persistent grants */
    uint64_t pool_waits; /* times a request waited for one (pool full) */
    uint64_t queue_reqs[BLK_QUEUES_MAX]; /* requests submitted per queue */
    bool stopped;      /* gone, or stopped after a bad response */
    uint64_t flushes;  /* cache flushes sent to the backend */
    uint64_t barriers; /* barriers sent to the backend */
    uint64_t reads, writes, sectors_read, sectors_written;
    uint64_t failed; /* requests that completed with an error */
};

/*
 * The disks. blk_disk_get(i) returns the i-th disk (0-based, in the
 * order they appeared) or NULL past the last; blk_disk_find by name.
 * Both take a reference: give it back with blk_disk_put. A disk removed
 * meanwhile stays valid (its requests fail) until the last reference
 * goes. Any context.
 */
unsigned int blk_disk_count(void);
struct blk_disk *blk_disk_get(unsigned int i);
struct blk_disk *blk_disk_find(const char *name);
void blk_disk_put(struct blk_disk *d);
void blk_disk_info(struct blk_disk *d, struct blk_info *out);

/*
 * Queue request r on disk d. r->done(r) runs once it completes (from the
 * disk's interrupt, or at once for a request that cannot be valid or a
 * stopped disk), with r->status 0 or a negative Xen errno: -XEN_EINVAL
 * (not a valid request), -XEN_ERANGE (past the end), -XEN_EROFS (a write
 * to a read-only disk), -XEN_EIO (the backend failed it, or the disk
 * stopped), -XEN_ENODEV (the disk was removed), -XEN_EOPNOTSUPP (a flush
 * no backend feature can stand in for). Any context.
 */
void blk_submit(struct blk_disk *d, struct blk_req *r);

/*
 * The same, waiting for the result: thread context. A request that gets
 * no answer in BLK_TIMEOUT_NS stops the disk (-XEN_ETIMEDOUT). *flags
 * (may be NULL) gets BLK_RES_* on success.
 */
#define BLK_TIMEOUT_NS (30 * 1000000000ull)
int blk_io(struct blk_disk *d, unsigned int op, uint64_t sector, uint32_t count,
           void *buf, unsigned int *flags);
int blk_read(struct blk_disk *d, uint64_t sector, uint32_t count, void *buf);
int blk_write(struct blk_disk *d, uint64_t sector, uint32_t count,
              const void *buf);
int blk_flush(struct blk_disk *d, unsigned int *flags);
int blk_discard(struct blk_disk *d, uint64_t sector, uint32_t count);

/*
 * Pages held now in the disks' pools of persistent grants, free for the
 * next request (the leak check counts them as kept, not lost). Thread
 * context.
 */
size_t blk_pool_pages(void);

/* Stop disk d as if its backend had misbehaved (tests, the monitor). */
void blk_disk_stop(struct blk_disk *d, int err, const char *why);

/* Add the monitor's `blk` command (drivers/blk/blk_monitor.c). */
void blk_monitor_init(void);

/*
 * Register blkfront with xenbus (drivers/blk/blk_xenbus.c): every disk
 * the toolstack gives us, now or later, is brought up (a console line
 * each). Adds the monitor's `blk`. Boot CPU, once, after xenbus_init.
 * Returns 0, or -XEN_ENODEV without xenstore.
 */
int blk_init(void);

/*
 * Around a suspend (kernel/resume.c; drivers/blk/blk_resume.c).
 * blk_suspend: every disk stops putting requests on its rings; those in
 * flight stay there and their callers wait; new ones are queued. Thread
 * context, before the other vCPUs park. blk_resume(true), after a
 * cancelled suspend (the backend is still there): go on. blk_resume
 * (false), in a new domain, interrupts on, before xenbus_resume: take
 * the answers the old backend left on each ring, then every unfinished
 * request out of the engines, kept in order until the device's new
 * backend connects (blkfront_reconnect submits them again).
 */
void blk_suspend(void);
void blk_resume(bool cancelled);

#endif
