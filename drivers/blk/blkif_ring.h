/* SPDX-License-Identifier: MIT */
/*
 * blkif_ring.h - the frontend's side of one blkif ring (xen/io/blkif.h):
 * a page shared with the backend holding four indices and an array of
 * slots, each slot a request (ours) or, later, its response (the
 * backend's). Portable (drivers/blk/blkif_ring.c), host-tested in
 * tests/host/test_blkif_ring.c; the driver (drivers/blk/) owns the page.
 *
 *   shared page: req_prod req_event rsp_prod rsp_event pad | slot[size]
 *
 *   slot:  ... [resp taken][resp ready][in flight][free ......] ...
 *                          ^rsp_cons   ^rsp_prod  ^req_prod
 *
 * Indices run freely over 32 bits and a slot is index % size (size a
 * power of two). We write req_prod and rsp_event; the backend writes
 * rsp_prod and req_event. Every index the backend writes is read once
 * and checked before it is used: a backend claiming more responses than
 * the requests it was given gets -XEN_EBADMSG, never a stale slot.
 */
#ifndef XENLING_BLKIF_RING_H
#define XENLING_BLKIF_RING_H

#include <lib.h>
#include <byte_ring.h> /* struct ring_barriers */
#include <xen/xen.h>
#include <xen/io/blkif.h>

/* The frontend's private view of one ring. Locked by the driver. */
struct blkfront_ring {
    struct blkif_sring *sring; /* the shared page */
    uint32_t size;             /* slots, a power of two */
    RING_IDX req_prod_pvt;     /* the next slot we fill */
    RING_IDX req_pushed;       /* the req_prod the backend was shown */
    RING_IDX rsp_cons;         /* the next response to take */
    const char *name;          /* the disk, for messages */
    const struct ring_barriers *b;
};

/*
 * How many slots fit in a shared area of `bytes` bytes after the
 * indices: the largest power of two that fits (32 for one 4 KiB page),
 * or 0 if none does.
 */
uint32_t blkif_ring_slots(size_t bytes);

/*
 * Start a ring over the zeroed-or-not shared area `area` of `bytes`
 * bytes (ours; the backend has not seen it yet): the indices are zeroed.
 * Returns 0, or -XEN_EINVAL if not even one slot fits.
 */
int blkif_ring_init(struct blkfront_ring *r, void *area, size_t bytes,
                    const char *name, const struct ring_barriers *b);

/* How many requests may be queued now (slots not awaiting a response). */
uint32_t blkif_ring_free(const struct blkfront_ring *r);

/*
 * Copy *req into the next free slot (the backend does not see it before
 * blkif_ring_push). Returns 0, or -XEN_ENOSPC when every slot is in use.
 */
int blkif_ring_put(struct blkfront_ring *r, const blkif_request_t *req);

/*
 * Show the backend every request put since the last push: a write
 * barrier orders the slots before req_prod, a full barrier orders
 * req_prod before we read req_event. Returns whether the backend asked
 * to be notified of these requests (send the event then).
 */
bool blkif_ring_push(struct blkfront_ring *r);

/*
 * How many responses are ready to take, after checking the backend's
 * rsp_prod: it may not have answered more requests than we pushed (which
 * also keeps it within one ring of rsp_cons). Returns the count, or
 * -XEN_EBADMSG printed with the indices (the ring is then unusable: the
 * caller stops the disk). A read barrier orders rsp_prod before the
 * slots it covers.
 */
int blkif_ring_ready(struct blkfront_ring *r);

/*
 * Copy the response at rsp_cons once, field by field, into *out and
 * consume it. Call only while blkif_ring_ready said one was ready; the
 * caller validates *out (blkif_shadow_complete) and never reads the
 * slot again.
 */
void blkif_ring_take(struct blkfront_ring *r, blkif_response_t *out);

/*
 * Ask for an event at the next response (rsp_event = rsp_cons + 1), then,
 * after a full barrier, look again: returns whether responses arrived
 * meanwhile (take them, or they would wait for an event that will not
 * come).
 */
bool blkif_ring_rearm(struct blkfront_ring *r);

/* Requests pushed and not yet answered. */
uint32_t blkif_ring_in_flight(const struct blkfront_ring *r);

#endif
