/* SPDX-License-Identifier: MIT */
/*
 * upcall.c - how Xen tells a vCPU "you have events": the vector callback
 * (kernel/xen/evtchn/evtchn_abi.h). Xen sets vcpu_info->evtchn_upcall_pending and
 * then either injects a vector straight into the vCPU (the global
 * callback, HVM_PARAM_CALLBACK_IRQ with the vector type: no local APIC
 * involved, no EOI) or raises a vector in that vCPU's local APIC (the
 * per-vCPU upcall vector, HVMOP_set_evtchn_upcall_vector: needs an EOI).
 * Both land in upcall_irq(), which runs evtchn_do_upcall() in evtchn.c.
 */
#include <kernel.h>
#include "kernel/xen/evtchn/evtchn_abi.h"
#include <hypervisor.h>
#include <percpu.h>
#include <shared_info.h>
#include <traps.h>
#include <arch/lapic.h>

/* Set once by upcall_init(), read by every upcall. */
static enum upcall_mode mode = UPCALL_AUTO; /* AUTO: none yet */

static void
upcall_irq(struct trap_frame *f, void *arg)
{
    /* Xen has just written this vCPU's vcpu_info: check around it. */
    vcpu_info_check_guards(smp_processor_id());
    evtchn_do_upcall();
    /* The per-vCPU vector came through the local APIC and is in service
     * there until EOI; one that Xen raised meanwhile is delivered after
     * the EOI (and finds little or nothing left to do). */
    if ( mode == UPCALL_PERCPU )
        lapic_eoi();
}

int
upcall_init(enum upcall_mode want)
{
    bool offered = xen.hvm_features & XEN_HVM_CPUID_UPCALL_VECTOR;
    bool vector_ok = xen.features & (1u << XENFEAT_hvm_callback_vector);
    enum upcall_mode m = want;
    long rc;

    if ( m == UPCALL_AUTO )
        m = offered ? UPCALL_PERCPU : UPCALL_GLOBAL;
    if ( m == UPCALL_PERCPU && !offered )
    {
        printk("evtchn: upcall=percpu, but Xen does not offer the per-vCPU "
               "upcall vector (no XEN_HVM_CPUID_UPCALL_VECTOR in CPUID leaf "
               "4): event channels unavailable\n");
        return -XEN_ENODEV;
    }
    if ( m == UPCALL_GLOBAL && !vector_ok )
    {
        printk("evtchn: Xen offers no vector callback "
               "(XENFEAT_hvm_callback_vector): event channels unavailable\n");
        return -XEN_ENODEV;
    }
    if ( irq_register(EVTCHN_UPCALL_VECTOR, upcall_irq, NULL) )
    {
        printk("evtchn: upcall vector 0x%x already taken\n",
               EVTCHN_UPCALL_VECTOR);
        return -XEN_EBUSY;
    }

    mode = m;
    if ( m == UPCALL_GLOBAL )
    {
        uint64_t via = ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) |
                       EVTCHN_UPCALL_VECTOR;

        rc = hvm_set_param(HVM_PARAM_CALLBACK_IRQ, via);
        if ( rc )
            printk("evtchn: HVM_PARAM_CALLBACK_IRQ refused: %ld\n", rc);
    }
    else
        rc = upcall_init_cpu(0);
    if ( rc )
    {
        mode = UPCALL_AUTO;
        irq_unregister(EVTCHN_UPCALL_VECTOR);
    }
    return rc;
}

int
upcall_init_cpu(unsigned int cpu)
{
    struct xen_hvm_evtchn_upcall_vector op = {
        .vcpu = cpu,
        .vector = EVTCHN_UPCALL_VECTOR,
    };
    long rc;

    if ( mode != UPCALL_PERCPU )
        return 0;
    /* Xen raises the vector only in an enabled local APIC: enable first. */
    if ( lapic_enable(LAPIC_SPURIOUS_VECTOR) )
        return -XEN_ENODEV;
    rc = hypercall_hvm_op(HVMOP_set_evtchn_upcall_vector, &op);
    if ( rc )
        printk("evtchn: HVMOP_set_evtchn_upcall_vector (vCPU %u) refused: "
               "%ld\n",
               cpu, rc);
    else
        printk("evtchn: vCPU %u: upcall vector 0x%x via the %s local APIC\n",
               cpu, EVTCHN_UPCALL_VECTOR, lapic_mode());
    return rc;
}

const char *
upcall_mode_name(void)
{
    return mode == UPCALL_PERCPU   ? "per-vCPU vector"
           : mode == UPCALL_GLOBAL ? "global vector (HVM_PARAM_CALLBACK_IRQ)"
                                   : "none";
}
