/* SPDX-License-Identifier: MIT */
/*
 * tsan.h - what the ThreadSanitizer tests in tests/tsan/ share: giving
 * the host CPU away while spinning (the project's include/sched.h hides
 * the C library's <sched.h>, so through the system call), and a small
 * pseudo-random generator each thread seeds for itself. The same hiding
 * makes <pthread.h> include the kernel's sched.h (and percpu.h): test
 * files must not name anything `cpu` or `cpus`.
 */
#ifndef XENLING_TSAN_H
#define XENLING_TSAN_H

#include <sys/syscall.h>
#include <unistd.h>

#include <lib.h>

/* Let another thread run: more threads than host cores spin here. */
static inline void
tsan_relax(void)
{
    syscall(SYS_sched_yield);
}

static inline uint64_t
tsan_rand(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 16;
}

#endif
