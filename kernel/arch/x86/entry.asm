; SPDX-License-Identifier: MIT
;
; entry.asm - one stub per IDT vector. Each stub makes the frame uniform
; (pushes a 0 error code where the CPU pushes none), pushes its vector and
; jumps to trap_common, which saves the general registers and calls
;   void trap_dispatch(struct trap_frame *f)      (kernel/arch/x86/traps.c)
;
; The frame trap_dispatch sees, from high addresses to low:
;
;       +------------+
;       | ss         |  pushed by the CPU (always, in 64-bit mode)
;       | rsp        |
;       | rflags     |
;       | cs         |
;       | rip        |
;       | error code |  pushed by the CPU, or 0 by the stub
;       | vector     |  pushed by the stub
;       | rax .. r15 |  pushed by trap_common (r15 lowest)
;       +------------+  <- %rsp = struct trap_frame *
;
; struct trap_frame in include/traps.h must match this order.

bits 64
section .text

extern trap_dispatch

; Vectors where the CPU pushes an error code: #DF #TS #NP #SS #GP #PF #AC
; #CP (8, 10-14, 17, 21).
%macro STUB 1
align 16
stub_%1:
%if %1 = 8 || (%1 >= 10 && %1 <= 14) || %1 = 17 || %1 = 21
%else
    push 0                          ; no CPU error code: keep the frame uniform
%endif
    push %1
    jmp trap_common
%endmacro

%assign v 0
%rep 256
    STUB v
%assign v v + 1
%endrep

trap_common:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    cld                             ; the C ABI wants DF clear on entry
    mov rdi, rsp                    ; argument: the frame
    mov rbx, rsp                    ; callee-saved: the frame survives the call
    and rsp, -16                    ; the C ABI wants a 16-byte aligned stack
    call trap_dispatch
    mov rsp, rbx
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16                     ; drop vector and error code
    iretq

; The stubs' addresses, for traps.c to build the IDT from.
section .rodata
align 8
global trap_stubs
trap_stubs:
%assign v 0
%rep 256
    dq stub_ %+ v
%assign v v + 1
%endrep
