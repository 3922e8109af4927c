/* SPDX-License-Identifier: MIT */
/*
 * timerq.c - the deadline-sorted list behind each CPU's timer queue
 * (include/timerq.h). A circular list around a sentinel keeps every
 * operation free of special cases for the first and last node. The
 * locking, the hardware deadline and the callbacks are kernel/xen/time/timer.c.
 */
#include <timerq.h>

void
timerq_init(struct timerq *q)
{
    q->head.prev = q->head.next = &q->head;
    q->head.deadline = 0;
    q->count = 0;
}

void
timerq_node_init(struct timerq_node *n)
{
    n->prev = n->next = NULL;
    n->deadline = 0;
}

bool
timerq_insert(struct timerq *q, struct timerq_node *n, uint64_t deadline)
{
    struct timerq_node *pos;

    if ( timerq_node_queued(n) )
        return false;

    /*
     * Walk back from the latest deadline: most new timers are timeouts
     * further out than those already queued, so this usually stops at
     * once. Stopping at the first node with deadline <= ours puts us
     * after equal deadlines, which keeps them first come, first served.
     */
    for ( pos = q->head.prev; pos != &q->head; pos = pos->prev )
        if ( pos->deadline <= deadline )
            break;

    n->deadline = deadline;
    n->prev = pos;
    n->next = pos->next;
    pos->next->prev = n;
    pos->next = n;
    q->count++;
    return true;
}

bool
timerq_remove(struct timerq *q, struct timerq_node *n)
{
    if ( !timerq_node_queued(n) )
        return false;
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->prev = n->next = NULL;
    q->count--;
    return true;
}

struct timerq_node *
timerq_first(const struct timerq *q)
{
    return q->head.next == &q->head ? NULL : q->head.next;
}

struct timerq_node *
timerq_pop_expired(struct timerq *q, uint64_t now)
{
    struct timerq_node *n = timerq_first(q);

    if ( !n || n->deadline > now )
        return NULL;
    timerq_remove(q, n);
    return n;
}
