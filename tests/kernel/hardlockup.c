/* SPDX-License-Identifier: MIT */
/*
 * hardlockup.c - self-tests of the hard-lockup detector's parts
 * (kernel/hardlockup.c) that can run without ending the run: every CPU's
 * heartbeat moves, and an NMI sent through the local APIC reaches a CPU
 * that spins with interrupts off, where its handler finds it. The whole
 * path (a stuck CPU found, its report, the panic) ends the machine, so
 * it is a manual test in tests/kernel/faults.c, run by
 * tools/test-faults.sh. SKIP without the detector (no Xen, one CPU,
 * nowatchdog or nohardlockup). A manual test plays a lost upcall on
 * CPU 1 and checks the upcall stall report (test-faults.sh runs it).
 */
#include <kernel.h>
#include <clock.h>
#include <hardlockup.h>
#include <ipi.h>
#include <ktest.h>
#include <percpu.h>
#include <shared_info.h>
#include <smp.h>
#include <wait.h>
#include <arch/x86.h>

/* Every CPU with a detector has beat at least once more within 3 s (the
 * period is 1 s): the heartbeats the peers watch are alive. */
TEST(hardlockup, every_cpu_beats)
{
    uint64_t before[MAX_CPUS], end;
    bool has[MAX_CPUS];
    unsigned int cpu, watched = 0, moved;

    for ( cpu = 0; cpu < nr_cpus; cpu++ )
    {
        has[cpu] = hardlockup_ready(cpu);
        before[cpu] = hardlockup_beats(cpu);
        watched += has[cpu];
    }
    if ( !watched )
        KTEST_SKIP("no heartbeats (no detector here)");
    end = clock_now_ns() + 3 * NSEC_PER_SEC;
    do
    {
        sleep_ns(50 * NSEC_PER_MSEC);
        moved = 0;
        for ( cpu = 0; cpu < nr_cpus; cpu++ )
            moved += has[cpu] && hardlockup_beats(cpu) != before[cpu];
    } while ( moved < watched && clock_now_ns() < end );
    for ( cpu = 0; cpu < nr_cpus; cpu++ )
        if ( has[cpu] && !EXPECT_NE(hardlockup_beats(cpu), before[cpu]) )
            printk("    # CPU %u: heartbeat still at %llu after 3 s\n", cpu,
                   (unsigned long long)before[cpu]);
}

struct spin {
    volatile bool started, ended;
    bool nmi;      /* the NMI ended the spin (not the time limit) */
    bool irqs_off; /* interrupts were off throughout */
};

/* On CPU 1, in its IPI handler (interrupts off): spin until the NMI has
 * come, at most 5 s. */
static void
spin_until_nmi(void *arg)
{
    struct spin *s = arg;
    uint64_t rip, rflags, end = clock_now_ns() + 5 * NSEC_PER_SEC;
    unsigned long spins = 0;

    s->irqs_off = !(read_flags() & X86_FLAGS_IF);
    s->started = true;
    while ( !(s->nmi = hardlockup_nmi_seen(1, &rip, &rflags)) )
        if ( ++spins % 4096 == 0 && clock_now_ns() > end )
            break;
    s->irqs_off = s->irqs_off && !(read_flags() & X86_FLAGS_IF);
    s->ended = true;
}

TEST(hardlockup, nmi_reaches_a_cpu_with_interrupts_off)
{
    struct spin s = {};
    uint64_t rip = 0, rflags = 0, end;

    if ( nr_cpus < 2 || !cpu_online(1) || !hardlockup_ready(1) )
        KTEST_SKIP("needs a second CPU with the detector");
    hardlockup_expect_nmi(1);
    ASSERT_EQ(smp_call_on(1, spin_until_nmi, &s, false), 0);
    end = clock_now_ns() + 5 * NSEC_PER_SEC;
    while ( !s.started && clock_now_ns() < end )
        sleep_ns(NSEC_PER_MSEC);
    ASSERT_TRUE(s.started);
    EXPECT_EQ(hardlockup_send_nmi(1), 0);
    end = clock_now_ns() + 10 * NSEC_PER_SEC;
    while ( !s.ended && clock_now_ns() < end )
        sleep_ns(NSEC_PER_MSEC);
    ASSERT_TRUE(s.ended);
    EXPECT_TRUE(s.nmi);
    EXPECT_TRUE(s.irqs_off);
    if ( EXPECT_TRUE(hardlockup_nmi_seen(1, &rip, &rflags)) )
    {
        /* It found CPU 1 in the kernel's code with interrupts off. */
        EXPECT_TRUE(rip >= (uintptr_t)__text_start &&
                    rip < (uintptr_t)__text_end);
        EXPECT_EQ(rflags & X86_FLAGS_IF, 0ul);
    }
}

static void
nothing(void *arg)
{}

/*
 * An upcall requested but never injected, played on CPU 1: its
 * evtchn_upcall_pending set by us, not by Xen, so no vector is raised
 * and no upcall comes, while CPU 1 idles and takes its watchdog
 * interrupts. Its watcher must report the stall within a few beats
 * (and, in dom0, have Xen dump its VMCBs). Manual: the report is once
 * per run, and an event for CPU 1 meanwhile would wait for the flag.
 */
TEST_MANUAL(hardlockup, upcall_stall_is_reported)
{
    struct vcpu_info *vi = vcpu_info(1);
    uint64_t end;

    if ( nr_cpus < 2 || !hardlockup_ready(1) || !vi )
        KTEST_SKIP("needs a second CPU with the detector");
    ASSERT_EQ(hardlockup_stall_reports(), 0u);
    __atomic_store_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST);
    end = clock_now_ns() + (HARDLOCKUP_STALL_BEATS + 4) * HARDLOCKUP_BEAT_NS;
    while ( !hardlockup_stall_reports() && clock_now_ns() < end )
        sleep_ns(50 * NSEC_PER_MSEC);
    /* Let events reach CPU 1 again: the flag's next 0 -> 1 is Xen's. */
    __atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
    EXPECT_EQ(hardlockup_stall_reports(), 1u);
    EXPECT_EQ(smp_call_on(1, nothing, NULL, true), 0);
}
