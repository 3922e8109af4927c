/* SPDX-License-Identifier: MIT */
/*
 * fence_log.c - ring barriers that record which ran
 * (tests/host/fence_log.h), for the byte-ring and blkif ring tests.
 */
#include "tests/host/fence_log.h"

static char fence_log[32];

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

const struct ring_barriers fence_log_barriers = { log_rmb, log_wmb, log_mb };

void
fence_log_reset(void)
{
    memset(fence_log, 0, sizeof(fence_log));
}

const char *
fence_log_text(void)
{
    return fence_log;
}
