/* SPDX-License-Identifier: MIT */
/*
 * gcov_sample.c - a few functions for tests/host/test_gcov.c to run and
 * then write out twice: with our gcda writer and with the host's libgcov.
 * The Makefile builds this file (only) with -fprofile-info-section, as
 * the coverage kernel is built, so its gcov_info is found through the
 * gcov_info section rather than registered with libgcov.
 */
#include "gcov_sample.h"

static volatile int sink;

int
gcov_sample_branchy(int x)
{
    if ( x > 3 )
        sink++;
    else if ( x < -3 )
        sink--;
    return sink;
}

int
gcov_sample_loop(int n)
{
    int i, s = 0;

    for ( i = 0; i < n; i++ )
        s += i * 2 + (i & 1 ? 1 : 0);
    return s;
}

/* Never called: its counters stay zero (the compact record). */
int
gcov_sample_never(int x)
{
    return x ? x * 3 : -1;
}
