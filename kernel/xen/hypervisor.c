/* SPDX-License-Identifier: MIT */
/*
 * hypervisor.c - detect Xen through CPUID, install the hypercall page,
 * read the version and features, and a few small hypercall helpers.
 */
#include <kernel.h>
#include <hypervisor.h>
#include <arch/x86.h>

struct xen_info xen;

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
    printk("xen: HVM CPUID features 0x%x, XENVER features 0x%x\n",
           xen.hvm_features, xen.features);
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

long
xen_shutdown(unsigned int reason)
{
    struct sched_shutdown s = { .reason = reason };

    return hypercall_sched_op(SCHEDOP_shutdown, &s);
}
