/* SPDX-License-Identifier: MIT */
/*
 * timeline.c - the boot's stamps (include/timeline.h). Until the PV clock
 * works (timer_init) a stamp is a TSC reading in a small table; the first
 * stamp after that converts the table to Xen system time with one
 * (TSC, clock) pair and the TSC rate Xen describes (kernel/lib/
 * tsc_time.c) and prints it; from then on each stamp is converted with
 * a fresh pair and printed at once.
 */
#include <kernel.h>
#include <clock.h>
#include <arch/x86.h>
#include <percpu.h>
#include <spinlock.h>
#include <timeline.h>
#include <tsc_time.h>

#define PENDING_MAX 32

struct pending {
    const char *kind, *label;
    unsigned int cpu;
    uint64_t start_tsc, end_tsc;
};

/* Protects the table below and keeps stamps in order on the console. */
static spinlock_t timeline_lock = SPINLOCK_INIT("timeline");
static struct pending pending[PENDING_MAX]; /* protected by timeline_lock */
static unsigned int n_pending;              /* protected by timeline_lock */
static unsigned int n_lost;                 /* protected by timeline_lock */

static void
print_stamp(uint64_t start_ns, uint64_t end_ns, unsigned int cpu,
            const char *kind, const char *label)
{
    printk("timeline: %llu.%06llu %llu.%06llu cpu%u %s%s%s\n",
           (unsigned long long)(start_ns / 1000000000),
           (unsigned long long)(start_ns % 1000000000 / 1000),
           (unsigned long long)(end_ns / 1000000000),
           (unsigned long long)(end_ns % 1000000000 / 1000), cpu, kind,
           label[0] ? " " : "", label);
}

/* Print the table, converted to clock time. Caller holds timeline_lock. */
static void
flush_pending(void)
{
    uint64_t t1, t2, ref_ns, ref_tsc, hz = clock_tsc_hz();
    unsigned int i;

    /* One (TSC, clock) pair: the clock read between two TSC reads. */
    t1 = rdtsc_ordered();
    ref_ns = clock_raw_ns();
    t2 = rdtsc_ordered();
    ref_tsc = t1 + (t2 - t1) / 2;
    for ( i = 0; i < n_pending; i++ )
    {
        struct pending *p = &pending[i];

        print_stamp(tsc_time_ns(p->start_tsc, ref_tsc, ref_ns, hz),
                    tsc_time_ns(p->end_tsc, ref_tsc, ref_ns, hz), p->cpu,
                    p->kind, p->label);
    }
    if ( n_lost )
        printk("timeline: %u early stamps did not fit the table\n", n_lost);
    n_pending = n_lost = 0;
}

static void
stamp(const char *kind, const char *label, uint64_t start_tsc, uint64_t end_tsc)
{
    unsigned long f = spin_lock_irqsave(&timeline_lock);

    if ( n_pending < PENDING_MAX )
        pending[n_pending++] =
            (struct pending){ kind, label, smp_processor_id(), start_tsc,
                              end_tsc };
    else
        n_lost++;
    if ( clock_available() )
        flush_pending();
    spin_unlock_irqrestore(&timeline_lock, f);
}

uint64_t
timeline_tsc(void)
{
    return rdtsc_ordered();
}

void
timeline_step(const char *what, uint64_t start_tsc)
{
    stamp("step", what, start_tsc, rdtsc_ordered());
}

void
timeline_mark(const char *kind, const char *label)
{
    uint64_t now = rdtsc_ordered();

    stamp(kind, label, now, now);
}
