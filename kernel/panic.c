/* SPDX-License-Identifier: MIT */
/*
 * panic.c - the ends of a run: panic (a broken invariant), machine_exit
 * (a verdict) with its fallbacks and Xen's domain watchdog behind it, and
 * the backtrace both may print. Nothing on these paths may hang.
 */
#include <kernel.h>
#include <fault.h>
#include <gcov.h>
#include <hardlockup.h>
#include <hypervisor.h>
#include <percpu.h>
#include <xen_errno.h>
#include <arch/x86.h>

#define ISA_DEBUG_EXIT_PORT 0xf4
#define ISA_DEBUG_EXIT_PASS 0x10 /* QEMU exits (0x10 << 1) | 1 = 33 */
#define ISA_DEBUG_EXIT_FAIL 0x11 /* QEMU exits 35 */

/* The CPU reporting a panic (-1: none), and how deep its panics nest. */
static int panic_cpu = -1;
static unsigned int panic_depth; /* panic_cpu only */

/* Seconds Xen's domain watchdog gives the end of a run (from the verdict
 * to the domain's end, normally well under one; a coverage build's
 * counter dump comes first), and the watchdog's id once armed. */
#define EXIT_WATCHDOG_S 60
static long exit_watchdog;

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
machine_exit_begin(void)
{
    long rc;

    printk_final_mode();
    if ( !xen.hypercalls )
        return;
    rc = xen_watchdog(0, EXIT_WATCHDOG_S);
    if ( rc <= 0 )
        printk("exit: Xen's domain watchdog refused: %ld (%s)\n", rc,
               xen_errno_name(rc));
    else
        exit_watchdog = rc;
}

/*
 * SCHEDOP_shutdown returned, which it never does to a domain it shut
 * down: end the domain another way, one that cannot read as a pass when
 * the run failed. Interrupts are off.
 */
static void __noreturn
exit_fallback(bool pass)
{
    static const struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) no_idt = { 0, 0 };
    if ( !pass )
    {
        /* A triple fault: Xen reports it as a reboot (or crash). */
        printk("exit: triple-faulting instead\n");
        asm volatile("lidt %0; int3" : : "m"(no_idt));
    }
    /* Xen powers off a domain whose last vCPU goes down; a vCPU that
     * halts with interrupts off goes down. */
    printk("exit: taking every vCPU down instead\n");
    xen_vcpus_down_but(smp_processor_id());
    for ( ;; )
        asm volatile("cli; hlt");
}

void
machine_exit(bool pass)
{
    irq_disable();
    hardlockup_stand_down(); /* the end may keep interrupts off for long */
    printk_final_mode();
    /* A coverage build's counters leave with the verdict; the dump and
     * the rest of the end each get EXIT_WATCHDOG_S afresh. */
    if ( exit_watchdog > 0 )
        xen_watchdog(exit_watchdog, EXIT_WATCHDOG_S);
    gcov_dump();
    if ( exit_watchdog > 0 )
        xen_watchdog(exit_watchdog, EXIT_WATCHDOG_S);
    /*
     * isa-debug-exit first, always: on plain QEMU and for Xen's dom0 under
     * QEMU it ends the run (the write takes effect a little later when Xen
     * forwards it); for a domU Xen drops it. So a verdict reaches QEMU
     * even if we never learned whether we are dom0 (a panic early in boot).
     */
    outb(ISA_DEBUG_EXIT_PORT, pass ? ISA_DEBUG_EXIT_PASS : ISA_DEBUG_EXIT_FAIL);
    if ( xen.hypercalls && !xen.initial_domain )
    {
        /* An xl domU: the toolstack sees poweroff or crash. The line
         * says how far the end got, should it not come. */
        unsigned int reason = pass ? SHUTDOWN_poweroff : SHUTDOWN_crash;
        long rc;

        printk("exit: SCHEDOP_shutdown (%s)\n", pass ? "poweroff" : "crash");
        if ( fault_exit_hangs )
            for ( ;; )
                cpu_relax(); /* a test: Xen's domain watchdog must end it */
        rc = fault_shutdown_returns ? -XEN_ENOSYS : xen_shutdown(reason);
        printk("exit: SCHEDOP_shutdown returned %ld (%s)\n", rc,
               xen_errno_name(rc));
        exit_fallback(pass);
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
    hardlockup_stand_down();
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
    printk_final_mode();
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
    hardlockup_stand_down(); /* gcov_dump may take long */
    gcov_dump(); /* coverage build: the counters before the domain ends */
    xen_shutdown(reason);
    /* SCHEDOP_shutdown does not return to a domain it shut down. */
    printk("shutdown: SCHEDOP_shutdown (reason %u) returned\n", reason);
    machine_exit(false);
}
