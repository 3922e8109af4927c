/* SPDX-License-Identifier: MIT */
/*
 * resume.c - suspend, and resume in dependency order (include/resume.h).
 * The toolstack asks through control/shutdown = "suspend" (xl save, xl
 * migrate, xl save -c; kernel/xen/control/control.c); kernel_suspend()
 * quiets the machine and calls SCHEDOP_shutdown(SHUTDOWN_suspend) on the
 * boot vCPU. When that returns 1 the toolstack cancelled (xl save -c: the
 * same domain goes on, everything still holds); when it returns 0 we run
 * in a new domain (restored, or on another host), which has none of our
 * event channels, vcpu_info registrations, upcall vectors or timers, and
 * whose system time counts from another boot: kernel_resume() rebuilds
 * them, one step per line, each step's function beside its _init().
 * docs/resume.md explains the order.
 */
#include <kernel.h>
#include <watchdog.h>
#include <blk.h>
#include <clock.h>
#include <console.h>
#include <control.h>
#include <evtchn.h>
#include <grant.h>
#include <hypervisor.h>
#include <ipi.h>
#include <percpu.h>
#include <resume.h>
#include <sched.h>
#include <shared_info.h>
#include <smp.h>
#include <timer.h>
#include <xen_errno.h>
#include <xenbus.h>
#include <xenstore.h>
#include <arch/x86.h>

/* Counters for the tests; written by the suspending thread only. */
static struct resume_stats stats;

/*
 * The new domain's half with interrupts off, on the boot vCPU, every
 * other vCPU parked (the hypercall page is rewritten before this, in
 * suspend_here, as telling a cancel apart takes a hypercall): first what
 * every later step needs (shared_info, this vCPU's vcpu_info, the ABI, the clock), then the
 * per-vCPU ports, then the other vCPUs each rebuild their own. The
 * devices come after interrupts are on, as they sleep on xenstore.
 */
static void
kernel_resume(void)
{
    /* clang-format off: one step per line, as in kernel_main */
    shared_info_resume();   /* shared_info at the same frame */
    vcpu_info_register(0);  /* this vCPU's vcpu_info again */
    evtchn_resume();        /* no ports; the ABI (FIFO blocks), vector */
    evtchn_init_cpu(0);     /* this vCPU's upcall vector */
    clock_resume();         /* monotonic offset: no jump back or leap */
    watchdog_resume();      /* the time away does not count against waits */
    timer_resume_cpu();     /* VIRQ_TIMER, deadlines re-armed */
    ipi_resume();           /* IPI ports of every vCPU, new numbers */
    smp_resume(true);       /* each other vCPU: vcpu_info, vector, timer */
    irq_enable();           /* events flow again */
    xen_pvcons_resume();    /* the console's new event channel */
    gnttab_resume(false);   /* table frames mapped, entries back */
    xenstore_resume(false); /* new port, stale replies, watches */
    control_resume();       /* the feature keys in the new control/ */
    blk_resume(false);      /* disks: requests kept, engines emptied */
    xenbus_resume();        /* new backends: disks set up, reconnect */
    /* clang-format on */
}

/* A cancelled suspend: the same domain, everything Xen held still holds. */
static void
kernel_resume_cancelled(void)
{
    watchdog_resume();
    smp_resume(false);
    irq_enable();
    gnttab_resume(true);
    xenstore_resume(true);
    blk_resume(true);
}

/* The suspend itself, on the boot vCPU in a thread. */
static int
suspend_here(void)
{
    uint64_t t0 = clock_now_ns(), t1;
    unsigned long flags;
    long rc;

    if ( smp_processor_id() != 0 )
        panic(
            "kernel_suspend on CPU %u: Xen reports a cancelled suspend only in vCPU 0's registers",
            smp_processor_id());
    printk("suspend: quiescing: disks, xenstore, other vCPUs\n");
    blk_suspend();
    if ( xenstore_suspend() )
    {
        blk_resume(true);
        return -XEN_EBUSY;
    }
    if ( smp_park_others() )
    {
        xenstore_resume(true);
        blk_resume(true);
        return -XEN_ENOMEM;
    }
    /*
     * The grant table is copied with interrupts off: from here on no
     * grant may change. A disk's answer handled after the copy ends its
     * pages' grants, and the copy put back in the new domain would list
     * them as granted again (seen after an xl migrate: "reference 39 was
     * free but its entry is in use", and every later request of that
     * disk refused). The other vCPUs are parked with interrupts off, and
     * the disks' engines paused: nothing grants anew.
     */
    flags = irq_save();
    if ( gnttab_suspend() )
    {
        irq_restore(flags);
        kernel_resume_cancelled();
        smp_join_parked();
        return -XEN_ENOMEM;
    }
    clock_suspend();
    printk("suspend: SCHEDOP_shutdown(SHUTDOWN_suspend)\n");
    watchdog_suspend();
    rc = xen_shutdown(SHUTDOWN_suspend);
    xen_resume(); /* first: every later step makes hypercalls */
    /*
     * 1 means cancelled, but only when the toolstack set it: libxc writes
     * it into vCPU 0's registers only if HVM_PARAM_CALLBACK_IRQ is set,
     * and with per-vCPU upcall vectors it is not (seen with xl save -c on
     * tier 2: 0 returned, the same domain). So a 0 is checked against
     * what only the old domain has: our IPI ports.
     */
    if ( rc == 0 && ipi_ports_held() )
    {
        printk(
            "suspend: SCHEDOP_shutdown returned 0, but Xen still holds our IPI ports: the same domain, resumed in place\n");
        rc = 1;
    }
    if ( rc == 0 )
        kernel_resume();
    else
        kernel_resume_cancelled();
    irq_restore(flags);
    smp_join_parked();
    t1 = clock_now_ns();
    if ( rc == 0 )
        stats.resumed++;
    else
        stats.cancelled++;
    stats.last_cancelled = rc != 0;
    printk(
        "suspend: %s after %llu us by our clock (%u resumed, %u cancelled so far)\n",
        rc == 0   ? "resumed in a new domain"
        : rc == 1 ? "cancelled by the toolstack: resumed in place"
                  : "refused by Xen: resumed in place",
        (unsigned long long)((t1 - t0) / NSEC_PER_USEC), stats.resumed,
        stats.cancelled);
    if ( rc < 0 )
        printk("suspend: SCHEDOP_shutdown returned %ld (%s)\n", rc,
               xen_errno_name(rc));
    return rc < 0 ? (int)rc : 0;
}

static void
suspend_thread(void *arg)
{
    *(int *)arg = suspend_here();
}

int
kernel_suspend(void)
{
    struct thread *t;
    int rc = 0;

    if ( smp_processor_id() == 0 )
        return suspend_here();
    t = thread_create("suspend", suspend_thread, &rc, 0);
    if ( !t )
        return -XEN_ENOMEM;
    thread_join(t);
    return rc;
}

void
resume_get_stats(struct resume_stats *out)
{
    *out = stats;
}

unsigned int
resume_count(void)
{
    return __atomic_load_n(&stats.resumed, __ATOMIC_RELAXED) +
           __atomic_load_n(&stats.cancelled, __ATOMIC_RELAXED);
}
