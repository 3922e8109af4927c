/* SPDX-License-Identifier: MIT */
/*
 * blkif_engine.c - one disk's I/O engine: queueing, cutting into ring
 * requests, checked responses, steps, stopping
 * (drivers/blk/blkif_engine.h). Portable: host-tested against a fake
 * backend in tests/host/test_blkif_engine.c.
 */
#include "drivers/blk/blkif_engine.h"
#include "drivers/blk/blkif_io.h"
#include <xen/errno.h>

static struct blkif_io *
io(struct blk_req *r)
{
    return blkif_io(r);
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

/* Segments a ring request of this step may carry: indirect for data. */
static uint32_t
step_max_segs(const struct blkif_engine *e, const struct blkif_order *o)
{
    return o->step == BLKIF_STEP_BARRIER ? BLKIF_SEGS_MAX : e->max_segs;
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
    case BLKIF_STEP_DISCARD:
        return BLKIF_OP_DISCARD;
    default:
        return BLKIF_OP_FLUSH_DISKCACHE;
    }
}

/* Check what can be checked before anything is sent. */
static int
validate(const struct blkif_engine *e, const struct blk_req *r)
{
    struct blkif_split s;

    if ( r->op > BLK_OP_DISCARD ||
         ((r->op == BLK_OP_READ || r->op == BLK_OP_WRITE ||
           r->op == BLK_OP_DISCARD) &&
          !r->count) ||
         (r->op == BLK_OP_FLUSH && r->count) ||
         (r->count && !r->buf && r->op != BLK_OP_DISCARD) )
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
    e->max_segs = BLKIF_SEGS_MAX;
    return blkif_shadow_init(&e->shadow, MIN(ring.size, BLKIF_SHADOW_MAX),
                             name);
}

int
blkif_engine_set_indirect(struct blkif_engine *e, uint32_t max_segs,
                          struct blkif_ind_set *sets, uint32_t nr)
{
    uint32_t i;

    if ( max_segs <= BLKIF_SEGS_MAX || max_segs > BLKIF_IND_SEGS_MAX ||
         nr == 0 || !sets )
        return -XEN_EINVAL;
    e->max_segs = max_segs;
    e->ind_free = NULL;
    for ( i = 0; i < nr; i++ )
    {
        sets[i].next = e->ind_free;
        e->ind_free = &sets[i];
    }
    return 0;
}

/* The slot's data pages: its own array, or its indirect set's. */
static struct blkif_seg *
slot_segs(struct blkif_shadow_slot *s)
{
    return s->ind ? s->ind->seg : s->seg;
}

void
blkif_engine_unmap_slot(struct blkif_engine *e, struct blkif_shadow_slot *s,
                        struct blk_req *r, bool copy)
{
    struct blkif_seg *seg = slot_segs(s);
    uint32_t i, left = s->nr_sectors, n;
    char *dst =
        copy ? (char *)r->buf + (s->sector - r->sector) * BLK_SECTOR : NULL;

    for ( i = 0; i < s->nr_segs; i++, left -= n )
    {
        n = MIN(left, BLKIF_PAGE_SECTS);
        e->ops->seg_unmap(e->ctx, &seg[i], dst, n * BLK_SECTOR);
        if ( dst )
            dst += n * BLK_SECTOR;
    }
    s->nr_segs = 0;
    if ( s->ind )
    {
        if ( s->ind->desc.page )
            e->ops->seg_unmap(e->ctx, &s->ind->desc, NULL, 0);
        s->ind->desc.page = NULL;
        s->ind->next = e->ind_free;
        e->ind_free = s->ind;
        s->ind = NULL;
    }
}

/* Give the backend the pages of piece p (copied in for a write). */
static int
map_piece(struct blkif_engine *e, struct blk_req *r,
          struct blkif_shadow_slot *s, const struct blkif_piece *p, bool write)
{
    const char *src =
        (const char *)r->buf + (p->sector - r->sector) * BLK_SECTOR;
    struct blkif_seg *seg = slot_segs(s);
    uint32_t i, len;
    int rc;

    s->sector = p->sector;
    s->nr_sectors = p->nr_sectors;
    for ( i = 0; i < p->nr_segs; i++ )
    {
        len = (p->seg[i].last - p->seg[i].first + 1u) * BLK_SECTOR;
        rc = e->ops->seg_map(e->ctx, write ? src : NULL, len, &seg[i]);
        if ( rc )
        {
            s->nr_segs = (uint16_t)i;
            blkif_engine_unmap_slot(e, s, r, false);
            return rc;
        }
        src += len;
    }
    s->nr_segs = (uint16_t)p->nr_segs;
    return 0;
}

/*
 * The pages of piece p for slot s: an indirect set and its descriptor
 * page when it has more segments than a ring request holds. Returns 0,
 * 1 when no indirect set is free (wait for a completion), or a negative
 * errno from seg_map.
 */
static int
map_slot(struct blkif_engine *e, struct blk_req *r, struct blkif_shadow_slot *s,
         const struct blkif_piece *p, uint8_t op)
{
    uint32_t i;
    int rc;

    s->ind = NULL;
    if ( p->nr_segs > BLKIF_SEGS_MAX )
    {
        if ( !e->ind_free )
            return 1;
        s->ind = e->ind_free;
        e->ind_free = s->ind->next;
        s->ind->desc.page = NULL;
    }
    /* A failure hands the data pages and the set back (unmap_slot). */
    rc = map_piece(e, r, s, p, op != BLKIF_OP_READ);
    if ( rc || !s->ind )
        return rc;
    /* The descriptors name the data pages' grants: build, then share. */
    for ( i = 0; i < p->nr_segs; i++ )
        e->grefs[i] = s->ind->seg[i].gref;
    blkif_req_fill_desc(e->desc, p, e->grefs);
    rc = e->ops->seg_map(e->ctx, e->desc, p->nr_segs * sizeof(e->desc[0]),
                         &s->ind->desc);
    if ( rc )
        blkif_engine_unmap_slot(e, s, r, false);
    return rc;
}

/* The ring request for slot s, data piece p of operation op. */
static void
fill_data(struct blkif_engine *e, struct blkif_shadow_slot *s,
          const struct blkif_piece *p, uint8_t op, blkif_request_t *q)
{
    grant_ref_t gref[BLKIF_SEGS_MAX];
    uint32_t i;

    if ( s->ind )
    {
        blkif_req_fill_indirect(q, op, e->handle, s->id, p, s->ind->desc.gref);
        return;
    }
    for ( i = 0; i < p->nr_segs; i++ )
        gref[i] = s->seg[i].gref;
    blkif_req_fill(q, op, e->handle, s->id, p, gref);
}

/*
 * Put the next ring request of r's step on the ring. Returns 1 if one
 * went, 0 if the ring, the shadow table or the indirect sets are full,
 * or a negative errno from seg_map.
 */
static int
issue_one(struct blkif_engine *e, struct blk_req *r)
{
    struct blkif_io *o = io(r);
    uint8_t op = ring_op(o->order.step);
    struct blkif_piece *p = &e->piece;
    struct blkif_shadow_slot *s;
    struct blkif_split next;
    uint64_t first, n;
    blkif_request_t q;
    int rc;

    next = o->split;
    if ( step_has_data(&o->order) )
        blkif_split_next(&next, p); /* there is more: not yet issued */
    /* An indirect request's answer carries the op inside (shadow.h). */
    if ( blkif_ring_free(&e->ring) == 0 ||
         !(s = blkif_shadow_get(&e->shadow, op)) )
        return 0;
    s->data_op = op;
    if ( step_has_data(&o->order) )
    {
        rc = map_slot(e, r, s, p, op);
        if ( rc )
        {
            blkif_shadow_cancel(&e->shadow, s);
            return rc > 0 ? 0 : rc;
        }
        o->split = next;
        o->issued = next.left == 0;
        fill_data(e, s, p, op, &q);
        e->stats.indirect += s->ind != NULL;
        if ( op == BLKIF_OP_READ )
            e->stats.sectors_read += p->nr_sectors;
        else
            e->stats.sectors_written += p->nr_sectors;
    }
    else
    {
        s->nr_segs = 0;
        s->ind = NULL;
        s->sector = s->nr_sectors = 0;
        o->issued = true;
        if ( op == BLKIF_OP_DISCARD )
        {
            blkif_discard_range(e->p, r->sector, r->count, &first, &n);
            blkif_req_fill_discard(&q, e->handle, s->id, first, n, false);
        }
        else
            blkif_req_fill_empty(&q, op, e->handle, s->id);
    }
    s->owner = r;
    blkif_ring_put(&e->ring, &q); /* a slot is free: checked above */
    o->out++;
    e->stats.reads += op == BLKIF_OP_READ;
    e->stats.writes += op == BLKIF_OP_WRITE;
    e->stats.barriers += op == BLKIF_OP_WRITE_BARRIER;
    e->stats.flushes += op == BLKIF_OP_FLUSH_DISKCACHE;
    e->stats.discards += op == BLKIF_OP_DISCARD;
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
                          step_max_segs(e, &o->order)); /* validated */
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
           (s == BLKIF_STEP_BARRIER && !e->p->barrier) ||
           (s == BLKIF_STEP_DISCARD && !e->p->discard);
}

/* A discard step that covers no whole extent: nothing to send. */
static bool
step_empty(const struct blkif_engine *e, struct blk_req *r)
{
    uint64_t first, n;

    if ( io(r)->order.step != BLKIF_STEP_DISCARD )
        return false;
    blkif_discard_range(e->p, r->sector, r->count, &first, &n);
    return n == 0;
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

    if ( e->paused ) /* nothing goes on the ring, nor is pushed */
        return;
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
        if ( step_empty(e, r) )
        {
            step_over(e, r, BLKIF_RSP_OKAY, done);
            e->cur = NULL;
            continue;
        }
        if ( io(r)->order.step == BLKIF_STEP_DRAIN )
        {
            if ( e->shadow.in_flight ||
                 (e->ops->others_busy && e->ops->others_busy(e->ctx)) )
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
    io(r)->seq = e->next_seq++;
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

    blkif_engine_unmap_slot(
        e, s, r, s->data_op == BLKIF_OP_READ && status == BLKIF_RSP_OKAY);
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
        blkif_engine_unmap_slot(e, s, s->owner, false);
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

void
blkif_engine_kick(struct blkif_engine *e, struct blk_req **done)
{
    kick(e, done);
}

void
blkif_engine_pause(struct blkif_engine *e, bool pause, struct blk_req **done)
{
    e->paused = pause;
    if ( !pause )
        kick(e, done);
}
