/* SPDX-License-Identifier: MIT */
/*
 * timerq.h - a queue of deadlines: the portable core of the per-CPU
 * timer queue. Nodes are embedded in their owners (no allocation, so no
 * failure) and kept in a doubly-linked list sorted by deadline; equal
 * deadlines keep their insertion order. Insertion walks the list (O(n)),
 * everything else is O(1). Not locked: kernel/xen/time/timer.c serializes each
 * queue with its CPU's lock. kernel/xen/time/timerq.c; host tests in
 * tests/host/test_timerq.c.
 */
#ifndef XENLING_TIMERQ_H
#define XENLING_TIMERQ_H

#include <lib.h>

struct timerq_node {
    struct timerq_node *prev, *next; /* NULL when not queued */
    uint64_t deadline;
};

struct timerq {
    struct timerq_node head; /* sentinel: head.next is the earliest */
    size_t count;
};

/* An empty queue. */
void timerq_init(struct timerq *q);

/* A node that is on no queue. */
void timerq_node_init(struct timerq_node *n);

static inline bool
timerq_node_queued(const struct timerq_node *n)
{
    return n->next != NULL;
}

/*
 * Queue n with `deadline`, after any nodes with the same deadline.
 * Returns false, changing nothing, if n is already on a queue.
 */
bool timerq_insert(struct timerq *q, struct timerq_node *n, uint64_t deadline);

/*
 * Take n off q. Returns false, changing nothing, if n is not queued.
 * The caller must know that n is on q (not on another queue).
 */
bool timerq_remove(struct timerq *q, struct timerq_node *n);

/* The node with the earliest deadline, or NULL if q is empty. */
struct timerq_node *timerq_first(const struct timerq *q);

/*
 * Remove and return the earliest node if its deadline is <= now, else
 * return NULL and leave q alone.
 */
struct timerq_node *timerq_pop_expired(struct timerq *q, uint64_t now);

#endif
