/* SPDX-License-Identifier: MIT */
/*
 * blkif_shadow.c - the record of ring requests in flight and the checks
 * on every response (drivers/blk/blkif_shadow.h). Portable: host-tested
 * in tests/host/test_blkif_rsp.c.
 */
#include "drivers/blk/blkif_shadow.h"
#include "drivers/blk/blkif_req.h"
#include <xen/errno.h>

#define SLOT_MASK ((1u << BLKIF_ID_SLOT_BITS) - 1)

BUILD_BUG_ON(BLKIF_SHADOW_MAX > SLOT_MASK);

int
blkif_shadow_init(struct blkif_shadow *t, uint32_t nr, const char *name)
{
    uint32_t i;

    if ( nr == 0 || nr > BLKIF_SHADOW_MAX )
        return -XEN_EINVAL;
    memset(t, 0, sizeof(*t));
    t->nr = nr;
    t->name = name;
    for ( i = 0; i < nr; i++ )
        t->slot[i].next = (uint16_t)(i + 1);
    t->free_head = 0;
    return 0;
}

struct blkif_shadow_slot *
blkif_shadow_get(struct blkif_shadow *t, uint8_t op)
{
    struct blkif_shadow_slot *s;
    uint32_t i = t->free_head;

    if ( i >= t->nr )
        return NULL;
    s = &t->slot[i];
    t->free_head = s->next;
    t->seq++;
    s->id = (t->seq << BLKIF_ID_SLOT_BITS) | i;
    s->state = BLKIF_SLOT_IN_FLIGHT;
    s->op = op;
    t->in_flight++;
    return s;
}

static void
slot_free(struct blkif_shadow *t, struct blkif_shadow_slot *s)
{
    s->state = BLKIF_SLOT_FREE;
    s->next = (uint16_t)t->free_head;
    t->free_head = (uint32_t)(s - t->slot);
}

void
blkif_shadow_cancel(struct blkif_shadow *t, struct blkif_shadow_slot *s)
{
    t->in_flight--;
    slot_free(t, s);
}

void
blkif_shadow_put(struct blkif_shadow *t, struct blkif_shadow_slot *s)
{
    slot_free(t, s);
}

/* May a response to operation `op` carry `status`? */
static bool
status_allowed(uint8_t op, int16_t status)
{
    if ( status == BLKIF_RSP_OKAY || status == BLKIF_RSP_ERROR )
        return true;
    return status == BLKIF_RSP_EOPNOTSUPP &&
           (op == BLKIF_OP_FLUSH_DISKCACHE || op == BLKIF_OP_WRITE_BARRIER ||
            op == BLKIF_OP_DISCARD);
}

int
blkif_shadow_complete(struct blkif_shadow *t, const blkif_response_t *rsp,
                      struct blkif_shadow_slot **out)
{
    uint64_t id = rsp->id;
    uint32_t i = id & SLOT_MASK;
    struct blkif_shadow_slot *s = NULL;

    /* Sequence 0 is never handed out, so it never matches last_id 0. */
    if ( i < t->nr && (id >> BLKIF_ID_SLOT_BITS) != 0 )
        s = &t->slot[i];
    if ( s && s->last_id == id )
    {
        printk(
            "blk: %s: bad response: id %#llx is for a request already completed\n",
            t->name, (unsigned long long)id);
        return -XEN_EBADMSG;
    }
    if ( !s || s->state != BLKIF_SLOT_IN_FLIGHT || s->id != id )
    {
        printk("blk: %s: bad response: id %#llx names no request in flight\n",
               t->name, (unsigned long long)id);
        return -XEN_EBADMSG;
    }
    if ( rsp->operation != s->op )
    {
        printk(
            "blk: %s: bad response: id %#llx has operation %u (%s), its request was %u (%s)\n",
            t->name, (unsigned long long)id, rsp->operation,
            blkif_op_name(rsp->operation), s->op, blkif_op_name(s->op));
        return -XEN_EBADMSG;
    }
    if ( !status_allowed(s->op, rsp->status) )
    {
        printk(
            "blk: %s: bad response: id %#llx (%s) has status %d, not one blkif defines for it\n",
            t->name, (unsigned long long)id, blkif_op_name(s->op), rsp->status);
        return -XEN_EBADMSG;
    }
    s->state = BLKIF_SLOT_ANSWERED;
    s->last_id = id;
    t->in_flight--;
    *out = s;
    return 0;
}
