/* SPDX-License-Identifier: MIT */
/*
 * percpu.h - the per-CPU block. Each CPU's GS base points at its own
 * struct cpu, whose first field points back at itself, so this_cpu() is a
 * single %gs-relative load. Fields are touched only by their own CPU
 * unless a comment says otherwise.
 */
#ifndef XENLING_PERCPU_H
#define XENLING_PERCPU_H

#include <lib.h>

#define MAX_CPUS        64
#define PRINTK_LINE_MAX 256

struct trap_frame;
struct thread;

/* One expected fault, armed by a test (see trap_expect_fault()). */
struct fault_expect {
    bool armed;
    uint8_t vector; /* which exception is expected */
    bool hit;       /* set by the trap handler */
    uint8_t hit_vector;
    uint64_t cr2; /* recorded for page faults */
    uint64_t error_code;
    uint64_t rip;        /* where the fault happened */
    uint64_t resume;     /* 0: return as if from a call (pop RIP) */
    uint64_t resume_rsp; /* if not 0: the stack to resume on */
};

/* A partial printk line: one per thread, and one per CPU for each
 * interrupt nesting level (kernel/printk.c). */
struct printk_line {
    unsigned int len;
    char buf[PRINTK_LINE_MAX];
};

struct cpu {
    struct cpu *self;       /* must stay first: this_cpu() reads it */
    unsigned int id;        /* index in cpus[], also Xen's vCPU id */
    unsigned int irq_depth; /* nesting of interrupts and exceptions */
    struct fault_expect fault;
    struct printk_line line[3]; /* [0]: before threads exist */
    /* The scheduler's (kernel/sched.c), written by this CPU only, with
     * interrupts off; NULL and false before sched_init. */
    struct thread *thread; /* the thread running here */
    bool need_resched;     /* switch at the next preemption point */
};

extern struct cpu cpus[MAX_CPUS];

static inline struct cpu *
this_cpu(void)
{
    struct cpu *c;

    asm volatile("mov %%gs:0, %0" : "=r"(c));
    return c;
}

static inline unsigned int
smp_processor_id(void)
{
    return this_cpu()->id;
}

/* Point this CPU's GS base at cpus[id]. Called once per CPU at start. */
void percpu_init(unsigned int id);

/* Unmap the guard pages below the boot stack and every CPU's double-fault
 * stack. Boot CPU, once, right after paging_init. */
void stack_guards_init(void);

/*
 * If `page` is the guard page of the boot stack or of a double-fault
 * stack, say which (for the exception dump): "the boot stack", or "the
 * double-fault stack of CPU" with *cpu set. NULL otherwise. Any context.
 */
const char *cpu_stack_guard_name(uint64_t page, unsigned int *cpu);

#endif
