/* SPDX-License-Identifier: MIT */
/*
 * bench_ipi.c - what an IPI costs between two vCPUs, run only when
 * selected by name (tests=bench.ipi_round_trip): the round trip of a
 * call through event channels (smp_call_on with wait, kernel/xen/ipi/ipi.c),
 * and the same trip through the emulated local APIC: an ICR write with a
 * fixed vector to the other vCPU's APIC ID, whose handler EOIs and
 * acknowledges through memory. Both targets sleep in their idle loop
 * between samples. Numbers are printed as "# bench:" lines, never judged.
 */
#include <kernel.h>
#include <evtchn.h>
#include <hypervisor.h>
#include <ipi.h>
#include <ktest.h>
#include <percpu.h>
#include <smp.h>
#include <traps.h>
#include <arch/lapic.h>
#include <arch/x86.h>

#define BENCH_SAMPLES 200
#define BENCH_VECTOR  0xe0 /* free: the upcall is 0xf3 */
#define BENCH_TARGET  1

/* Local APIC registers (x2APIC MSR = 0x800 + offset / 16). */
#define APIC_ID         0x020
#define APIC_ICR_LO     0x300
#define APIC_ICR_HI     0x310
#define APIC_ICR_BUSY   (1u << 12) /* xAPIC delivery status */
#define X2APIC_MSR(reg) (0x800 + ((reg) >> 4))
#define APIC_BASE_ADDR  0x000ffffffffff000ull

static uint64_t samples[BENCH_SAMPLES];

static bool
x2apic(void)
{
    return strcmp(lapic_mode(), "x2APIC") == 0;
}

static volatile uint32_t *
xapic_reg(unsigned int reg)
{
    return (volatile uint32_t *)(uintptr_t)((rdmsr(MSR_APIC_BASE) &
                                             APIC_BASE_ADDR) +
                                            reg);
}

/* Run on the target: its own APIC ID (x2APIC: 32 bits, xAPIC: 8). */
static void
read_apic_id(void *arg)
{
    *(uint32_t *)arg = x2apic() ? (uint32_t)rdmsr(X2APIC_MSR(APIC_ID))
                                : *xapic_reg(APIC_ID) >> 24;
}

/* A fixed, edge, physical-destination IPI of `vector` to `apic_id`. */
static void
icr_send(uint32_t apic_id, uint8_t vector)
{
    if ( x2apic() )
    {
        wrmsr(X2APIC_MSR(APIC_ICR_LO), (uint64_t)apic_id << 32 | vector);
        return;
    }
    while ( *xapic_reg(APIC_ICR_LO) & APIC_ICR_BUSY )
        cpu_relax();
    *xapic_reg(APIC_ICR_HI) = apic_id << 24;
    *xapic_reg(APIC_ICR_LO) = vector; /* this write sends */
}

static volatile unsigned int icr_hits;

static void
icr_handler(struct trap_frame *f, void *arg)
{
    __atomic_fetch_add(&icr_hits, 1, __ATOMIC_RELEASE);
    lapic_eoi(); /* it came through the local APIC */
}

static void
nothing(void *arg)
{}

static void
sort(uint64_t *v, unsigned int n)
{
    unsigned int i, j;

    for ( i = 1; i < n; i++ )
    {
        uint64_t x = v[i];

        for ( j = i; j > 0 && v[j - 1] > x; j-- )
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* TSC kHz from Xen's CPUID time leaf (0: not given). */
static uint32_t
tsc_khz(void)
{
    uint32_t a, b, khz, d;

    cpuid_count(xen.cpuid_base + 3, 0, &a, &b, &khz, &d);
    return khz;
}

static void
report(const char *what, uint64_t *v, unsigned int n)
{
    uint64_t khz = tsc_khz();

    sort(v, n);
    printk("    # bench: %s: n %u, TSC cycles min %llu median %llu max %llu\n",
           what, n, (unsigned long long)v[0], (unsigned long long)v[n / 2],
           (unsigned long long)v[n - 1]);
    if ( khz )
        printk("    # bench: %s: ns min %llu median %llu max %llu\n", what,
               (unsigned long long)(v[0] * 1000000 / khz),
               (unsigned long long)(v[n / 2] * 1000000 / khz),
               (unsigned long long)(v[n - 1] * 1000000 / khz));
}

TEST_MANUAL(bench, ipi_round_trip)
{
    uint32_t apic_id = ~0u;
    unsigned int i, fails = 0;
    uint64_t t0, t1;

    if ( !xen.present )
        KTEST_SKIP("not on Xen");
    if ( !cpu_online(BENCH_TARGET) || !ipi_ready(BENCH_TARGET) )
        KTEST_SKIP("needs 2 vCPUs");
    ASSERT_TRUE(read_flags() & X86_FLAGS_IF);
    printk(
        "    # bench: CPU 0 -> CPU %u, %u samples, TSC at %u kHz, %s event channels, local APIC %s\n",
        BENCH_TARGET, BENCH_SAMPLES, tsc_khz(),
        evtchn_abi() == EVTCHN_ABI_FIFO ? "FIFO" : "2-level", lapic_mode());

    /* What one timestamp costs (under Xen the TSC read may trap). */
    for ( i = 0; i < BENCH_SAMPLES; i++ )
    {
        t0 = rdtsc_ordered();
        t1 = rdtsc_ordered();
        samples[i] = t1 - t0;
    }
    report("back-to-back lfence;rdtsc", samples, BENCH_SAMPLES);

    /* What one PAUSE costs: spin loops are made of them, and Xen may
     * intercept PAUSE (pause-loop exiting). */
    for ( i = 0; i < BENCH_SAMPLES; i++ )
    {
        unsigned int j;

        t0 = rdtsc_ordered();
        for ( j = 0; j < 100; j++ )
            cpu_relax();
        t1 = rdtsc_ordered();
        samples[i] = (t1 - t0) / 100;
    }
    report("one PAUSE (mean of 100)", samples, BENCH_SAMPLES);

    /* Event channel: queue a call, ring its doorbell, wait for `done`. */
    for ( i = 0; i < BENCH_SAMPLES; i++ )
    {
        t0 = rdtsc_ordered();
        if ( smp_call_on(BENCH_TARGET, nothing, NULL, true) )
            fails++;
        t1 = rdtsc_ordered();
        samples[i] = t1 - t0;
    }
    EXPECT_EQ(fails, 0u);
    report("IPI round trip, event channel (smp_call_on, wait)", samples,
           BENCH_SAMPLES);

    /* The local APIC: only where it is on (per-vCPU upcall vector). */
    if ( strcmp(lapic_mode(), "off") == 0 )
    {
        printk(
            "    # bench: APIC ICR round trip skipped: the local APIC is off (upcall=global)\n");
        return;
    }
    ASSERT_EQ(smp_call_on(BENCH_TARGET, read_apic_id, &apic_id, true), 0);
    ASSERT_EQ(irq_register(BENCH_VECTOR, icr_handler, NULL), 0);
    icr_hits = 0;
    for ( i = 0; i < BENCH_SAMPLES; i++ )
    {
        unsigned long spins = 0;

        t0 = rdtsc_ordered();
        icr_send(apic_id, BENCH_VECTOR);
        /* Bounded: about 10 s at any TSC rate we meet. */
        while ( __atomic_load_n(&icr_hits, __ATOMIC_ACQUIRE) != i + 1 )
        {
            cpu_relax();
            if ( ++spins % 64 == 0 &&
                 rdtsc_ordered() - t0 > 30ull * 1000 * 1000 * 1000 )
                break;
        }
        t1 = rdtsc_ordered();
        samples[i] = t1 - t0;
        if ( icr_hits != i + 1 )
            break;
    }
    irq_unregister(BENCH_VECTOR);
    EXPECT_EQ(icr_hits, (unsigned int)BENCH_SAMPLES);
    printk("    # bench: target APIC ID %u\n", apic_id);
    if ( i == BENCH_SAMPLES )
        report("IPI round trip, APIC ICR (fixed vector, EOI)", samples,
               BENCH_SAMPLES);
}
