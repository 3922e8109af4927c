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

/* True once `cpu` has finished its start-up and runs its idle loop. */
bool cpu_online(unsigned int cpu);
unsigned int cpus_online(void);

#endif
