/* SPDX-License-Identifier: MIT */
/*
 * ring_barriers.c - the memory barriers the byte-ring helper
 * (include/byte_ring.h) takes, as this CPU provides them (arch/x86.h):
 * one definition for every driver of a shared ring (the PV console,
 * xenstore). Host tests pass their own.
 */
#include <byte_ring.h>
#include <arch/x86.h>

static void
ring_rmb(void)
{
    smp_rmb();
}

static void
ring_wmb(void)
{
    smp_wmb();
}

static void
ring_mb(void)
{
    smp_mb();
}

const struct ring_barriers smp_ring_barriers = { ring_rmb, ring_wmb, ring_mb };
