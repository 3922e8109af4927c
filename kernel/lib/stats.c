/* SPDX-License-Identifier: MIT */
/*
 * stats.c - sorting and percentiles for measurements (include/stats.h),
 * used by the timer self-tests and the benchmarks in tests/kernel/.
 */
#include <stats.h>

/* Move v[i] down the max-heap v[0..n) until both children are smaller. */
static void
sift_down(uint64_t *v, size_t i, size_t n)
{
    for ( ;; )
    {
        size_t big = i, l = 2 * i + 1, r = 2 * i + 2;
        uint64_t tmp;

        if ( l < n && v[l] > v[big] )
            big = l;
        if ( r < n && v[r] > v[big] )
            big = r;
        if ( big == i )
            return;
        tmp = v[i];
        v[i] = v[big];
        v[big] = tmp;
        i = big;
    }
}

void
stats_sort(uint64_t *v, size_t n)
{
    size_t i;

    if ( n < 2 )
        return;
    /* Build a max-heap, then repeatedly swap its top to the end. */
    for ( i = n / 2; i-- > 0; )
        sift_down(v, i, n);
    for ( i = n - 1; i > 0; i-- )
    {
        uint64_t tmp = v[0];

        v[0] = v[i];
        v[i] = tmp;
        sift_down(v, 0, i);
    }
}

uint64_t
stats_percentile(const uint64_t *v, size_t n, unsigned int p)
{
    /* Nearest rank: ceil(p * n / 100), counted from 1. */
    size_t rank = (p * n + 99) / 100;

    if ( p > 100 )
        rank = n;
    return v[rank ? rank - 1 : 0];
}

void
stats_summarize(uint64_t *v, size_t n, struct stats_summary *out)
{
    uint64_t sum = 0;
    size_t i;

    memset(out, 0, sizeof(*out));
    if ( n == 0 )
        return;
    stats_sort(v, n);
    for ( i = 0; i < n; i++ )
        sum += v[i];
    out->n = n;
    out->min = v[0];
    out->max = v[n - 1];
    out->median = stats_percentile(v, n, 50);
    out->p99 = stats_percentile(v, n, 99);
    out->mean = sum / n;
}
