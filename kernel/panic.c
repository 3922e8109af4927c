/* SPDX-License-Identifier: MIT */
/*
 * panic.c - the ends of a run: panic (a broken invariant), machine_exit
 * (a verdict), and the backtrace both may print.
 */
#include <kernel.h>
#include <gcov.h>
#include <hypervisor.h>
#include <percpu.h>
#include <arch/x86.h>

#define ISA_DEBUG_EXIT_PORT 0xf4
#define ISA_DEBUG_EXIT_PASS 0x10 /* QEMU exits (0x10 << 1) | 1 = 33 */
#define ISA_DEBUG_EXIT_FAIL 0x11 /* QEMU exits 35 */

/* The CPU reporting a panic (-1: none), and how deep its panics nest. */
static int panic_cpu = -1;
static unsigned int panic_depth; /* panic_cpu only */

void
backtrace(unsigned long rbp)
{
    unsigned int depth;

    printk("backtrace:\n");
    for ( depth = 0; rbp && depth < 16; depth++ )
    {
        unsigned long *frame = (unsigned long *)rbp;

        /* Stop at anything that does not look like a kernel stack frame. */
        if ( rbp & 7 || rbp < (unsigned long)__kernel_start )
            break;
        printk("  [%u] %016lx\n", depth, frame[1]);
        rbp = frame[0];
    }
}

void
machine_exit(bool pass)
{
    irq_disable();
    gcov_dump(); /* coverage build: the counters leave with the verdict */
    /*
     * isa-debug-exit first, always: on plain QEMU and for Xen's dom0 under
     * QEMU it ends the run (the write takes effect a little later when Xen
     * forwards it); for a domU Xen drops it. So a verdict reaches QEMU
     * even if we never learned whether we are dom0 (a panic early in boot).
     */
    outb(ISA_DEBUG_EXIT_PORT, pass ? ISA_DEBUG_EXIT_PASS : ISA_DEBUG_EXIT_FAIL);
    if ( xen.hypercalls && !xen.initial_domain )
    {
        /* An xl domU: the toolstack sees poweroff or crash. */
        xen_shutdown(pass ? SHUTDOWN_poweroff : SHUTDOWN_crash);
    }
    else if ( xen.hypercalls )
    {
        for ( volatile unsigned long i = 0; i < 200000000ul; i++ )
            cpu_relax();
        /* No debug-exit device: reboot Xen (QEMU -no-reboot exits). */
        xen_shutdown(SHUTDOWN_reboot);
    }
    for ( ;; )
        asm volatile("cli; hlt");
}

void
panic(const char *fmt, ...)
{
    int me = smp_processor_id(), first = -1;
    va_list ap;

    irq_disable();
    if ( !__atomic_compare_exchange_n(&panic_cpu, &first, me, false,
                                      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST) )
    {
        if ( first != me )
            for ( ;; )
                asm volatile("cli; hlt"); /* another CPU is reporting */
        /* A panic while reporting one (in printk, the backtrace...):
         * still give the verdict, and if even that panics, just exit. */
        if ( ++panic_depth == 1 )
            printk("%s\n", "XENLING: PANIC");
        machine_exit(false);
    }
    printk_panic_mode();
    printk("PANIC on CPU %u: ", me);
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
    printk("\n");
    backtrace((unsigned long)__builtin_frame_address(0));
    printk("%s\n", "XENLING: PANIC");
    machine_exit(false);
}

void
machine_shutdown(unsigned int reason)
{
    printk("shutdown: %s\n", reason == SHUTDOWN_poweroff ? "poweroff"
                             : reason == SHUTDOWN_reboot ? "reboot"
                                                         : "other");
    if ( !xen.hypercalls || xen.initial_domain )
        machine_exit(true); /* QEMU tiers: the debug-exit device */
    irq_disable();
    gcov_dump(); /* coverage build: the counters before the domain ends */
    xen_shutdown(reason);
    /* SCHEDOP_shutdown does not return to a domain it shut down. */
    printk("shutdown: SCHEDOP_shutdown (reason %u) returned\n", reason);
    machine_exit(false);
}
