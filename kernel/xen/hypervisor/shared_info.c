/* SPDX-License-Identifier: MIT */
/*
 * shared_info.c - map the shared_info page and find each vCPU's vcpu_info
 * (include/shared_info.h). An HVM or PVH guest chooses where shared_info
 * appears: it gives Xen a guest frame number with XENMEM_add_to_physmap,
 * and Xen puts its shared page there, replacing the RAM that was at that
 * frame. The event-channel code (kernel/xen/evtchn*.c) is its main user.
 */
#include <kernel.h>
#include <fault.h>
#include <hypervisor.h>
#include <mm.h>
#include <percpu.h>
#include <shared_info.h>
#include <xen_errno.h>
#include <xen/errno.h>

/* The 2-level ABI and vcpu_info layouts Xenling assumes (64-bit guest). */
BUILD_BUG_ON(sizeof(xen_ulong_t) != sizeof(unsigned long));
BUILD_BUG_ON(sizeof(struct vcpu_info) != 64);
BUILD_BUG_ON(offsetof(struct shared_info, evtchn_pending) !=
             XEN_LEGACY_MAX_VCPUS * sizeof(struct vcpu_info));
BUILD_BUG_ON(sizeof(struct shared_info) > PAGE_SIZE);

struct shared_info *shared_info;

/* Written by shared_info_init() and vcpu_info_set() before the vCPU uses
 * events; read by that vCPU's upcall. */
static struct vcpu_info *vcpu_infos[MAX_CPUS];

/*
 * vcpu_info for vCPUs past shared_info's 32 slots, registered with
 * VCPUOP_register_vcpu_info. 64-byte entries, 64-byte aligned, so none
 * crosses a page boundary (the ABI's one rule). Only those vCPUs move:
 * a rare guest triple fault on tier 2 appeared when every vCPU did
 * (tools/README.md), so the others keep their slot in shared_info.
 */
static struct vcpu_info vcpu_info_area[MAX_CPUS] __attribute__((aligned(64)));

int
shared_info_init(void)
{
    struct xen_add_to_physmap xatp = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_shared_info,
        .idx = 0,
    };
    void *page = page_alloc();
    unsigned int cpu;
    long rc;

    if ( !page )
    {
        printk("shared_info: no page to map shared_info at\n");
        return -XEN_ENOMEM;
    }
    /* The RAM behind this frame goes back to Xen: the page is never
     * freed, it is shared_info from now on. Not even if Xen refuses: it
     * may have removed the RAM at the frame before failing, and we cannot
     * tell, so the page is lost rather than handed out as a hole. */
    xatp.gpfn = virt_to_phys(page) >> PAGE_SHIFT;
    rc = fault_memory_op ? fault_memory_op(XENMEM_add_to_physmap, &xatp)
                         : hypercall_memory_op(XENMEM_add_to_physmap, &xatp);
    if ( rc )
    {
        printk("shared_info: XENMEM_add_to_physmap refused: %ld (%s); frame "
               "0x%llx withheld, it may have no RAM now\n",
               rc, xen_errno_name(rc), (unsigned long long)xatp.gpfn);
        return rc;
    }
    shared_info = page;
    for ( cpu = 0; cpu < MIN(MAX_CPUS, XEN_LEGACY_MAX_VCPUS); cpu++ )
        vcpu_infos[cpu] = &shared_info->vcpu_info[cpu];
    printk("shared_info: mapped at 0x%llx (gpfn 0x%llx)\n",
           (unsigned long long)virt_to_phys(page),
           (unsigned long long)xatp.gpfn);
    return 0;
}

int
vcpu_info_register(unsigned int cpu)
{
    struct vcpu_register_vcpu_info r = { 0 };
    uint64_t pa;
    long rc;

    if ( cpu >= MAX_CPUS )
        return -XEN_EINVAL;
    pa = virt_to_phys(&vcpu_info_area[cpu]);
    r.mfn = pa >> PAGE_SHIFT;
    r.offset = pa & (PAGE_SIZE - 1);
    rc = hypercall_vcpu_op(VCPUOP_register_vcpu_info, cpu, &r);
    if ( rc )
    {
        printk("shared_info: VCPUOP_register_vcpu_info for vCPU %u refused "
               "(%ld): %s\n",
               cpu, rc,
               vcpu_infos[cpu] ? "its shared_info slot stays in use"
                               : "it gets no events");
        return rc;
    }
    /* Xen copied the old slot's contents; it writes only here from now. */
    vcpu_info_set(cpu, &vcpu_info_area[cpu]);
    return 0;
}

bool
vcpu_info_registered(unsigned int cpu)
{
    return cpu < MAX_CPUS && vcpu_infos[cpu] == &vcpu_info_area[cpu];
}

struct vcpu_info *
vcpu_info(unsigned int cpu)
{
    return cpu < MAX_CPUS ? vcpu_infos[cpu] : NULL;
}

void
vcpu_info_set(unsigned int cpu, struct vcpu_info *vi)
{
    if ( cpu >= MAX_CPUS )
        panic("vcpu_info_set: vCPU %u is past MAX_CPUS (%u)", cpu, MAX_CPUS);
    vcpu_infos[cpu] = vi;
}
