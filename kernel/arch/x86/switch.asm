; SPDX-License-Identifier: MIT
;
; switch.asm - the context switch between two threads of one CPU, and the
; first instructions of a new thread. kernel/sched.c decides who runs
; next and calls
;
;   struct thread *sched_switch(uint64_t *save_rsp, uint64_t next_rsp,
;                               struct thread *prev);
;
; with interrupts disabled. It saves the running thread's callee-saved
; registers on its own stack, stores its stack pointer in *save_rsp,
; loads next_rsp and pops the next thread's registers from there. It
; returns in the NEXT thread, where it was called long ago (or, for a new
; thread, into sched_thread_entry), with `prev` in rax: the thread that
; was switched away from, which the next thread must finish off (release
; the run-queue lock; free nothing, but mark a dying thread dead).
;
; Everything else of a thread is already on its stack when we get here:
; its return addresses and locals, and, if it was preempted, the whole
; interrupt frame that trap_common pushed (see traps.c).
;
; A new thread's stack, as thread_alloc() in sched.c builds it, from the
; top (high addresses, 16-byte aligned) down:
;
;       +----------------------+  <- top of the stack pages
;       | 0                    |  return address of sched_thread_start:
;       |                      |  ends backtraces, never used
;       | sched_thread_entry   |  where sched_switch's `ret` goes
;       | 0                    |  rbp (0 also ends frame-pointer walks)
;       | 0                    |  rbx
;       | struct thread *      |  r12: the new thread itself
;       | 0                    |  r13
;       | 0                    |  r14
;       | 0                    |  r15
;       +----------------------+  <- thread->rsp: the first next_rsp
;       |         ...          |  free stack, growing down
;       | STACK_GUARD          |  the lowest word: checked at each switch
;       +----------------------+  <- thread->stack

bits 64
section .text

global sched_switch
global sched_thread_entry
extern sched_thread_start

sched_switch:
    ; The C ABI lets a callee clobber rax, rcx, rdx, rsi, rdi, r8-r11 and
    ; the flags, so the caller keeps nothing there across this call; only
    ; the callee-saved registers must come back as they were. The flags
    ; need no saving either: every caller has interrupts off, and the ABI
    ; guarantees DF clear.
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15

    ; Leave the old stack: its top now describes the old thread fully.
    mov [rdi], rsp
    mov rsp, rsi

    ; rax survives the stack change: it is the return value on the other
    ; side, telling the next thread whom it replaced.
    mov rax, rdx

    ; The next thread's callee-saved registers, as it saved them when it
    ; called sched_switch (or as thread_alloc laid them out).
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret

; A new thread's first instructions: sched_switch's `ret` lands here with
; r12 = the thread, rax = prev, and rsp at the zero word, 8 bytes below a
; 16-byte boundary, exactly as after a `call`. So a jump (not a call)
; makes sched_thread_start see a normal function entry whose return
; address is 0; it never returns.
sched_thread_entry:
    mov rdi, r12                    ; self
    mov rsi, rax                    ; prev
    jmp sched_thread_start
