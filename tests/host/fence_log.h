/* SPDX-License-Identifier: MIT */
/*
 * fence_log.h - ring barriers for host tests that record which ran, in
 * order ("r" rmb, "w" wmb, "m" mb), so a test can check each barrier is
 * where the ring code says it is (tests/host/fence_log.c).
 */
#ifndef XENLING_FENCE_LOG_H
#define XENLING_FENCE_LOG_H

#include <byte_ring.h>

/* Barriers that append their letter to the log (up to 31 letters). */
extern const struct ring_barriers fence_log_barriers;

/* Empty the log. */
void fence_log_reset(void);

/* The letters logged since the last reset. */
const char *fence_log_text(void);

#endif
