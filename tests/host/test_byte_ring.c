/* SPDX-License-Identifier: MIT */
/*
 * test_byte_ring.c - host tests of the shared byte rings
 * (kernel/lib/byte_ring.c), in the PV console's layout and in xenstore's:
 * wrap-around of the free-running indices, a full ring, and bogus peer
 * indices rejected without any copy.
 */
#include <ktest.h>
#include <byte_ring.h>
#include "tests/host/fence_log.h"
#include <xen/xen.h>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>

/* The console page's two directions, as the PV console driver sees them. */
static int
ring_write(struct xencons_interface *r, const char *s, size_t n,
           const struct ring_barriers *b)
{
    struct byte_ring o = { r->out, sizeof(r->out), &r->out_prod, &r->out_cons };

    return byte_ring_write(&o, s, n, b);
}

static int
ring_read(struct xencons_interface *r, char *buf, size_t n,
          const struct ring_barriers *b)
{
    struct byte_ring i = { r->in, sizeof(r->in), &r->in_prod, &r->in_cons };

    return byte_ring_read(&i, buf, n, b);
}

static unsigned int fences;

static void
fence(void)
{
    fences++;
}

static const struct ring_barriers b = { fence, fence, fence };

TEST(byte_ring, write_then_backend_reads)
{
    static struct xencons_interface r;
    int n;

    memset(&r, 0, sizeof(r));
    fences = 0;
    n = ring_write(&r, "hello", 5, &b);
    EXPECT_EQ(n, 5);
    EXPECT_EQ(r.out_prod, 5u);
    EXPECT_EQ(r.out_cons, 0u);
    EXPECT_TRUE(memcmp(r.out, "hello", 5) == 0);
    EXPECT_GE(fences, 2u); /* read fence and publish fence */
}

TEST(byte_ring, write_wraps_free_running_indices)
{
    static struct xencons_interface r;
    int n;

    memset(&r, 0, sizeof(r));
    /* Indices just below 2^32 with 3 bytes in flight. */
    r.out_cons = 0xfffffffeu - 3;
    r.out_prod = 0xfffffffeu;
    n = ring_write(&r, "abcd", 4, &b);
    EXPECT_EQ(n, 4);
    EXPECT_EQ(r.out_prod, 2u); /* wrapped past 2^32 */
    EXPECT_EQ(r.out[0xfffffffeu % sizeof(r.out)], 'a');
    EXPECT_EQ(r.out[1], 'd');
}

TEST(byte_ring, write_stops_when_full)
{
    static struct xencons_interface r;
    static char big[3000];
    int n;

    memset(&r, 0, sizeof(r));
    memset(big, 'x', sizeof(big));
    n = ring_write(&r, big, sizeof(big), &b);
    EXPECT_EQ(n, (int)sizeof(r.out));
    EXPECT_EQ(ring_write(&r, big, 1, &b), 0);
    r.out_cons += 10; /* backend drains 10 bytes */
    EXPECT_EQ(ring_write(&r, big, sizeof(big), &b), 10);
}

TEST(byte_ring, write_rejects_bogus_out_cons)
{
    static struct xencons_interface r;

    memset(&r, 0, sizeof(r));
    r.out_prod = 100;
    r.out_cons = 5000; /* "ahead" of prod: nonsense */
    EXPECT_EQ(ring_write(&r, "x", 1, &b), -1);
    EXPECT_EQ(r.out_prod, 100u); /* nothing published */
}

TEST(byte_ring, read_consumes_and_wraps)
{
    static struct xencons_interface r;
    char buf[8];
    int n;

    memset(&r, 0, sizeof(r));
    r.in_cons = r.in_prod = 1022;
    r.in[1022] = 'o';
    r.in[1023] = 'k';
    r.in[0] = '!';
    r.in_prod = 1025;
    n = ring_read(&r, buf, sizeof(buf), &b);
    ASSERT_EQ(n, 3);
    EXPECT_TRUE(memcmp(buf, "ok!", 3) == 0);
    EXPECT_EQ(r.in_cons, 1025u);
    EXPECT_EQ(ring_read(&r, buf, sizeof(buf), &b), 0);
}

TEST(byte_ring, read_rejects_bogus_in_prod)
{
    static struct xencons_interface r;
    char buf[8];

    memset(&r, 0, sizeof(r));
    r.in_prod = 2000; /* claims more than the ring holds */
    EXPECT_EQ(ring_read(&r, buf, sizeof(buf), &b), -1);
    EXPECT_EQ(r.in_cons, 0u); /* nothing consumed */
}

TEST(byte_ring, read_stops_at_buffer_size)
{
    static struct xencons_interface r;
    char buf[8];

    memset(&r, 0, sizeof(r));
    memcpy(r.in, "abcdef", 6);
    r.in_prod = 6;
    EXPECT_EQ(ring_read(&r, buf, 0, &b), 0);
    EXPECT_EQ(r.in_cons, 0u); /* nothing asked, nothing taken */
    ASSERT_EQ(ring_read(&r, buf, 4, &b), 4);
    EXPECT_TRUE(memcmp(buf, "abcd", 4) == 0);
    EXPECT_EQ(r.in_cons, 4u); /* the rest stays queued */
    ASSERT_EQ(ring_read(&r, buf, sizeof(buf), &b), 2);
    EXPECT_TRUE(memcmp(buf, "ef", 2) == 0);
    EXPECT_EQ(r.in_cons, 6u);
}

TEST(byte_ring, read_takes_full_ring_rejects_more)
{
    static struct xencons_interface r;
    static char buf[2 * sizeof(r.in)];

    memset(&r, 0, sizeof(r));
    memset(r.in, 'y', sizeof(r.in));
    /* Exactly a ring's worth in flight is legal, across the 2^32 wrap. */
    r.in_cons = 0xffffff00u;
    r.in_prod = r.in_cons + sizeof(r.in);
    EXPECT_EQ(ring_read(&r, buf, sizeof(buf), &b), (int)sizeof(r.in));
    EXPECT_EQ(r.in_cons, r.in_prod);
    /* One byte more than the ring holds is not. */
    r.in_prod = r.in_cons + sizeof(r.in) + 1;
    EXPECT_EQ(ring_read(&r, buf, sizeof(buf), &b), -1);
    /* Nor is a producer behind the consumer. */
    r.in_prod = r.in_cons - 1;
    EXPECT_EQ(ring_read(&r, buf, sizeof(buf), &b), -1);
}

TEST(byte_ring, read_fences_index_then_release)
{
    static struct xencons_interface r;
    char buf[4];

    memset(&r, 0, sizeof(r));
    fence_log_reset();
    r.in[0] = 'k';
    r.in_prod = 1;
    EXPECT_EQ(ring_read(&r, buf, sizeof(buf), &fence_log_barriers), 1);
    /* rmb: in_prod before the bytes; mb: the bytes before in_cons. */
    EXPECT_STREQ(fence_log_text(), "rm");
}

TEST(byte_ring, xenstore_request_and_reply_rings)
{
    static struct xenstore_domain_interface x;
    struct byte_ring req = { x.req, sizeof(x.req), &x.req_prod, &x.req_cons };
    struct byte_ring rsp = { x.rsp, sizeof(x.rsp), &x.rsp_prod, &x.rsp_cons };
    char buf[16];

    memset(&x, 0, sizeof(x));
    /* We produce requests at the very end of the index space. */
    x.req_prod = x.req_cons = 0xfffffffdu;
    EXPECT_EQ(byte_ring_write(&req, "abcdef", 6, &b), 6);
    EXPECT_EQ(x.req_prod, 3u);
    EXPECT_EQ(x.req[MASK_XENSTORE_IDX(0xfffffffdu)], 'a');
    /* We consume replies: pending counts them, a bogus prod is -1. */
    memcpy(x.rsp, "xyz", 3);
    x.rsp_prod = 3;
    EXPECT_EQ(byte_ring_pending(&rsp, &b), 3);
    EXPECT_EQ(byte_ring_read(&rsp, buf, 2, &b), 2);
    EXPECT_EQ(byte_ring_pending(&rsp, &b), 1);
    x.rsp_prod = x.rsp_cons + XENSTORE_RING_SIZE + 1;
    EXPECT_EQ(byte_ring_pending(&rsp, &b), -1);
    EXPECT_EQ(byte_ring_read(&rsp, buf, sizeof(buf), &b), -1);
    EXPECT_EQ(x.rsp_cons, 2u); /* nothing consumed */
}
