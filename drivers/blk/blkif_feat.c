/* SPDX-License-Identifier: MIT */
/*
 * blkif_feat.c - the `blk=` switches and the choices made from what the
 * backend offers (drivers/blk/blkif_feat.h). Portable: host-tested in
 * tests/host/test_blkif_feat.c.
 */
#include "drivers/blk/blkif_feat.h"
#include "drivers/blk/blkif_req.h"
#include <xen/errno.h>

void
blkif_opts_default(struct blkif_opts *o)
{
    o->indirect = o->persistent = o->discard = true;
    o->queues = 0;
    o->ring_order = -1;
}

/* A decimal of at most `max` at s[0..len); false if it is not one. */
static bool
parse_num(const char *s, size_t len, uint32_t max, uint32_t *out)
{
    uint32_t v = 0;
    size_t i;

    if ( len == 0 || len > 4 )
        return false;
    for ( i = 0; i < len; i++ )
    {
        if ( s[i] < '0' || s[i] > '9' )
            return false;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    *out = v;
    return v <= max;
}

/* Whether word w[0..len) is `key` followed by '='; *val after it. */
static bool
is_key(const char *w, size_t len, const char *key, const char **val,
       size_t *vlen)
{
    size_t k = strlen(key);

    if ( len <= k || memcmp(w, key, k) != 0 || w[k] != '=' )
        return false;
    *val = w + k + 1;
    *vlen = len - k - 1;
    return true;
}

/* One word of blk=; false if it is not one. */
static bool
parse_word(const char *w, size_t len, struct blkif_opts *o)
{
    const char *v;
    size_t vlen;
    uint32_t n;

    if ( len == 10 && memcmp(w, "noindirect", 10) == 0 )
        o->indirect = false;
    else if ( len == 12 && memcmp(w, "nopersistent", 12) == 0 )
        o->persistent = false;
    else if ( len == 10 && memcmp(w, "persistent", 10) == 0 )
        o->persistent = true;
    else if ( len == 9 && memcmp(w, "nodiscard", 9) == 0 )
        o->discard = false;
    else if ( is_key(w, len, "queues", &v, &vlen) )
    {
        if ( !parse_num(v, vlen, BLKIF_QUEUES_MAX, &n) || n == 0 )
            return false;
        o->queues = n;
    }
    else if ( is_key(w, len, "ringorder", &v, &vlen) )
    {
        if ( !parse_num(v, vlen, BLKIF_RING_ORDER_MAX, &n) )
            return false;
        o->ring_order = (int32_t)n;
    }
    else
        return false;
    return true;
}

int
blkif_opts_parse(const char *s, struct blkif_opts *o)
{
    const char *w = s, *end;
    size_t len;

    blkif_opts_default(o);
    while ( *w )
    {
        for ( end = w; *end && *end != ','; end++ )
            continue;
        len = (size_t)(end - w);
        if ( len && !parse_word(w, len, o) )
        {
            printk(
                "blk: blk= word '%.*s' is not noindirect, persistent, nopersistent, nodiscard, queues=1..%u or ringorder=0..%u: blk= ignored\n",
                (int)len, w, BLKIF_QUEUES_MAX, BLKIF_RING_ORDER_MAX);
            blkif_opts_default(o);
            return -XEN_EINVAL;
        }
        w = *end ? end + 1 : end;
    }
    return 0;
}

void
blkif_layout_choose(const struct blkif_opts *o, uint32_t max_order,
                    uint32_t max_queues, uint32_t nr_cpus,
                    struct blkif_layout *l)
{
    uint32_t order = MIN(max_order, BLKIF_RING_ORDER_MAX);
    uint32_t q = MIN(MAX(max_queues, 1u), BLKIF_QUEUES_MAX);

    if ( o->ring_order >= 0 )
        order = MIN(order, (uint32_t)o->ring_order);
    q = MIN(q, MAX(nr_cpus, 1u));
    if ( o->queues )
        q = MIN(q, o->queues);
    l->ring_order = order;
    l->nr_queues = q;
}

uint32_t
blkif_segs_choose(const struct blkif_opts *o, uint32_t max_indirect_segs)
{
    if ( !o->indirect || max_indirect_segs <= BLKIF_SEGS_MAX )
        return BLKIF_SEGS_MAX;
    return MIN(max_indirect_segs, BLKIF_IND_SEGS_MAX);
}

uint32_t
blkif_queue_of(uint32_t cpu, uint32_t nr_queues)
{
    return cpu % nr_queues;
}

int
blkif_discard_range(const struct blkif_params *p, uint64_t sector,
                    uint64_t count, uint64_t *first, uint64_t *n)
{
    uint64_t gran, align, start, end, a, b;

    *first = sector;
    *n = 0;
    if ( !p->discard || p->discard_granularity < 512 )
        return -XEN_EINVAL;
    gran = p->discard_granularity / 512;
    align = (p->discard_alignment / 512) % gran;
    start = sector;
    end = sector + count; /* validated against the disk: no overflow */
    /* Extents begin at align + k * gran: round start up, end down. */
    a = start < align ? align : start + (gran - (start - align) % gran) % gran;
    b = end < align ? 0 : end - (end - align) % gran;
    if ( b > a )
    {
        *first = a;
        *n = b - a;
    }
    return 0;
}
