/* SPDX-License-Identifier: MIT */
/*
 * main.c - the boot sequence, one step per line. boot/head.asm calls
 * kernel_main on the boot CPU in 64-bit mode with the boot identity map,
 * interrupts off, the boot protocol and the physical address of the
 * loader's information.
 */
#include <kernel.h>
#include <bootinfo.h>
#include <console.h>
#include <evtchn.h>
#include <grant.h>
#include <hypervisor.h>
#include <ipi.h>
#include <mm.h>
#include <percpu.h>
#include <sched.h>
#include <smp.h>
#include <timer.h>
#include <traps.h>
#include <watchdog.h>

extern struct boot_info boot_info;
void boot_info_init(unsigned int proto, unsigned long info);
void selftest_run(void) __noreturn;

void
kernel_main(unsigned int proto, unsigned long info)
{
    percpu_init(0);       /* GS base, GDT and TSS of CPU 0 */
    console_early_init(); /* port 0xE9, UART: printk works now */
    printk("Xenling booting\n");
    traps_init();                /* IDT: exceptions dump and stop */
    xen_detect();                /* CPUID leaves, hypercall page */
    pic_disable();               /* legacy 8259s off (not on Xen) */
    boot_info_init(proto, info); /* validate the loader's info */
    xen_set_domain_flags(boot_info.valid, boot_info.flags); /* dom0? */
    page_alloc_init(&boot_info);    /* usable RAM into the allocator */
    paging_init(&boot_info);        /* W^X kernel page tables */
    heap_init();                    /* kmalloc */
    console_init();                 /* the consoles for where we run */
    xen_report();                   /* what Xen we found */
    evtchn_init(boot_info.cmdline); /* shared_info, ABI, upcall; IRQs on */
    timer_init();                   /* PV clock, VIRQ_TIMER, timer queue */
    watchdog_init_cpu();            /* local APIC timer: backstop of waits */
    smp_init();                     /* start every other vCPU */
    ipi_init();                     /* event-channel IPIs on every vCPU */
    xen_pvcons_input_init();        /* PV console input by interrupt */
    evtchn_report();                /* where each bound port is delivered */
    sched_init();                   /* threads, run queues, time slices */
    gnttab_init();                  /* grant table frames, free references */
    selftest_run();                 /* tests= from the command line */
}
