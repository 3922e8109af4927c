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
 * Each vCPU's own vcpu_info, registered with VCPUOP_register_vcpu_info
 * (every vCPU's, as Linux does: past vCPU 31 there is no slot in
 * shared_info at all). Each sits between two guard runs of 32 bytes in a
 * 128-byte slot, so none crosses a page boundary (the ABI's one rule);
 * the slots fill whole pages of their own, so no other data shares a
 * page Xen writes. The upcall checks its vCPU's guards
 * (vcpu_info_check_guards): a write that runs over a vcpu_info, by us or
 * by anyone else, is caught near the moment it happens.
 */
#define VCPU_INFO_GUARD       0x56435055494e464full /* "VCPUINFO" */
#define VCPU_INFO_GUARD_WORDS 4

struct vcpu_info_slot {
    uint64_t guard_lo[VCPU_INFO_GUARD_WORDS];
    struct vcpu_info vi;
    uint64_t guard_hi[VCPU_INFO_GUARD_WORDS];
};
BUILD_BUG_ON(sizeof(struct vcpu_info_slot) != 128);

static struct vcpu_info_slot vcpu_info_slots[MAX_CPUS]
    __attribute__((aligned(PAGE_SIZE)));
BUILD_BUG_ON(sizeof(vcpu_info_slots) % PAGE_SIZE != 0);

/* Set once by shared_info_init, before any upcall can check it. */
static bool guards_set;

/* The guard value of slot `cpu`'s word `i` (0-3 below, 4-7 above). */
static uint64_t
guard_value(unsigned int cpu, unsigned int i)
{
    return VCPU_INFO_GUARD ^ ((uint64_t)cpu << 8) ^ i;
}

static volatile uint64_t *
guard_word(unsigned int cpu, unsigned int i)
{
    struct vcpu_info_slot *s = &vcpu_info_slots[cpu];

    return i < VCPU_INFO_GUARD_WORDS ? &s->guard_lo[i]
                                     : &s->guard_hi[i - VCPU_INFO_GUARD_WORDS];
}

static void
guards_init(void)
{
    unsigned int cpu, i;

    for ( cpu = 0; cpu < MAX_CPUS; cpu++ )
        for ( i = 0; i < 2 * VCPU_INFO_GUARD_WORDS; i++ )
            *guard_word(cpu, i) = guard_value(cpu, i);
    guards_set = true;
}

int
vcpu_info_guard_broken(unsigned int cpu)
{
    unsigned int i;

    if ( cpu >= MAX_CPUS || !guards_set )
        return -1;
    for ( i = 0; i < 2 * VCPU_INFO_GUARD_WORDS; i++ )
        if ( *guard_word(cpu, i) != guard_value(cpu, i) )
            return i;
    return -1;
}

void
vcpu_info_check_guards(unsigned int cpu)
{
    int i = vcpu_info_guard_broken(cpu);

    if ( i < 0 )
        return;
    panic(
        "vcpu_info of vCPU %u: guard word %s[%d] at %p holds 0x%llx, not 0x%llx: something wrote over the area around a vcpu_info",
        cpu, i < VCPU_INFO_GUARD_WORDS ? "guard_lo" : "guard_hi",
        i % VCPU_INFO_GUARD_WORDS, (void *)guard_word(cpu, i),
        (unsigned long long)*guard_word(cpu, i),
        (unsigned long long)guard_value(cpu, i));
}

/* Ask Xen to put its shared_info page at `page` (XENMEM_add_to_physmap,
 * or a test's stand-in): 0 or Xen's error. */
static long
map_shared_info_at(void *page)
{
    struct xen_add_to_physmap xatp = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_shared_info,
        .idx = 0,
        .gpfn = virt_to_phys(page) >> PAGE_SHIFT,
    };

    return fault_memory_op ? fault_memory_op(XENMEM_add_to_physmap, &xatp)
                           : hypercall_memory_op(XENMEM_add_to_physmap, &xatp);
}

int
shared_info_init(void)
{
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
    rc = map_shared_info_at(page);
    if ( rc )
    {
        printk(
            "shared_info: XENMEM_add_to_physmap refused: %ld (%s); frame 0x%llx withheld, it may have no RAM now\n",
            rc, xen_errno_name(rc),
            (unsigned long long)(virt_to_phys(page) >> PAGE_SHIFT));
        return rc;
    }
    shared_info = page;
    for ( cpu = 0; cpu < MIN(MAX_CPUS, XEN_LEGACY_MAX_VCPUS); cpu++ )
        vcpu_infos[cpu] = &shared_info->vcpu_info[cpu];
    guards_init();
    printk("shared_info: mapped at 0x%llx (gpfn 0x%llx)\n",
           (unsigned long long)virt_to_phys(page),
           (unsigned long long)(virt_to_phys(page) >> PAGE_SHIFT));
    /* The boot CPU moves its own vcpu_info now, before any event; the
     * others do it as they start (kernel/arch/x86/smpboot.c). */
    vcpu_info_register(smp_processor_id());
    return 0;
}

int
shared_info_resume(void)
{
    long rc;

    /* The frame came back as plain RAM holding the old page's bytes;
     * Xen puts the new domain's shared_info over it. */
    rc = map_shared_info_at(shared_info);
    if ( rc )
        panic(
            "shared_info: XENMEM_add_to_physmap at gpfn 0x%llx refused after resume (%ld): no events, no clock",
            (unsigned long long)(virt_to_phys(shared_info) >> PAGE_SHIFT), rc);
    /* Until each vCPU registers its own again, Xen writes the slots in
     * shared_info (vCPUs past 31 have none: they are never suspended
     * with events of their own in flight, as they are parked). */
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
    pa = virt_to_phys(&vcpu_info_slots[cpu].vi);
    r.mfn = pa >> PAGE_SHIFT;
    r.offset = pa & (PAGE_SIZE - 1);
    rc = hypercall_vcpu_op(VCPUOP_register_vcpu_info, cpu, &r);
    if ( rc )
    {
        printk(
            "shared_info: VCPUOP_register_vcpu_info for vCPU %u refused (%ld): %s\n",
            cpu, rc,
            vcpu_infos[cpu] ? "its shared_info slot stays in use"
                            : "it gets no events");
        return rc;
    }
    /* Xen copied the old slot's contents; it writes only here from now. */
    vcpu_info_set(cpu, &vcpu_info_slots[cpu].vi);
    return 0;
}

bool
vcpu_info_registered(unsigned int cpu)
{
    return cpu < MAX_CPUS && vcpu_infos[cpu] == &vcpu_info_slots[cpu].vi;
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
