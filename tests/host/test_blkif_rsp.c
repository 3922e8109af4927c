/* SPDX-License-Identifier: MIT */
/*
 * test_blkif_rsp.c - host tests of the shadow table and the checks on
 * every response (drivers/blk/blkif_shadow.c): ids are never reused; a
 * response with a wrong id, a wrong operation, an undefined status, or
 * for a request already completed is refused with a message naming the
 * fault; and a whole round trip through the ring with a fake backend.
 */
#include <ktest.h>
#include "drivers/blk/blkif_shadow.h"
#include "drivers/blk/blkif_ring.h"
#include "drivers/blk/blkif_req.h"
#include "tests/host/host.h"
#include <xen/errno.h>

static blkif_response_t
rsp(uint64_t id, uint8_t op, int16_t status)
{
    blkif_response_t r = { .id = id, .operation = op, .status = status };

    return r;
}

/* Complete with printk captured; the capture stays readable after. */
static int
complete(struct blkif_shadow *t, blkif_response_t r,
         struct blkif_shadow_slot **out)
{
    int rc;

    host_capture_begin();
    rc = blkif_shadow_complete(t, &r, out);
    host_capture_end();
    return rc;
}

TEST(blkif_rsp, ids_are_fresh_and_slots_run_out)
{
    static struct blkif_shadow tab;
    struct blkif_shadow_slot *s[4], *x;
    unsigned int i;
    uint64_t old;

    EXPECT_EQ(blkif_shadow_init(&tab, 0, "xvdt"), -XEN_EINVAL);
    EXPECT_EQ(blkif_shadow_init(&tab, BLKIF_SHADOW_MAX + 1, "xvdt"),
              -XEN_EINVAL);
    ASSERT_EQ(blkif_shadow_init(&tab, 4, "xvdt"), 0);
    for ( i = 0; i < 4; i++ )
    {
        s[i] = blkif_shadow_get(&tab, BLKIF_OP_READ);
        ASSERT_TRUE(s[i] != NULL);
        EXPECT_EQ(s[i]->id & 0xffff, (uint64_t)(s[i] - tab.slot));
        EXPECT_NE(s[i]->id >> 16, 0u);
    }
    EXPECT_TRUE(blkif_shadow_get(&tab, BLKIF_OP_READ) == NULL);
    EXPECT_EQ(tab.in_flight, 4u);
    /* A cancelled slot comes back with a new id. */
    old = s[2]->id;
    blkif_shadow_cancel(&tab, s[2]);
    EXPECT_EQ(tab.in_flight, 3u);
    x = blkif_shadow_get(&tab, BLKIF_OP_WRITE);
    ASSERT_TRUE(x == s[2]);
    EXPECT_NE(x->id, old);
}

TEST(blkif_rsp, good_response_completes_its_slot)
{
    static struct blkif_shadow tab;
    struct blkif_shadow_slot *s, *got = NULL;

    ASSERT_EQ(blkif_shadow_init(&tab, 32, "xvdt"), 0);
    s = blkif_shadow_get(&tab, BLKIF_OP_WRITE);
    ASSERT_TRUE(s != NULL);
    EXPECT_EQ(complete(&tab, rsp(s->id, BLKIF_OP_WRITE, BLKIF_RSP_OKAY), &got),
              0);
    EXPECT_TRUE(got == s);
    EXPECT_EQ(s->state, BLKIF_SLOT_ANSWERED);
    EXPECT_EQ(tab.in_flight, 0u);
    EXPECT_STREQ(host_capture_text(), "");
    /* Errors are answers too: the request fails, the disk goes on. */
    s = blkif_shadow_get(&tab, BLKIF_OP_READ);
    ASSERT_TRUE(s != NULL);
    EXPECT_EQ(complete(&tab, rsp(s->id, BLKIF_OP_READ, BLKIF_RSP_ERROR), &got),
              0);
}

TEST(blkif_rsp, duplicate_response_is_already_completed)
{
    static struct blkif_shadow tab;
    struct blkif_shadow_slot *s, *got;
    uint64_t id;

    ASSERT_EQ(blkif_shadow_init(&tab, 1, "xvdt"), 0);
    s = blkif_shadow_get(&tab, BLKIF_OP_READ);
    ASSERT_TRUE(s != NULL);
    id = s->id;
    ASSERT_EQ(complete(&tab, rsp(id, BLKIF_OP_READ, 0), &got), 0);
    /* Answered, not yet put back. */
    EXPECT_EQ(complete(&tab, rsp(id, BLKIF_OP_READ, 0), &got), -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("is for a request already completed"));
    /* Put back and reused: the old id still names a completed request. */
    blkif_shadow_put(&tab, s);
    s = blkif_shadow_get(&tab, BLKIF_OP_READ);
    ASSERT_TRUE(s != NULL);
    EXPECT_NE(s->id, id);
    EXPECT_EQ(complete(&tab, rsp(id, BLKIF_OP_READ, 0), &got), -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("is for a request already completed"));
    EXPECT_EQ(s->state, BLKIF_SLOT_IN_FLIGHT); /* untouched */
    EXPECT_EQ(tab.in_flight, 1u);
}

TEST(blkif_rsp, unknown_ids_are_refused)
{
    static struct blkif_shadow tab;
    struct blkif_shadow_slot *s, *got;

    ASSERT_EQ(blkif_shadow_init(&tab, 4, "xvdt"), 0);
    s = blkif_shadow_get(&tab, BLKIF_OP_READ);
    ASSERT_TRUE(s != NULL);
    /* Right slot, a sequence never handed out. */
    EXPECT_EQ(complete(&tab, rsp(s->id + (1ull << 16), BLKIF_OP_READ, 0), &got),
              -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("names no request in flight"));
    /* A free slot; a slot beyond the table; beyond the array; id 0. */
    EXPECT_EQ(complete(&tab, rsp((1ull << 16) | 2, BLKIF_OP_READ, 0), &got),
              -XEN_EBADMSG);
    EXPECT_EQ(complete(&tab, rsp((1ull << 16) | 7, BLKIF_OP_READ, 0), &got),
              -XEN_EBADMSG);
    EXPECT_EQ(
        complete(&tab, rsp(0xffffffffffffffffull, BLKIF_OP_READ, 0), &got),
        -XEN_EBADMSG);
    EXPECT_EQ(complete(&tab, rsp(0, BLKIF_OP_READ, 0), &got), -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("id 0 names no request in flight"));
    EXPECT_EQ(s->state, BLKIF_SLOT_IN_FLIGHT);
    EXPECT_EQ(tab.in_flight, 1u);
}

TEST(blkif_rsp, wrong_operation_is_refused)
{
    static struct blkif_shadow tab;
    struct blkif_shadow_slot *s, *got;

    ASSERT_EQ(blkif_shadow_init(&tab, 4, "xvdt"), 0);
    s = blkif_shadow_get(&tab, BLKIF_OP_READ);
    ASSERT_TRUE(s != NULL);
    EXPECT_EQ(complete(&tab, rsp(s->id, BLKIF_OP_WRITE, 0), &got),
              -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains(
        "has operation 1 (write), its request was 0 (read)"));
    EXPECT_EQ(s->state, BLKIF_SLOT_IN_FLIGHT);
}

TEST(blkif_rsp, status_must_be_defined_for_the_operation)
{
    static struct blkif_shadow tab;
    struct blkif_shadow_slot *s, *f, *got;

    ASSERT_EQ(blkif_shadow_init(&tab, 4, "xvdt"), 0);
    s = blkif_shadow_get(&tab, BLKIF_OP_READ);
    f = blkif_shadow_get(&tab, BLKIF_OP_FLUSH_DISKCACHE);
    ASSERT_TRUE(s && f);
    EXPECT_EQ(complete(&tab, rsp(s->id, BLKIF_OP_READ, 5), &got), -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("has status 5, not one blkif defines"));
    EXPECT_EQ(complete(&tab, rsp(s->id, BLKIF_OP_READ, -3), &got),
              -XEN_EBADMSG);
    /* EOPNOTSUPP is for optional operations only. */
    EXPECT_EQ(
        complete(&tab, rsp(s->id, BLKIF_OP_READ, BLKIF_RSP_EOPNOTSUPP), &got),
        -XEN_EBADMSG);
    EXPECT_EQ(
        complete(&tab,
                 rsp(f->id, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_EOPNOTSUPP),
                 &got),
        0);
    EXPECT_TRUE(got == f);
}

/* The backend's half of a round trip: answer every pushed request. */
static void
fake_backend(struct blkif_sring *sr, uint32_t size, int16_t status)
{
    union blkif_sring_entry *slots = sr->ring;
    blkif_request_t q;

    while ( sr->rsp_prod != sr->req_prod )
    {
        q = slots[sr->rsp_prod & (size - 1)].req;
        slots[sr->rsp_prod & (size - 1)].rsp.id = q.id;
        slots[sr->rsp_prod & (size - 1)].rsp.operation = q.operation;
        slots[sr->rsp_prod & (size - 1)].rsp.status = status;
        sr->rsp_prod++;
    }
}

static void
fence(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static const struct ring_barriers fences = { fence, fence, fence };

TEST(blkif_rsp, round_trip_through_the_ring)
{
    static union {
        struct blkif_sring s;
        unsigned char bytes[4096];
    } page;
    static struct blkif_shadow tab;
    struct blkfront_ring r;
    struct blkif_shadow_slot *s, *got;
    struct blkif_split sp;
    struct blkif_piece p;
    blkif_request_t q;
    blkif_response_t out;
    grant_ref_t gref[BLKIF_SEGS_MAX] = { 0 };
    unsigned int n = 0, round;
    int ready;

    ASSERT_EQ(blkif_ring_init(&r, &page, sizeof(page), "xvdt", &fences), 0);
    ASSERT_EQ(blkif_shadow_init(&tab, r.size, "xvdt"), 0);
    /* 100 rounds of a 1 MiB write: more ids than slots, wrapping slots. */
    for ( round = 0; round < 100; round++ )
    {
        ASSERT_EQ(blkif_split_start(&sp, 0, 2048, 0, 512, 1 << 20, 11), 0);
        while ( blkif_split_next(&sp, &p) )
        {
            s = blkif_shadow_get(&tab, BLKIF_OP_WRITE);
            ASSERT_TRUE(s != NULL);
            blkif_req_fill(&q, BLKIF_OP_WRITE, 0, s->id, &p, gref);
            ASSERT_EQ(blkif_ring_put(&r, &q), 0);
            blkif_ring_push(&r);
            fake_backend(&page.s, r.size, BLKIF_RSP_OKAY);
            ready = blkif_ring_ready(&r);
            ASSERT_EQ(ready, 1);
            blkif_ring_take(&r, &out);
            ASSERT_EQ(blkif_shadow_complete(&tab, &out, &got), 0);
            ASSERT_TRUE(got == s);
            blkif_shadow_put(&tab, got);
            n++;
        }
    }
    EXPECT_EQ(n, 100u * 24); /* 2048 sectors = 23.3 ring requests */
    EXPECT_EQ(tab.in_flight, 0u);
    EXPECT_EQ(blkif_ring_free(&r), r.size);
}
