; SPDX-License-Identifier: MIT
;
; qemu-xsave-nm.asm - a 32-bit multiboot kernel of a few hundred bytes
; that asks the emulator one question per instruction: with CR0.TS set,
; does it raise #NM (device not available), as the SDM says every x87,
; SSE, AVX and XSAVE-family instruction must? It prints one line per
; instruction on port 0xE9 and ends through isa-debug-exit.
; tools/repro/qemu-xsave-nm.sh builds and runs it; tools/README.md says
; what the answer meant for Xen's lazy FPU switching.
bits 32
org 0x100000
align 4
mb: dd 0x1BADB002, 0x00010000, -(0x1BADB002 + 0x00010000)
    dd mb, 0x100000, edata, ebss, start   ; a.out kludge: flat binary
start:
    mov esp, stack_top
    lgdt [gdtr]
    jmp 0x08:.cs
.cs: mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    ; IDT: vectors 0..31 all to one stub per vector
    mov ecx, 0
.fill: mov eax, [stubs + ecx*4]
    mov [idt + ecx*8], ax
    mov word [idt + ecx*8 + 2], 0x08
    mov word [idt + ecx*8 + 4], 0x8E00
    shr eax, 16
    mov [idt + ecx*8 + 6], ax
    inc ecx
    cmp ecx, 32
    jne .fill
    lidt [idtr]
    mov eax, cr4
    or eax, (1 << 9) | (1 << 10) | (1 << 18)   ; OSFXSR, OSXMMEXCPT, OSXSAVE
    mov cr4, eax
    xor ecx, ecx
    mov eax, 7            ; x87 | SSE | AVX
    xor edx, edx
    xsetbv
    mov eax, cr0
    and eax, ~(1 << 2)    ; EM off
    or eax, (1 << 1)      ; MP on
    mov cr0, eax
%macro BEGIN 0
    mov dword [got], 0xff
    mov eax, cr0
    or eax, 8             ; TS
    mov cr0, eax
%endmacro
%macro END 1
    mov esi, %1
    call report
%endmacro
    BEGIN
    movdqu xmm0, xmm1
    END s_sse
    BEGIN
    vmovdqu ymm0, ymm1
    END s_avx
    BEGIN
    vpxor xmm0, xmm0, xmm1
    END s_avx128
    BEGIN
    fld1
    END s_x87
    BEGIN
    fxsave [area]
    END s_fxsave
    BEGIN
    xor edx, edx
    mov eax, 7
    xsave [area]
    END s_xsave
    BEGIN
    xor edx, edx
    mov eax, 7
    xrstor [area]
    END s_xrstor
    BEGIN
    xor edx, edx
    mov eax, 7
    xsaveopt [area]
    END s_xsaveopt
    mov esi, s_done
    call puts
    mov al, 0
    out 0xf4, al          ; isa-debug-exit: QEMU ends
    cli
    hlt

report:                   ; esi = name; [got] = vector or 0xff
    call puts
    cmp dword [got], 7
    je .nm
    mov esi, s_no
    jmp puts
.nm: mov esi, s_yes
    jmp puts
puts: lodsb
    test al, al
    jz .e
    out 0xe9, al
    jmp puts
.e: ret

handler:                  ; [esp] = vector (pushed by stub), then maybe error code
    pop eax
    mov [got], eax
    cmp eax, 7
    jne .other
    clts                  ; let the instruction run when it restarts
    iret
.other:
    mov esi, s_other
    call puts
    cli
    hlt

%assign i 0
%rep 32
stub %+ i: push dword i
    jmp handler
%assign i i+1
%endrep

align 8
gdt: dq 0, 0x00CF9A000000FFFF, 0x00CF92000000FFFF
gdtr: dw 23
      dd gdt
idtr: dw 32*8-1
      dd idt
stubs:
%assign i 0
%rep 32
    dd stub %+ i
%assign i i+1
%endrep
s_sse: db "movdqu xmm (SSE)       ", 0
s_avx: db "vmovdqu ymm (AVX, VEX) ", 0
s_avx128: db "vpxor xmm (VEX.128)    ", 0
s_x87: db "fld1 (x87)             ", 0
s_fxsave: db "fxsave                 ", 0
s_xsave: db "xsave                  ", 0
s_xrstor: db "xrstor                 ", 0
s_xsaveopt: db "xsaveopt               ", 0
s_yes: db "CR0.TS=1: #NM raised", 10, 0
s_no: db "CR0.TS=1: NO #NM, it ran", 10, 0
s_other: db "unexpected exception", 10, 0
s_done: db "done", 10, 0
align 64
got: dd 0
align 64
area: times 4096 db 0
idt: times 256 db 0
stack: times 4096 db 0
stack_top:
edata:
ebss:
