/* SPDX-License-Identifier: MIT */
/*
 * ipi_queue.c - the call queue behind call-function IPIs and its hand-back
 * rules (ipi_queue.h). The lock, the doorbell and the waiting are
 * kernel/xen/ipi/ipi.c's.
 */
#include "kernel/xen/ipi/ipi_queue.h"

void
ipi_call_prepare(struct ipi_call *call, void (*fn)(void *arg), void *arg,
                 bool pooled)
{
    call->fn = fn;
    call->arg = arg;
    call->pooled = pooled;
    call->done = false;
}

bool
ipi_queue_push(struct ipi_queue *q, struct ipi_call *call)
{
    bool was_empty = q->head == NULL;

    call->next = NULL;
    if ( q->tail )
        q->tail->next = call;
    else
        /* Relaxed: the owner peeks at head without the lock. */
        __atomic_store_n(&q->head, call, __ATOMIC_RELAXED);
    q->tail = call;
    return was_empty;
}

struct ipi_call *
ipi_queue_pop(struct ipi_queue *q)
{
    struct ipi_call *call = q->head;

    if ( call )
    {
        __atomic_store_n(&q->head, call->next, __ATOMIC_RELAXED);
        if ( !q->head )
            q->tail = NULL;
    }
    return call;
}

bool
ipi_queue_peek(const struct ipi_queue *q)
{
    return __atomic_load_n(&q->head, __ATOMIC_RELAXED) != NULL;
}

void
ipi_call_run(struct ipi_call *call)
{
    /* Read all we need first: once `done` is set or the request is
     * freed, it is no longer ours. */
    void (*fn)(void *arg) = call->fn;
    void *arg = call->arg;

    if ( call->pooled )
    {
        /* Release: our reads of the slot are done before its owner,
         * whose load of `busy` is acquire, may fill it again. */
        __atomic_store_n(&call->busy, false, __ATOMIC_RELEASE);
        fn(arg);
    }
    else
    {
        fn(arg);
        /* Release: fn's stores are visible before `done`; the caller
         * loads it with acquire, then goes on (and reuses its stack). */
        __atomic_store_n(&call->done, true, __ATOMIC_RELEASE);
    }
}

bool
ipi_call_done(const struct ipi_call *call)
{
    /* Acquire: pairs with ipi_call_run's release. */
    return __atomic_load_n(&call->done, __ATOMIC_ACQUIRE);
}

struct ipi_call *
ipi_pool_get(struct ipi_pool *p)
{
    unsigned int i, n;

    for ( i = 0; i < IPI_POOL_SLOTS; i++ )
    {
        n = (p->next_slot + i) % IPI_POOL_SLOTS;
        /* Acquire: pairs with ipi_call_run's release of `busy`. */
        if ( !__atomic_load_n(&p->slots[n].busy, __ATOMIC_ACQUIRE) )
        {
            p->slots[n].busy = true;
            p->next_slot = n + 1;
            return &p->slots[n];
        }
    }
    return NULL;
}
