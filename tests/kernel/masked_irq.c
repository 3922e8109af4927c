/* SPDX-License-Identifier: MIT */
/*
 * masked_irq.c - a reproducer for an environment fault (tools/README.md,
 * "Xen on QEMU TCG injects interrupts while the guest has them masked"):
 * vCPU 0 spins with interrupts masked, 20 ms at a time, while a thread
 * on vCPU 1 keeps sending it reschedule IPIs (event channels). A correct
 * CPU takes them only once the mask is lifted, so trap_odd_irqs
 * (kernel/arch/x86/traps.c) must not move. Manual (tests=masked_irq.*,
 * masked_s=N seconds, default 10): on that emulator it can fail.
 */
#include <kernel.h>
#include <arch/x86.h>
#include <bootinfo.h>
#include <clock.h>
#include <cmdline.h>
#include <hypervisor.h>
#include <ipi.h>
#include <ktest.h>
#include <percpu.h>
#include <sched.h>
#include <smp.h>
#include <traps.h>

extern struct boot_info boot_info;

#define MASKED_SPIN_NS 20000000ull /* one masked stretch */

static bool stop;     /* atomic: the sender ends */
static uint64_t sent; /* atomic: IPIs the sender sent */

static void
sender(void *arg)
{
    unsigned int target = (unsigned int)(uintptr_t)arg;

    while ( !__atomic_load_n(&stop, __ATOMIC_ACQUIRE) )
        if ( smp_send_reschedule(target) == 0 )
            __atomic_add_fetch(&sent, 1, __ATOMIC_RELAXED);
}

/* Seconds to run: masked_s=N (1..600), default 10. */
static uint64_t
masked_seconds(void)
{
    uint64_t n = 10;

    cmdline_get_number(boot_info.cmdline, "masked_s", 1, 600, &n);
    return n;
}

TEST_MANUAL(masked_irq, spin_masked_takes_no_interrupt)
{
    unsigned long before, flags;
    uint64_t end, until, stretches = 0;
    unsigned int me = smp_processor_id();
    struct thread *th;

    if ( !xen.present )
        KTEST_SKIP("not on Xen: no event channels");
    if ( nr_cpus < 2 )
        KTEST_SKIP("needs 2 vCPUs");
    ASSERT_TRUE(clock_available());
    __atomic_store_n(&stop, false, __ATOMIC_RELAXED);
    __atomic_store_n(&sent, 0, __ATOMIC_RELAXED);
    before = __atomic_load_n(&trap_odd_irqs, __ATOMIC_RELAXED);
    th = thread_create("masked-sender", sender, (void *)(uintptr_t)me,
                       me == 0 ? 1 : 0);
    ASSERT_TRUE(th != NULL);
    end = clock_now_ns() + masked_seconds() * 1000000000ull;
    while ( clock_now_ns() < end )
    {
        flags = irq_save();
        until = clock_now_ns() + MASKED_SPIN_NS;
        while ( clock_now_ns() < until )
            cpu_relax();
        irq_restore(flags);
        stretches++;
    }
    /* Release: pairs with the sender's acquire load. */
    __atomic_store_n(&stop, true, __ATOMIC_RELEASE);
    EXPECT_EQ(thread_join(th), 0);
    printk(
        "    # masked_irq: %llu masked stretches of 20 ms, %llu IPIs sent to vCPU %u, %lu interrupts taken while masked or nested\n",
        (unsigned long long)stretches,
        (unsigned long long)__atomic_load_n(&sent, __ATOMIC_RELAXED), me,
        __atomic_load_n(&trap_odd_irqs, __ATOMIC_RELAXED) - before);
    EXPECT_GT(stretches, 0u);
    EXPECT_EQ(__atomic_load_n(&trap_odd_irqs, __ATOMIC_RELAXED) - before, 0ul);
}
