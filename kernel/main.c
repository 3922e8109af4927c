/* SPDX-License-Identifier: MIT */
/*
 * main.c - the boot sequence, one step per line. boot/head.asm calls
 * kernel_main on the boot CPU in 64-bit mode with the boot identity map,
 * interrupts off, the boot protocol and the physical address of the
 * loader's information. STEP() stamps each step's start and end on the
 * boot's time line (include/timeline.h).
 */
#include <kernel.h>
#include <blk.h>
#include <bootinfo.h>
#include <console.h>
#include <control.h>
#include <evtchn.h>
#include <grant.h>
#include <hypervisor.h>
#include <ipi.h>
#include <mm.h>
#include <monitor.h>
#include <percpu.h>
#include <sched.h>
#include <smp.h>
#include <timeline.h>
#include <timer.h>
#include <traps.h>
#include <xenbus.h>
#include <xenstore.h>

extern struct boot_info boot_info;
void boot_info_init(unsigned int proto, unsigned long info);
void selftest_run(void) __noreturn;

/* No stack canary here: canary_init() changes the value it would check. */
void __attribute__((no_stack_protector))
kernel_main(unsigned int proto, unsigned long info)
{
    /* clang-format off: one step per line, the table of contents of boot */
    canary_init();              /* per-boot stack-protector canary, first */
    STEP(percpu_init(0));       /* GS base, GDT and TSS of CPU 0 */
    STEP(console_early_init()); /* port 0xE9, UART: printk works now */
    printk("Xenling booting (stack canary from %s)\n", canary_source());
    STEP(traps_init());                /* IDT: exceptions dump and stop */
    STEP(xen_detect());                /* CPUID leaves, hypercall page */
    STEP(pic_disable());               /* legacy 8259s off (not on Xen) */
    STEP(boot_info_init(proto, info)); /* validate the loader's info */
    STEP(xen_set_domain_flags(boot_info.valid, boot_info.flags)); /* dom0? */
    STEP(xen_note_foreign_frames());      /* rings Xen, toolstack write */
    STEP(page_alloc_init(&boot_info));    /* usable RAM, minus foreign */
    STEP(paging_init(&boot_info));        /* W^X page tables, SMEP, SMAP */
    STEP(stack_guards_init());            /* unmapped pages below stacks */
    STEP(heap_init());                    /* kmalloc */
    STEP(console_init());                 /* the consoles for where we run */
    STEP(xen_report());                   /* what Xen we found */
    STEP(evtchn_init(boot_info.cmdline)); /* shared_info, upcall; IRQs on */
    STEP(timer_init());                   /* PV clock, VIRQ_TIMER, timers */
    STEP(smp_init());                     /* start every other vCPU */
    STEP(ipi_init());                     /* event-channel IPIs everywhere */
    STEP(xen_pvcons_input_init());        /* PV console input by interrupt */
    STEP(evtchn_report());                /* where each port is delivered */
    STEP(sched_init());                   /* threads, run queues, slices */
    STEP(monitor_init());                 /* the monitor's own commands */
    STEP(gnttab_init());                  /* grant table frames, free refs */
    STEP(xenstore_init());                /* xenstore ring, its thread, domid */
    STEP(xenbus_init());                  /* devices under device/, states */
    STEP(control_init());                 /* xl shutdown, reboot, sysrq */
    STEP(blk_init());                     /* blkfront: disks on xenbus */
    selftest_run();                       /* tests= from the command line */
    /* clang-format on */
}
