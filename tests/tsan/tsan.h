/* SPDX-License-Identifier: MIT */
/*
 * tsan.h - what the ThreadSanitizer tests in tests/tsan/ share: giving
 * the host CPU away while spinning, and a small pseudo-random generator
 * each thread seeds for itself. (The Makefile puts the C library's
 * headers before include/, whose sched.h is the kernel's.)
 */
#ifndef XENLING_TSAN_H
#define XENLING_TSAN_H

#include <sched.h>

#include <lib.h>

/* Let another thread run: more threads than host cores spin here. */
static inline void
tsan_relax(void)
{
    sched_yield();
}

static inline uint64_t
tsan_rand(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 16;
}

#endif
