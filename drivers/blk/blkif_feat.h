/* SPDX-License-Identifier: MIT */
/*
 * blkif_feat.h - the performance features of a blkif disk, and what we
 * choose of what the backend offers: the kernel command line's `blk=`
 * switches, the ring's size (pages, 2^order), how many queues, how many
 * segments one request may carry (indirect descriptors), which queue a
 * CPU submits to, and which part of a range a discard may really cover.
 * Portable (drivers/blk/blkif_feat.c), host-tested in
 * tests/host/test_blkif_feat.c; the driver reads the keys and the
 * command line, and writes what was chosen (blk_xenbus.c).
 *
 *   backend (InitWait)           we (Initialised)
 *   max-ring-page-order = 4  ->  ring-page-order = min(4, ringorder=)
 *   multi-queue-max-queues = 4 -> multi-queue-num-queues = min(4, vCPUs,
 *                                 queues=), queue-N/ring-refK, event-channel
 *                                feature-persistent = 1 (unless nopersistent)
 *   backend (Connected)
 *   feature-max-indirect-segments = 256 -> up to 256 segments a request
 *   feature-persistent = 1 -> the grant pool (blkif_pool.h) is used
 *   feature-discard = 1, discard-granularity, -alignment -> BLK_OP_DISCARD
 */
#ifndef XENLING_BLKIF_FEAT_H
#define XENLING_BLKIF_FEAT_H

#include <lib.h>
#include "drivers/blk/blkif_negot.h"

/* Our own limits, whatever the backend offers. */
#define BLKIF_RING_ORDER_MAX 3u /* 8 pages: 256 slots (292 fit) */
#define BLKIF_QUEUES_MAX     8u

/* The `blk=` switches. All on by default: the backend decides. */
struct blkif_opts {
    bool indirect;      /* noindirect: at most 11 segments a request */
    bool persistent;    /* nopersistent: a fresh grant per segment */
    bool discard;       /* nodiscard: BLK_OP_DISCARD is refused */
    uint32_t queues;    /* queues=N (>= 1); 0: one per vCPU */
    int32_t ring_order; /* ringorder=N (>= 0); -1: the most offered */
};

/* The defaults: everything on, as much as offered. */
void blkif_opts_default(struct blkif_opts *o);

/*
 * Parse `s`, words separated by commas: noindirect, persistent (the
 * default: accepted so that older command lines still work), nopersistent,
 * nodiscard, queues=N (1..BLKIF_QUEUES_MAX), ringorder=N
 * (0..BLKIF_RING_ORDER_MAX), into *o (starting from the defaults).
 * Returns 0, or -XEN_EINVAL for a word it does not know or a number out
 * of range (printed, naming the word; *o then holds the defaults).
 */
int blkif_opts_parse(const char *s, struct blkif_opts *o);

/* What a disk's rings look like, chosen before they are made. */
struct blkif_layout {
    uint32_t ring_order; /* each ring is 2^ring_order pages */
    uint32_t nr_queues;  /* 1..BLKIF_QUEUES_MAX */
};

/*
 * Choose the rings for a backend offering `max_order` (its
 * max-ring-page-order, 0 when missing) and `max_queues` (its
 * multi-queue-max-queues, 1 when missing, 0 taken as 1), for `nr_cpus`
 * vCPUs, within *o and our own limits.
 */
void blkif_layout_choose(const struct blkif_opts *o, uint32_t max_order,
                         uint32_t max_queues, uint32_t nr_cpus,
                         struct blkif_layout *l);

/*
 * The segments one ring request may carry: the backend's
 * feature-max-indirect-segments capped at BLKIF_IND_SEGS_MAX when
 * indirect requests are on and it offers more than 11, else 11.
 */
uint32_t blkif_segs_choose(const struct blkif_opts *o,
                           uint32_t max_indirect_segs);

/* The queue CPU `cpu` submits to (nr_queues >= 1). */
uint32_t blkif_queue_of(uint32_t cpu, uint32_t nr_queues);

/*
 * The part of the run of `count` 512-byte sectors from `sector` that is
 * made of whole discard extents of disk *p (extents of
 * discard_granularity bytes, the first starting discard_alignment bytes
 * into the disk): *first and *n (0 when no whole extent fits; the
 * sectors outside it are left alone, which a discard allows). Returns
 * 0, or -XEN_EINVAL when the disk does not offer discard.
 */
int blkif_discard_range(const struct blkif_params *p, uint64_t sector,
                        uint64_t count, uint64_t *first, uint64_t *n);

#endif
