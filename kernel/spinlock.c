/* SPDX-License-Identifier: MIT */
/*
 * spinlock.c - ticket spinlocks. A CPU takes a ticket with an atomic
 * fetch-and-add on `next` and waits until `serving` reaches it, so CPUs
 * enter in arrival order. The holder is recorded for ASSERT_HELD and to
 * catch self-deadlock.
 */
#include <kernel.h>
#include <percpu.h>
#include <spinlock.h>
#include <arch/x86.h>

void
spin_lock(spinlock_t *l)
{
    uint16_t me;

    if ( l->owner == (int)smp_processor_id() )
        panic("spinlock %s: CPU %u takes it again (self-deadlock)", l->name,
              smp_processor_id());
    me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
    /* Acquire: the critical section's loads stay after we see our turn. */
    while ( __atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) != me )
        cpu_relax();
    l->owner = smp_processor_id();
}

void
spin_unlock(spinlock_t *l)
{
    if ( l->owner != (int)smp_processor_id() )
        panic("spinlock %s: released by CPU %u, held by %d", l->name,
              smp_processor_id(), l->owner);
    l->owner = -1;
    /* Release: the critical section's stores are visible before the next
     * ticket holder enters. */
    __atomic_store_n(&l->serving, (uint16_t)(l->serving + 1), __ATOMIC_RELEASE);
}

bool
spin_trylock(spinlock_t *l)
{
    uint16_t ticket = __atomic_load_n(&l->serving, __ATOMIC_RELAXED);

    if ( l->owner == (int)smp_processor_id() )
        return false;
    /*
     * Free means no ticket is out: next == serving. Taking that ticket
     * with a compare-and-swap enters at once, or fails without queueing.
     * Acquire on success: the critical section's loads stay after it.
     */
    if ( !__atomic_compare_exchange_n(&l->next, &ticket, (uint16_t)(ticket + 1),
                                      false, __ATOMIC_ACQUIRE,
                                      __ATOMIC_RELAXED) )
        return false;
    l->owner = smp_processor_id();
    return true;
}

bool
spin_is_held_by_me(const spinlock_t *l)
{
    return l->owner == (int)smp_processor_id();
}

unsigned long
spin_lock_irqsave(spinlock_t *l)
{
    unsigned long f = irq_save();

    spin_lock(l);
    return f;
}

void
spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
    spin_unlock(l);
    irq_restore(flags);
}
