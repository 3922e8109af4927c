/* SPDX-License-Identifier: MIT */
/*
 * idle.c - a self-test that idle vCPUs give their time back to Xen. A
 * vCPU with nothing to run halts (kernel/sched.c: sched_idle_loop); Xen
 * must then block it until an event is pending for it. If something
 * left an event pending that the guest never takes (a flag not cleared,
 * a port pending but masked), the halt returns at once and the vCPU
 * spins: it looks idle to the guest, but it keeps a physical CPU from
 * dom0 and the backends, which then answer late. Xen's own account of
 * each vCPU's time (the runstate area, include/watchdog.h) tells the two
 * apart. SKIP without a runstate area (plain QEMU).
 */
#include <kernel.h>
#include <hypervisor.h>
#include <clock.h>
#include <ktest.h>
#include <percpu.h>
#include <smp.h>
#include <wait.h>
#include <watchdog.h>

#define IDLE_WAIT_NS      (1000ull * 1000 * 1000)
#define IDLE_MAX_PERMILLE 300 /* running, of the wall time */

/*
 * The main thread sleeps a second; every vCPU is then idle but for
 * its timers. Each must have spent at most 30% of that second running:
 * a vCPU that blocks in its halt runs for microseconds per event.
 */
TEST(idle, idle_vcpus_block_in_xen)
{
    static uint64_t before[MAX_CPUS][4], after[MAX_CPUS][4];
    uint64_t t0, wall;
    unsigned int cpu, checked = 0;

    for ( cpu = 0; cpu < MAX_CPUS; cpu++ )
        if ( cpu_online(cpu) )
            watchdog_runstate(cpu, before[cpu]);
    if ( !before[smp_processor_id()][RUNSTATE_running] )
        KTEST_SKIP("no runstate area: Xen does not account our time");
    t0 = clock_now_ns();
    sleep_ns(IDLE_WAIT_NS);
    wall = clock_now_ns() - t0;
    for ( cpu = 0; cpu < MAX_CPUS; cpu++ )
    {
        uint64_t run, blocked;

        if ( !cpu_online(cpu) )
            continue;
        watchdog_runstate(cpu, after[cpu]);
        run = after[cpu][RUNSTATE_running] - before[cpu][RUNSTATE_running];
        blocked = after[cpu][RUNSTATE_blocked] - before[cpu][RUNSTATE_blocked];
        printk(
            "# idle: CPU %u: in %llu ms Xen ran it %llu ms, blocked it %llu ms\n",
            cpu, (unsigned long long)(wall / 1000000),
            (unsigned long long)(run / 1000000),
            (unsigned long long)(blocked / 1000000));
        EXPECT_LE(run * 1000 / wall, (uint64_t)IDLE_MAX_PERMILLE);
        checked++;
    }
    EXPECT_GE(checked, 1u);
}
