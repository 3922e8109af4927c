/* SPDX-License-Identifier: MIT */
/*
 * blkif_requeue.c - taking a paused engine's unfinished requests out,
 * in the order they were submitted (drivers/blk/blkif_requeue.h).
 * Portable: host-tested in tests/host/test_blkif_requeue.c.
 */
#include "drivers/blk/blkif_requeue.h"
#include "drivers/blk/blkif_io.h"

/* Put r into *list before the first request submitted after it. */
static void
insert(struct blk_req **list, struct blk_req *r)
{
    struct blk_req **at = list;

    while ( *at && blkif_io(*at)->seq < blkif_io(r)->seq )
        at = &blkif_io(*at)->next;
    blkif_io(r)->next = *at;
    *at = r;
}

/* r is unfinished: list it once. */
static unsigned int
take_one(struct blk_req **list, struct blk_req *r)
{
    struct blkif_io *o = blkif_io(r);

    if ( o->retired || o->taken )
        return 0;
    o->taken = true;
    insert(list, r);
    return 1;
}

/* Take the requests of one engine queue (linked through io->next). */
static unsigned int
take_queue(struct blk_req *head, struct blk_req **list)
{
    struct blk_req *r, *next;
    unsigned int n = 0;

    for ( r = head; r; r = next )
    {
        next = blkif_io(r)->next; /* insert relinks r */
        n += take_one(list, r);
    }
    return n;
}

unsigned int
blkif_requeue_take(struct blkif_engine *e, struct blk_req **out)
{
    struct blkif_shadow_slot *s;
    struct blk_req *r;
    unsigned int n = 0;
    uint32_t i;

    /* On the ring and unanswered: their pages back, unread. */
    for ( i = 0; i < e->shadow.nr; i++ )
    {
        s = &e->shadow.slot[i];
        if ( s->state != BLKIF_SLOT_IN_FLIGHT )
            continue;
        r = s->owner;
        blkif_engine_unmap_slot(e, s, r, false);
        n += take_one(out, r);
    }
    if ( e->cur )
        n += take_one(out, e->cur);
    n += take_queue(e->rhead, out);
    n += take_queue(e->head, out);
    for ( r = *out; r; r = blkif_io(r)->next )
        blkif_io(r)->taken = false;
    e->cur = e->excl = NULL;
    e->head = e->tail = e->rhead = e->rtail = NULL;
    e->stats.submitted -= n; /* they will be submitted again */
    blkif_shadow_init(&e->shadow, e->shadow.nr, e->name);
    return n;
}

struct blk_req *
blkif_requeue_pop(struct blk_req **list)
{
    struct blk_req *r = *list;

    if ( r )
    {
        *list = blkif_io(r)->next;
        blkif_io(r)->next = NULL;
    }
    return r;
}

uint64_t
blkif_requeue_seq(struct blk_req *r)
{
    return blkif_io(r)->seq;
}
