/* SPDX-License-Identifier: MIT */
/*
 * gcov_sample.h - the instrumented sample of tests/host/gcov_sample.c.
 */
#ifndef XENLING_GCOV_SAMPLE_H
#define XENLING_GCOV_SAMPLE_H

int gcov_sample_branchy(int x);
int gcov_sample_loop(int n);
int gcov_sample_never(int x);

#endif
