/* SPDX-License-Identifier: MIT */
/*
 * lapic.c - enable the local APIC, send EOIs, run its one-shot timer and
 * read its request and in-service bits, send an NMI to another CPU
 * (include/arch/lapic.h). Under Xen
 * the APIC is Xen's emulation (vlapic); Xenling needs it for the per-vCPU
 * event-channel upcall vector (kernel/xen/evtchn/upcall.c) and, through
 * its timer, for the wait watchdog (kernel/watchdog.c).
 * x2APIC registers are MSRs 0x800 + offset / 16; xAPIC registers are
 * 32-bit words in the MMIO page at the APIC base, which paging_init maps
 * uncached (it is not RAM) at the same address.
 */
#include <kernel.h>
#include <traps.h>
#include <arch/lapic.h>
#include <arch/x86.h>

#define APIC_BASE_EXTD (1ull << 10) /* x2APIC mode */
#define APIC_BASE_EN   (1ull << 11) /* APIC globally enabled */
#define APIC_BASE_ADDR 0x000ffffffffff000ull

#define CPUID1_EDX_APIC   (1u << 9)
#define CPUID1_ECX_X2APIC (1u << 21)

/* Register offsets in the xAPIC page. */
#define APIC_ID         0x020
#define APIC_TPR        0x080
#define APIC_PPR        0x0a0
#define APIC_EOI        0x0b0
#define APIC_SVR        0x0f0
#define APIC_SVR_ENABLE (1u << 8)
#define APIC_ISR        0x100 /* 8 words of 32 vectors, 0x10 apart */
#define APIC_IRR        0x200
#define APIC_ICR        0x300 /* xAPIC: low word; 0x310 the high */
#define APIC_ICR2       0x310
#define APIC_ICR_NMI    (4u << 8)  /* delivery mode NMI */
#define APIC_ICR_ASSERT (1u << 14) /* level: assert */
#define APIC_LVT_TIMER  0x320
#define APIC_LVT_MASKED (1u << 16)
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR  0x390
#define APIC_TIMER_DIV  0x3e0
#define APIC_DIV_16     0x3
#define X2APIC_MSR(reg) (0x800 + ((reg) >> 4))

enum lapic_mode { LAPIC_OFF, LAPIC_XAPIC, LAPIC_X2APIC };

/* Set once by the first lapic_enable() (boot CPU), then read-only. */
static enum lapic_mode mode;
static volatile uint32_t *xapic_mmio;
static unsigned long spurious;

static void
lapic_write(unsigned int reg, uint32_t v)
{
    if ( mode == LAPIC_X2APIC )
        wrmsr(X2APIC_MSR(reg), v);
    else
        xapic_mmio[reg / 4] = v;
}

static uint32_t
lapic_read(unsigned int reg)
{
    if ( mode == LAPIC_X2APIC )
        return rdmsr(X2APIC_MSR(reg));
    return xapic_mmio[reg / 4];
}

static void
spurious_irq(struct trap_frame *f, void *arg)
{
    /* A spurious interrupt is never in service: no EOI. */
    __atomic_fetch_add(&spurious, 1, __ATOMIC_RELAXED);
}

int
lapic_enable(uint8_t spurious_vector)
{
    uint32_t a, b, c, d;
    uint64_t base = rdmsr(MSR_APIC_BASE);

    cpuid(1, &a, &b, &c, &d);
    if ( mode == LAPIC_OFF )
    {
        if ( !(d & CPUID1_EDX_APIC) )
        {
            printk("lapic: CPUID reports no local APIC\n");
            return -1;
        }
        if ( irq_register(spurious_vector, spurious_irq, NULL) )
        {
            printk("lapic: spurious vector 0x%x already taken\n",
                   spurious_vector);
            return -1;
        }
        xapic_mmio = (volatile uint32_t *)(uintptr_t)(base & APIC_BASE_ADDR);
        mode = (c & CPUID1_ECX_X2APIC) ? LAPIC_X2APIC : LAPIC_XAPIC;
    }

    /* Disabled -> xAPIC -> x2APIC: going straight from disabled to
     * x2APIC is an invalid transition (#GP). */
    if ( !(base & APIC_BASE_EN) )
    {
        base |= APIC_BASE_EN;
        wrmsr(MSR_APIC_BASE, base);
    }
    if ( mode == LAPIC_X2APIC && !(base & APIC_BASE_EXTD) )
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);

    lapic_write(APIC_TPR, 0);
    lapic_write(APIC_SVR, APIC_SVR_ENABLE | spurious_vector);
    return 0;
}

void
lapic_eoi(void)
{
    lapic_write(APIC_EOI, 0);
}

const char *
lapic_mode(void)
{
    return mode == LAPIC_X2APIC  ? "x2APIC"
           : mode == LAPIC_XAPIC ? "xAPIC"
                                 : "off";
}

unsigned long
lapic_spurious_count(void)
{
    return __atomic_load_n(&spurious, __ATOMIC_RELAXED);
}

void
lapic_vector_state(uint8_t vector, bool *irr, bool *isr)
{
    unsigned int word = vector / 32 * 0x10, bit = vector % 32;

    *irr = mode != LAPIC_OFF && (lapic_read(APIC_IRR + word) >> bit & 1);
    *isr = mode != LAPIC_OFF && (lapic_read(APIC_ISR + word) >> bit & 1);
}

void
lapic_timer_start(uint8_t vector, uint32_t ticks)
{
    lapic_write(APIC_TIMER_DIV, APIC_DIV_16);
    lapic_write(APIC_LVT_TIMER, vector); /* one-shot, unmasked */
    lapic_write(APIC_TIMER_INIT, ticks);
}

void
lapic_timer_stop(void)
{
    lapic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
    lapic_write(APIC_TIMER_INIT, 0);
}

uint32_t
lapic_timer_count(void)
{
    return lapic_read(APIC_TIMER_CUR);
}

uint32_t
lapic_id(void)
{
    if ( mode == LAPIC_X2APIC )
        return rdmsr(X2APIC_MSR(APIC_ID));
    return lapic_read(APIC_ID) >> 24;
}

void
lapic_send_nmi(uint32_t apic_id)
{
    uint32_t low = APIC_ICR_NMI | APIC_ICR_ASSERT; /* no shorthand */

    if ( mode == LAPIC_X2APIC )
    {
        /* One 64-bit write: the destination is the high half. */
        wrmsr(X2APIC_MSR(APIC_ICR), (uint64_t)apic_id << 32 | low);
        return;
    }
    /* xAPIC: the write of the low word sends. */
    lapic_write(APIC_ICR2, apic_id << 24);
    lapic_write(APIC_ICR, low);
}

/* The highest vector set in the 8-word bitmap at `reg`, or -1. */
static int
highest_vector(unsigned int reg)
{
    int word;
    uint32_t v;

    for ( word = 7; word >= 0; word-- )
        if ( (v = lapic_read(reg + word * 0x10)) != 0 )
            return word * 32 + 31 - __builtin_clz(v);
    return -1;
}

void
lapic_priority_state(uint32_t *tpr, uint32_t *ppr, int *irr_hi, int *isr_hi)
{
    *tpr = *ppr = 0;
    *irr_hi = *isr_hi = -1;
    if ( mode == LAPIC_OFF )
        return;
    *tpr = lapic_read(APIC_TPR);
    *ppr = lapic_read(APIC_PPR);
    *irr_hi = highest_vector(APIC_IRR);
    *isr_hi = highest_vector(APIC_ISR);
}
