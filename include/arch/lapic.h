/* SPDX-License-Identifier: MIT */
/*
 * lapic.h - the little of the local APIC Xenling needs: software-enable
 * it (x2APIC mode when the CPU has it, else xAPIC through its MMIO page)
 * and signal end-of-interrupt. Used for Xen's per-vCPU event-channel
 * upcall vector, which Xen raises in the (virtual) local APIC. Code in
 * kernel/arch/x86/lapic.c; architecture code only.
 */
#ifndef XENLING_ARCH_LAPIC_H
#define XENLING_ARCH_LAPIC_H

#include <lib.h>

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

#endif
