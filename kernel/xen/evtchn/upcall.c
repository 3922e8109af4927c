/* SPDX-License-Identifier: MIT */
/*
 * upcall.c - how Xen tells a vCPU "you have events": the vector callback
 * (kernel/xen/evtchn/evtchn_abi.h). Xen sets vcpu_info->evtchn_upcall_pending and
 * then either injects a vector straight into the vCPU (the global
 * callback, HVM_PARAM_CALLBACK_IRQ with the vector type: no local APIC
 * involved, no EOI) or raises a vector in that vCPU's local APIC (the
 * per-vCPU upcall vector, HVMOP_set_evtchn_upcall_vector: needs an EOI).
 * Both land in upcall_irq(), which runs evtchn_do_upcall() in evtchn.c.
 * The command-line switches that choose the ABI and the mode are read
 * here too (evtchn_parse_cmdline).
 */
#include <kernel.h>
#include <cmdline.h>
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
        printk(
            "evtchn: upcall=percpu, but Xen does not offer the per-vCPU upcall vector (no XEN_HVM_CPUID_UPCALL_VECTOR in CPUID leaf 4): event channels unavailable\n");
        return -XEN_ENODEV;
    }
    if ( m == UPCALL_GLOBAL && !vector_ok )
    {
        printk(
            "evtchn: Xen offers no vector callback (XENFEAT_hvm_callback_vector): event channels unavailable\n");
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
        printk(
            "evtchn: HVMOP_set_evtchn_upcall_vector (vCPU %u) refused: %ld\n",
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

int
evtchn_parse_cmdline(const char *cmdline, char want_abi[8],
                     enum upcall_mode *mode)
{
    char want_upcall[8];

    *mode = UPCALL_AUTO;
    /* A value too long for the buffer reads as "", but was given. */
    if ( !cmdline_get(cmdline, "evtchn", want_abi, 8) &&
         cmdline_has(cmdline, "evtchn") )
        memcpy(want_abi, "?", 2);
    if ( !cmdline_get(cmdline, "upcall", want_upcall, sizeof(want_upcall)) &&
         cmdline_has(cmdline, "upcall") )
        memcpy(want_upcall, "?", 2);
    if ( want_abi[0] && strcmp(want_abi, "2l") && strcmp(want_abi, "fifo") )
    {
        printk(
            "evtchn: unknown evtchn=%s (2l or fifo): event channels unavailable\n",
            want_abi);
        return -XEN_EINVAL;
    }
    if ( strcmp(want_upcall, "global") == 0 )
        *mode = UPCALL_GLOBAL;
    else if ( strcmp(want_upcall, "percpu") == 0 )
        *mode = UPCALL_PERCPU;
    else if ( want_upcall[0] )
    {
        printk(
            "evtchn: unknown upcall=%s (global or percpu): event channels unavailable\n",
            want_upcall);
        return -XEN_EINVAL;
    }
    return 0;
}

int
upcall_resume(void)
{
    uint64_t via =
        ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) | EVTCHN_UPCALL_VECTOR;
    long rc;

    /* HVM params are not part of the saved state: set the global vector
     * again. The per-vCPU vector is each vCPU's (upcall_init_cpu). */
    if ( mode != UPCALL_GLOBAL )
        return 0;
    rc = hvm_set_param(HVM_PARAM_CALLBACK_IRQ, via);
    if ( rc )
        printk("evtchn: HVM_PARAM_CALLBACK_IRQ refused after resume: %ld\n",
               rc);
    return rc;
}
