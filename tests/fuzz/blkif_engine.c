/* SPDX-License-Identifier: MIT */
/*
 * blkif_engine.c - libFuzzer harness for one disk's I/O engine
 * (drivers/blk/blkif_engine.c and the ring, shadow, request and ordering
 * code under it) against a hostile backend: it answers requests it took
 * with any status, with ids and operations corrupted, writes any value
 * to rsp_prod and any bytes into the ring's slots, while callers submit
 * requests (valid or not), pages run out, and the disk may be stopped.
 * Input: the disk's size and features, then a script of those actions.
 * Checked: every request completes exactly once (all of them by the final
 * stop), every page given to the backend is handed back, every request
 * the frontend publishes uses only pages it still grants and at most 11
 * segments, never more requests are outstanding than the ring holds, and
 * a stopped disk publishes nothing more.
 */
#include <stdlib.h>

#include <xen/errno.h>
#include "drivers/blk/blkif_engine.h"
#include "fuzz.h"

#define NREQ   16
#define MAXCNT 100 /* sectors per request */
#define NGREF  1024
#define NTAKEN 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
    void *page[NGREF]; /* granted now, by reference */
    unsigned int live;
    grant_ref_t next;
    bool fail;
} grants;

static int
fz_map(void *ctx, const void *src, size_t len, grant_ref_t *gref, void **page)
{
    grant_ref_t g;

    if ( grants.fail || grants.live == NGREF )
        return -XEN_ENOSPC;
    for ( g = grants.next; grants.page[g % NGREF]; g++ )
        continue;
    g %= NGREF;
    grants.next = g + 1;
    *page = malloc(4096);
    FUZZ_CHECK(*page && len <= 4096, "map of %zu bytes", len);
    if ( src )
        memcpy(*page, src, len);
    grants.page[g] = *page;
    grants.live++;
    *gref = g;
    return 0;
}

static void
fz_unmap(void *ctx, grant_ref_t gref, void *page, void *dst, size_t len)
{
    FUZZ_CHECK(gref < NGREF && grants.page[gref] == page,
               "unmap of reference %u that is not granted", gref);
    if ( dst )
        memcpy(dst, page, len);
    free(page);
    grants.page[gref] = NULL;
    grants.live--;
}

static void
fz_notify(void *ctx)
{}

static const struct blkif_engine_ops fz_ops = { fz_map, fz_unmap, fz_notify };

static void
fz_fence(void)
{}

static const struct ring_barriers fz_fences = { fz_fence, fz_fence, fz_fence };

static struct blk_req reqs[NREQ];
static unsigned int done_count[NREQ];
static bool busy[NREQ];
static unsigned char buffers[NREQ][MAXCNT * 512];

static void
fz_done(struct blk_req *r)
{
    unsigned int i = (unsigned int)(r - reqs);

    FUZZ_CHECK(i < NREQ && busy[i] && done_count[i] == 0,
               "done for request %u not in flight", i);
    busy[i] = false;
    done_count[i]++;
}

/* The backend's side: requests taken, not yet answered. */
static struct {
    RING_IDX cons, rsp_prod;
    blkif_request_t taken[NTAKEN];
    unsigned int ntaken;
} be;

static union blkif_sring_entry *
be_slot(struct blkif_sring *s, RING_IDX i)
{
    union blkif_sring_entry *first = s->ring;

    return first + (i % 32);
}

/*
 * Take what the frontend published. Its pages must still be granted,
 * unless the disk stopped since: then its grants are ended, and a real
 * backend's map would be refused by Xen.
 */
static void
be_take(struct blkfront_ring *ring, bool stopped)
{
    struct blkif_sring *s = ring->sring;
    blkif_request_t q;
    unsigned int i;

    FUZZ_CHECK(s->req_prod - ring->rsp_cons <= 32,
               "%u requests outstanding in a ring of 32",
               s->req_prod - ring->rsp_cons);
    while ( be.cons != s->req_prod )
    {
        q = be_slot(s, be.cons++)->req;
        FUZZ_CHECK(q.nr_segments <= BLKIF_MAX_SEGMENTS_PER_REQUEST,
                   "request with %u segments", q.nr_segments);
        for ( i = 0; !stopped && i < q.nr_segments; i++ )
            FUZZ_CHECK(
                q.seg[i].gref < NGREF && grants.page[q.seg[i].gref] &&
                    q.seg[i].first_sect <= q.seg[i].last_sect &&
                    q.seg[i].last_sect < 8,
                "segment %u: reference %u not granted, or sectors %u..%u", i,
                q.seg[i].gref, q.seg[i].first_sect, q.seg[i].last_sect);
        if ( be.ntaken < NTAKEN )
            be.taken[be.ntaken++] = q;
    }
}

static void
be_answer(struct blkif_sring *s, struct fuzz_in *in)
{
    static const int16_t statuses[] = { BLKIF_RSP_OKAY, BLKIF_RSP_ERROR,
                                        BLKIF_RSP_EOPNOTSUPP, 5 };
    unsigned int k, spoil;
    blkif_response_t *r;
    blkif_request_t q;

    if ( !be.ntaken )
        return;
    k = (unsigned int)fuzz_take(in, 1) % be.ntaken;
    q = be.taken[k];
    be.taken[k] = be.taken[--be.ntaken];
    spoil = (unsigned int)fuzz_take(in, 1);
    r = &be_slot(s, be.rsp_prod++)->rsp;
    r->id = q.id ^ (spoil & 1 ? fuzz_take(in, 8) : 0);
    r->operation = (uint8_t)(q.operation + (spoil & 2 ? 1 : 0));
    r->status = statuses[(spoil >> 2) % 4];
    s->rsp_prod = be.rsp_prod;
}

static void
submit(struct blkif_engine *e, struct fuzz_in *in)
{
    struct blk_req *done = NULL;
    unsigned int i, op = (unsigned int)fuzz_take(in, 1);

    for ( i = 0; i < NREQ && busy[i]; i++ )
        continue;
    if ( i == NREQ )
        return;
    done_count[i] = 0; /* its last submission completed once (fz_done) */
    memset(&reqs[i], 0, sizeof(reqs[i]));
    reqs[i].op = op % 5 == 4 ? 7 : op % 5;
    reqs[i].sector = fuzz_take(in, 4) % (e->p->sectors_512 + 16);
    reqs[i].count = (uint32_t)(fuzz_take(in, 1) % (MAXCNT + 1));
    reqs[i].buf = buffers[i];
    reqs[i].done = fz_done;
    busy[i] = true;
    blkif_engine_submit(e, &reqs[i], &done);
    blkif_engine_finish(done);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    static struct blkif_engine e;
    static struct blkif_params p;
    struct blkif_sring *s = calloc(1, 4096);
    struct blk_req *done = NULL;
    unsigned int i, feats;
    RING_IDX prod_at_stop = 0;
    bool stopped = false;

    memset(&grants, 0, sizeof(grants));
    memset(&be, 0, sizeof(be));
    memset(done_count, 0, sizeof(done_count));
    memset(busy, 0, sizeof(busy));
    memset(&p, 0, sizeof(p));
    feats = (unsigned int)fuzz_take(&in, 1);
    p.sector_size = 512u << (feats % 4);
    p.phys_sector_size = p.sector_size;
    p.sectors_512 = 1 + fuzz_take(&in, 3);
    p.sectors_512 -= p.sectors_512 % (p.sector_size / 512);
    p.sectors_512 += p.sector_size / 512;
    p.sectors = p.sectors_512 / (p.sector_size / 512);
    p.flush = feats & 4;
    p.barrier = feats & 8;
    p.readonly = feats & 16;
    blkif_ring_init(&e.ring, s, 4096, "xvdf", &fz_fences);
    blkif_engine_init(&e, "xvdf", 0, &p, &fz_ops, NULL);
    while ( fuzz_more(&in) )
    {
        switch ( fuzz_take(&in, 1) % 8 )
        {
        case 0:
            submit(&e, &in);
            break;
        case 1:
            be_take(&e.ring, e.stopped);
            break;
        case 2:
            be_answer(s, &in);
            break;
        case 3: /* any producer index (its own count stays honest) */
            s->rsp_prod = (RING_IDX)fuzz_take(&in, 4);
            break;
        case 4: /* any bytes over a slot whose request it has taken */
            /* (not over requests still to take: those are the check's) */
            i = 32 - (s->req_prod - be.cons); /* such slots */
            if ( i == 0 || i > 32 )
                break;
            i = be.cons - 1 - (unsigned int)fuzz_take(&in, 1) % i;
            be_slot(s, i)->rsp.id = fuzz_take(&in, 8);
            be_slot(s, i)->rsp.operation = (uint8_t)fuzz_take(&in, 1);
            be_slot(s, i)->rsp.status = (int16_t)fuzz_take(&in, 2);
            break;
        case 5:
            blkif_engine_poll(&e, &done);
            blkif_engine_finish(done);
            done = NULL;
            break;
        case 6:
            grants.fail = !grants.fail;
            break;
        default:
            blkif_engine_stop(&e, -XEN_EIO, "fuzz", &done);
            blkif_engine_finish(done);
            done = NULL;
            break;
        }
        if ( e.stopped && !stopped )
        {
            stopped = true;
            prod_at_stop = s->req_prod;
        }
        FUZZ_CHECK(!stopped || s->req_prod == prod_at_stop,
                   "a stopped disk published requests");
    }
    blkif_engine_stop(&e, -XEN_EIO, "end", &done);
    blkif_engine_finish(done);
    for ( i = 0; i < NREQ; i++ )
        FUZZ_CHECK(!busy[i] && done_count[i] <= 1,
                   "request %u: busy %d, completed %u times", i, busy[i],
                   done_count[i]);
    FUZZ_CHECK(grants.live == 0, "%u pages still granted after the stop",
               grants.live);
    FUZZ_CHECK(blkif_engine_pending(&e) == 0, "%u requests pending",
               blkif_engine_pending(&e));
    free(s);
    return 0;
}
