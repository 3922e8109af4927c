/* SPDX-License-Identifier: MIT */
/*
 * evtchn_fifo_queue.h - the guest's side of the FIFO event-channel ABI on
 * one vCPU: walking the per-priority queues Xen links through the event
 * array, and the rules for changing an event word that Xen may be linking
 * at the same moment. Portable (kernel/xen/evtchn/evtchn_fifo_queue.c) so host
 * tests can play Xen; the kernel glue is kernel/xen/evtchn/evtchn_fifo.c.
 */
#ifndef XENLING_EVTCHN_FIFO_QUEUE_H
#define XENLING_EVTCHN_FIFO_QUEUE_H

#include <lib.h>
#include <xen/xen.h>
#include <xen/event_channel.h>

#define EVTCHN_FIFO_PENDING_BIT (1u << EVTCHN_FIFO_PENDING)
#define EVTCHN_FIFO_MASKED_BIT  (1u << EVTCHN_FIFO_MASKED)
#define EVTCHN_FIFO_LINKED_BIT  (1u << EVTCHN_FIFO_LINKED)
#define EVTCHN_FIFO_BUSY_BIT    (1u << EVTCHN_FIFO_BUSY)

/* The event word of `port`, or NULL if the port is beyond the array. */
typedef event_word_t *(*evtchn_fifo_word_fn)(void *ctx, evtchn_port_t port);

/*
 * One vCPU's queues. Xen writes cb->ready and cb->head[]; head[] and
 * ready here are the guest's copies (Xen only writes cb->head[q] when the
 * queue was empty, so while we are inside a chain we follow LINK fields).
 * Touched only by the owning vCPU, with interrupts disabled.
 */
struct evtchn_fifo_queues {
    struct evtchn_fifo_control_block *cb;
    uint32_t head[EVTCHN_FIFO_MAX_QUEUES]; /* next port; 0: read cb->head */
    uint32_t ready;                        /* queues known to be non-empty */
    evtchn_fifo_word_fn word;
    void *ctx;
    unsigned long bad_links; /* links to ports beyond the array */
    unsigned long bad_ready; /* READY bits for queues past the last */
};

/*
 * Unlink the head event of the highest-priority ready queue (queue 0 is
 * the highest) and return its port, or 0 when every queue is empty. The
 * event's PENDING and MASKED bits are untouched: the caller decides, with
 * evtchn_fifo_word_claim(), whether to deliver it. Owning vCPU only.
 */
evtchn_port_t evtchn_fifo_pop(struct evtchn_fifo_queues *q);

/*
 * Atomically clear PENDING if the event is pending and not masked. True
 * if this call cleared it (the caller now delivers the event once).
 */
bool evtchn_fifo_word_claim(event_word_t *w);

/* Atomically set MASKED: Xen stops linking the event. */
void evtchn_fifo_word_mask(event_word_t *w);

/*
 * Clear MASKED following the ABI's rules: never while Xen holds the word
 * BUSY, and never when PENDING is set, because then the event must be
 * linked, which only Xen may do. Returns true if the event is now
 * unmasked; false if it is pending and the caller must ask Xen with
 * EVTCHNOP_unmask (which clears MASKED and links it).
 */
bool evtchn_fifo_word_unmask(event_word_t *w);

#endif
