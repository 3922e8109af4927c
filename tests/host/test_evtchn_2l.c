/* SPDX-License-Identifier: MIT */
/*
 * test_evtchn_2l.c - host tests of the fair 2-level scan
 * (kernel/xen/evtchn/evtchn_2l_scan.c). A few lines below play Xen: they set
 * pending and selector bits exactly as the 2-level ABI says Xen does.
 */
#include <ktest.h>
#include <bitmap.h>
#include "kernel/xen/evtchn/evtchn_2l_scan.h"

#define NWORDS BITS_PER_LONG
#define NPORTS ((int)(NWORDS * BITS_PER_LONG))

struct model {
    unsigned long sel;
    unsigned long pending[NWORDS], mask[NWORDS], mine[NWORDS];
    bool upcall; /* evtchn_upcall_pending */
    struct evtchn_2l_bitmaps b;
    struct evtchn_2l_scan s;
};

static void
model_init(struct model *m)
{
    memset(m, 0, sizeof(*m));
    memset(m->mine, 0xff, sizeof(m->mine));
    m->b.sel = &m->sel;
    m->b.pending = m->pending;
    m->b.mask = m->mask;
    m->b.mine = m->mine;
    m->b.nwords = NWORDS;
}

/* Xen's set_pending: pending bit, then selector bit and upcall if needed. */
static void
xen_send(struct model *m, unsigned int port)
{
    unsigned int w = port / BITS_PER_LONG;

    if ( bitmap_test(m->pending, port) )
        return;
    bitmap_set(m->pending, port);
    if ( !bitmap_test(m->mask, port) && !(m->sel & (1ul << w)) )
    {
        m->sel |= 1ul << w;
        m->upcall = true;
    }
}

/* Xen's EVTCHNOP_unmask: clear the mask; if pending, flag the word. */
static void
xen_unmask(struct model *m, unsigned int port)
{
    unsigned int w = port / BITS_PER_LONG;

    if ( !bitmap_test(m->mask, port) )
        return;
    bitmap_clear(m->mask, port);
    if ( bitmap_test(m->pending, port) && !(m->sel & (1ul << w)) )
    {
        m->sel |= 1ul << w;
        m->upcall = true;
    }
}

TEST(evtchn_2l, one_send_one_delivery)
{
    struct model m;

    model_init(&m);
    xen_send(&m, 42);
    EXPECT_TRUE(m.upcall);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), 42);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), -1);
    EXPECT_FALSE(bitmap_test(m.pending, 42));
    EXPECT_EQ(m.s.sel, 0ul);
}

TEST(evtchn_2l, sends_before_delivery_merge)
{
    struct model m;

    model_init(&m);
    xen_send(&m, 7);
    xen_send(&m, 7);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), 7);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), -1);
}

TEST(evtchn_2l, masked_port_waits_for_unmask)
{
    struct model m;

    model_init(&m);
    bitmap_set(m.mask, 100);
    xen_send(&m, 100);
    EXPECT_FALSE(m.upcall);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), -1);
    EXPECT_TRUE(bitmap_test(m.pending, 100));
    xen_unmask(&m, 100);
    EXPECT_TRUE(m.upcall);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), 100);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), -1);
}

TEST(evtchn_2l, masked_neighbour_does_not_block_word)
{
    struct model m;

    model_init(&m);
    bitmap_set(m.mask, 10);
    xen_send(&m, 11);
    xen_send(&m, 10);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), 11);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), -1);
    EXPECT_TRUE(bitmap_test(m.pending, 10));
}

TEST(evtchn_2l, resumes_after_last_port_round_robin)
{
    struct model m;

    model_init(&m);
    xen_send(&m, 5);
    xen_send(&m, 70);
    xen_send(&m, 3000);
    xen_send(&m, NPORTS - 1);
    m.s.word = 71 / BITS_PER_LONG;
    m.s.bit = 71 % BITS_PER_LONG;
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), 3000);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), NPORTS - 1);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), 5);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), 70);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), -1);
}

TEST(evtchn_2l, same_word_port_is_not_rescanned_first)
{
    struct model m;

    model_init(&m);
    xen_send(&m, 3);
    xen_send(&m, 9);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), 3);
    xen_send(&m, 3); /* 3 re-sends itself */
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), 9);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), 3);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), -1);
}

TEST(evtchn_2l, last_bit_of_word_and_of_bitmap_wrap)
{
    struct model m;

    model_init(&m);
    xen_send(&m, 63);
    xen_send(&m, 64);
    xen_send(&m, NPORTS - 1);
    xen_send(&m, 1);
    m.s.word = 0;
    m.s.bit = 63;
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), 63);
    EXPECT_EQ(m.s.word, 1u);
    EXPECT_EQ(m.s.bit, 0u);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), 64);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), NPORTS - 1);
    EXPECT_EQ(m.s.word, 0u);
    EXPECT_EQ(m.s.bit, 0u);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), 1);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), -1);
}

TEST(evtchn_2l, other_vcpus_ports_are_left_alone)
{
    struct model m;

    model_init(&m);
    bitmap_clear(m.mine, 200); /* bound to another vCPU */
    xen_send(&m, 200);
    xen_send(&m, 201);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), 201);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), -1);
    EXPECT_TRUE(bitmap_test(m.pending, 200));
    EXPECT_EQ(m.s.sel, 0ul);
}

/*
 * A port that re-sends itself from its handler while a high port gets an
 * event now and then: the high port must come out before the flooding
 * port's next turn. A scan that restarts at port 0 each time fails here.
 */
TEST(evtchn_2l, flooding_low_port_cannot_starve_high_port)
{
    struct model m;
    unsigned int flood = 0, high = 0, worst = 0, sent_at = 0, i;

    model_init(&m);
    xen_send(&m, 1);
    for ( i = 0; i < 10000; i++ )
    {
        long p = evtchn_2l_scan_next(&m.s, &m.b);

        if ( p < 0 )
            break;
        if ( p == 1 )
        {
            flood++;
            if ( flood < 5000 )
                xen_send(&m, 1);
            if ( flood % 100 == 0 )
            {
                sent_at = flood;
                xen_send(&m, NPORTS - 2);
            }
        }
        else if ( p == NPORTS - 2 )
        {
            high++;
            worst = MAX(worst, flood - sent_at);
        }
    }
    EXPECT_EQ(flood, 5000u);
    EXPECT_EQ(high, 50u);
    EXPECT_LE(worst, 1u);
}

TEST(evtchn_2l, fewer_words_than_bits)
{
    struct model m;

    model_init(&m);
    m.b.nwords = 2;
    m.sel = 1ul << 5; /* beyond nwords: ignored */
    xen_send(&m, 70);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), 70);
    EXPECT_EQ(evtchn_2l_scan_next(&m.s, &m.b), -1);
}
