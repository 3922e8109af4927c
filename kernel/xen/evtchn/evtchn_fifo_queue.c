/* SPDX-License-Identifier: MIT */
/*
 * evtchn_fifo_queue.c - walking the FIFO event-channel queues of one vCPU
 * and the atomic rules for event words (kernel/xen/evtchn/evtchn_fifo_queue.h).
 *
 * Xen appends a pending, unmasked event to the tail of the queue for its
 * priority: it sets LINKED in the event's word, writes the port into the
 * LINK field of the old tail, or, if the queue was empty, into the
 * control block's HEAD for that priority and sets the priority's READY
 * bit. The guest consumes from the head, clearing LINKED as it goes. Xen
 * may change a word the guest is changing, so every guest write is a
 * compare-and-swap that keeps the bits it does not own. Portable: the
 * kernel glue is kernel/xen/evtchn/evtchn_fifo.c.
 */
#include "kernel/xen/evtchn/evtchn_fifo_queue.h"

/* READY bits of the queues that exist (Xen's word has 32). */
#define QUEUES_MASK ((1u << EVTCHN_FIFO_MAX_QUEUES) - 1)
BUILD_BUG_ON(EVTCHN_FIFO_MAX_QUEUES > 32);

/* Load of an event word that Xen may be changing. */
static event_word_t
word_read(event_word_t *w)
{
    return __atomic_load_n(w, __ATOMIC_RELAXED);
}

/* On failure *old is refreshed with the word's current value. */
static bool
word_cas(event_word_t *w, event_word_t *old, event_word_t new)
{
    return __atomic_compare_exchange_n(w, old, new, false, __ATOMIC_SEQ_CST,
                                       __ATOMIC_RELAXED);
}

/*
 * Clear LINKED and LINK together and return the LINK we took (0: this was
 * the tail). If Xen links a new event to this word at the same moment,
 * either its compare-and-swap wins and we read its LINK, or ours wins and
 * Xen sees the queue empty and writes the new event into HEAD instead.
 */
static uint32_t
unlink(event_word_t *w)
{
    event_word_t old = word_read(w);

    while ( !word_cas(w, &old,
                      old & ~(EVTCHN_FIFO_LINKED_BIT | EVTCHN_FIFO_LINK_MASK)) )
        ;
    return old & EVTCHN_FIFO_LINK_MASK;
}

evtchn_port_t
evtchn_fifo_pop(struct evtchn_fifo_queues *q)
{
    for ( ;; )
    {
        unsigned int prio;
        uint32_t port, next, taken;
        event_word_t *w;

        /*
         * Take the READY bits Xen set. Xen writes HEAD before it sets
         * READY (a locked operation), and this exchange is a full barrier,
         * so a HEAD read below is at least as new as the bit.
         */
        taken = __atomic_exchange_n(&q->cb->ready, 0, __ATOMIC_SEQ_CST);
        if ( taken & ~QUEUES_MASK )
        {
            /* A queue the ABI does not have: no HEAD to read for it. */
            q->bad_ready++;
            taken &= QUEUES_MASK;
        }
        q->ready |= taken;
        if ( !q->ready )
            return 0;

        prio = __builtin_ctz(q->ready);
        port = q->head[prio];
        if ( port == 0 )
        {
            /* We finished the last chain: Xen started a new one. */
            port = __atomic_load_n(&q->cb->head[prio], __ATOMIC_ACQUIRE);
        }
        w = port ? q->word(q->ctx, port) : NULL;
        if ( !w )
        {
            /* HEAD 0 with READY set, or a link past the array: drop the
             * queue rather than follow garbage. */
            if ( port )
                q->bad_links++;
            q->head[prio] = 0;
            q->ready &= ~(1u << prio);
            continue;
        }

        next = unlink(w);
        q->head[prio] = next;
        if ( next == 0 )
            q->ready &= ~(1u << prio); /* Xen will set READY again */
        return port;
    }
}

bool
evtchn_fifo_word_claim(event_word_t *w)
{
    event_word_t old = word_read(w);

    do
    {
        if ( (old & (EVTCHN_FIFO_PENDING_BIT | EVTCHN_FIFO_MASKED_BIT)) !=
             EVTCHN_FIFO_PENDING_BIT )
            return false;
    } while ( !word_cas(w, &old, old & ~EVTCHN_FIFO_PENDING_BIT) );
    return true;
}

void
evtchn_fifo_word_mask(event_word_t *w)
{
    __atomic_fetch_or(w, EVTCHN_FIFO_MASKED_BIT, __ATOMIC_SEQ_CST);
}

bool
evtchn_fifo_word_unmask(event_word_t *w)
{
    event_word_t old = word_read(w);

    for ( ;; )
    {
        if ( !(old & EVTCHN_FIFO_MASKED_BIT) )
            return true;
        if ( old & EVTCHN_FIFO_PENDING_BIT )
            return false;
        /*
         * Expect BUSY clear: while Xen holds the word BUSY (it is linking
         * another event after this one) the swap fails and we retry, so
         * Xen's own compare-and-swap loop stays bounded. If Xen sets
         * PENDING before our swap, the swap fails and we see it above.
         */
        old &= ~EVTCHN_FIFO_BUSY_BIT;
        if ( word_cas(w, &old, old & ~EVTCHN_FIFO_MASKED_BIT) )
            return true;
    }
}
