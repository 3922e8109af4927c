/* SPDX-License-Identifier: MIT */
/*
 * x86.h - thin inline wrappers for the x86-64 instructions the kernel uses:
 * port I/O, MSRs, CPUID, control registers, interrupt flag. Architecture
 * code only; portable code never includes this.
 */
#ifndef XENLING_ARCH_X86_H
#define XENLING_ARCH_X86_H

#include <stdint.h>

#define MSR_EFER      0xc0000080
#define MSR_FS_BASE   0xc0000100
#define MSR_GS_BASE   0xc0000101
#define MSR_APIC_BASE 0x0000001b
#define EFER_NXE      (1u << 11)

#define CR0_WP   (1ul << 16)
#define CR4_PGE  (1ul << 7)
#define CR4_SMEP (1ul << 20)
#define CR4_SMAP (1ul << 21)

/* CPUID leaf 7, subleaf 0, EBX. */
#define CPUID7_EBX_SMEP   (1u << 7)
#define CPUID7_EBX_SMAP   (1u << 20)
/* CPUID leaf 1, ECX. */
#define CPUID1_ECX_RDRAND (1u << 30)

#define X86_FLAGS_AC (1ul << 18)

static inline void
outb(uint16_t port, uint8_t v)
{
    asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t
inb(uint16_t port)
{
    uint8_t v;

    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void
outl(uint16_t port, uint32_t v)
{
    asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint64_t
rdmsr(uint32_t msr)
{
    uint32_t lo, hi;

    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void
wrmsr(uint32_t msr, uint64_t v)
{
    asm volatile("wrmsr"
                 :
                 : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
                 : "memory");
}

static inline void
cpuid_count(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c,
            uint32_t *d)
{
    asm volatile("cpuid"
                 : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
                 : "a"(leaf), "c"(sub));
}

static inline void
cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    cpuid_count(leaf, 0, a, b, c, d);
}

#define DEFINE_READ_CR(n) \
    static inline unsigned long read_cr##n(void) \
    { \
        unsigned long v; \
        asm volatile("mov %%cr" #n ", %0" : "=r"(v)); \
        return v; \
    }
DEFINE_READ_CR(0)
DEFINE_READ_CR(2)
DEFINE_READ_CR(3)
DEFINE_READ_CR(4)
#undef DEFINE_READ_CR

static inline void
write_cr3(unsigned long v)
{
    /* "memory": page-table writes before this must not move past it. */
    asm volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline void
write_cr4(unsigned long v)
{
    asm volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

/* Let supervisor code reach user pages despite SMAP (EFLAGS.AC = 1), and
 * forbid it again. Only on a CPU with SMAP: #UD otherwise. */
static inline void
stac(void)
{
    asm volatile("stac" : : : "memory");
}

static inline void
clac(void)
{
    asm volatile("clac" : : : "memory");
}

static inline void
invlpg(unsigned long va)
{
    asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline unsigned long
read_flags(void)
{
    unsigned long f;

    asm volatile("pushf; pop %0" : "=r"(f));
    return f;
}

#define X86_FLAGS_IF (1ul << 9)

static inline void
irq_disable(void)
{
    asm volatile("cli" : : : "memory");
}

static inline void
irq_enable(void)
{
    asm volatile("sti" : : : "memory");
}

/* Disable interrupts; return the previous IF state for irq_restore(). */
static inline unsigned long
irq_save(void)
{
    unsigned long f = read_flags();

    irq_disable();
    return f;
}

static inline void
irq_restore(unsigned long f)
{
    if ( f & X86_FLAGS_IF )
        irq_enable();
}

static inline void
cpu_relax(void)
{
    asm volatile("pause" : : : "memory");
}

/* Halt until the next interrupt; "sti; hlt" closes the wake-up race. */
static inline void
safe_halt(void)
{
    asm volatile("sti; hlt" : : : "memory");
}

/* TSC read ordered after earlier loads (RDTSCP misbehaves under TCG+Xen). */
static inline uint64_t
rdtsc_ordered(void)
{
    uint32_t lo, hi;

    asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    return ((uint64_t)hi << 32) | lo;
}

#define barrier() asm volatile("" : : : "memory")
/* x86 keeps stores ordered with stores and loads with loads (TSO); only a
 * store followed by a load needs a real fence. */
#define smp_mb()  asm volatile("lock; addl $0, -4(%%rsp)" : : : "memory")
#define smp_wmb() barrier()
#define smp_rmb() barrier()

#endif
