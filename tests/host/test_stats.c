/* SPDX-License-Identifier: MIT */
/*
 * test_stats.c - host tests of the sample statistics (kernel/lib/stats.c)
 * behind the timer lateness and benchmark reports: the heapsort against
 * an insertion sort, and nearest-rank percentiles.
 */
#include <ktest.h>
#include <stats.h>

static uint64_t
lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 16;
}

TEST(stats, sort_matches_insertion_sort)
{
    enum { N = 777 };
    static uint64_t v[N], ref[N];
    uint64_t s = 9;
    unsigned int i, j, bad = 0;

    for ( i = 0; i < N; i++ )
        v[i] = lcg(&s) % 100; /* many duplicates */
    /* The obvious quadratic sort as the reference. */
    memcpy(ref, v, sizeof(v));
    for ( i = 1; i < N; i++ )
        for ( j = i; j > 0 && ref[j - 1] > ref[j]; j-- )
        {
            uint64_t t = ref[j];

            ref[j] = ref[j - 1];
            ref[j - 1] = t;
        }
    stats_sort(v, N);
    for ( i = 0; i < N; i++ )
        if ( v[i] != ref[i] )
            bad++;
    EXPECT_EQ(bad, 0u);
}

TEST(stats, percentiles)
{
    uint64_t v[100], one = 42;
    struct stats_summary sum;
    unsigned int i;

    /* 100..1 reversed: the summary must sort first. */
    for ( i = 0; i < 100; i++ )
        v[i] = 100 - i;
    stats_summarize(v, 100, &sum);
    EXPECT_EQ(sum.n, 100u);
    EXPECT_EQ(sum.min, 1ull);
    EXPECT_EQ(sum.median, 50ull);
    EXPECT_EQ(sum.p99, 99ull);
    EXPECT_EQ(sum.max, 100ull);
    EXPECT_EQ(sum.mean, 50ull); /* 50.5 rounded down */
    EXPECT_EQ(stats_percentile(v, 100, 0), 1ull);
    EXPECT_EQ(stats_percentile(v, 100, 100), 100ull);
    EXPECT_EQ(stats_percentile(v, 100, 101), 100ull);

    stats_summarize(&one, 1, &sum);
    EXPECT_EQ(sum.min, 42ull);
    EXPECT_EQ(sum.median, 42ull);
    EXPECT_EQ(sum.p99, 42ull);
    EXPECT_EQ(sum.max, 42ull);

    stats_summarize(v, 0, &sum);
    EXPECT_EQ(sum.n, 0u);
    EXPECT_EQ(sum.max, 0ull);
}
