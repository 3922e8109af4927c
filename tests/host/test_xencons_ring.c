/* SPDX-License-Identifier: MIT */
/*
 * test_xencons_ring.c - host tests of the PV console rings
 * (kernel/lib/xencons_ring.c): wrap-around of the free-running indices,
 * a full ring, and bogus backend indices rejected without any copy.
 */
#include <ktest.h>
#include <xencons_ring.h>

static unsigned int fences;

static void
fence(void)
{
    fences++;
}

static const struct xencons_barriers b = { fence, fence, fence };

TEST(xencons, write_then_backend_reads)
{
    static struct xencons_interface r;
    int n;

    memset(&r, 0, sizeof(r));
    fences = 0;
    n = xencons_ring_write(&r, "hello", 5, &b);
    EXPECT_EQ(n, 5);
    EXPECT_EQ(r.out_prod, 5u);
    EXPECT_EQ(r.out_cons, 0u);
    EXPECT_TRUE(memcmp(r.out, "hello", 5) == 0);
    EXPECT_GE(fences, 2u); /* read fence and publish fence */
}

TEST(xencons, write_wraps_free_running_indices)
{
    static struct xencons_interface r;
    int n;

    memset(&r, 0, sizeof(r));
    /* Indices just below 2^32 with 3 bytes in flight. */
    r.out_cons = 0xfffffffeu - 3;
    r.out_prod = 0xfffffffeu;
    n = xencons_ring_write(&r, "abcd", 4, &b);
    EXPECT_EQ(n, 4);
    EXPECT_EQ(r.out_prod, 2u); /* wrapped past 2^32 */
    EXPECT_EQ(r.out[0xfffffffeu % sizeof(r.out)], 'a');
    EXPECT_EQ(r.out[1], 'd');
}

TEST(xencons, write_stops_when_full)
{
    static struct xencons_interface r;
    static char big[3000];
    int n;

    memset(&r, 0, sizeof(r));
    memset(big, 'x', sizeof(big));
    n = xencons_ring_write(&r, big, sizeof(big), &b);
    EXPECT_EQ(n, (int)sizeof(r.out));
    EXPECT_EQ(xencons_ring_write(&r, big, 1, &b), 0);
    r.out_cons += 10; /* backend drains 10 bytes */
    EXPECT_EQ(xencons_ring_write(&r, big, sizeof(big), &b), 10);
}

TEST(xencons, write_rejects_bogus_out_cons)
{
    static struct xencons_interface r;

    memset(&r, 0, sizeof(r));
    r.out_prod = 100;
    r.out_cons = 5000; /* "ahead" of prod: nonsense */
    EXPECT_EQ(xencons_ring_write(&r, "x", 1, &b), -1);
    EXPECT_EQ(r.out_prod, 100u); /* nothing published */
}

TEST(xencons, read_consumes_and_wraps)
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
    n = xencons_ring_read(&r, buf, sizeof(buf), &b);
    ASSERT_EQ(n, 3);
    EXPECT_TRUE(memcmp(buf, "ok!", 3) == 0);
    EXPECT_EQ(r.in_cons, 1025u);
    EXPECT_EQ(xencons_ring_read(&r, buf, sizeof(buf), &b), 0);
}

TEST(xencons, read_rejects_bogus_in_prod)
{
    static struct xencons_interface r;
    char buf[8];

    memset(&r, 0, sizeof(r));
    r.in_prod = 2000; /* claims more than the ring holds */
    EXPECT_EQ(xencons_ring_read(&r, buf, sizeof(buf), &b), -1);
    EXPECT_EQ(r.in_cons, 0u); /* nothing consumed */
}

TEST(xencons, read_stops_at_buffer_size)
{
    static struct xencons_interface r;
    char buf[8];

    memset(&r, 0, sizeof(r));
    memcpy(r.in, "abcdef", 6);
    r.in_prod = 6;
    EXPECT_EQ(xencons_ring_read(&r, buf, 0, &b), 0);
    EXPECT_EQ(r.in_cons, 0u); /* nothing asked, nothing taken */
    ASSERT_EQ(xencons_ring_read(&r, buf, 4, &b), 4);
    EXPECT_TRUE(memcmp(buf, "abcd", 4) == 0);
    EXPECT_EQ(r.in_cons, 4u); /* the rest stays queued */
    ASSERT_EQ(xencons_ring_read(&r, buf, sizeof(buf), &b), 2);
    EXPECT_TRUE(memcmp(buf, "ef", 2) == 0);
    EXPECT_EQ(r.in_cons, 6u);
}

TEST(xencons, read_takes_full_ring_rejects_more)
{
    static struct xencons_interface r;
    static char buf[2 * sizeof(r.in)];

    memset(&r, 0, sizeof(r));
    memset(r.in, 'y', sizeof(r.in));
    /* Exactly a ring's worth in flight is legal, across the 2^32 wrap. */
    r.in_cons = 0xffffff00u;
    r.in_prod = r.in_cons + sizeof(r.in);
    EXPECT_EQ(xencons_ring_read(&r, buf, sizeof(buf), &b), (int)sizeof(r.in));
    EXPECT_EQ(r.in_cons, r.in_prod);
    /* One byte more than the ring holds is not. */
    r.in_prod = r.in_cons + sizeof(r.in) + 1;
    EXPECT_EQ(xencons_ring_read(&r, buf, sizeof(buf), &b), -1);
    /* Nor is a producer behind the consumer. */
    r.in_prod = r.in_cons - 1;
    EXPECT_EQ(xencons_ring_read(&r, buf, sizeof(buf), &b), -1);
}

/* Which barrier ran, in order: "r" rmb, "w" wmb, "m" mb. */
static char fence_log[8];

static void
log_fence(char c)
{
    size_t n = strlen(fence_log);

    if ( n + 1 < sizeof(fence_log) )
        fence_log[n] = c;
}

static void
log_rmb(void)
{
    log_fence('r');
}

static void
log_wmb(void)
{
    log_fence('w');
}

static void
log_mb(void)
{
    log_fence('m');
}

TEST(xencons, read_fences_index_then_release)
{
    static const struct xencons_barriers lb = { log_rmb, log_wmb, log_mb };
    static struct xencons_interface r;
    char buf[4];

    memset(&r, 0, sizeof(r));
    memset(fence_log, 0, sizeof(fence_log));
    r.in[0] = 'k';
    r.in_prod = 1;
    EXPECT_EQ(xencons_ring_read(&r, buf, sizeof(buf), &lb), 1);
    /* rmb: in_prod before the bytes; mb: the bytes before in_cons. */
    EXPECT_STREQ(fence_log, "rm");
}
