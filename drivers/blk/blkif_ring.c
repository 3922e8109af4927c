/* SPDX-License-Identifier: MIT */
/*
 * blkif_ring.c - the frontend's side of one blkif ring
 * (drivers/blk/blkif_ring.h): slot arithmetic, publishing requests,
 * checking and copying responses. Portable: host-tested in
 * tests/host/test_blkif_ring.c.
 */
#include "drivers/blk/blkif_ring.h"
#include <xen/errno.h>

/* The layout facts we rely on (xen/io/ring.h, xen/io/blkif.h, x86-64). */
BUILD_BUG_ON(offsetof(struct blkif_sring, ring) != 64);
BUILD_BUG_ON(sizeof(union blkif_sring_entry) != 112);
BUILD_BUG_ON(sizeof(blkif_response_t) != 16);

static RING_IDX
load_shared(const RING_IDX *p)
{
    return *(const volatile RING_IDX *)p;
}

static void
store_shared(RING_IDX *p, RING_IDX v)
{
    *(volatile RING_IDX *)p = v;
}

/*
 * Slot `idx` (mod size). ring[] is declared with one entry and really
 * has size: index through a plain pointer, not the array.
 */
static union blkif_sring_entry *
slot(const struct blkfront_ring *r, RING_IDX idx)
{
    union blkif_sring_entry *first = r->sring->ring;

    return first + (idx & (r->size - 1));
}

uint32_t
blkif_ring_slots(size_t bytes)
{
    size_t fit, slots = 1;

    if ( bytes < offsetof(struct blkif_sring, ring) )
        return 0;
    fit = (bytes - offsetof(struct blkif_sring, ring)) /
          sizeof(union blkif_sring_entry);
    if ( fit == 0 )
        return 0;
    while ( slots * 2 <= fit && slots * 2 <= (1u << 31) )
        slots *= 2;
    return (uint32_t)slots;
}

int
blkif_ring_init(struct blkfront_ring *r, void *area, size_t bytes,
                const char *name, const struct ring_barriers *b)
{
    uint32_t slots = blkif_ring_slots(bytes);

    if ( slots == 0 )
        return -XEN_EINVAL;
    r->sring = area;
    r->size = slots;
    r->req_prod_pvt = r->req_pushed = r->rsp_cons = 0;
    r->name = name;
    r->b = b;
    /*
     * The backend reads req_prod from 0 and will write rsp_prod from 0;
     * rsp_event = 1 asks for an event at the first response.
     */
    r->sring->req_prod = 0;
    r->sring->req_event = 1;
    r->sring->rsp_prod = 0;
    r->sring->rsp_event = 1;
    return 0;
}

uint32_t
blkif_ring_free(const struct blkfront_ring *r)
{
    return r->size - (r->req_prod_pvt - r->rsp_cons);
}

uint32_t
blkif_ring_in_flight(const struct blkfront_ring *r)
{
    return r->req_pushed - r->rsp_cons;
}

int
blkif_ring_put(struct blkfront_ring *r, const blkif_request_t *req)
{
    if ( blkif_ring_free(r) == 0 )
        return -XEN_ENOSPC;
    memcpy(&slot(r, r->req_prod_pvt)->req, req, sizeof(*req));
    r->req_prod_pvt++;
    return 0;
}

bool
blkif_ring_push(struct blkfront_ring *r)
{
    RING_IDX old = r->req_pushed, new = r->req_prod_pvt, event;

    if ( old == new )
        return false;
    /* The request slots are written before the backend sees req_prod. */
    r->b->wmb();
    store_shared(&r->sring->req_prod, new);
    r->req_pushed = new;
    /*
     * req_prod is visible before we read req_event: otherwise the backend
     * could set req_event after our read, go to sleep, and never hear of
     * these requests.
     */
    r->b->mb();
    event = load_shared(&r->sring->req_event);
    /* The backend wants an event once req_prod passes req_event - 1. */
    return (RING_IDX)(new - event) < (RING_IDX)(new - old);
}

int
blkif_ring_ready(struct blkfront_ring *r)
{
    RING_IDX prod = load_shared(&r->sring->rsp_prod);
    RING_IDX ready = prod - r->rsp_cons;
    RING_IDX asked = r->req_pushed - r->rsp_cons;

    if ( ready > r->size )
    {
        printk(
            "blk: %s: bad response index: rsp_prod %u is %u past rsp_cons %u, more than the ring's %u slots\n",
            r->name, prod, ready, r->rsp_cons, r->size);
        return -XEN_EBADMSG;
    }
    if ( ready > asked )
    {
        printk(
            "blk: %s: bad response index: rsp_prod %u answers %u requests but only %u are in flight\n",
            r->name, prod, ready, asked);
        return -XEN_EBADMSG;
    }
    /* rsp_prod is read before the responses it covers. */
    r->b->rmb();
    return (int)ready;
}

void
blkif_ring_take(struct blkfront_ring *r, blkif_response_t *out)
{
    const volatile blkif_response_t *s = &slot(r, r->rsp_cons)->rsp;

    /* One read of each field: the backend may rewrite the slot meanwhile. */
    out->id = s->id;
    out->operation = s->operation;
    out->status = s->status;
    r->rsp_cons++;
}

bool
blkif_ring_rearm(struct blkfront_ring *r)
{
    store_shared(&r->sring->rsp_event, r->rsp_cons + 1);
    /*
     * rsp_event is visible before we read rsp_prod again: a response
     * produced before the backend saw the new rsp_event is caught here.
     */
    r->b->mb();
    return load_shared(&r->sring->rsp_prod) != r->rsp_cons;
}
