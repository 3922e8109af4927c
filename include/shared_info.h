/* SPDX-License-Identifier: MIT */
/*
 * shared_info.h - the page Xen shares with the whole domain (event
 * bitmaps for the 2-level ABI, wall clock, the first 32 vCPUs' vcpu_info)
 * and each vCPU's vcpu_info (upcall flags, time info). Mapped by
 * kernel/xen/hypervisor/shared_info.c; per-vCPU vcpu_info may be moved out of the
 * shared page with VCPUOP_register_vcpu_info (needed past 32 vCPUs).
 */
#ifndef XENLING_SHARED_INFO_H
#define XENLING_SHARED_INFO_H

#include <lib.h>
#include <xen/xen.h>

/* NULL until shared_info_init() succeeds. */
extern struct shared_info *shared_info;

/* Map shared_info (XENMEM_add_to_physmap) on the boot CPU. 0 or -errno. */
int shared_info_init(void);

/*
 * After a resume in a new domain: put the new domain's shared_info at the
 * same frame. Each vCPU then registers its vcpu_info again with
 * vcpu_info_register() on itself (Xen lets a running vCPU do that only
 * for itself). Boot CPU, interrupts off; panics if Xen refuses.
 */
int shared_info_resume(void);

/*
 * The vcpu_info Xen updates for vCPU `cpu` (valid after init): the slot in
 * shared_info for cpu < XEN_LEGACY_MAX_VCPUS, unless vcpu_info_set() moved
 * it; NULL if the vCPU has none.
 */
struct vcpu_info *vcpu_info(unsigned int cpu);

/*
 * Hook for SMP bring-up: after a successful VCPUOP_register_vcpu_info for
 * `cpu`, record where its vcpu_info now lives (needed for vCPUs past the
 * 32 slots in shared_info). Call before that vCPU binds any event.
 */
void vcpu_info_set(unsigned int cpu, struct vcpu_info *vi);

/*
 * Give vCPU `cpu` its own vcpu_info (VCPUOP_register_vcpu_info) and record
 * it with vcpu_info_set(). Done for every vCPU: shared_info_init() for the
 * boot CPU, smp bring-up for the others (vCPUs past XEN_LEGACY_MAX_VCPUS
 * have no slot in shared_info at all). Xen allows it only for the calling
 * vCPU or one that is down: smp bring-up does it before VCPUOP_initialise.
 * Once per vCPU, and again on each vCPU itself after a resume in a new
 * domain (kernel/resume.c). 0 or a negative errno (printed); on failure a vCPU below
 * 32 keeps its shared_info slot.
 */
int vcpu_info_register(unsigned int cpu);
/* True if `cpu` uses its registered vcpu_info (not a shared_info slot). */
bool vcpu_info_registered(unsigned int cpu);

/*
 * The guard words around vCPU `cpu`'s registered vcpu_info slot: the index
 * of the first one that changed (0-3 below the vcpu_info, 4-7 above), or
 * -1 if all hold their values (or before shared_info_init). Any context.
 */
int vcpu_info_guard_broken(unsigned int cpu);
/* Panic, naming the vCPU and the word, if a guard of `cpu` changed. Run by
 * every upcall for its own vCPU. */
void vcpu_info_check_guards(unsigned int cpu);

#endif
