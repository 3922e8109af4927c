/* SPDX-License-Identifier: MIT */
/*
 * faults.c - manual tests that end the machine on purpose: a panic while
 * the console lock is held, by this CPU (a console's write panics) or by
 * another CPU that is stuck inside a console's write. They never report
 * a result of their own: tools/test-faults.sh selects each one and checks
 * that the run still ends with the panic message and the verdict
 * (XENLING: PANIC, a failing exit) instead of hanging silently. Also a
 * hard lockup, on another CPU or on this one: a CPU that spins with
 * interrupts off for ever must be found by the hard-lockup detector,
 * which reports where it was and panics (kernel/hardlockup.c); and a
 * thread that loops with interrupts on for ever (a soft lockup).
 */
#include <kernel.h>
#include <clock.h>
#include <console.h>
#include <hardlockup.h>
#include <ipi.h>
#include <ktest.h>
#include <percpu.h>
#include <sched.h>
#include <smp.h>
#include <wait.h>
#include <arch/lapic.h>
#include <arch/x86.h>

/* Called under the console lock: a driver that finds a broken invariant
 * in its own write. */
static void
panicking_write(struct console *c, const char *s, size_t n)
{
    panic("faults: test console panics inside its write, console lock held");
}

static struct console panicking = { .name = "test-panics",
                                    .write = panicking_write };

TEST_MANUAL(faults, panic_inside_console_write)
{
    console_register(&panicking);
    printk("faults: this line goes to a console that panics\n");
    /* Not reached when panic works. */
    console_unregister(&panicking);
    EXPECT_TRUE(false);
}

static volatile bool stuck_inside;

/* A console whose write never returns on CPU 1 (a stuck device): the
 * console lock stays held there, with interrupts off. */
static void
stuck_write(struct console *c, const char *s, size_t n)
{
    if ( smp_processor_id() != 1 )
        return;
    stuck_inside = true;
    for ( ;; )
        cpu_relax();
}

static struct console stuck = { .name = "test-stuck", .write = stuck_write };

static void
print_on_cpu1(void *arg)
{
    printk("faults: CPU 1 prints into a console that never returns\n");
}

TEST_MANUAL(faults, panic_while_other_cpu_holds_console_lock)
{
    uint64_t end;

    if ( !cpu_online(1) )
        KTEST_SKIP("needs a second CPU");
    console_register(&stuck);
    ASSERT_EQ(smp_call_on(1, print_on_cpu1, NULL, false), 0);
    end = rdtsc_ordered() + 10ull * 1000 * 1000 * 1000;
    while ( !stuck_inside && rdtsc_ordered() < end )
        cpu_relax();
    ASSERT_TRUE(stuck_inside);
    panic("faults: panic while CPU 1 holds the console lock");
}

/* Spin for ever with interrupts off: no watchdog interrupt, no
 * heartbeat; only an NMI gets this CPU out. */
static void
spin_irqs_off_forever(void *arg)
{
    irq_disable();
    *(volatile bool *)arg = true;
    for ( ;; )
        cpu_relax();
}

/* Without the detector both runs below end only at the runner's limit,
 * with no verdict. */
#define LOCKUP_TEST_WAIT_NS (4 * HARDLOCKUP_STUCK_NS)

TEST_MANUAL(faults, hard_lockup_on_another_cpu)
{
    static volatile bool spinning;
    uint64_t end;

    if ( !cpu_online(1) )
        KTEST_SKIP("needs a second CPU");
    ASSERT_EQ(smp_call_on(1, spin_irqs_off_forever, (void *)&spinning, false),
              0);
    end = clock_now_ns() + LOCKUP_TEST_WAIT_NS;
    while ( clock_now_ns() < end )
        sleep_ns(10 * NSEC_PER_MSEC);
    /* Not reached when the detector works: CPU 1's NMI panics. */
    printk("faults: CPU 1 spun %llu ms with interrupts off, undetected\n",
           (unsigned long long)(LOCKUP_TEST_WAIT_NS / NSEC_PER_MSEC));
    EXPECT_TRUE(false);
}

TEST_MANUAL(faults, hard_lockup_on_this_cpu)
{
    static volatile bool spinning;

    if ( !cpu_online(1) )
        KTEST_SKIP("needs a second CPU to notice");
    printk("faults: CPU %u spins with interrupts off\n", smp_processor_id());
    spin_irqs_off_forever((void *)&spinning);
}

/* A thread loops for ever with interrupts on and never sleeps or yields:
 * no wait's watchdog covers it, and its CPU beats on. The soft-lockup
 * check must report it and end the run (test-faults.sh: softlockup_s=6). */
TEST_MANUAL(faults, soft_lockup)
{
    printk("faults: thread %s loops with interrupts on, never switching\n",
           thread_self()->name);
    for ( ;; )
        cpu_relax();
}

/* CPU 1 halts with interrupts on, but its local APIC timer is stopped:
 * the vCPU stays blocked in Xen, with no beat, as when its timers are
 * lost. Only an NMI wakes it. */
static void
halt_with_timers_lost(void *arg)
{
    irq_disable();
    lapic_timer_stop();
    *(volatile bool *)arg = true;
    for ( ;; )
    {
        safe_halt(); /* sti; hlt: an event wakes it, and it halts again */
        irq_disable();
    }
}

TEST_MANUAL(faults, hard_lockup_halted_with_timers_lost)
{
    static volatile bool halting;
    struct thread *th;
    uint64_t end;

    if ( !cpu_online(1) )
        KTEST_SKIP("needs a second CPU");
    th = thread_create("halter", halt_with_timers_lost, (void *)&halting, 1);
    ASSERT_TRUE(th != NULL);
    end = clock_now_ns() + LOCKUP_TEST_WAIT_NS;
    while ( clock_now_ns() < end )
        sleep_ns(10 * NSEC_PER_MSEC);
    printk(
        "faults: CPU 1 stayed halted %llu ms without its timer, undetected\n",
        (unsigned long long)(LOCKUP_TEST_WAIT_NS / NSEC_PER_MSEC));
    EXPECT_TRUE(false);
}
