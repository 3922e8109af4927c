/* SPDX-License-Identifier: MIT */
/*
 * spinlock.h - fair (ticket) spinlocks that know their holder. Taking a
 * lock this CPU already holds, or releasing one it does not, panics.
 * The _irqsave forms also disable interrupts; use them for any lock that
 * an interrupt handler may take.
 */
#ifndef XENLING_SPINLOCK_H
#define XENLING_SPINLOCK_H

#include <lib.h>

typedef struct spinlock {
    volatile uint16_t next;    /* ticket handed to the next arrival */
    volatile uint16_t serving; /* ticket that may enter now */
    int owner;                 /* holding CPU id, or -1 */
    const char *name;
} spinlock_t;

#define SPINLOCK_INIT(n) \
    { \
        0, 0, -1, (n) \
    }

void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);
/* Take the lock if it is free now; never waits. True if taken. */
bool spin_trylock(spinlock_t *l);
bool spin_is_held_by_me(const spinlock_t *l);
unsigned long spin_lock_irqsave(spinlock_t *l);
void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags);

#define ASSERT_HELD(l) \
    do \
    { \
        if ( !spin_is_held_by_me(l) ) \
            panic("lock %s not held by this CPU at %s:%d", (l)->name, \
                  __FILE__, __LINE__); \
    } while ( 0 )

#endif
