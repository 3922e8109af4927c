/* SPDX-License-Identifier: MIT */
/*
 * blkif_engine.c - one disk's I/O engine: queueing, cutting into ring
 * requests, checked responses, steps, stopping
 * (drivers/blk/blkif_engine.h). Portable: host-tested against a fake
 * backend in tests/host/test_blkif_engine.c.
 */
#include "drivers/blk/blkif_engine.h"
#include <xen/errno.h>

/* The engine's state of one caller request, kept in its priv words. */
struct blkif_io {
    struct blk_req *next; /* in one queue, or the done list */
    struct blkif_order order;
    struct blkif_split split; /* a data step: what is not yet cut */
    uint32_t out;             /* ring requests of this step in flight */
    int rsp;                  /* their statuses, merged (BLKIF_RSP_*) */
    bool started;             /* order started */
    bool stepping;            /* the current step is set up */
    bool issued;              /* the whole step is on the ring */
    bool retired;             /* on the done list */
};

BUILD_BUG_ON(sizeof(struct blkif_io) > sizeof(((struct blk_req *)0)->priv));

static struct blkif_io *
io(struct blk_req *r)
{
    return (struct blkif_io *)r->priv;
}

static void
enqueue(struct blk_req **head, struct blk_req **tail, struct blk_req *r)
{
    io(r)->next = NULL;
    if ( *tail )
        io(*tail)->next = r;
    else
        *head = r;
    *tail = r;
}

/* Remove r from a queue (it is there); returns r. */
static struct blk_req *
unlink(struct blk_req **head, struct blk_req **tail, struct blk_req *r)
{
    struct blk_req *prev = NULL, *x;

    for ( x = *head; x != r; x = io(x)->next )
        prev = x;
    if ( prev )
        io(prev)->next = io(r)->next;
    else
        *head = io(r)->next;
    if ( *tail == r )
        *tail = prev;
    io(r)->next = NULL;
    return r;
}

/* Put r on the done list (in order) with its result. */
static void
retire(struct blkif_engine *e, struct blk_req *r, int status,
       unsigned int flags, struct blk_req **done)
{
    struct blk_req **at = done;

    if ( io(r)->retired )
        return;
    io(r)->retired = true;
    r->status = status;
    r->flags = flags;
    if ( e->excl == r )
        e->excl = NULL;
    e->stats.done++;
    e->stats.failed += status != 0;
    while ( *at )
        at = &io(*at)->next;
    io(r)->next = NULL;
    *at = r;
}

static bool
step_has_data(const struct blkif_order *o)
{
    return o->step == BLKIF_STEP_READ || o->step == BLKIF_STEP_WRITE ||
           (o->step == BLKIF_STEP_BARRIER && o->data);
}

static uint8_t
ring_op(enum blkif_step s)
{
    switch ( s )
    {
    case BLKIF_STEP_READ:
        return BLKIF_OP_READ;
    case BLKIF_STEP_WRITE:
        return BLKIF_OP_WRITE;
    case BLKIF_STEP_BARRIER:
        return BLKIF_OP_WRITE_BARRIER;
    default:
        return BLKIF_OP_FLUSH_DISKCACHE;
    }
}

/* Check what can be checked before anything is sent. */
static int
validate(const struct blkif_engine *e, const struct blk_req *r)
{
    struct blkif_split s;

    if ( r->op > BLK_OP_BARRIER ||
         ((r->op == BLK_OP_READ || r->op == BLK_OP_WRITE) && !r->count) ||
         (r->op == BLK_OP_FLUSH && r->count) || (r->count && !r->buf) )
        return -XEN_EINVAL;
    if ( !r->count )
        return 0;
    return blkif_split_start(&s, r->sector, r->count, 0, e->p->sector_size,
                             e->p->sectors_512, BLKIF_SEGS_MAX);
}

int
blkif_engine_init(struct blkif_engine *e, const char *name, blkif_vdev_t handle,
                  struct blkif_params *p, const struct blkif_engine_ops *ops,
                  void *ctx)
{
    struct blkfront_ring ring = e->ring;

    memset(e, 0, sizeof(*e));
    e->ring = ring;
    e->name = name;
    e->handle = handle;
    e->p = p;
    e->ops = ops;
    e->ctx = ctx;
    return blkif_shadow_init(&e->shadow, ring.size, name);
}

/* Hand a slot's pages back, copying a successful read out first. */
static void
unmap_slot(struct blkif_engine *e, struct blkif_shadow_slot *s,
           struct blk_req *r, bool copy)
{
    uint32_t i, left = s->nr_sectors, n;
    char *dst =
        copy ? (char *)r->buf + (s->sector - r->sector) * BLK_SECTOR : NULL;

    for ( i = 0; i < s->nr_segs; i++, left -= n )
    {
        n = MIN(left, BLKIF_PAGE_SECTS);
        e->ops->seg_unmap(e->ctx, s->gref[i], s->page[i], dst, n * BLK_SECTOR);
        if ( dst )
            dst += n * BLK_SECTOR;
    }
    s->nr_segs = 0;
}

/* Give the backend the pages of piece p (copied in for a write). */
static int
map_piece(struct blkif_engine *e, struct blk_req *r,
          struct blkif_shadow_slot *s, const struct blkif_piece *p, bool write)
{
    const char *src =
        (const char *)r->buf + (p->sector - r->sector) * BLK_SECTOR;
    uint32_t i, len;
    int rc;

    s->sector = p->sector;
    s->nr_sectors = p->nr_sectors;
    for ( i = 0; i < p->nr_segs; i++ )
    {
        len = (p->seg[i].last - p->seg[i].first + 1u) * BLK_SECTOR;
        rc = e->ops->seg_map(e->ctx, write ? src : NULL, len, &s->gref[i],
                             &s->page[i]);
        if ( rc )
        {
            s->nr_segs = (uint16_t)i;
            unmap_slot(e, s, r, false);
            return rc;
        }
        src += len;
    }
    s->nr_segs = (uint16_t)p->nr_segs;
    return 0;
}

/*
 * Put the next ring request of r's step on the ring. Returns 1 if one
 * went, 0 if the ring or the shadow table is full, or a negative errno
 * from seg_map.
 */
static int
issue_one(struct blkif_engine *e, struct blk_req *r)
{
    struct blkif_io *o = io(r);
    uint8_t op = ring_op(o->order.step);
    struct blkif_shadow_slot *s;
    struct blkif_split next;
    struct blkif_piece p;
    blkif_request_t q;
    int rc;

    if ( blkif_ring_free(&e->ring) == 0 ||
         !(s = blkif_shadow_get(&e->shadow, op)) )
        return 0;
    if ( step_has_data(&o->order) )
    {
        next = o->split;
        blkif_split_next(&next, &p); /* there is more: not yet issued */
        rc = map_piece(e, r, s, &p, op != BLKIF_OP_READ);
        if ( rc )
        {
            blkif_shadow_cancel(&e->shadow, s);
            return rc;
        }
        o->split = next;
        o->issued = next.left == 0;
        blkif_req_fill(&q, op, e->handle, s->id, &p, s->gref);
        if ( op == BLKIF_OP_READ )
            e->stats.sectors_read += p.nr_sectors;
        else
            e->stats.sectors_written += p.nr_sectors;
    }
    else
    {
        s->nr_segs = 0;
        s->sector = s->nr_sectors = 0;
        o->issued = true;
        blkif_req_fill_empty(&q, op, e->handle, s->id);
    }
    s->owner = r;
    blkif_ring_put(&e->ring, &q); /* a slot is free: checked above */
    o->out++;
    e->stats.reads += op == BLKIF_OP_READ;
    e->stats.writes += op == BLKIF_OP_WRITE;
    e->stats.barriers += op == BLKIF_OP_WRITE_BARRIER;
    e->stats.flushes += op == BLKIF_OP_FLUSH_DISKCACHE;
    return 1;
}

/* Set up r's current step; false if r is done (retired). */
static bool
begin_step(struct blkif_engine *e, struct blk_req *r, struct blk_req **done)
{
    struct blkif_io *o = io(r);

    if ( !o->started )
    {
        o->started = true;
        blkif_order_start(&o->order, r->op, r->count != 0, e->p);
    }
    if ( o->order.step == BLKIF_STEP_DONE )
    {
        retire(e, r, o->order.status, o->order.flags, done);
        return false;
    }
    o->out = 0;
    o->rsp = BLKIF_RSP_OKAY;
    o->issued = false;
    o->stepping = true;
    if ( step_has_data(&o->order) )
        blkif_split_start(&o->split, r->sector, r->count, 0, e->p->sector_size,
                          e->p->sectors_512,
                          BLKIF_SEGS_MAX); /* validated at submit */
    if ( o->order.exclusive )
        e->excl = r;
    return true;
}

/*
 * A FLUSH or BARRIER step chosen before another request found the
 * backend refuses it: refused without asking again.
 */
static bool
step_refused_already(const struct blkif_engine *e, struct blk_req *r)
{
    enum blkif_step s = io(r)->order.step;

    return (s == BLKIF_STEP_FLUSH && !e->p->flush) ||
           (s == BLKIF_STEP_BARRIER && !e->p->barrier);
}

/* The step is over (every ring request answered): go on or finish. */
static void
step_over(struct blkif_engine *e, struct blk_req *r, int rsp,
          struct blk_req **done)
{
    struct blkif_io *o = io(r);

    o->stepping = false;
    if ( blkif_order_next(&o->order, rsp, e->p, e->name) == BLKIF_STEP_DONE )
        retire(e, r, o->order.status, o->order.flags, done);
    else
        enqueue(&e->rhead, &e->rtail, r);
}

/* The next request to work on, or NULL: what runs exclusively first. */
static struct blk_req *
pick(struct blkif_engine *e)
{
    if ( e->cur )
        return e->cur;
    if ( e->excl )
    {
        struct blk_req *x;

        for ( x = e->rhead; x && x != e->excl; x = io(x)->next )
            continue;
        return x ? unlink(&e->rhead, &e->rtail, x) : NULL;
    }
    if ( e->rhead )
        return unlink(&e->rhead, &e->rtail, e->rhead);
    if ( e->head )
        return unlink(&e->head, &e->tail, e->head);
    return NULL;
}

/* Issue everything that may go now, then show it to the backend. */
static void
kick(struct blkif_engine *e, struct blk_req **done)
{
    struct blk_req *r;
    int rc = 0;

    while ( !e->stopped && (r = pick(e)) )
    {
        e->cur = r;
        if ( !io(r)->stepping && !begin_step(e, r, done) )
        {
            e->cur = NULL;
            continue;
        }
        if ( step_refused_already(e, r) )
        {
            step_over(e, r, BLKIF_RSP_EOPNOTSUPP, done);
            e->cur = NULL;
            continue;
        }
        if ( io(r)->order.step == BLKIF_STEP_DRAIN )
        {
            if ( e->shadow.in_flight )
                break; /* the others finish first; r stays cur */
            step_over(e, r, BLKIF_RSP_OKAY, done);
            e->cur = NULL;
            continue;
        }
        while ( !io(r)->issued && (rc = issue_one(e, r)) == 1 )
            continue;
        if ( io(r)->issued )
        {
            e->cur = NULL;
            continue;
        }
        if ( rc < 0 && e->shadow.in_flight == 0 )
        {
            /* Nothing will complete to free a page or grant: give up. */
            retire(e, r, rc, 0, done);
            e->cur = NULL;
            continue;
        }
        break; /* the ring is full, or wait for pages: after a response */
    }
    if ( blkif_ring_push(&e->ring) )
        e->ops->notify(e->ctx);
}

void
blkif_engine_submit(struct blkif_engine *e, struct blk_req *r,
                    struct blk_req **done)
{
    int rc = e->stopped ? e->stop_err : validate(e, r);

    memset(io(r), 0, sizeof(*io(r)));
    e->stats.submitted++;
    if ( rc )
    {
        retire(e, r, rc, 0, done);
        return;
    }
    enqueue(&e->head, &e->tail, r);
    kick(e, done);
}

/* One response, checked: the slot's request takes it. */
static void
answered(struct blkif_engine *e, struct blkif_shadow_slot *s, int status,
         struct blk_req **done)
{
    struct blk_req *r = s->owner;
    struct blkif_io *o = io(r);

    unmap_slot(e, s, r, s->op == BLKIF_OP_READ && status == BLKIF_RSP_OKAY);
    blkif_shadow_put(&e->shadow, s);
    o->out--;
    o->rsp = blkif_rsp_merge(o->rsp, status);
    if ( o->out == 0 && o->issued )
        step_over(e, r, o->rsp, done);
}

void
blkif_engine_poll(struct blkif_engine *e, struct blk_req **done)
{
    struct blkif_shadow_slot *s;
    blkif_response_t rsp;
    int n;

    while ( !e->stopped )
    {
        n = blkif_ring_ready(&e->ring);
        if ( n < 0 )
        {
            blkif_engine_stop(e, -XEN_EIO, "the backend broke the ring", done);
            return;
        }
        while ( n-- > 0 )
        {
            blkif_ring_take(&e->ring, &rsp);
            if ( blkif_shadow_complete(&e->shadow, &rsp, &s) )
            {
                blkif_engine_stop(e, -XEN_EIO,
                                  "the backend sent a bad response", done);
                return;
            }
            answered(e, s, rsp.status, done);
        }
        if ( !blkif_ring_rearm(&e->ring) )
            break;
    }
    kick(e, done);
}

/* Fail every request of one queue. */
static void
fail_queue(struct blkif_engine *e, struct blk_req **head, struct blk_req **tail,
           int err, struct blk_req **done)
{
    while ( *head )
        retire(e, unlink(head, tail, *head), err, 0, done);
}

void
blkif_engine_stop(struct blkif_engine *e, int err, const char *why,
                  struct blk_req **done)
{
    struct blkif_shadow_slot *s;
    uint32_t i;

    if ( e->stopped )
        return;
    printk("blk: %s: stopped: %s\n", e->name, why);
    e->stopped = true;
    e->stop_err = err;
    for ( i = 0; i < e->shadow.nr; i++ )
    {
        s = &e->shadow.slot[i];
        if ( s->state != BLKIF_SLOT_IN_FLIGHT )
            continue;
        unmap_slot(e, s, s->owner, false);
        retire(e, s->owner, err, 0, done);
    }
    if ( e->cur )
        retire(e, e->cur, err, 0, done);
    e->cur = NULL;
    fail_queue(e, &e->rhead, &e->rtail, err, done);
    fail_queue(e, &e->head, &e->tail, err, done);
}

void
blkif_engine_finish(struct blk_req *done)
{
    struct blk_req *r, *next;

    for ( r = done; r; r = next )
    {
        next = io(r)->next; /* done() may reuse r */
        if ( r->done )
            r->done(r);
    }
}

unsigned int
blkif_engine_pending(const struct blkif_engine *e)
{
    return (unsigned int)(e->stats.submitted - e->stats.done);
}
