/* SPDX-License-Identifier: MIT */
/*
 * evtchn_2l_scan.c - the fair scan of the 2-level event-channel ABI
 * (kernel/xen/evtchn/evtchn_2l_scan.h). Xen marks port p pending by setting bit p of
 * the pending bitmap and, if the port is unmasked, bit p / 64 of the
 * notified vCPU's selector word. This file turns those bits into a stream
 * of ports, round-robin, so that one busy port cannot starve the others.
 * Portable: the kernel glue is kernel/xen/evtchn/evtchn_2l.c.
 */
#include "kernel/xen/evtchn/evtchn_2l_scan.h"
#include <bitmap.h>

/* Bits of word w that are ours to deliver: pending, unmasked, bound here. */
static unsigned long
deliverable(const struct evtchn_2l_bitmaps *b, unsigned int w)
{
    /* Relaxed loads: a stale answer is corrected by the claim below (a
     * pending bit we miss now sets the selector bit again). */
    return __atomic_load_n(&b->pending[w], __ATOMIC_RELAXED) &
           ~__atomic_load_n(&b->mask[w], __ATOMIC_RELAXED) & b->mine[w];
}

long
evtchn_2l_scan_next(struct evtchn_2l_scan *s, const struct evtchn_2l_bitmaps *b)
{
    unsigned long valid =
        b->nwords >= BITS_PER_LONG ? ~0ul : (1ul << b->nwords) - 1;

    for ( ;; )
    {
        unsigned int i;

        /*
         * Take the selector bits Xen set since last time. The exchange is
         * a full barrier: it is ordered after the caller's clearing of
         * evtchn_upcall_pending, and before our reads of pending[], so a
         * port Xen marks after this point sets a fresh selector bit (and
         * upcall_pending) that the next call or the next upcall sees.
         */
        s->sel |= __atomic_exchange_n(b->sel, 0, __ATOMIC_SEQ_CST);
        s->sel &= valid;
        if ( !s->sel )
            return -1;

        /*
         * Visit words from the resume point: slot 0 is the resume word
         * from the resume bit up, slots 1..nwords-1 the following words,
         * and slot nwords the resume word again, below the resume bit.
         */
        for ( i = 0; i <= b->nwords; i++ )
        {
            unsigned int w = (s->word + i) % b->nwords, bit;
            unsigned long bits;

            if ( !(s->sel & (1ul << w)) )
                continue;
            bits = deliverable(b, w);
            if ( !bits )
            {
                /* Word empty (for us): forget it until Xen flags it. */
                s->sel &= ~(1ul << w);
                continue;
            }
            if ( i == 0 )
                bits &= ~0ul << s->bit;
            else if ( i == b->nwords )
                bits &= (1ul << s->bit) - 1;
            if ( !bits )
                continue;

            bit = __builtin_ctzl(bits);
            /* Resume after this port next time, whatever happens now. */
            if ( bit + 1 == BITS_PER_LONG )
            {
                s->word = (w + 1) % b->nwords;
                s->bit = 0;
            }
            else
            {
                s->word = w;
                s->bit = bit + 1;
            }

            /* Claim: only the caller that clears the bit delivers it. */
            if ( __atomic_fetch_and(&b->pending[w], ~(1ul << bit),
                                    __ATOMIC_SEQ_CST) &
                 (1ul << bit) )
                return (long)w * BITS_PER_LONG + bit;
            break; /* lost it (port closed): rescan */
        }
        /* A full round without a claim: every word in sel was empty and
         * has been dropped, so the exchange at the top decides. */
    }
}
