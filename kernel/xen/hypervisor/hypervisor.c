/* SPDX-License-Identifier: MIT */
/*
 * hypervisor.c - detect Xen through CPUID, install the hypercall page,
 * read the version and features, and a few small hypercall helpers.
 */
#include <kernel.h>
#include <hypervisor.h>
#include <mm.h>
#include <percpu.h>
#include <xen_errno.h>
#include <xen/features.h>
#include <arch/x86.h>

struct xen_info xen;

/* The MSR that fills the hypercall page (CPUID leaf base+2); set once by
 * xen_detect(), read by xen_resume(). */
static uint32_t hypercall_msr;

void
xen_detect(void)
{
    uint32_t base, eax, ebx, ecx, edx;

    /* Xen may sit at 0x40000000 or, when it also offers another
     * hypervisor's interface (Viridian), further up: scan in 0x100 steps. */
    for ( base = 0x40000000; base < 0x40010000; base += 0x100 )
    {
        char sig[13];

        cpuid(base, &eax, &ebx, &ecx, &edx);
        memcpy(sig, &ebx, 4);
        memcpy(sig + 4, &ecx, 4);
        memcpy(sig + 8, &edx, 4);
        sig[12] = '\0';
        if ( strcmp(sig, "XenVMMXenVMM") == 0 && eax - base >= 2 )
            break;
    }
    if ( base >= 0x40010000 )
        return;

    xen.present = true;
    xen.cpuid_base = base;
    cpuid(base + 1, &eax, &ebx, &ecx, &edx);
    xen.major = eax >> 16;
    xen.minor = eax & 0xffff;

    /* Leaf base+2: EAX = number of hypercall pages, EBX = the MSR that
     * takes each page's physical address (low bits = page index). */
    cpuid(base + 2, &eax, &ebx, &ecx, &edx);
    if ( eax < 1 )
    {
        printk("xen: CPUID offers no hypercall page; Xen features off\n");
        return;
    }
    hypercall_msr = ebx;
    wrmsr(ebx, (uint64_t)(uintptr_t)hypercall_page);
    xen.hypercalls = true;

    cpuid(base, &eax, &ebx, &ecx, &edx);
    if ( eax - base >= 4 )
    {
        uint32_t a, b, c, d;

        cpuid(base + 4, &a, &b, &c, &d);
        xen.hvm_features = a;
    }

    {
        xen_feature_info_t fi = { .submap_idx = 0 };

        if ( hypercall_xen_version(XENVER_get_features, &fi) == 0 )
            xen.features = fi.submap;
    }
}

void
xen_note_foreign_frames(void)
{
    /* The HVM params a guest may read that name a page someone else
     * writes: the toolstack puts these rings in pages of their own. */
    static const struct {
        unsigned int param;
        const char *what;
    } params[] = {
        { HVM_PARAM_CONSOLE_PFN, "PV console ring (HVM_PARAM_CONSOLE_PFN)" },
        { HVM_PARAM_STORE_PFN, "xenstore ring (HVM_PARAM_STORE_PFN)" },
    };
    unsigned int i;

    if ( !xen.hypercalls )
        return;
    for ( i = 0; i < ARRAY_SIZE(params); i++ )
    {
        uint64_t pfn = 0;
        long rc = hvm_get_param(params[i].param, &pfn);

        if ( rc != 0 || pfn == 0 )
            continue; /* none (dom0 has neither) */
        if ( pfn >= (1ull << (52 - PAGE_SHIFT)) )
        {
            printk("xen: ignoring %s: frame 0x%llx is past physical memory\n",
                   params[i].what, (unsigned long long)pfn);
            continue;
        }
        page_foreign_add(pfn << PAGE_SHIFT, PAGE_SIZE, params[i].what);
    }
}

void
xen_set_domain_flags(bool valid, uint32_t sif_flags)
{
    if ( !xen.hypercalls )
        return;
    if ( valid )
    {
        xen.initial_domain = sif_flags & SIF_INITDOMAIN;
        return;
    }
    /* No trustworthy start info: a release Xen lets only dom0 write to
     * its console, so an empty CONSOLEIO_write tells us. */
    xen.initial_domain = hypercall_console_write("", 0) == 0;
    printk("xen: start info unusable; CONSOLEIO probe says %s\n",
           xen.initial_domain ? "dom0" : "domU");
}

/* Print a bit set as names, e.g. "0x5c: iommu_mappings vcpu_id ...". */
static void
print_flags(const char *what, uint32_t flags, const char *const *names,
            unsigned int n)
{
    char line[200];
    int len = snprintf(line, sizeof(line), "0x%x:", flags);
    unsigned int i;

    for ( i = 0; i < n && len < (int)sizeof(line); i++ )
        if ( (flags & (1u << i)) && names[i] )
            len += snprintf(line + len, sizeof(line) - len, " %s", names[i]);
    printk("xen: %s %s\n", what, line);
}

static void
report_features(void)
{
    static const char *const xenver[] = {
        [XENFEAT_writable_page_tables] = "writable_page_tables",
        [XENFEAT_auto_translated_physmap] = "auto_translated_physmap",
        [XENFEAT_supervisor_mode_kernel] = "supervisor_mode_kernel",
        [XENFEAT_hvm_callback_vector] = "hvm_callback_vector",
        [XENFEAT_hvm_safe_pvclock] = "hvm_safe_pvclock",
        [XENFEAT_hvm_pirqs] = "hvm_pirqs",
        [XENFEAT_dom0] = "dom0",
        [XENFEAT_memory_op_vnode_supported] = "memory_op_vnode",
        [XENFEAT_not_direct_mapped] = "not_direct_mapped",
        [XENFEAT_direct_mapped] = "direct_mapped",
    };
    static const char *const hvm[] = {
        "apic_access_virt", "x2apic_virt", "iommu_mappings", "vcpu_id_present",
        "domid_present",    "ext_dest_id", "upcall_vector",
    };

    BUILD_BUG_ON(XEN_HVM_CPUID_UPCALL_VECTOR != 1u << 6);
    print_flags("XENVER features", xen.features, xenver, ARRAY_SIZE(xenver));
    print_flags("HVM CPUID leaf 4 flags", xen.hvm_features, hvm,
                ARRAY_SIZE(hvm));
}

void
xen_report(void)
{
    if ( !xen.present )
    {
        printk("xen: not running on Xen (no XenVMMXenVMM CPUID leaf)\n");
        return;
    }
    printk("xen: Xen %u.%u, CPUID base 0x%x, %s, hypercall page %s\n",
           xen.major, xen.minor, xen.cpuid_base,
           xen.initial_domain ? "dom0" : "domU",
           xen.hypercalls ? "installed" : "missing");
    report_features();
}

long
hvm_get_param(unsigned int index, uint64_t *value)
{
    struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };
    long rc = hypercall_hvm_op(HVMOP_get_param, &p);

    if ( rc == 0 )
        *value = p.value;
    return rc;
}

long
hvm_set_param(unsigned int index, uint64_t value)
{
    struct xen_hvm_param p = { .domid = DOMID_SELF,
                               .index = index,
                               .value = value };

    return hypercall_hvm_op(HVMOP_set_param, &p);
}

void
xen_resume(void)
{
    /* The page came back with the old host's instructions (vmcall or
     * vmmcall): have this Xen write its own. Hypercalls before this line
     * still work on a host of the same CPU vendor, and only there. */
    if ( xen.hypercalls )
        wrmsr(hypercall_msr, (uint64_t)(uintptr_t)hypercall_page);
}

long
xen_shutdown(unsigned int reason)
{
    struct sched_shutdown s = { .reason = reason };

    return hypercall_sched_op(SCHEDOP_shutdown, &s);
}

long
xen_watchdog(unsigned int id, unsigned int seconds)
{
    struct sched_watchdog wd = { .id = id, .timeout = seconds };

    return hypercall_sched_op(SCHEDOP_watchdog, &wd);
}

void
xen_vcpus_down_but(unsigned int self)
{
    unsigned int id;

    /* VCPUOP_is_up answers 1 for a running vCPU, an error past the last. */
    for ( id = 0; id < MAX_CPUS; id++ )
        if ( id != self && hypercall_vcpu_op(VCPUOP_is_up, id, NULL) == 1 )
            hypercall_vcpu_op(VCPUOP_down, id, NULL);
}

int
xen_memory_map(void *e820, unsigned int max, unsigned int *n)
{
    struct xen_memory_map map = { .nr_entries = max };
    long rc;

    set_xen_guest_handle(map.buffer, e820);
    rc = xen_check(hypercall_memory_op(XENMEM_memory_map, &map),
                   "boot: XENMEM_memory_map");
    if ( rc != 0 )
        return rc;
    if ( map.nr_entries > max )
    {
        printk("boot: XENMEM_memory_map claims %u entries, buffer holds %u\n",
               map.nr_entries, max);
        return -XEN_E2BIG;
    }
    *n = map.nr_entries;
    return 0;
}
