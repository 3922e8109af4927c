/* SPDX-License-Identifier: MIT */
/*
 * traps.c - the IDT, exception reports, expected faults for tests, and
 * dispatch of interrupt vectors to their registered handlers. The stubs
 * are in entry.asm; per-CPU GDT and TSS are in cpu.c.
 */
#include <kernel.h>
#include <hardlockup.h>
#include <mm.h>
#include <percpu.h>
#include <sched.h>
#include <traps.h>
#include <arch/x86.h>

struct idt_entry {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t zero;
} __attribute__((packed));
BUILD_BUG_ON(sizeof(struct idt_entry) != 16);

BUILD_BUG_ON(offsetof(struct trap_frame, vector) != 15 * 8);
BUILD_BUG_ON(sizeof(struct trap_frame) != 22 * 8);

#define IDT_INTERRUPT_GATE 0x8e /* present, DPL 0, 64-bit int gate */
#define SEL_CODE64         0x08
#define IST_DOUBLE_FAULT   1 /* cpu.c gives #DF its own stack */

extern const uint64_t trap_stubs[256];

static struct idt_entry idt[256] __attribute__((aligned(16)));

/* Written at registration (boot or driver init), read by any CPU. */
static struct {
    irq_handler_t fn;
    void *arg;
} irq_table[256];

static const char *const exception_names[32] = {
    "divide error",
    "debug",
    "NMI",
    "breakpoint",
    "overflow",
    "bound range",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor overrun",
    "invalid TSS",
    "segment not present",
    "stack fault",
    "general protection",
    "page fault",
    "reserved",
    "x87 FP error",
    "alignment check",
    "machine check",
    "SIMD FP error",
    "virtualization",
    "control protection",
};

static void
set_gate(unsigned int vec, uint64_t handler, uint8_t ist)
{
    idt[vec].offset_lo = handler & 0xffff;
    idt[vec].selector = SEL_CODE64;
    idt[vec].ist = ist;
    idt[vec].type_attr = IDT_INTERRUPT_GATE;
    idt[vec].offset_mid = (handler >> 16) & 0xffff;
    idt[vec].offset_hi = handler >> 32;
    idt[vec].zero = 0;
}

void
traps_init_cpu(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };

    asm volatile("lidt %0" : : "m"(idtr));
}

void
traps_init(void)
{
    unsigned int v;

    for ( v = 0; v < 256; v++ )
        set_gate(v, trap_stubs[v], v == VEC_DF ? IST_DOUBLE_FAULT : 0);
    traps_init_cpu();
}

int
irq_register(unsigned int vec, irq_handler_t handler, void *arg)
{
    if ( vec < VEC_FIRST_IRQ || vec > 255 || irq_table[vec].fn )
        return -1;
    irq_table[vec].arg = arg;
    /* Publish the argument before the handler that uses it. */
    smp_wmb();
    irq_table[vec].fn = handler;
    return 0;
}

void
irq_unregister(unsigned int vec)
{
    if ( vec < 256 )
        irq_table[vec].fn = NULL;
}

void
trap_expect_fault_stack(uint8_t vector, uint64_t resume, uint64_t resume_rsp)
{
    struct fault_expect *fx = &this_cpu()->fault;

    memset(fx, 0, sizeof(*fx));
    fx->vector = vector;
    fx->resume = resume;
    fx->resume_rsp = resume_rsp;
    barrier(); /* fields set before armed, as the handler reads them */
    fx->armed = true;
}

void
trap_expect_fault(uint8_t vector, uint64_t resume)
{
    trap_expect_fault_stack(vector, resume, 0);
}

bool
trap_fault_expected(uint8_t vector)
{
    const struct fault_expect *fx = &this_cpu()->fault;

    return fx->armed && fx->vector == vector;
}

void
trap_expect_clear(void)
{
    this_cpu()->fault.armed = false;
}

bool
trap_stack_guard_note(uint64_t addr, char *buf, size_t size)
{
    uint64_t page = ALIGN_DOWN(addr, PAGE_SIZE);
    const struct thread *t = thread_self();
    const char *what;
    unsigned int cpu = 0;

    if ( !paging_is_guard(addr) )
        return false;
    what = cpu_stack_guard_name(page, &cpu);
    if ( what && strcmp(what, "the boot stack") == 0 )
        snprintf(buf, size,
                 "stack guard page hit: %016llx is in the guard page below %s",
                 (unsigned long long)addr, what);
    else if ( what )
        snprintf(
            buf, size,
            "stack guard page hit: %016llx is in the guard page below %s %u",
            (unsigned long long)addr, what, cpu);
    else if ( t && t->stack && page + PAGE_SIZE == (uintptr_t)t->stack )
        snprintf(
            buf, size,
            "stack guard page hit: %016llx is in the guard page below the stack of thread %u (%s), which overflowed",
            (unsigned long long)addr, t->id, t->name);
    else
        snprintf(
            buf, size,
            "stack guard page hit: %016llx is in the guard page of another thread's or a CPU's start-up stack",
            (unsigned long long)addr);
    return true;
}

void
trap_dump(const struct trap_frame *f)
{
    char note[160];

    const char *name = f->vector < 32 ? exception_names[f->vector] : "irq";

    printk("trap: vector %llu (%s) error 0x%llx on CPU %u\n",
           (unsigned long long)f->vector, name ? name : "reserved",
           (unsigned long long)f->error_code, smp_processor_id());
    printk("  rip %016llx  cs %04llx  rflags %016llx\n",
           (unsigned long long)f->rip, (unsigned long long)f->cs,
           (unsigned long long)f->rflags);
    printk("  rsp %016llx  ss %04llx\n", (unsigned long long)f->rsp,
           (unsigned long long)f->ss);
    printk("  rax %016llx  rbx %016llx  rcx %016llx\n",
           (unsigned long long)f->rax, (unsigned long long)f->rbx,
           (unsigned long long)f->rcx);
    printk("  rdx %016llx  rsi %016llx  rdi %016llx\n",
           (unsigned long long)f->rdx, (unsigned long long)f->rsi,
           (unsigned long long)f->rdi);
    printk("  rbp %016llx  r8  %016llx  r9  %016llx\n",
           (unsigned long long)f->rbp, (unsigned long long)f->r8,
           (unsigned long long)f->r9);
    printk("  r10 %016llx  r11 %016llx  r12 %016llx\n",
           (unsigned long long)f->r10, (unsigned long long)f->r11,
           (unsigned long long)f->r12);
    printk("  r13 %016llx  r14 %016llx  r15 %016llx\n",
           (unsigned long long)f->r13, (unsigned long long)f->r14,
           (unsigned long long)f->r15);
    printk("  cr0 %016lx  cr2 %016lx  cr3 %016lx  cr4 %016lx\n", read_cr0(),
           read_cr2(), read_cr3(), read_cr4());
    if ( f->vector == VEC_PF )
        printk("  page fault at %016lx: %s, %s%s\n", read_cr2(),
               f->error_code & PF_PRESENT ? "protection" : "not present",
               f->error_code & PF_FETCH   ? "instruction fetch"
               : f->error_code & PF_WRITE ? "write"
                                          : "read",
               f->error_code & PF_USER ? ", user" : "");
    /* A stack overflow: the push that hit the guard page faulted, and so
     * did pushing the #PF frame there, which made it a #DF (on its own
     * stack); CR2 names the guard page either way. */
    if ( (f->vector == VEC_PF || f->vector == VEC_DF) &&
         trap_stack_guard_note(read_cr2(), note, sizeof(note)) )
        printk("  %s\n", note);
}

/* An armed test expectation absorbs the fault; returns true if it did. */
static bool
expected_fault(struct trap_frame *f)
{
    struct fault_expect *fx = &this_cpu()->fault;

    if ( !fx->armed || fx->vector != f->vector )
        return false;
    fx->armed = false;
    fx->hit = true;
    fx->hit_vector = f->vector;
    fx->error_code = f->error_code;
    fx->rip = f->rip;
    fx->cr2 = f->vector == VEC_PF || f->vector == VEC_DF ? read_cr2() : 0;
    if ( fx->resume_rsp )
        f->rsp = fx->resume_rsp;
    if ( fx->resume )
        f->rip = fx->resume;
    else
    {
        /* Return to the caller of the faulting function entry. */
        f->rip = *(uint64_t *)f->rsp;
        f->rsp += 8;
    }
    return true;
}

/*
 * External interrupts that arrived where they cannot: with interrupts
 * masked in the interrupted code (RFLAGS.IF clear in its frame), or
 * inside a handler (handlers run with them masked and never unmask).
 * Either breaks every "interrupts off" critical section: a handler's
 * own lock taken again, a self-deadlock. Counted, and the first one
 * reported (tools/README.md: Xen on QEMU TCG does inject while masked).
 */
unsigned long trap_odd_irqs;
static bool odd_irq_seen;

static void
note_odd_irq(const struct cpu *c, const struct trap_frame *f)
{
    __atomic_add_fetch(&trap_odd_irqs, 1, __ATOMIC_RELAXED);
    if ( __atomic_exchange_n(&odd_irq_seen, true, __ATOMIC_RELAXED) )
        return;
    printk(
        "trap: CPU %u: interrupt %llu at RIP %llx, RFLAGS %llx, handler depth %u: %s\n",
        c->id, (unsigned long long)f->vector, (unsigned long long)f->rip,
        (unsigned long long)f->rflags, c->irq_depth,
        (f->rflags & X86_FLAGS_IF)
            ? "inside a handler that turned interrupts on"
            : "delivered while interrupts were masked (IF clear in the frame)");
}

/* Was f raised by an `int N` instruction (opcode 0xcd, then N) right
 * before the return address? Such a software interrupt is not masked by
 * IF, so it is never odd. Only kernel text raises one. */
static bool
soft_int(const struct trap_frame *f)
{
    const uint8_t *p = (const uint8_t *)(uintptr_t)(f->rip - 2);

    return f->rip >= (uint64_t)(uintptr_t)__text_start + 2 &&
           f->rip <= (uint64_t)(uintptr_t)__text_end && p[0] == 0xcd &&
           p[1] == (uint8_t)f->vector;
}

void
trap_dispatch(struct trap_frame *f)
{
    struct cpu *c = this_cpu();

    if ( f->vector >= VEC_FIRST_IRQ &&
         (c->irq_depth || !(f->rflags & X86_FLAGS_IF)) && !soft_int(f) )
        note_odd_irq(c, f);
    c->irq_depth++;
    /* An NMI the hard-lockup detector knows of returns here at once:
     * never a preemption point, as NMIs stay blocked until its iretq. */
    if ( f->vector == VEC_NMI && hardlockup_nmi(f) )
    {
        c->irq_depth--;
        return;
    }
    if ( f->vector < VEC_FIRST_IRQ )
    {
        if ( !expected_fault(f) )
        {
            trap_dump(f);
            backtrace(f->rbp);
            panic("unexpected exception %llu in kernel mode",
                  (unsigned long long)f->vector);
        }
    }
    else if ( irq_table[f->vector].fn )
        irq_table[f->vector].fn(f, irq_table[f->vector].arg);
    else
        printk("trap: spurious interrupt on vector %llu (no handler)\n",
               (unsigned long long)f->vector);
    c->irq_depth--;
    /*
     * The preemption point (kernel/sched.c). Switching threads here is
     * safe when the outermost trap is returning to code that ran with
     * interrupts on: that code is a thread (an interrupt handler runs
     * with them off), its registers are all in the frame `f` on its own
     * stack, the handler has finished (and sent its EOI), and interrupts
     * are still off. sched_preempt() parks this stack as it is; when the
     * thread runs again we return from here and trap_common irets to it.
     * Inside a nested trap, or if the thread had interrupts off (it may
     * hold a spinlock), we wait for a later point; and never from a
     * double fault, whose frame is on the CPU's own IST stack, not the
     * thread's (a test resumes from one).
     */
    if ( c->irq_depth == 0 && c->need_resched && (f->rflags & X86_FLAGS_IF) &&
         f->vector != VEC_DF )
        sched_preempt();
}
