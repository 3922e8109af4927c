/* SPDX-License-Identifier: MIT */
/*
 * ipi_queue.h - the call queue behind call-function IPIs, without Xen or
 * locks: a FIFO of requests to run fn(arg) on one target CPU, the hand-
 * back rules for a request the caller waits for (on its stack, `done`)
 * and one it does not (a slot of the caller's pool, `busy`), and the pool
 * itself. Portable (kernel/xen/ipi/ipi_queue.c): kernel/xen/ipi/ipi.c adds the
 * per-CPU lock, the doorbell event and the waiting; tests/tsan/ stresses
 * it with threads under ThreadSanitizer.
 */
#ifndef XENLING_IPI_QUEUE_H
#define XENLING_IPI_QUEUE_H

#include <lib.h>

/* Requests each CPU can have in flight without waiting for completion. */
#define IPI_POOL_SLOTS 64

/*
 * One request to run fn(arg) on a target CPU. The caller fills it in and
 * queues it; from then on it is the target's until the target hands it
 * back: a waited-for request lives on the caller's stack and the target
 * sets `done` after fn returns; a request that is not waited for is a
 * slot of the caller's pool, which the target frees (clears `busy`) as
 * soon as it has read fn and arg.
 */
struct ipi_call {
    struct ipi_call *next; /* in the target's queue, under its lock */
    void (*fn)(void *arg);
    void *arg;
    bool pooled; /* a slot of the caller's pool (no wait) */
    bool busy;   /* pooled: in flight; the owner sets it, the target
                    clears it */
    bool done;   /* waited for: fn has returned */
};

/*
 * A target's queue, oldest at head. head and tail change only under the
 * target's queue lock (the caller's): any CPU appends at the tail, the
 * owner takes calls off the head one at a time. Nothing else happens
 * under that lock: no function runs, no other queue's lock is taken.
 */
struct ipi_queue {
    struct ipi_call *head;
    struct ipi_call *tail;
};

/* A CPU's requests for calls without wait. Only the owner takes a slot
 * (with interrupts off), only the target of the call frees it. */
struct ipi_pool {
    struct ipi_call slots[IPI_POOL_SLOTS];
    unsigned int next_slot; /* where the owner looks first */
};

/*
 * Fill in `call` to run fn(arg): `pooled` if it is a slot of the caller's
 * pool (nobody waits), else the caller waits for ipi_call_done().
 */
void ipi_call_prepare(struct ipi_call *call, void (*fn)(void *arg), void *arg,
                      bool pooled);

/*
 * Append call to q. Returns true if q was empty: then the caller rings
 * the target's doorbell after unlocking (a non-empty queue needs none:
 * its owner runs it until it finds it empty). Queue lock held.
 */
bool ipi_queue_push(struct ipi_queue *q, struct ipi_call *call);

/* Take the oldest call off q, or NULL if q is empty. Queue lock held. */
struct ipi_call *ipi_queue_pop(struct ipi_queue *q);

/* Whether q looks non-empty: an unlocked peek, only a hint. Any CPU. */
bool ipi_queue_peek(const struct ipi_queue *q);

/*
 * Run a call taken off a queue, without the lock: read fn and arg, hand a
 * pooled request back before fn runs, a waited-for one after. The call
 * must not be touched after this returns. Target CPU.
 */
void ipi_call_run(struct ipi_call *call);

/* Whether the target has finished a waited-for call; fn's stores are
 * visible to the caller once this is true. The caller. */
bool ipi_call_done(const struct ipi_call *call);

/* A free slot of p, marked busy, or NULL if all are in flight. The
 * owner, with interrupts off (a handler on its CPU may take slots). */
struct ipi_call *ipi_pool_get(struct ipi_pool *p);

#endif
