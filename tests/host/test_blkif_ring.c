/* SPDX-License-Identifier: MIT */
/*
 * test_blkif_ring.c - host tests of the frontend's blkif ring
 * (drivers/blk/blkif_ring.c): its size, filling and pushing requests
 * with the backend's notification rule, the barriers in their places,
 * free-running indices across the 32-bit wrap, and a backend's response
 * index checked before any slot is read.
 */
#include <ktest.h>
#include "drivers/blk/blkif_ring.h"
#include "tests/host/fence_log.h"
#include "tests/host/host.h"
#include <xen/errno.h>

static const struct ring_barriers *const lb = &fence_log_barriers;

/* One shared page, as the driver allocates it. */
static union {
    struct blkif_sring s;
    unsigned char bytes[4096];
} page;

static void
ring_start(struct blkfront_ring *r)
{
    memset(&page, 0xa5, sizeof(page)); /* the indices must be reset */
    fence_log_reset();
    /* Cannot fail for a whole page (slots_fit_a_power_of_two). */
    blkif_ring_init(r, &page, sizeof(page), "xvdt", lb);
}

static blkif_request_t
req_with_id(uint64_t id)
{
    blkif_request_t q;

    memset(&q, 0, sizeof(q));
    q.operation = BLKIF_OP_READ;
    q.id = id;
    return q;
}

/* Slot i of the page (ring[] is declared with one entry). */
static union blkif_sring_entry *
slot(unsigned int i)
{
    union blkif_sring_entry *first = page.s.ring;

    return first + i % 32;
}

/* The backend answers the request in slot `idx` with `id` and `status`. */
static void
backend_answer(RING_IDX idx, uint64_t id, uint8_t op, int16_t status)
{
    blkif_response_t *rsp = &slot(idx)->rsp;

    rsp->id = id;
    rsp->operation = op;
    rsp->status = status;
}

TEST(blkif_ring, slots_fit_a_power_of_two)
{
    struct blkfront_ring r;

    EXPECT_EQ(blkif_ring_slots(4096), 32u); /* (4096 - 64) / 112 = 36 */
    EXPECT_EQ(blkif_ring_slots(8192), 64u);
    EXPECT_EQ(blkif_ring_slots(64 + 112), 1u);
    EXPECT_EQ(blkif_ring_slots(64 + 111), 0u);
    EXPECT_EQ(blkif_ring_slots(10), 0u);
    EXPECT_EQ(blkif_ring_init(&r, &page, 64, "xvdt", lb), -XEN_EINVAL);
}

TEST(blkif_ring, init_resets_the_shared_indices)
{
    struct blkfront_ring r;

    ring_start(&r);
    EXPECT_EQ(r.size, 32u);
    EXPECT_EQ(page.s.req_prod, 0u);
    EXPECT_EQ(page.s.rsp_prod, 0u);
    EXPECT_EQ(page.s.req_event, 1u);
    EXPECT_EQ(page.s.rsp_event, 1u);
    EXPECT_EQ(blkif_ring_free(&r), 32u);
    EXPECT_EQ(blkif_ring_in_flight(&r), 0u);
}

TEST(blkif_ring, put_fills_until_full)
{
    struct blkfront_ring r;
    blkif_request_t q;
    unsigned int i;

    ring_start(&r);
    for ( i = 0; i < 32; i++ )
    {
        q = req_with_id(100 + i);
        ASSERT_EQ(blkif_ring_put(&r, &q), 0);
    }
    q = req_with_id(999);
    EXPECT_EQ(blkif_ring_put(&r, &q), -XEN_ENOSPC);
    EXPECT_EQ(blkif_ring_free(&r), 0u);
    EXPECT_EQ(slot(5)->req.id, 105u);
    /* Not shown to the backend before the push. */
    EXPECT_EQ(page.s.req_prod, 0u);
    EXPECT_EQ(blkif_ring_in_flight(&r), 0u);
    blkif_ring_push(&r);
    EXPECT_EQ(page.s.req_prod, 32u);
    EXPECT_EQ(blkif_ring_in_flight(&r), 32u);
}

TEST(blkif_ring, push_orders_slots_index_and_event)
{
    struct blkfront_ring r;
    blkif_request_t q = req_with_id(1);

    ring_start(&r);
    EXPECT_FALSE(blkif_ring_push(&r)); /* nothing new: no barrier either */
    EXPECT_STREQ(fence_log_text(), "");
    ASSERT_EQ(blkif_ring_put(&r, &q), 0);
    EXPECT_TRUE(blkif_ring_push(&r)); /* req_event 1: wants the first */
    /* wmb: slots before req_prod; mb: req_prod before req_event. */
    EXPECT_STREQ(fence_log_text(), "wm");
}

TEST(blkif_ring, push_notifies_only_when_req_event_is_passed)
{
    struct blkfront_ring r;
    blkif_request_t q = req_with_id(1);
    unsigned int i;

    ring_start(&r);
    ASSERT_EQ(blkif_ring_put(&r, &q), 0);
    EXPECT_TRUE(blkif_ring_push(&r)); /* 0 -> 1, event 1 */
    page.s.req_event = 5;             /* the backend: wake me at 5 */
    for ( i = 0; i < 2; i++ )
        ASSERT_EQ(blkif_ring_put(&r, &q), 0);
    EXPECT_FALSE(blkif_ring_push(&r)); /* 1 -> 3 */
    ASSERT_EQ(blkif_ring_put(&r, &q), 0);
    EXPECT_FALSE(blkif_ring_push(&r)); /* 3 -> 4 */
    ASSERT_EQ(blkif_ring_put(&r, &q), 0);
    EXPECT_TRUE(blkif_ring_push(&r)); /* 4 -> 5 */
    ASSERT_EQ(blkif_ring_put(&r, &q), 0);
    EXPECT_FALSE(blkif_ring_push(&r)); /* 5 -> 6: event already passed */
}

TEST(blkif_ring, indices_wrap_at_32_bits)
{
    struct blkfront_ring r;
    blkif_request_t q;
    blkif_response_t out;
    RING_IDX start = 0xfffffffeu;
    unsigned int i;

    ring_start(&r);
    /* As if 2^32 - 2 requests had come and gone. */
    r.req_prod_pvt = r.req_pushed = r.rsp_cons = start;
    page.s.req_prod = page.s.rsp_prod = start;
    page.s.req_event = start + 1;
    for ( i = 0; i < 4; i++ )
    {
        q = req_with_id(i + 1);
        ASSERT_EQ(blkif_ring_put(&r, &q), 0);
    }
    EXPECT_TRUE(blkif_ring_push(&r));
    EXPECT_EQ(page.s.req_prod, 2u);
    EXPECT_EQ(slot(start + 3)->req.id, 4u);
    EXPECT_EQ(blkif_ring_free(&r), 28u);
    for ( i = 0; i < 4; i++ )
        backend_answer(start + i, i + 1, BLKIF_OP_READ, 0);
    page.s.rsp_prod = start + 4;
    ASSERT_EQ(blkif_ring_ready(&r), 4);
    for ( i = 0; i < 4; i++ )
    {
        blkif_ring_take(&r, &out);
        EXPECT_EQ(out.id, i + 1);
    }
    EXPECT_EQ(r.rsp_cons, 2u);
    EXPECT_EQ(blkif_ring_free(&r), 32u);
}

TEST(blkif_ring, ready_counts_and_fences_before_slots)
{
    struct blkfront_ring r;
    blkif_request_t q = req_with_id(7);
    blkif_response_t out;

    ring_start(&r);
    ASSERT_EQ(blkif_ring_put(&r, &q), 0);
    ASSERT_EQ(blkif_ring_put(&r, &q), 0);
    blkif_ring_push(&r);
    EXPECT_EQ(blkif_ring_ready(&r), 0);
    backend_answer(0, 7, BLKIF_OP_READ, BLKIF_RSP_ERROR);
    page.s.rsp_prod = 1;
    fence_log_reset();
    EXPECT_EQ(blkif_ring_ready(&r), 1);
    EXPECT_STREQ(fence_log_text(), "r"); /* rsp_prod before the slot */
    blkif_ring_take(&r, &out);
    EXPECT_EQ(out.id, 7u);
    EXPECT_EQ(out.operation, BLKIF_OP_READ);
    EXPECT_EQ(out.status, BLKIF_RSP_ERROR);
    /* The copy is ours: the backend rewriting the slot changes nothing. */
    backend_answer(0, 8, BLKIF_OP_WRITE, 0);
    EXPECT_EQ(out.id, 7u);
    EXPECT_EQ(blkif_ring_in_flight(&r), 1u);
}

TEST(blkif_ring, response_index_past_requests_in_flight_is_refused)
{
    struct blkfront_ring r;
    blkif_request_t q = req_with_id(7);

    ring_start(&r);
    ASSERT_EQ(blkif_ring_put(&r, &q), 0);
    ASSERT_EQ(blkif_ring_put(&r, &q), 0);
    blkif_ring_push(&r);
    ASSERT_EQ(blkif_ring_put(&r, &q), 0); /* put, not pushed */
    page.s.rsp_prod = 3;                  /* answers an unpushed one */
    fence_log_reset();
    host_capture_begin();
    EXPECT_EQ(blkif_ring_ready(&r), -XEN_EBADMSG);
    host_capture_end();
    EXPECT_TRUE(host_capture_contains(
        "blk: xvdt: bad response index: rsp_prod 3 answers 3 requests but only 2 are in flight"));
    EXPECT_STREQ(fence_log_text(), ""); /* no slot was about to be read */
    EXPECT_EQ(r.rsp_cons, 0u);
}

TEST(blkif_ring, response_index_past_the_ring_is_refused)
{
    struct blkfront_ring r;

    ring_start(&r);
    page.s.rsp_prod = 33;
    host_capture_begin();
    EXPECT_EQ(blkif_ring_ready(&r), -XEN_EBADMSG);
    host_capture_end();
    EXPECT_TRUE(host_capture_contains(
        "rsp_prod 33 is 33 past rsp_cons 0, more than the ring's 32 slots"));
    /* Backwards is the same as far ahead, modulo 2^32. */
    page.s.rsp_prod = 0xffffffffu;
    host_capture_begin();
    EXPECT_EQ(blkif_ring_ready(&r), -XEN_EBADMSG);
    host_capture_end();
}

TEST(blkif_ring, rearm_sets_event_and_catches_late_responses)
{
    struct blkfront_ring r;
    blkif_request_t q = req_with_id(1);
    blkif_response_t out;

    ring_start(&r);
    ASSERT_EQ(blkif_ring_put(&r, &q), 0);
    ASSERT_EQ(blkif_ring_put(&r, &q), 0);
    blkif_ring_push(&r);
    backend_answer(0, 1, BLKIF_OP_READ, 0);
    page.s.rsp_prod = 1;
    ASSERT_EQ(blkif_ring_ready(&r), 1);
    blkif_ring_take(&r, &out);
    fence_log_reset();
    EXPECT_FALSE(blkif_ring_rearm(&r));
    EXPECT_EQ(page.s.rsp_event, 2u);
    EXPECT_STREQ(fence_log_text(),
                 "m");   /* rsp_event before rsp_prod's re-read */
    page.s.rsp_prod = 2; /* arrives just after */
    EXPECT_TRUE(blkif_ring_rearm(&r));
}
