/* SPDX-License-Identifier: MIT */
/*
 * test_evtchn_fifo.c - host tests of the FIFO queue walk and event-word
 * rules (kernel/xen/evtchn/evtchn_fifo_queue.c). The model below plays Xen: it
 * links events the way the FIFO ABI says Xen does (tail LINK if the tail
 * is still LINKED, else HEAD and READY).
 */
#include <ktest.h>
#include "kernel/xen/evtchn/evtchn_fifo_queue.h"

#define NPORTS 64

struct model {
    event_word_t words[NPORTS];
    struct evtchn_fifo_control_block cb;
    uint32_t tail[EVTCHN_FIFO_MAX_QUEUES]; /* Xen's private tails */
    unsigned int prio[NPORTS];
    bool upcall;
    struct evtchn_fifo_queues q;
};

static event_word_t *
model_word(void *ctx, evtchn_port_t port)
{
    struct model *m = ctx;

    return port < NPORTS ? &m->words[port] : NULL;
}

static void
model_init(struct model *m)
{
    unsigned int i;

    memset(m, 0, sizeof(*m));
    for ( i = 0; i < NPORTS; i++ )
        m->prio[i] = EVTCHN_FIFO_PRIORITY_DEFAULT;
    m->q.cb = &m->cb;
    m->q.word = model_word;
    m->q.ctx = m;
}

/* Xen's set_pending for the FIFO ABI. */
static void
xen_send(struct model *m, evtchn_port_t port)
{
    event_word_t *w = &m->words[port];
    unsigned int q = m->prio[port];
    bool linked = false;

    *w |= EVTCHN_FIFO_PENDING_BIT;
    if ( (*w & EVTCHN_FIFO_MASKED_BIT) || (*w & EVTCHN_FIFO_LINKED_BIT) )
        return;
    *w |= EVTCHN_FIFO_LINKED_BIT;
    if ( m->tail[q] == port )
        m->tail[q] = 0;
    if ( m->tail[q] && (m->words[m->tail[q]] & EVTCHN_FIFO_LINKED_BIT) )
    {
        m->words[m->tail[q]] =
            (m->words[m->tail[q]] & ~EVTCHN_FIFO_LINK_MASK) | port;
        linked = true;
    }
    if ( !linked )
        m->cb.head[q] = port;
    m->tail[q] = port;
    if ( !linked && !(m->cb.ready & (1u << q)) )
    {
        m->cb.ready |= 1u << q;
        m->upcall = true;
    }
}

/* Xen's EVTCHNOP_unmask: clear MASKED, relink if pending. */
static void
xen_unmask(struct model *m, evtchn_port_t port)
{
    m->words[port] &= ~EVTCHN_FIFO_MASKED_BIT;
    if ( m->words[port] & EVTCHN_FIFO_PENDING_BIT )
        xen_send(m, port);
}

/* The kernel's loop: pop, and deliver what it can claim. 0: none left. */
static evtchn_port_t
next_delivered(struct model *m)
{
    evtchn_port_t p;

    while ( (p = evtchn_fifo_pop(&m->q)) != 0 )
        if ( evtchn_fifo_word_claim(&m->words[p]) )
            return p;
    return 0;
}

TEST(evtchn_fifo, events_come_out_in_send_order)
{
    struct model m;

    model_init(&m);
    xen_send(&m, 5);
    xen_send(&m, 3);
    xen_send(&m, 9);
    EXPECT_TRUE(m.upcall);
    EXPECT_EQ(next_delivered(&m), 5u);
    EXPECT_EQ(next_delivered(&m), 3u);
    EXPECT_EQ(next_delivered(&m), 9u);
    EXPECT_EQ(next_delivered(&m), 0u);
    EXPECT_EQ(m.words[5], 0u);
    EXPECT_EQ(m.words[9], 0u);
}

TEST(evtchn_fifo, higher_priority_queue_first)
{
    struct model m;

    model_init(&m);
    m.prio[6] = 2;
    m.prio[7] = EVTCHN_FIFO_PRIORITY_MIN;
    xen_send(&m, 7);
    xen_send(&m, 5);
    xen_send(&m, 6);
    EXPECT_EQ(next_delivered(&m), 6u);
    EXPECT_EQ(next_delivered(&m), 5u);
    EXPECT_EQ(next_delivered(&m), 7u);
    EXPECT_EQ(next_delivered(&m), 0u);
}

TEST(evtchn_fifo, events_linked_while_consuming_follow_the_chain)
{
    struct model m;

    model_init(&m);
    xen_send(&m, 5);
    xen_send(&m, 6);
    EXPECT_EQ(next_delivered(&m), 5u);
    xen_send(&m, 7); /* linked after 6 */
    EXPECT_EQ(m.cb.head[EVTCHN_FIFO_PRIORITY_DEFAULT], 5u);
    EXPECT_EQ(next_delivered(&m), 6u);
    EXPECT_EQ(next_delivered(&m), 7u);
    EXPECT_EQ(next_delivered(&m), 0u);
}

TEST(evtchn_fifo, new_head_after_queue_drained)
{
    struct model m;

    model_init(&m);
    xen_send(&m, 5);
    EXPECT_EQ(next_delivered(&m), 5u);
    EXPECT_EQ(next_delivered(&m), 0u);
    m.upcall = false;
    xen_send(&m, 8); /* tail 5 unlinked: new HEAD */
    EXPECT_TRUE(m.upcall);
    EXPECT_EQ(m.cb.head[EVTCHN_FIFO_PRIORITY_DEFAULT], 8u);
    EXPECT_EQ(next_delivered(&m), 8u);
    xen_send(&m, 5); /* 5 again, as a fresh head */
    EXPECT_EQ(next_delivered(&m), 5u);
    EXPECT_EQ(next_delivered(&m), 0u);
}

TEST(evtchn_fifo, masked_event_waits_for_unmask_via_xen)
{
    struct model m;

    model_init(&m);
    evtchn_fifo_word_mask(&m.words[4]);
    xen_send(&m, 4);
    EXPECT_FALSE(m.upcall);
    EXPECT_EQ(next_delivered(&m), 0u);
    /* Pending: the guest may not clear MASKED itself. */
    EXPECT_FALSE(evtchn_fifo_word_unmask(&m.words[4]));
    EXPECT_TRUE(m.words[4] & EVTCHN_FIFO_MASKED_BIT);
    xen_unmask(&m, 4);
    EXPECT_TRUE(m.upcall);
    EXPECT_EQ(next_delivered(&m), 4u);
    EXPECT_EQ(next_delivered(&m), 0u);
}

TEST(evtchn_fifo, unmask_without_pending_is_local)
{
    struct model m;

    model_init(&m);
    evtchn_fifo_word_mask(&m.words[4]);
    EXPECT_TRUE(evtchn_fifo_word_unmask(&m.words[4]));
    EXPECT_EQ(m.words[4], 0u);
    EXPECT_TRUE(evtchn_fifo_word_unmask(&m.words[4]));
    xen_send(&m, 4);
    EXPECT_EQ(next_delivered(&m), 4u);
}

TEST(evtchn_fifo, masked_after_linking_is_unlinked_not_delivered)
{
    struct model m;

    model_init(&m);
    xen_send(&m, 4);
    xen_send(&m, 5);
    evtchn_fifo_word_mask(&m.words[4]);
    EXPECT_EQ(next_delivered(&m), 5u);
    EXPECT_EQ(m.words[4], EVTCHN_FIFO_PENDING_BIT | EVTCHN_FIFO_MASKED_BIT);
    EXPECT_FALSE(evtchn_fifo_word_unmask(&m.words[4]));
    xen_unmask(&m, 4);
    EXPECT_EQ(next_delivered(&m), 4u);
}

TEST(evtchn_fifo, closed_event_still_linked_is_skipped)
{
    struct model m;

    model_init(&m);
    xen_send(&m, 5);
    xen_send(&m, 6);
    m.words[5] &= ~EVTCHN_FIFO_PENDING_BIT; /* Xen closed port 5 */
    EXPECT_EQ(next_delivered(&m), 6u);
    EXPECT_EQ(m.words[5], 0u);
    EXPECT_EQ(next_delivered(&m), 0u);
}

TEST(evtchn_fifo, link_beyond_array_drops_queue)
{
    struct model m;

    model_init(&m);
    xen_send(&m, 5);
    m.words[5] |= NPORTS + 3; /* corrupt LINK */
    EXPECT_EQ(evtchn_fifo_pop(&m.q), 5u);
    EXPECT_EQ(evtchn_fifo_pop(&m.q), 0u);
    EXPECT_EQ(m.q.bad_links, 1u);
}

/* Found by tests/fuzz/evtchn_fifo.c: a READY bit past queue 15 made the
 * walk read HEAD[16] beyond both arrays. */
TEST(evtchn_fifo, ready_bit_past_last_queue_is_ignored)
{
    struct model m;

    model_init(&m);
    m.cb.ready = 1u << EVTCHN_FIFO_MAX_QUEUES;
    EXPECT_EQ(evtchn_fifo_pop(&m.q), 0u);
    EXPECT_EQ(m.q.bad_ready, 1u);
    xen_send(&m, 5);
    m.cb.ready |= 1u << 31;
    EXPECT_EQ(next_delivered(&m), 5u);
    EXPECT_EQ(next_delivered(&m), 0u);
    EXPECT_EQ(m.q.bad_ready, 2u);
}

TEST(evtchn_fifo, busy_bit_is_preserved)
{
    struct model m;

    model_init(&m);
    xen_send(&m, 5);
    m.words[5] |= EVTCHN_FIFO_BUSY_BIT; /* Xen mid-link */
    EXPECT_EQ(next_delivered(&m), 5u);
    EXPECT_EQ(m.words[5], EVTCHN_FIFO_BUSY_BIT);
}

TEST(evtchn_fifo, flooding_port_goes_to_the_tail)
{
    struct model m;
    unsigned int flood = 0, other = 0, worst = 0, sent_at = 0, i;

    model_init(&m);
    xen_send(&m, 2);
    for ( i = 0; i < 10000; i++ )
    {
        evtchn_port_t p = next_delivered(&m);

        if ( p == 0 )
            break;
        if ( p == 2 )
        {
            flood++;
            if ( flood < 3000 )
                xen_send(&m, 2);
            if ( flood % 100 == 0 )
            {
                sent_at = flood;
                xen_send(&m, 60);
            }
        }
        else if ( p == 60 )
        {
            other++;
            worst = MAX(worst, flood - sent_at);
        }
    }
    EXPECT_EQ(flood, 3000u);
    EXPECT_EQ(other, 30u);
    EXPECT_LE(worst, 1u);
}
