; SPDX-License-Identifier: MIT
;
; head.asm - the two ways into Xenling and the climb to 64-bit C.
;
;   pvh_start  Xen (and QEMU -kernel) find it through the XEN_ELFNOTE_PHYS32_ENTRY
;              note: 32-bit protected mode, paging off, %ebx = hvm_start_info.
;   mb2_start  GRUB2 finds it through the multiboot2 header: 32-bit protected
;              mode, paging off, %eax = 0x36d76289, %ebx = multiboot2 info.
;
; Both save the boot protocol and pointer, load our own GDT, build an
; identity map of the first 4 GiB with 2 MiB pages, enter long mode and call
;   kernel_main(unsigned int proto, unsigned long info_paddr)
; C later replaces these page tables with W^X ones (kernel/arch/x86/paging.c).
; Secondary vCPUs do not come through here: Xen starts them in 64-bit mode.

%define BOOT_PROTO_PVH      1
%define BOOT_PROTO_MB2      2
%define MB2_HEADER_MAGIC    0xe85250d6
%define MB2_BOOT_MAGIC      0x36d76289
%define XEN_ELFNOTE_PHYS32_ENTRY 18

%define SEL_CODE64  0x08
%define SEL_DATA    0x10
%define SEL_CODE32  0x18

%define PTE_P       (1 << 0)
%define PTE_W       (1 << 1)
%define PTE_PS      (1 << 7)

%define CR0_PE      (1 << 0)
%define CR0_WP      (1 << 16)
%define CR0_PG      (1 << 31)
%define CR4_PAE     (1 << 5)
%define MSR_EFER    0xc0000080
%define EFER_LME    (1 << 8)
%define EFER_NXE    (1 << 11)

extern kernel_main
extern __bss_start
extern __bss_end

; ---------------------------------------------------------------------------
; The PVH ELF note: Xen's and QEMU's loaders read the 32-bit entry from it.
section .note.Xen note alloc noexec nowrite align=4
    dd 4                            ; namesz ("Xen" + NUL)
    dd 4                            ; descsz (a 32-bit physical address)
    dd XEN_ELFNOTE_PHYS32_ENTRY     ; type
    db "Xen", 0
    dd pvh_start

; ---------------------------------------------------------------------------
; The multiboot2 header: GRUB scans the first 32 KiB for it, 8-byte aligned.
section .multiboot2 progbits alloc exec nowrite align=8
mb2_header:
    dd MB2_HEADER_MAGIC
    dd 0                            ; architecture: i386 protected mode
    dd mb2_header_end - mb2_header
    dd -(MB2_HEADER_MAGIC + 0 + (mb2_header_end - mb2_header))
    align 8
    dw 3, 0                         ; entry address tag ...
    dd 12
    dd mb2_start                    ; ... so the ELF entry need not matter
    align 8
    dw 0, 0                         ; end tag
    dd 8
mb2_header_end:

; ---------------------------------------------------------------------------
section .text.boot progbits alloc exec nowrite align=16
bits 32

global pvh_start
pvh_start:
    cld
    cli
    mov ebp, BOOT_PROTO_PVH         ; %ebx already holds the start info
    jmp common32

global mb2_start
mb2_start:
    cld
    cli
    cmp eax, MB2_BOOT_MAGIC
    jne bad_magic                   ; not loaded by a multiboot2 loader
    mov ebp, BOOT_PROTO_MB2         ; %ebx holds the multiboot2 info
    jmp common32

bad_magic:
    mov esi, bad_magic_msg          ; say why on port 0xE9, then stop
.next:
    lodsb
    test al, al
    jz .stop
    out 0xe9, al
    jmp .next
.stop:
    hlt
    jmp .stop

common32:
    ; PVH leaves GDTR undefined: segment reloads need our own GDT first.
    lgdt [gdt_ptr]
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    jmp SEL_CODE32:.flat32          ; %cs from our GDT too
.flat32:
    ; Zero .bss before anything lives in it (stack, page tables). Loaders
    ; zero-fill it too, but the multiboot2 spec does not promise that.
    mov edi, __bss_start
    mov ecx, __bss_end
    sub ecx, edi
    shr ecx, 2
    xor eax, eax
    rep stosd

    mov esp, boot_stack_top
    mov [boot_proto], ebp           ; keep both across CPUID (clobbers %ebx)
    mov [boot_info], ebx

    ; PML4[0] -> PDPT; PDPT[0..3] -> 4 page directories of 2 MiB pages
    ; covering 0..4 GiB identity, writable and executable for now.
    mov eax, boot_pdpt
    or eax, PTE_P | PTE_W
    mov [boot_pml4], eax

    mov edi, boot_pdpt
    mov eax, boot_pd
    or eax, PTE_P | PTE_W
    mov ecx, 4
.pdpt:
    mov [edi], eax
    add eax, 4096
    add edi, 8
    loop .pdpt

    mov edi, boot_pd
    mov esi, PTE_P | PTE_W | PTE_PS ; entry for physical address 0
    mov ecx, 4 * 512
.pd:
    mov [edi], esi                  ; low half: address and flags
    mov dword [edi + 4], 0          ; high half: below 4 GiB, NX clear
    add esi, 0x200000
    add edi, 8
    loop .pd

    mov eax, cr4
    or eax, CR4_PAE                 ; long mode requires PAE paging
    mov cr4, eax
    mov eax, boot_pml4
    mov cr3, eax

    ; EFER.LME = 1; EFER.NXE = 1 when the CPU has NX (CPUID 0x80000001
    ; EDX bit 20), so C can mark data non-executable.
    mov eax, 0x80000001
    cpuid                           ; clobbers %ebx: save the info pointer
    mov esi, edx
    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_LME
    test esi, 1 << 20
    jz .no_nx
    or eax, EFER_NXE
.no_nx:
    wrmsr

    mov eax, cr0
    or eax, CR0_PG | CR0_WP | CR0_PE ; paging on; WP: ring 0 obeys R/O pages
    mov cr0, eax
    jmp SEL_CODE64:long_entry        ; far jump loads a 64-bit %cs

bits 64
long_entry:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    mov rsp, boot_stack_top
    xor ebp, ebp                    ; terminate frame-pointer backtraces
    mov edi, [boot_proto]
    mov esi, [boot_info]
    call kernel_main
.hang:
    cli
    hlt
    jmp .hang

section .rodata
bad_magic_msg:
    db "xenling: entered at mb2_start without the multiboot2 magic", 10, 0

; The GDT both boot paths load; C keeps using it (plus a TSS) later.
align 16
global boot_gdt
boot_gdt:
    dq 0                            ; null
    dq 0x00af9a000000ffff           ; 0x08: 64-bit code, DPL 0
    dq 0x00cf92000000ffff           ; 0x10: flat data, DPL 0
    dq 0x00cf9a000000ffff           ; 0x18: flat 32-bit code, DPL 0
boot_gdt_end:
gdt_ptr:
    dw boot_gdt_end - boot_gdt - 1
    dq boot_gdt

section .bss
align 4096
boot_pml4:  resb 4096
boot_pdpt:  resb 4096
boot_pd:    resb 4 * 4096
global boot_stack_guard             ; unmapped by C (stack_guards_init): an
boot_stack_guard: resb 4096         ; overflow of the boot stack faults here
global boot_stack_top
boot_stack: resb 16384
boot_stack_top:
boot_proto: resd 1
boot_info:  resd 1

; ---------------------------------------------------------------------------
; The hypercall page. Xen writes one 32-byte stub per hypercall into it when
; we write its physical address to the MSR CPUID names (kernel/xen/
; hypervisor.c). It is in .text so it stays executable (and read-only to
; us) under W^X; Xen writes guest-physical memory, not through our page
; tables. Filled with int3 so a call before Xen fills it traps loudly.
section .text.hypercall_page progbits alloc exec nowrite align=4096
global hypercall_page
hypercall_page:
    times 4096 db 0xcc
