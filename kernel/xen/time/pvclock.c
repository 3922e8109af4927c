/* SPDX-License-Identifier: MIT */
/*
 * pvclock.c - the PV clock on Xen (include/clock.h): which time record to
 * read (this vCPU's vcpu_time_info in its vcpu_info), which TSC to read
 * (`lfence; rdtsc`), when to clamp across vCPUs (when Xen does not mark
 * the TSC stable), and the wall clock from shared_info. The arithmetic is
 * kernel/xen/time/pvclock_math.c; timers are kernel/xen/time/timer.c.
 */
#include <kernel.h>
#include <clock.h>
#include <hypervisor.h>
#include <percpu.h>
#include "kernel/xen/time/pvclock.h"
#include <shared_info.h>
#include <arch/x86.h>

/* The layout this file and pvclock_math.c rely on (x86-64 public ABI). */
BUILD_BUG_ON(sizeof(struct vcpu_time_info) != 32);
BUILD_BUG_ON(offsetof(struct vcpu_time_info, tsc_timestamp) != 8);
BUILD_BUG_ON(offsetof(struct vcpu_time_info, tsc_to_system_mul) != 24);
BUILD_BUG_ON(offsetof(struct vcpu_time_info, flags) != 29);
BUILD_BUG_ON(sizeof(struct vcpu_info) != 64);
BUILD_BUG_ON(offsetof(struct vcpu_info, time) != 32);
BUILD_BUG_ON(offsetof(struct shared_info, wc_version) != 0xc00);
BUILD_BUG_ON(offsetof(struct shared_info, wc_sec_hi) != 0xc0c);

/* Set once by clock_init() on the boot CPU, before any other CPU runs. */
static bool clock_ok;

/*
 * The largest time clock_now_ns() has returned on any vCPU. Written only
 * through pvclock_clamp() (an atomic compare-and-swap), read by all.
 */
static uint64_t clock_last;

/*
 * Added to Xen system time to make our monotonic clock: 0 until the first
 * resume in a new domain. Written only by clock_resume() while every
 * other vCPU is parked with interrupts off; read by all (relaxed atomic).
 */
static int64_t clock_offset;

/* What clock_suspend() saw, and the last resume's figures. Boot CPU. */
static struct pvclock_resume resume_in;
static struct clock_resume_info last_resume;

/*
 * The TSC for the time record. The lfence keeps rdtsc from running ahead
 * of the record's loads; RDTSCP would order it too, but Xen under QEMU
 * TCG crashes the domain on it (see docs/time.md).
 */
static uint64_t
read_tsc(void)
{
    return rdtsc_ordered();
}

/*
 * A consistent copy of this vCPU's time record with a TSC read. Xenling
 * never moves a running context to another CPU, so the record read is
 * the one of the CPU we are on.
 */
static void
snapshot_this_cpu(struct pvclock_snapshot *s)
{
    unsigned int cpu = smp_processor_id();
    struct vcpu_info *vi = vcpu_info(cpu);

    if ( !vi )
        panic(
            "clock read on vCPU %u, which has no vcpu_info: a CPU must have one before it runs kernel code",
            cpu);
    pvclock_snapshot(&vi->time, read_tsc, s);
    if ( !pvclock_scale_valid(s->mul, s->shift) )
        panic(
            "pvclock: vCPU %u time record has mul %u shift %d: Xen's scale factors must be non-zero and within -32..32",
            cpu, s->mul, s->shift);
}

int
clock_init(void)
{
    struct pvclock_snapshot s;
    struct wall_time w;
    struct civil_time c;
    struct vcpu_info *vi;
    uint64_t hz;

    if ( !xen.present || !xen.hypercalls )
    {
        printk("clock: not on Xen: no PV clock\n");
        return -1;
    }
    vi = shared_info ? vcpu_info(smp_processor_id()) : NULL;
    if ( !vi )
    {
        printk("clock: shared_info or vcpu_info not mapped: no PV clock\n");
        return -1;
    }

    /* Check the record once here, so that a Xen that fills it with
     * nonsense is refused politely rather than by a panic later. */
    pvclock_snapshot(&vi->time, read_tsc, &s);
    if ( !pvclock_scale_valid(s.mul, s.shift) )
    {
        printk("clock: time record has mul %u shift %d: no PV clock\n", s.mul,
               s.shift);
        return -1;
    }
    clock_ok = true;

    hz = pvclock_tsc_hz(s.mul, s.shift);
    printk(
        "clock: Xen system time %llu.%09llu s, TSC %llu.%03llu MHz (mul 0x%x, shift %d)\n",
        (unsigned long long)(pvclock_snapshot_ns(&s) / NSEC_PER_SEC),
        (unsigned long long)(pvclock_snapshot_ns(&s) % NSEC_PER_SEC),
        (unsigned long long)(hz / 1000000),
        (unsigned long long)(hz / 1000 % 1000), s.mul, s.shift);
    printk("clock: %s\n",
           (s.flags & XEN_PVCLOCK_TSC_STABLE_BIT)
               ? "Xen marks the TSC stable: no cross-vCPU clamp"
               : "TSC not marked stable: clamping so time never goes back");

    clock_wall(&w);
    wall_to_civil(w.sec, &c);
    printk("clock: wall clock %04llu-%02u-%02u %02u:%02u:%02u UTC\n",
           (unsigned long long)c.year, c.month, c.day, c.hour, c.min, c.sec);
    return 0;
}

bool
clock_available(void)
{
    return clock_ok;
}

uint64_t
clock_raw_ns(void)
{
    struct pvclock_snapshot s;

    if ( !clock_ok )
        return 0;
    snapshot_this_cpu(&s);
    return pvclock_snapshot_ns(&s);
}

uint64_t
clock_now_ns(void)
{
    struct pvclock_snapshot s;
    uint64_t now;

    if ( !clock_ok )
        return 0;
    snapshot_this_cpu(&s);
    now = pvclock_snapshot_ns(&s) +
          (uint64_t)__atomic_load_n(&clock_offset, __ATOMIC_RELAXED);

    /*
     * Xen sets the stable bit when its TSCs are synchronized, so each
     * vCPU's extrapolation agrees with every other's and the shared
     * clamp (a cache line bounced between all CPUs) can be skipped. Xen
     * may change the bit at any update, so it is checked on every read.
     */
    if ( s.flags & XEN_PVCLOCK_TSC_STABLE_BIT )
        return now;
    return pvclock_clamp(&clock_last, now);
}

int
clock_wall(struct wall_time *out)
{
    struct wall_time base;

    if ( !clock_ok )
    {
        out->sec = 0;
        out->nsec = 0;
        return -1;
    }
    /* The base is wall time at system time 0; add the system time. */
    pvclock_read_wallclock(shared_info, &base);
    pvclock_wall_add(&base, clock_raw_ns(), out);
    return 0;
}

uint64_t
clock_xen_deadline(uint64_t mono_ns)
{
    int64_t off = __atomic_load_n(&clock_offset, __ATOMIC_RELAXED);
    uint64_t xen_ns = mono_ns - (uint64_t)off;

    /* A deadline from before the new host's time 0 is simply past: 1 ns
     * (0 would read as "no deadline" to a reader of the call). */
    if ( off > 0 && mono_ns < (uint64_t)off )
        return 1;
    return xen_ns ? xen_ns : 1;
}

/* The wall clock in ns since the epoch, from the raw system time. */
static uint64_t
wall_ns(void)
{
    struct wall_time w;

    clock_wall(&w);
    return w.sec * NSEC_PER_SEC + w.nsec;
}

void
clock_suspend(void)
{
    resume_in.mono_before = clock_now_ns();
    resume_in.wall_before_ns = wall_ns();
}

void
clock_resume(void)
{
    uint64_t downtime;
    int64_t off;

    if ( !clock_ok )
        return;
    /* This vCPU's vcpu_info is registered again: its record is Xen's. */
    resume_in.raw_after = clock_raw_ns();
    resume_in.wall_after_ns = wall_ns();
    off = pvclock_resume_offset(&resume_in, &downtime);
    __atomic_store_n(&clock_offset, off, __ATOMIC_RELAXED);
    last_resume.before = resume_in.mono_before;
    last_resume.after = clock_now_ns();
    last_resume.downtime = downtime;
    last_resume.raw_jump =
        (int64_t)(resume_in.raw_after - resume_in.mono_before);
    last_resume.count++;
    printk(
        "clock: resumed: Xen system time %llu ns, monotonic %llu -> %llu ns (downtime by the wall clock %llu us; offset %lld ns)\n",
        (unsigned long long)resume_in.raw_after,
        (unsigned long long)last_resume.before,
        (unsigned long long)last_resume.after,
        (unsigned long long)(downtime / NSEC_PER_USEC), (long long)off);
}

void
clock_get_resume_info(struct clock_resume_info *out)
{
    *out = last_resume;
}

uint64_t
clock_tsc_hz(void)
{
    struct pvclock_snapshot s;

    if ( !clock_ok )
        return 0;
    snapshot_this_cpu(&s);
    return pvclock_tsc_hz(s.mul, s.shift);
}
