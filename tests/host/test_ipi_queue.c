/* SPDX-License-Identifier: MIT */
/*
 * test_ipi_queue.c - host tests of the IPI call queue's single-threaded
 * rules (kernel/xen/ipi/ipi_queue.c): first-in first-out, the doorbell
 * only for an empty queue, the pool's limit, and when each kind of
 * request is handed back. The same code under threads is
 * tests/tsan/tsan_ipi.c.
 */
#include <ktest.h>
#include "kernel/xen/ipi/ipi_queue.h"

static struct ipi_call *seen_call;
static bool seen_busy, seen_done;
static unsigned int runs;

/* Records what the request looked like while its function ran. */
static void
record(void *arg)
{
    if ( seen_call->pooled )
        seen_busy = seen_call->busy;
    else
        seen_done = seen_call->done;
    runs += (unsigned int)(uintptr_t)arg;
}

TEST(ipi_queue, fifo_and_doorbell_only_when_empty)
{
    struct ipi_queue q = { NULL, NULL };
    struct ipi_call a, b, c;

    EXPECT_FALSE(ipi_queue_peek(&q));
    EXPECT_TRUE(ipi_queue_pop(&q) == NULL);
    EXPECT_TRUE(ipi_queue_push(&q, &a));
    EXPECT_FALSE(ipi_queue_push(&q, &b));
    EXPECT_FALSE(ipi_queue_push(&q, &c));
    EXPECT_TRUE(ipi_queue_peek(&q));
    EXPECT_TRUE(ipi_queue_pop(&q) == &a);
    EXPECT_TRUE(ipi_queue_pop(&q) == &b);
    EXPECT_TRUE(ipi_queue_pop(&q) == &c);
    EXPECT_TRUE(ipi_queue_pop(&q) == NULL);
    EXPECT_FALSE(ipi_queue_peek(&q));
    /* Empty again: the next push rings. */
    EXPECT_TRUE(ipi_queue_push(&q, &b));
    EXPECT_TRUE(ipi_queue_pop(&q) == &b);
}

TEST(ipi_queue, pool_has_64_and_reuses_returned_slots)
{
    static struct ipi_pool p;
    struct ipi_call *got[IPI_POOL_SLOTS];
    unsigned int i, j;

    memset(&p, 0, sizeof(p));
    for ( i = 0; i < IPI_POOL_SLOTS; i++ )
    {
        got[i] = ipi_pool_get(&p);
        ASSERT_TRUE(got[i] != NULL);
        EXPECT_TRUE(got[i]->busy);
        for ( j = 0; j < i; j++ )
            EXPECT_TRUE(got[j] != got[i]);
    }
    EXPECT_TRUE(ipi_pool_get(&p) == NULL);
    /* The target hands one back by running it. */
    ipi_call_prepare(got[5], record, (void *)1, true);
    seen_call = got[5];
    runs = 0;
    ipi_call_run(got[5]);
    EXPECT_EQ(runs, 1u);
    EXPECT_TRUE(ipi_pool_get(&p) == got[5]);
    EXPECT_TRUE(ipi_pool_get(&p) == NULL);
}

TEST(ipi_queue, pooled_freed_before_fn_waited_done_after)
{
    static struct ipi_pool p;
    struct ipi_call waited, *slot;

    memset(&p, 0, sizeof(p));
    slot = ipi_pool_get(&p);
    ASSERT_TRUE(slot != NULL);
    ipi_call_prepare(slot, record, (void *)1, true);
    seen_call = slot;
    ipi_call_run(slot);
    EXPECT_FALSE(seen_busy); /* the owner could refill it already */

    ipi_call_prepare(&waited, record, (void *)1, false);
    EXPECT_FALSE(ipi_call_done(&waited));
    seen_call = &waited;
    ipi_call_run(&waited);
    EXPECT_FALSE(seen_done); /* the caller must not go on during fn */
    EXPECT_TRUE(ipi_call_done(&waited));
}
