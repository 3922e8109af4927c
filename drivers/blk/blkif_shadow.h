/* SPDX-License-Identifier: MIT */
/*
 * blkif_shadow.h - the frontend's record of every ring request it has
 * issued and not yet seen answered (the "shadow" of the ring), and the
 * checks every response passes before it is believed. Portable
 * (drivers/blk/blkif_shadow.c), host-tested in
 * tests/host/test_blkif_rsp.c.
 *
 * A request's id is (sequence << 16) | slot: the slot finds the record
 * in one step, and the sequence, counted over the whole table and never
 * reused, tells a response for this request from one for an earlier
 * request in the same slot. A response is accepted only if its id names
 * a request in flight, its operation is the one that request had, and
 * its status is one blkif defines for that operation; each refusal is
 * printed naming what was wrong, and the driver then stops the disk.
 *
 * A slot's life: free -> in flight (blkif_shadow_get) -> answered
 * (blkif_shadow_complete: a second response now counts as a duplicate)
 * -> free (blkif_shadow_put, once the caller has ended its grants).
 */
#ifndef XENLING_BLKIF_SHADOW_H
#define XENLING_BLKIF_SHADOW_H

#include <lib.h>
#include <xen/xen.h>
#include <xen/io/blkif.h>

#define BLKIF_SHADOW_MAX   32 /* one page's ring (blkif_ring_slots(4096)) */
#define BLKIF_ID_SLOT_BITS 16

enum blkif_slot_state {
    BLKIF_SLOT_FREE,
    BLKIF_SLOT_IN_FLIGHT,
    BLKIF_SLOT_ANSWERED,
};

/*
 * One ring request. The id, state and op are the table's; the rest is
 * for the driver (grants, pages, the caller's request), untouched here.
 */
struct blkif_shadow_slot {
    uint64_t id;      /* in flight or answered: its id */
    uint64_t last_id; /* the id last answered in this slot (0: none) */
    uint8_t state;    /* enum blkif_slot_state */
    uint8_t op;       /* the operation the response must carry */
    uint16_t nr_segs; /* segments granted (driver) */
    uint64_t sector;  /* first sector, for messages (driver) */
    uint32_t nr_sectors;
    grant_ref_t gref[BLKIF_MAX_SEGMENTS_PER_REQUEST]; /* (driver) */
    void *page[BLKIF_MAX_SEGMENTS_PER_REQUEST];       /* (driver) */
    void *owner;   /* the caller's request (driver) */
    uint16_t next; /* free list */
};

/* The table of one ring. Locked by the driver, with its ring. */
struct blkif_shadow {
    struct blkif_shadow_slot slot[BLKIF_SHADOW_MAX];
    uint32_t nr;        /* slots in use by this ring (its size) */
    uint32_t free_head; /* first free slot, nr when none */
    uint32_t in_flight; /* slots in flight */
    uint64_t seq;       /* the sequence of the last id handed out */
    const char *name;   /* the disk, for messages */
};

/*
 * Start a table of `nr` free slots (1..BLKIF_SHADOW_MAX: the ring's
 * size). Returns 0, or -XEN_EINVAL.
 */
int blkif_shadow_init(struct blkif_shadow *t, uint32_t nr, const char *name);

/*
 * Take a free slot for a request with operation `op` (the response must
 * carry the same) and give it a fresh id. Returns the slot, or NULL when
 * all are taken (in flight or answered and not yet put back).
 */
struct blkif_shadow_slot *blkif_shadow_get(struct blkif_shadow *t, uint8_t op);

/*
 * Undo blkif_shadow_get for a request that never reached the ring (its
 * id is then never accepted).
 */
void blkif_shadow_cancel(struct blkif_shadow *t, struct blkif_shadow_slot *s);

/*
 * Check a response copied off the ring: the id names a slot in flight,
 * the operation matches its request's, the status is BLKIF_RSP_OKAY or
 * _ERROR, or _EOPNOTSUPP for a flush, barrier or discard (blkif allows it
 * nowhere else). On success the slot becomes answered and *out points
 * at it; returns 0. Otherwise returns -XEN_EBADMSG, printed naming the
 * fault ("already completed" for a duplicate of the last answer in a
 * slot), and nothing changes.
 */
int blkif_shadow_complete(struct blkif_shadow *t, const blkif_response_t *rsp,
                          struct blkif_shadow_slot **out);

/* Free an answered slot (its grants are ended). */
void blkif_shadow_put(struct blkif_shadow *t, struct blkif_shadow_slot *s);

#endif
