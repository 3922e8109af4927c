/* SPDX-License-Identifier: MIT */
/*
 * monitor.c - the interactive monitor (include/monitor.h). It runs in the
 * boot thread after the self-tests (command line `monitor`) or instead of
 * them (`tests=none`): one line read from the console, split into words,
 * the first naming a command. Subsystems add their own commands
 * (monitor_add); the ones here show the kernel's own state.
 */
#include <kernel.h>
#include <clock.h>
#include <console.h>
#include <evtchn.h>
#include <grant.h>
#include <hypervisor.h>
#include <ipi.h>
#include <monitor.h>
#include <percpu.h>
#include <sched.h>
#include <smp.h>
#include <timer.h>
#include <wait.h>
#include <xen_errno.h>
#include <arch/x86.h>

#define LINE_MAX  160
#define WORDS_MAX 8
#define MAX_SETS  8

static const struct monitor_cmd *sets[MAX_SETS]; /* boot CPU only */
static unsigned int set_len[MAX_SETS], nr_sets;

void
monitor_add(const struct monitor_cmd *cmds, unsigned int n)
{
    if ( nr_sets == MAX_SETS )
    {
        printk("monitor: no room for %u more commands ('%s'...)\n", n,
               cmds[0].name);
        return;
    }
    sets[nr_sets] = cmds;
    set_len[nr_sets++] = n;
}

static void
cmd_help(unsigned int argc, char **argv)
{
    unsigned int s, i;

    for ( s = 0; s < nr_sets; s++ )
        for ( i = 0; i < set_len[s]; i++ )
            printk("  %-24s %s\n", sets[s][i].name, sets[s][i].help);
}

static void
cmd_cpus(unsigned int argc, char **argv)
{
    unsigned int cpu;

    printk("  cpu  online  upcalls     events  ipi-calls  resched  switches\n");
    for ( cpu = 0; cpu < nr_cpus; cpu++ )
    {
        struct evtchn_stats e;
        struct ipi_stats i;
        struct sched_stats s;

        evtchn_get_stats(cpu, &e);
        ipi_get_stats(cpu, &i);
        sched_get_stats(cpu, &s);
        printk("  %3u  %-6s %8llu %10llu %10llu %8llu %9llu\n", cpu,
               cpu_online(cpu) ? "yes" : "no", (unsigned long long)e.upcalls,
               (unsigned long long)e.events, (unsigned long long)i.calls_run,
               (unsigned long long)i.reschedules,
               (unsigned long long)s.switches);
    }
}

static void
cmd_evtchn(unsigned int argc, char **argv)
{
    unsigned int cpu;

    evtchn_report();
    for ( cpu = 0; cpu < nr_cpus; cpu++ )
    {
        struct evtchn_stats e;

        evtchn_get_stats(cpu, &e);
        printk("  vCPU %u: %llu upcalls, %llu events, %llu spurious\n", cpu,
               (unsigned long long)e.upcalls, (unsigned long long)e.events,
               (unsigned long long)e.spurious);
    }
}

static void
cmd_timers(unsigned int argc, char **argv)
{
    unsigned int cpu;

    printk("  clock: %llu ns since boot\n", (unsigned long long)clock_now_ns());
    for ( cpu = 0; cpu < nr_cpus; cpu++ )
    {
        struct timer_stats t;

        timer_get_stats(cpu, &t);
        printk(
            "  vCPU %u: %llu VIRQs, %llu fired, %llu early, %llu programmed\n",
            cpu, (unsigned long long)t.virqs, (unsigned long long)t.fired,
            (unsigned long long)t.early, (unsigned long long)t.programs);
    }
}

static void
cmd_grant(unsigned int argc, char **argv)
{
    struct gnttab_info g;

    if ( !gnttab_available() )
    {
        printk("  no grant table\n");
        return;
    }
    gnttab_get_info(&g);
    printk(
        "  %u of at most %u frames, %u references, %u free, %u ends waiting for the other side\n",
        g.frames, g.max_frames, g.refs, g.free, g.deferred);
}

static void
cmd_poweroff(unsigned int argc, char **argv)
{
    printk("monitor: powering off\n");
    machine_shutdown(SHUTDOWN_poweroff);
}

static const struct monitor_cmd base_cmds[] = {
    { "help", "this list", cmd_help },
    { "cpus", "each vCPU: online, upcalls, events, IPIs, switches", cmd_cpus },
    { "evtchn", "bound ports, their vCPU, and event counts", cmd_evtchn },
    { "timers", "the clock and each vCPU's timer counts", cmd_timers },
    { "grant", "the grant table's size and use", cmd_grant },
    { "poweroff", "end the domain (SHUTDOWN_poweroff)", cmd_poweroff },
};

static unsigned int
split(char *line, char **argv, unsigned int max)
{
    unsigned int n = 0;

    while ( *line && n < max )
    {
        while ( *line == ' ' || *line == '\t' )
            *line++ = '\0';
        if ( !*line )
            break;
        argv[n++] = line;
        while ( *line && *line != ' ' && *line != '\t' )
            line++;
    }
    return n;
}

static const struct monitor_cmd *
find(const char *name)
{
    unsigned int s, i;

    for ( s = 0; s < nr_sets; s++ )
        for ( i = 0; i < set_len[s]; i++ )
            if ( strcmp(sets[s][i].name, name) == 0 )
                return &sets[s][i];
    return NULL;
}

static void
idle_forever(void)
{
    printk(
        "monitor: no console takes input: idle, waiting for the toolstack (xl shutdown, xl reboot)\n");
    for ( ;; )
        if ( sleep_ns(60 * NSEC_PER_SEC) != 0 )
        {
            /* No timers (plain QEMU): nothing will ever come. */
            irq_disable();
            cpu_idle_until_event();
        }
}

int
monitor_execute(char *line)
{
    char *argv[WORDS_MAX];
    const struct monitor_cmd *c;
    unsigned int argc = split(line, argv, WORDS_MAX);

    if ( argc == 0 )
        return 0;
    c = find(argv[0]);
    if ( !c )
    {
        printk("monitor: unknown command '%s' (try 'help')\n", argv[0]);
        return -XEN_ENOENT;
    }
    c->run(argc - 1, argv + 1);
    return 0;
}

void
monitor_init(void)
{
    monitor_add(base_cmds, ARRAY_SIZE(base_cmds));
}

void
monitor_run(void)
{
    char line[LINE_MAX];
    int n;

    if ( !console_takes_input() )
        idle_forever();
    printk("monitor: type 'help' for commands\n");
    for ( ;; )
    {
        printk("xenling> ");
        n = console_read_line(line, sizeof(line), UINT64_MAX, true);
        if ( n == -XEN_E2BIG )
        {
            printk("monitor: line longer than %u characters ignored\n",
                   LINE_MAX - 1);
            console_input_flush();
            continue;
        }
        if ( n < 0 )
        {
            printk("monitor: console input failed (%s)\n", xen_errno_name(n));
            idle_forever();
        }
        monitor_execute(line);
    }
}
