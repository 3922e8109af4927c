/* SPDX-License-Identifier: MIT */
/*
 * traps.h - the IDT, the trap frame, interrupt vector ownership, and
 * expected faults for tests.
 */
#ifndef XENLING_TRAPS_H
#define XENLING_TRAPS_H

#include <lib.h>

/* Must match the push order in kernel/arch/x86/entry.asm. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;
};

#define VEC_DE        0
#define VEC_NMI       2
#define VEC_BP        3
#define VEC_UD        6
#define VEC_DF        8
#define VEC_GP        13
#define VEC_PF        14
#define VEC_FIRST_IRQ 32

/* Page-fault error code bits. */
#define PF_PRESENT (1u << 0)
#define PF_WRITE   (1u << 1)
#define PF_USER    (1u << 2)
#define PF_FETCH   (1u << 4)

typedef void (*irq_handler_t)(struct trap_frame *f, void *arg);

/* Remap the legacy 8259s away from the exception vectors and mask them
 * (kernel/arch/x86/pic.c); nothing on Xen. Boot CPU, interrupts off. */
void pic_disable(void);

/* Build and load the IDT on the boot CPU (traps_init_cpu for the others). */
void traps_init(void);
void traps_init_cpu(void);

/*
 * Claim vector vec (>= 32) for handler. Returns 0, or -1 if the vector is
 * taken or out of range. Handlers run with interrupts disabled.
 */
int irq_register(unsigned int vec, irq_handler_t handler, void *arg);
void irq_unregister(unsigned int vec);

/*
 * Arm this CPU to expect one exception `vector`. When it comes, the trap
 * handler records it in this_cpu()->fault and resumes at `resume`, or, if
 * resume is 0, returns as if the faulting code were a called function
 * (pops the return address; for a fault on the first instruction of a
 * call target). Disarmed by the fault or by trap_expect_clear().
 */
void trap_expect_fault(uint8_t vector, uint64_t resume);
/* The same, also resuming with RSP = resume_rsp (if not 0): for a fault
 * whose stack is unusable, such as a #DF from a stack overflow. */
void trap_expect_fault_stack(uint8_t vector, uint64_t resume,
                             uint64_t resume_rsp);
void trap_expect_clear(void);
/* Whether this CPU is armed to expect exception `vector`. */
bool trap_fault_expected(uint8_t vector);

/*
 * If addr lies in a stack guard page, write "stack guard page hit: ..."
 * naming whose stack it guards into buf and return true (the exception
 * dump prints it for #PF and #DF). Any context.
 */
bool trap_stack_guard_note(uint64_t addr, char *buf, size_t size);

/* Print the frame as a register dump (with CR2 for page faults). */
void trap_dump(const struct trap_frame *f);

/* External interrupts taken while masked or inside a handler, since
 * boot (kernel/arch/x86/traps.c: the first is reported on the console). */
extern unsigned long trap_odd_irqs;

#endif
