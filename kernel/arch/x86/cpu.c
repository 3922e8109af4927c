/* SPDX-License-Identifier: MIT */
/*
 * cpu.c - per-CPU architectural state: the GS base that finds struct cpu,
 * and a GDT with a TSS whose IST1 stack catches double faults (so a
 * kernel stack overflow still gets a register dump). The double-fault
 * stacks and the boot stack have an unmapped guard page below them.
 */
#include <kernel.h>
#include <mm.h>
#include <percpu.h>
#include <arch/x86.h>

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));
BUILD_BUG_ON(sizeof(struct tss) != 104);

#define GDT_ENTRIES   7 /* null, code64, data, code32, TSS x2 */
#define SEL_TSS       0x20
#define DF_STACK_SIZE (2 * PAGE_SIZE)

struct cpu_arch {
    uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
    struct tss tss;
};

/* A double-fault stack above a page that stack_guards_init() unmaps. */
struct df_stack {
    uint8_t guard[PAGE_SIZE];
    uint8_t stack[DF_STACK_SIZE];
};

struct cpu cpus[MAX_CPUS];
static struct cpu_arch cpu_arch[MAX_CPUS];
static struct df_stack df_stacks[MAX_CPUS] __attribute__((aligned(PAGE_SIZE)));

extern char boot_stack_guard[]; /* boot/head.asm: the page below the stack */

static void
load_gdt_tss(struct cpu_arch *a)
{
    uint64_t base = (uint64_t)&a->tss;
    uint64_t limit = sizeof(a->tss) - 1;
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) gdtr = { sizeof(a->gdt) - 1, (uint64_t)a->gdt };

    a->gdt[0] = 0;
    a->gdt[1] = 0x00af9a000000ffffull; /* 0x08: 64-bit code */
    a->gdt[2] = 0x00cf92000000ffffull; /* 0x10: flat data */
    a->gdt[3] = 0x00cf9a000000ffffull; /* 0x18: 32-bit code (unused) */
    /* 0x20: 64-bit available TSS, a 16-byte descriptor. */
    a->gdt[4] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
                (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    a->gdt[5] = base >> 32;

    a->tss.ist[0] = (uint64_t)(df_stacks[a - cpu_arch].stack + DF_STACK_SIZE);
    a->tss.iomap_base = sizeof(a->tss); /* no I/O bitmap */

    asm volatile("lgdt %0" : : "m"(gdtr));
    /* Reload %cs through a far return, then the data segments. */
    asm volatile("pushq $0x08\n\t"
                 "leaq 1f(%%rip), %%rax\n\t"
                 "pushq %%rax\n\t"
                 "lretq\n"
                 "1:\n\t"
                 "movw $0x10, %%ax\n\t"
                 "movw %%ax, %%ds\n\t"
                 "movw %%ax, %%es\n\t"
                 "movw %%ax, %%ss\n\t"
                 :
                 :
                 : "rax", "memory");
    asm volatile("ltr %w0" : : "r"(SEL_TSS));
}

void
percpu_init(unsigned int id)
{
    struct cpu *c = &cpus[id];

    c->self = c;
    c->id = id;
    /* Loading %gs zeroes the base, so load the selector first. */
    asm volatile("movw %w0, %%gs" : : "r"(0));
    wrmsr(MSR_GS_BASE, (uint64_t)c);
    load_gdt_tss(&cpu_arch[id]);
}

void
stack_guards_init(void)
{
    unsigned int id;

    paging_guard_page(boot_stack_guard);
    for ( id = 0; id < MAX_CPUS; id++ )
        paging_guard_page(df_stacks[id].guard);
}

const char *
cpu_stack_guard_name(uint64_t page, unsigned int *cpu)
{
    unsigned int id;

    if ( page == (uint64_t)(uintptr_t)boot_stack_guard )
        return "the boot stack";
    for ( id = 0; id < MAX_CPUS; id++ )
        if ( page == (uint64_t)(uintptr_t)df_stacks[id].guard )
        {
            *cpu = id;
            return "the double-fault stack of CPU";
        }
    return NULL;
}
