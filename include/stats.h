/* SPDX-License-Identifier: MIT */
/*
 * stats.h - summaries of measured samples (timer lateness, benchmark
 * latencies): sort, then read min, median, 99th percentile and max.
 * Portable (kernel/lib/stats.c), unit-tested in tests/host/test_stats.c.
 */
#ifndef XENLING_STATS_H
#define XENLING_STATS_H

#include <lib.h>

struct stats_summary {
    size_t n; /* number of samples */
    uint64_t min, median, p99, max;
    uint64_t mean; /* rounded down */
};

/* Sort v[0..n) ascending, in place (heapsort: O(n log n), no recursion). */
void stats_sort(uint64_t *v, size_t n);

/*
 * The p-th percentile (0..100) of sorted v by the nearest-rank rule: the
 * smallest sample with at least p% of the samples at or below it. n > 0.
 */
uint64_t stats_percentile(const uint64_t *v, size_t n, unsigned int p);

/*
 * Sort v (in place) and summarize it into *out. With n == 0, *out is all
 * zeros. The median is the 50th percentile by the rule above.
 */
void stats_summarize(uint64_t *v, size_t n, struct stats_summary *out);

#endif
