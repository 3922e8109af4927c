/* SPDX-License-Identifier: MIT */
/*
 * evtchn_2l_scan.h - the fair scan over the 2-level event-channel bitmaps:
 * a vCPU's selector word, the domain's pending and mask words, and the
 * set of ports bound to that vCPU. Portable (kernel/xen/evtchn/evtchn_2l_scan.c)
 * so host tests can play Xen; the kernel side that points it at
 * shared_info is kernel/xen/evtchn/evtchn_2l.c.
 */
#ifndef XENLING_EVTCHN_2L_SCAN_H
#define XENLING_EVTCHN_2L_SCAN_H

#include <lib.h>

/*
 * The bitmaps one vCPU scans. Xen sets bits in *sel and pending[] at any
 * time, so both are only changed with atomic operations; mask[] is the
 * guest's, mine[] is the kernel's (bit set = port bound to this vCPU).
 */
struct evtchn_2l_bitmaps {
    unsigned long *sel;        /* vcpu_info->evtchn_pending_sel */
    unsigned long *pending;    /* shared_info->evtchn_pending */
    const unsigned long *mask; /* shared_info->evtchn_mask */
    const unsigned long *mine; /* ports bound to this vCPU */
    unsigned int nwords;       /* words in each array, 1..BITS_PER_LONG */
};

/*
 * One vCPU's scan state, kept between upcalls so that each scan resumes
 * just after the last port it delivered (word and bit), round-robin.
 */
struct evtchn_2l_scan {
    unsigned long sel; /* selector bits taken, words not emptied */
    unsigned int word; /* next port to look at: word ... */
    unsigned int bit;  /* ... and bit, always < BITS_PER_LONG */
};

/*
 * Find the next pending, unmasked port of this vCPU at or after the resume
 * point (wrapping once), claim it by atomically clearing its pending bit,
 * and move the resume point just past it. Returns the port, or -1 when
 * nothing is pending. Only the vCPU owning `s` may call it, with
 * interrupts disabled (from its upcall).
 */
long evtchn_2l_scan_next(struct evtchn_2l_scan *s,
                         const struct evtchn_2l_bitmaps *b);

#endif
