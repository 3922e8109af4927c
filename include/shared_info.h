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
 * it with vcpu_info_set(). Needed for vCPUs past XEN_LEGACY_MAX_VCPUS,
 * which have no slot in shared_info. Xen allows it only for the calling
 * vCPU or one that is down: smp bring-up does it before VCPUOP_initialise.
 * Once per vCPU. 0 or a negative errno (printed).
 */
int vcpu_info_register(unsigned int cpu);
/* True if `cpu` uses its registered vcpu_info (not a shared_info slot). */
bool vcpu_info_registered(unsigned int cpu);

#endif
