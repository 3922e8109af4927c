/* SPDX-License-Identifier: MIT */
/*
 * lapic.h - the little of the local APIC Xenling needs: software-enable
 * it (x2APIC mode when the CPU has it, else xAPIC through its MMIO page),
 * signal end-of-interrupt, run its one-shot timer, read a vector's IRR
 * and ISR bits, send an NMI to another CPU. Used for Xen's per-vCPU event-channel upcall vector,
 * which Xen raises in the (virtual) local APIC, and for the watchdog of
 * bounded waits. Code in kernel/arch/x86/lapic.c; architecture code only.
 */
#ifndef XENLING_ARCH_LAPIC_H
#define XENLING_ARCH_LAPIC_H

#include <lib.h>

/* The local APIC's spurious vector (its interrupts need no EOI). */
#define LAPIC_SPURIOUS_VECTOR 0xff

/*
 * Enable this CPU's local APIC with `spurious_vector` as its spurious
 * interrupt vector and task priority 0 (accept every vector). The first
 * call picks the mode for all CPUs and claims the spurious vector.
 * Returns 0, or -1 (printed) if the CPU has no local APIC or the vector
 * cannot be claimed. Each CPU calls it for itself, interrupts disabled.
 */
int lapic_enable(uint8_t spurious_vector);

/* Signal end of interrupt for the vector in service on this CPU. */
void lapic_eoi(void);

/* "x2APIC", "xAPIC", or "off" before lapic_enable() succeeded. */
const char *lapic_mode(void);

/* Spurious interrupts seen (all CPUs; they need no EOI). */
unsigned long lapic_spurious_count(void);

/* Whether `vector` is requested (IRR) and in service (ISR) in this CPU's
 * local APIC; both false before lapic_enable(). For diagnostics. */
void lapic_vector_state(uint8_t vector, bool *irr, bool *isr);

/* This CPU's task and processor priorities (TPR, PPR) and its highest
 * requested and in-service vectors (-1: none); all 0/-1 before
 * lapic_enable(). For diagnostics: a TPR or an in-service vector of a
 * class at or above a requested vector's holds that vector back. */
void lapic_priority_state(uint32_t *tpr, uint32_t *ppr, int *irr_hi,
                          int *isr_hi);

/*
 * This CPU's local APIC timer, one-shot: raise `vector` after `ticks`
 * ticks of the timer clock divided by 16 (replacing any count running).
 * Xen's vlapic runs that clock at 1 GHz; kernel/watchdog.c measures it.
 * After lapic_enable(); the vector's handler must send the EOI.
 */
void lapic_timer_start(uint8_t vector, uint32_t ticks);
void lapic_timer_stop(void);
/* Ticks left of the running count (0: expired or stopped). */
uint32_t lapic_timer_count(void);

/* This CPU's local APIC id (x2APIC: all 32 bits; xAPIC: 8), the
 * destination other CPUs name to reach it. After lapic_enable(). */
uint32_t lapic_id(void);

/*
 * Send a non-maskable interrupt to the CPU whose local APIC id is
 * `apic_id` (ICR, delivery mode NMI, physical destination). It arrives
 * even while that CPU runs with interrupts off (the hard-lockup
 * detector, kernel/hardlockup.c). After lapic_enable(), any context.
 */
void lapic_send_nmi(uint32_t apic_id);

#endif
