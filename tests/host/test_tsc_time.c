/* SPDX-License-Identifier: MIT */
/*
 * test_tsc_time.c - host tests of tsc_time_ns() (kernel/lib/tsc_time.c):
 * readings on both sides of the reference, exact rounding against a
 * slow but obvious computation, huge deltas, and the clock's zero.
 */
#include <ktest.h>
#include <tsc_time.h>

/* floor(ref_ns + (tsc - ref_tsc) * 1e9 / hz) in 128-bit signed math. */
static __int128
reference(uint64_t tsc, uint64_t ref_tsc, uint64_t ref_ns, uint64_t hz)
{
    __int128 num = ((__int128)tsc - (__int128)ref_tsc) * 1000000000;
    __int128 q = num / (__int128)hz;

    if ( num % (__int128)hz < 0 )
        q--; /* C division truncates toward zero; floor instead */
    return (__int128)ref_ns + q;
}

TEST(tsc_time, after_and_before_the_reference)
{
    /* A 2.5 GHz TSC: 1 ns is 2.5 ticks. */
    EXPECT_EQ(tsc_time_ns(1000, 1000, 5000, 2500000000ull), 5000u);
    EXPECT_EQ(tsc_time_ns(1025, 1000, 5000, 2500000000ull), 5010u);
    EXPECT_EQ(tsc_time_ns(975, 1000, 5000, 2500000000ull), 4990u);
    /* 1 tick before: 0.4 ns earlier, i.e. time 4999.6, rounded down. */
    EXPECT_EQ(tsc_time_ns(999, 1000, 5000, 2500000000ull), 4999u);
    /* One second of ticks either way. */
    EXPECT_EQ(tsc_time_ns(2500001000ull, 1000, 5000, 2500000000ull),
              1000005000ull);
    EXPECT_EQ(tsc_time_ns(1000, 2500001000ull, 2000000000ull, 2500000000ull),
              1000000000ull);
}

TEST(tsc_time, matches_exact_arithmetic)
{
    static const uint64_t hz[] = {
        1, 3, 999999937, 2500000000ull, 3000000000ull, 5123456789ull
    };
    uint64_t s = 12345, bad = 0;
    unsigned int i, k;

    for ( k = 0; k < ARRAY_SIZE(hz); k++ )
        for ( i = 0; i < 2000; i++ )
        {
            uint64_t tsc, ref, ns;
            __int128 want;

            s = s * 6364136223846793005ull + 1442695040888963407ull;
            tsc = s >> (s & 31);
            ref = (s * 7) >> ((s >> 8) & 31);
            ns = (s >> 3) & ((1ull << 60) - 1);
            want = reference(tsc, ref, ns, hz[k]);
            if ( want < 0 )
                want = 0;
            if ( want > (__int128)UINT64_MAX )
                want = UINT64_MAX;
            if ( (__int128)tsc_time_ns(tsc, ref, ns, hz[k]) != want )
                bad++;
        }
    EXPECT_EQ(bad, 0u);
}

TEST(tsc_time, limits)
{
    EXPECT_EQ(tsc_time_ns(5, 10, 100, 0), 0u); /* no rate: no time */
    /* Before the clock's zero. */
    EXPECT_EQ(tsc_time_ns(0, 1000000000ull, 5, 1000000000ull), 0u);
    /* A delta whose product overflows 64 bits. */
    EXPECT_EQ(tsc_time_ns(UINT64_MAX, 0, 0, 1000000000ull), UINT64_MAX);
    EXPECT_EQ(tsc_time_ns(UINT64_MAX / 2, 0, 0, 4000000000ull),
              (uint64_t)((unsigned __int128)(UINT64_MAX / 2) * 1000000000 /
                         4000000000ull));
}
