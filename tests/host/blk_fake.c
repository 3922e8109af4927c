/* SPDX-License-Identifier: MIT */
/*
 * blk_fake.c - the fake driver and backend around one disk's I/O engine
 * for the host tests (tests/host/blk_fake.h).
 */
#include <stdlib.h>
#include "tests/host/blk_fake.h"
#include "tests/host/host.h"
#include <xen/errno.h>

/* --- the fake driver: pages and grants --------------------------------- */

struct fake_drv drv;

#define SEG_POOLED 1u /* blkif_seg.flags: the page is the pool's */

static int
fake_seg_map(void *ctx, const void *src, size_t len, struct blkif_seg *seg)
{
    grant_ref_t *gref = &seg->gref;
    void **page = &seg->page;
    enum blkif_pool_src from;
    grant_ref_t g;

    if ( drv.fail_nth && --drv.fail_nth == 0 )
        return -XEN_ENOSPC;
    if ( drv.fail_maps )
    {
        drv.fail_maps--;
        return -XEN_ENOSPC;
    }
    seg->flags = 0;
    from = blkif_pool_take(drv.pool, drv.pool != NULL, gref, page);
    if ( from == BLKIF_POOL_WAIT )
        return -XEN_EAGAIN;
    drv.maps++;
    if ( from == BLKIF_POOL_REUSED )
    {
        seg->flags = SEG_POOLED;
        if ( src )
            memcpy(*page, src, len);
        return 0;
    }
    for ( g = drv.next; drv.page[g % MAX_GREFS]; g++ )
        continue;
    g %= MAX_GREFS;
    drv.next = g + 1;
    *page = calloc(1, 4096);
    if ( src )
        memcpy(*page, src, len);
    drv.page[g] = *page;
    drv.readonly[g] = blkif_grant_readonly(drv.pool != NULL, src != NULL);
    drv.grants++;
    *gref = g;
    if ( from == BLKIF_POOL_NEW )
    {
        blkif_pool_grew(drv.pool);
        seg->flags = SEG_POOLED;
    }
    return 0;
}

static void
fake_seg_unmap(void *ctx, struct blkif_seg *seg, void *dst, size_t len)
{
    grant_ref_t gref = seg->gref;
    void *page = seg->page;

    if ( dst )
        memcpy(dst, page, len);
    drv.unmaps++;
    if ( seg->flags & SEG_POOLED )
    {
        blkif_pool_put(drv.pool, gref, page, 0); /* stays granted */
        return;
    }
    drv.page[gref] = NULL;
    free(page);
}

static void
fake_notify(void *ctx)
{
    drv.notifies++;
}

static bool
fake_others_busy(void *ctx)
{
    drv.others_asked++;
    return drv.others_busy;
}

const struct blkif_engine_ops ops = { fake_seg_map, fake_seg_unmap, fake_notify,
                                      fake_others_busy };

/* --- the fake backend ---------------------------------------------------- */

struct fake_be be;

union blkif_sring_entry *
be_slot(RING_IDX i)
{
    union blkif_sring_entry *first = be.page.s.ring;

    return first + (i % be.slots);
}

/* Requests the backend has taken and not answered, oldest first. */
blkif_request_t pending[512];
unsigned int npending;

/* Take every request pushed so far (executing nothing yet). */
void
be_take(void)
{
    size_t n;

    while ( be.req_cons != be.page.s.req_prod )
    {
        pending[npending++] = be_slot(be.req_cons++)->req;
        n = strlen(be.log);
        if ( n + 1 < sizeof(be.log) )
            be.log[n] = "RWBFXDI?"[pending[npending - 1].operation & 7];
    }
    if ( npending > be.max_seen )
        be.max_seen = npending;
}

/* Execute and answer the oldest `n` taken requests (all: n = ~0u). */
/* Move the data of segment list seg[0..n) of request sector `sector`. */
static int16_t
be_data(uint8_t op, uint64_t sector, const struct blkif_request_segment *seg,
        unsigned int n)
{
    unsigned char *page, *at = be.disk + sector * 512;
    unsigned int i, s;

    for ( i = 0; i < n; i++ )
    {
        page = seg[i].gref < MAX_GREFS ? drv.page[seg[i].gref] : NULL;
        s = seg[i].last_sect - seg[i].first_sect + 1u;
        if ( !page || ((op == BLKIF_OP_READ || be.persistent) &&
                       drv.readonly[seg[i].gref]) )
            return BLKIF_RSP_ERROR; /* Xen would refuse the map */
        if ( at + s * 512 > be.disk + sizeof(be.disk) )
            return BLKIF_RSP_ERROR;
        if ( op == BLKIF_OP_READ )
            memcpy(page + seg[i].first_sect * 512, at, s * 512);
        else
            memcpy(at, page + seg[i].first_sect * 512, s * 512);
        at += s * 512;
    }
    return BLKIF_RSP_OKAY;
}

/* An indirect request: its descriptors from the page it names. */
static int16_t
be_indirect(const blkif_request_t *q)
{
    const blkif_request_indirect_t *ind = (const void *)q;
    grant_ref_t g = ind->indirect_grefs[0];

    if ( g >= MAX_GREFS || !drv.page[g] || (be.persistent && drv.readonly[g]) ||
         ind->nr_segments > 512 ||
         (ind->indirect_op != BLKIF_OP_READ &&
          ind->indirect_op != BLKIF_OP_WRITE) )
        return BLKIF_RSP_ERROR;
    return be_data(ind->indirect_op, ind->sector_number, drv.page[g],
                   ind->nr_segments);
}

/* Execute and answer the oldest `n` taken requests (all: n = ~0u). */
void
be_answer(unsigned int n)
{
    const blkif_request_discard_t *dq;
    blkif_request_t *q;
    blkif_response_t *r;
    int16_t status;

    while ( n-- && npending )
    {
        q = &pending[0];
        status = BLKIF_RSP_OKAY;
        if ( q->operation == BLKIF_OP_FLUSH_DISKCACHE )
            status = be.flush_status;
        else if ( q->operation == BLKIF_OP_WRITE_BARRIER )
            status = be.barrier_status;
        if ( q->operation == BLKIF_OP_DISCARD )
        {
            dq = (const void *)q;
            status = be.discard_status;
            if ( status == BLKIF_RSP_OKAY )
            {
                memset(be.disk + dq->sector_number * 512, 0,
                       dq->nr_sectors * 512);
                be.discarded += dq->nr_sectors;
                be.last_discard = dq->sector_number;
            }
        }
        else if ( q->operation == BLKIF_OP_INDIRECT )
            status = be_indirect(q);
        else if ( status == BLKIF_RSP_OKAY )
            status =
                be_data(q->operation, q->sector_number, q->seg, q->nr_segments);
        r = &be_slot(be.page.s.rsp_prod)->rsp;
        r->id = q->id;
        /* Like Linux's blkback: an indirect request's inner operation. */
        r->operation = q->operation == BLKIF_OP_INDIRECT
                           ? ((blkif_request_indirect_t *)q)->indirect_op
                           : q->operation;
        r->status = status;
        be.page.s.rsp_prod++;
        memmove(&pending[0], &pending[1], --npending * sizeof(pending[0]));
    }
}

/* The backend keeps up: take and answer until nothing is left. */
void
be_serve(struct blkif_engine *e, struct blk_req **done)
{
    do
    {
        be_take();
        be_answer(~0u);
        blkif_engine_poll(e, done);
    } while ( be.req_cons != be.page.s.req_prod );
}

static void
fence(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static const struct ring_barriers fences = { fence, fence, fence };

struct blkif_params params;

/* A fresh disk, driver and backend. */
void
setup(struct blkif_engine *e, const char *offers)
{
    setup_ring(e, offers, 1);
}

void
setup_ring(struct blkif_engine *e, const char *offers, unsigned int pages)
{
    memset(&drv, 0, sizeof(drv));
    memset(&be, 0, sizeof(be));
    npending = 0;
    memset(&params, 0, sizeof(params));
    params.sector_size = params.phys_sector_size = 512;
    params.sectors = params.sectors_512 = DISK_SECTORS;
    params.flush = strchr(offers, 'f') != NULL;
    params.barrier = strchr(offers, 'b') != NULL;
    params.readonly = strchr(offers, 'r') != NULL;
    params.discard = strchr(offers, 'd') != NULL;
    params.discard_granularity = 512;
    blkif_ring_init(&e->ring, &be.page, pages * 4096, "xvdt", &fences);
    be.slots = e->ring.size;
    blkif_engine_init(e, "xvdt", 51712, &params, &ops, NULL);
}

/* --- callers -------------------------------------------------------------- */

unsigned int completions;

static void
count_done(struct blk_req *r)
{
    completions++;
    *(int *)r->arg += 1;
}

void
req(struct blk_req *r, unsigned int op, uint64_t sector, uint32_t count,
    void *buf, int *calls)
{
    memset(r, 0, sizeof(*r));
    r->op = op;
    r->sector = sector;
    r->count = count;
    r->buf = buf;
    r->done = count_done;
    r->arg = calls;
    r->status = 12345;
}

void
submit(struct blkif_engine *e, struct blk_req *r)
{
    struct blk_req *done = NULL;

    blkif_engine_submit(e, r, &done);
    blkif_engine_finish(done);
}

void
serve(struct blkif_engine *e)
{
    struct blk_req *done = NULL;

    be_serve(e, &done);
    blkif_engine_finish(done);
}

void
poll(struct blkif_engine *e)
{
    struct blk_req *done = NULL;

    blkif_engine_poll(e, &done);
    blkif_engine_finish(done);
}

void
fill(unsigned char *b, size_t n, unsigned int seed)
{
    size_t i;

    for ( i = 0; i < n; i++ )
        b[i] = (unsigned char)(i * 31 + seed);
}
