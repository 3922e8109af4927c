/* SPDX-License-Identifier: MIT */
/*
 * blkif_order.c - the steps of each caller request, with the fallbacks
 * for a backend that refuses flushes or barriers
 * (drivers/blk/blkif_order.h). Portable: host-tested in
 * tests/host/test_blkif_order.c.
 */
#include "drivers/blk/blkif_order.h"
#include <blk.h>
#include <xen/errno.h>
#include <xen/xen.h>
#include <xen/io/blkif.h>

static enum blkif_step
go(struct blkif_order *o, enum blkif_step s)
{
    o->step = s;
    return s;
}

static enum blkif_step
done(struct blkif_order *o, int status, unsigned int flags)
{
    o->status = status;
    o->flags = flags;
    return go(o, BLKIF_STEP_DONE);
}

/*
 * A flush, by what the backend offers: its cache flush, else an empty
 * barrier (ordered, durability not promised), else nothing to promise.
 * It needs no drain: what it covers has completed already.
 */
static enum blkif_step
flush_as_offered(struct blkif_order *o, const struct blkif_params *p)
{
    if ( p->flush )
        return go(o, BLKIF_STEP_FLUSH);
    if ( p->barrier )
        return go(o, BLKIF_STEP_BARRIER);
    return done(o, -XEN_EOPNOTSUPP, BLK_RES_NOT_DURABLE);
}

enum blkif_step
blkif_order_start(struct blkif_order *o, unsigned int op, bool data,
                  const struct blkif_params *p)
{
    memset(o, 0, sizeof(*o));
    o->op = (uint8_t)op;
    o->data = data;
    switch ( op )
    {
    case BLK_OP_READ:
        return data ? go(o, BLKIF_STEP_READ) : done(o, -XEN_EINVAL, 0);
    case BLK_OP_WRITE:
        if ( !data )
            return done(o, -XEN_EINVAL, 0);
        return p->readonly ? done(o, -XEN_EROFS, 0) : go(o, BLKIF_STEP_WRITE);
    case BLK_OP_FLUSH:
        if ( data )
            return done(o, -XEN_EINVAL, 0);
        return flush_as_offered(o, p);
    case BLK_OP_BARRIER:
        if ( data && p->readonly )
            return done(o, -XEN_EROFS, 0);
        o->exclusive = true;
        return go(o, BLKIF_STEP_DRAIN);
    default:
        return done(o, -XEN_EINVAL, 0);
    }
}

/* A barrier's data is written: make it durable if the backend can. */
static enum blkif_step
barrier_written(struct blkif_order *o, const struct blkif_params *p)
{
    return p->flush ? go(o, BLKIF_STEP_FLUSH) : done(o, 0, BLK_RES_NOT_DURABLE);
}

/* The drain is over: a barrier's body. */
static enum blkif_step
drained(struct blkif_order *o, const struct blkif_params *p)
{
    if ( !o->data )
        return p->barrier ? go(o, BLKIF_STEP_BARRIER) : done(o, 0, 0);
    return go(o, p->barrier ? BLKIF_STEP_BARRIER : BLKIF_STEP_WRITE);
}

static enum blkif_step
flush_refused(struct blkif_order *o, struct blkif_params *p, const char *name)
{
    if ( p->flush ) /* say it once, however many were in flight */
        printk(
            "blk: %s: backend refused a cache flush (EOPNOTSUPP): flushes are off for this disk\n",
            name);
    p->flush = false;
    if ( o->op == BLK_OP_BARRIER )
        return done(o, 0, BLK_RES_NOT_DURABLE);
    return flush_as_offered(o, p);
}

static enum blkif_step
barrier_refused(struct blkif_order *o, struct blkif_params *p, const char *name)
{
    if ( p->barrier )
        printk(
            "blk: %s: backend refused a barrier (EOPNOTSUPP): barriers are off for this disk\n",
            name);
    p->barrier = false;
    if ( o->op == BLK_OP_FLUSH )
        return done(o, -XEN_EOPNOTSUPP, BLK_RES_NOT_DURABLE);
    return o->data ? go(o, BLKIF_STEP_WRITE) : done(o, 0, 0);
}

enum blkif_step
blkif_order_next(struct blkif_order *o, int rsp, struct blkif_params *p,
                 const char *name)
{
    if ( o->step == BLKIF_STEP_DONE )
        return BLKIF_STEP_DONE;
    if ( o->step == BLKIF_STEP_DRAIN )
        return drained(o, p);
    if ( rsp == BLKIF_RSP_EOPNOTSUPP && o->step == BLKIF_STEP_FLUSH )
        return flush_refused(o, p, name);
    if ( rsp == BLKIF_RSP_EOPNOTSUPP && o->step == BLKIF_STEP_BARRIER )
        return barrier_refused(o, p, name);
    if ( rsp != BLKIF_RSP_OKAY )
        return done(o, -XEN_EIO, 0);
    switch ( o->step )
    {
    case BLKIF_STEP_WRITE:
    case BLKIF_STEP_BARRIER:
        if ( o->op == BLK_OP_FLUSH )
            return done(o, 0, BLK_RES_NOT_DURABLE); /* a barrier stood in */
        if ( o->op == BLK_OP_BARRIER && o->data )
            return barrier_written(o, p);
        return done(o, 0, 0);
    default: /* READ, and FLUSH after a barrier's data or on its own */
        return done(o, 0, 0);
    }
}

int
blkif_rsp_merge(int a, int b)
{
    /* Anything but OKAY and EOPNOTSUPP counts as an error. */
    if ( (a != BLKIF_RSP_OKAY && a != BLKIF_RSP_EOPNOTSUPP) ||
         (b != BLKIF_RSP_OKAY && b != BLKIF_RSP_EOPNOTSUPP) )
        return BLKIF_RSP_ERROR;
    if ( a == BLKIF_RSP_EOPNOTSUPP || b == BLKIF_RSP_EOPNOTSUPP )
        return BLKIF_RSP_EOPNOTSUPP;
    return BLKIF_RSP_OKAY;
}
