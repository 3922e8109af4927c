/* SPDX-License-Identifier: MIT */
/*
 * smp.h - bringing up the other vCPUs. The boot CPU counts the domain's
 * vCPUs (VCPUOP_is_up answers for every vCPU that exists), starts each
 * with VCPUOP_initialise (a 64-bit vcpu_hvm_context) and VCPUOP_up, and
 * waits until each reports in (kernel/arch/x86/smpboot.c).
 */
#ifndef XENLING_SMP_H
#define XENLING_SMP_H

#include <lib.h>

/* vCPUs the domain has (1 without Xen). Set by smp_init(). */
extern unsigned int nr_cpus;

/*
 * Start every other vCPU and wait for each to come online. Boot CPU,
 * once, after paging and traps. Returns the number of CPUs online.
 */
unsigned int smp_init(void);

/* Each AP's boot stack, which becomes its idle thread's stack. */
#define SMP_AP_STACK_PAGES 4

/*
 * Start vCPU `id` (down, never started) at ap_entry with a new stack:
 * VCPUOP_initialise, then VCPUOP_up. Returns 0 once Xen has it running
 * (it reports in through cpu_online()), or -1 (printed). smp_init() on
 * the boot CPU; tests only with fault_vcpu_op (<fault.h>) set.
 */
int smp_start_cpu(unsigned int id);

/* True once `cpu` has finished its start-up and runs its idle loop. */
bool cpu_online(unsigned int cpu);
unsigned int cpus_online(void);

/*
 * Suspend (kernel/resume.c). smp_park_others(): a thread on every other
 * online CPU disables interrupts and spins; returns once all do (0), or
 * -XEN_ENOMEM with none left parked. Thread context on the boot CPU,
 * interrupts on. smp_resume(rebuild): release them, each first rebuilding
 * its per-vCPU state in a new domain (rebuild: its vcpu_info, upcall
 * vector, VIRQ_TIMER and deadline) and waits until all have; the boot CPU
 * has rebuilt the rest by then (ipi_resume and before). Interrupts off.
 * smp_join_parked(): join the park threads, interrupts on.
 */
int smp_park_others(void);
void smp_resume(bool rebuild);
void smp_join_parked(void);
#endif
