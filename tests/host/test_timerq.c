/* SPDX-License-Identifier: MIT */
/*
 * test_timerq.c - host tests of the deadline queue (kernel/xen/time/timerq.c):
 * order, ties, refusals, removal anywhere, the expiry boundary, and a
 * thousand pseudo-random deadlines with random cancellations checked
 * against a plain sort.
 */
#include <ktest.h>
#include <stats.h>
#include <timerq.h>

static uint64_t
lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 16;
}

/* A queue entry as an owner would embed it. */
struct item {
    struct timerq_node node;
    unsigned int id;
    unsigned int popped;
    bool cancelled;
};

static struct item *
item_of(struct timerq_node *n)
{
    return n ? container_of(n, struct item, node) : NULL;
}

TEST(timerq, empty)
{
    struct timerq q;
    struct timerq_node n;

    timerq_init(&q);
    timerq_node_init(&n);
    EXPECT_TRUE(timerq_first(&q) == NULL);
    EXPECT_TRUE(timerq_pop_expired(&q, UINT64_MAX) == NULL);
    EXPECT_EQ(q.count, 0u);
    EXPECT_FALSE(timerq_node_queued(&n));
    EXPECT_FALSE(timerq_remove(&q, &n));
}

TEST(timerq, sorted_with_stable_ties)
{
    struct timerq q;
    struct item it[6];
    static const uint64_t dl[6] = { 50, 10, 50, 30, 10, 50 };
    static const unsigned int want[6] = { 1, 4, 3, 0, 2, 5 };
    unsigned int i;

    timerq_init(&q);
    for ( i = 0; i < 6; i++ )
    {
        timerq_node_init(&it[i].node);
        it[i].id = i;
        EXPECT_TRUE(timerq_insert(&q, &it[i].node, dl[i]));
    }
    EXPECT_EQ(q.count, 6u);
    for ( i = 0; i < 6; i++ )
    {
        struct item *x = item_of(timerq_pop_expired(&q, UINT64_MAX));

        ASSERT_TRUE(x != NULL);
        EXPECT_EQ(x->id, want[i]);
        EXPECT_FALSE(timerq_node_queued(&x->node));
    }
    EXPECT_TRUE(timerq_first(&q) == NULL);
    EXPECT_EQ(q.count, 0u);
}

TEST(timerq, refuses_double_insert)
{
    struct timerq q;
    struct item a;

    timerq_init(&q);
    timerq_node_init(&a.node);
    EXPECT_TRUE(timerq_insert(&q, &a.node, 5));
    EXPECT_FALSE(timerq_insert(&q, &a.node, 1));
    EXPECT_EQ(a.node.deadline, 5ull);
    EXPECT_EQ(q.count, 1u);
    EXPECT_TRUE(timerq_remove(&q, &a.node));
    EXPECT_FALSE(timerq_remove(&q, &a.node));
    EXPECT_EQ(q.count, 0u);
    /* Removed nodes may be queued again. */
    EXPECT_TRUE(timerq_insert(&q, &a.node, 1));
    EXPECT_TRUE(timerq_first(&q) == &a.node);
}

TEST(timerq, remove_head_middle_tail)
{
    struct timerq q;
    struct item it[5];
    unsigned int i;

    timerq_init(&q);
    for ( i = 0; i < 5; i++ )
    {
        timerq_node_init(&it[i].node);
        it[i].id = i;
        timerq_insert(&q, &it[i].node, 100 + i);
    }
    EXPECT_TRUE(timerq_remove(&q, &it[0].node)); /* head */
    EXPECT_TRUE(timerq_remove(&q, &it[2].node)); /* middle */
    EXPECT_TRUE(timerq_remove(&q, &it[4].node)); /* tail */
    EXPECT_EQ(q.count, 2u);
    EXPECT_EQ(item_of(timerq_pop_expired(&q, 1000))->id, 1u);
    EXPECT_EQ(item_of(timerq_pop_expired(&q, 1000))->id, 3u);
    EXPECT_TRUE(timerq_pop_expired(&q, 1000) == NULL);
}

TEST(timerq, expiry_boundary)
{
    struct timerq q;
    struct item a, b;

    timerq_init(&q);
    timerq_node_init(&a.node);
    timerq_node_init(&b.node);
    timerq_insert(&q, &a.node, 1000);
    timerq_insert(&q, &b.node, 2000);
    EXPECT_TRUE(timerq_pop_expired(&q, 0) == NULL);
    EXPECT_TRUE(timerq_pop_expired(&q, 999) == NULL);
    EXPECT_EQ(q.count, 2u);
    /* A deadline equal to now has expired. */
    EXPECT_TRUE(timerq_pop_expired(&q, 1000) == &a.node);
    EXPECT_TRUE(timerq_pop_expired(&q, 1999) == NULL);
    EXPECT_TRUE(timerq_first(&q) == &b.node);
}

TEST(timerq, random_deadlines_and_cancels)
{
    enum { N = 1000 };
    static struct item it[N];
    static uint64_t sorted[N];
    struct timerq q;
    struct timerq_node *n;
    uint64_t s = 2024, last = 0;
    unsigned int i, live = 0, popped = 0, out_of_order = 0, wrong = 0;

    timerq_init(&q);
    for ( i = 0; i < N; i++ )
    {
        timerq_node_init(&it[i].node);
        it[i].id = i;
        it[i].popped = 0;
        it[i].cancelled = false;
        /* 0..200 ms in ns, with some exact duplicates. */
        timerq_insert(&q, &it[i].node,
                      i % 10 == 0 ? 5000000 : lcg(&s) % 200000000);
    }
    /* Cancel about a third, chosen at random. */
    for ( i = 0; i < N; i++ )
    {
        if ( lcg(&s) % 3 == 0 )
        {
            EXPECT_TRUE(timerq_remove(&q, &it[i].node));
            it[i].cancelled = true;
        }
        else
            sorted[live++] = it[i].node.deadline;
    }
    EXPECT_EQ(q.count, (size_t)live);
    stats_sort(sorted, live);

    /* Expire in steps of 1 ms, like a clock moving on. */
    for ( uint64_t now = 0; now <= 200000000; now += 1000000 )
        while ( (n = timerq_pop_expired(&q, now)) != NULL )
        {
            struct item *x = item_of(n);

            if ( n->deadline > now || n->deadline < last )
                out_of_order++;
            if ( popped < live && n->deadline != sorted[popped] )
                wrong++;
            last = n->deadline;
            x->popped++;
            popped++;
        }
    EXPECT_EQ(popped, live);
    EXPECT_EQ(out_of_order, 0u);
    EXPECT_EQ(wrong, 0u);
    for ( i = 0; i < N; i++ )
        if ( it[i].popped != (it[i].cancelled ? 0u : 1u) )
            wrong++;
    EXPECT_EQ(wrong, 0u);
    EXPECT_EQ(q.count, 0u);
}
