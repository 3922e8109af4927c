/* SPDX-License-Identifier: MIT */
/*
 * paging.c - the kernel's own page tables (4-level, identity mapped),
 * replacing the boot ones from boot/head.asm. The image is mapped with
 * 4 KiB pages by section (text RX, rodata R, data+bss RW, all but text
 * NX); the rest of RAM and the MMIO below 4 GiB with 2 MiB pages, NX.
 * Page 0 stays unmapped so NULL dereferences fault.
 */
#include <kernel.h>
#include <mm.h>
#include <arch/x86.h>

#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_PS   (1ull << 7)
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull
#define LARGE    (2ull << 20)
#define FOUR_GIB (4ull << 30)

static uint64_t *kernel_pml4;
static bool nx_ok;

static uint64_t *
table_alloc(void)
{
    uint64_t *t = page_alloc_zeroed();

    if ( !t )
        panic("paging: out of memory for page tables");
    return t;
}

/* The entry for va at `level` (4 = PML4 .. 1 = PT), creating tables. */
static uint64_t *
walk(uint64_t va, int level)
{
    uint64_t *t = kernel_pml4;
    int l;

    for ( l = 4; l > level; l-- )
    {
        uint64_t *e = &t[(va >> (12 + 9 * (l - 1))) & 511];

        if ( !(*e & PTE_P) )
            *e = virt_to_phys(table_alloc()) | PTE_P | PTE_W;
        else if ( *e & PTE_PS )
            panic("paging: 0x%llx already has a large mapping at level %d",
                  (unsigned long long)va, l);
        t = phys_to_virt(*e & PTE_ADDR);
    }
    return &t[(va >> (12 + 9 * (level - 1))) & 511];
}

static uint64_t
nx(void)
{
    return nx_ok ? PTE_NX : 0;
}

static bool
is_ram(const struct boot_info *bi, uint64_t base, uint64_t len)
{
    unsigned int i;

    for ( i = 0; i < bi->nr_mem; i++ )
    {
        const struct mem_region *r = &bi->mem[i];

        if ( r->type != MEM_USABLE && r->type != MEM_ACPI &&
             r->type != MEM_NVS )
            continue;
        if ( base < r->base + r->size && r->base < base + len )
            return true;
    }
    return false;
}

/* Flags for a 4 KiB page of the kernel image or of the rest of RAM. */
static uint64_t
image_flags(uint64_t pa)
{
    if ( pa >= virt_to_phys(__text_start) && pa < virt_to_phys(__text_end) )
        return PTE_P; /* R X */
    if ( pa >= virt_to_phys(__rodata_start) && pa < virt_to_phys(__rodata_end) )
        return PTE_P | nx();     /* R   */
    return PTE_P | PTE_W | nx(); /* R W */
}

void
paging_init(const struct boot_info *bi)
{
    uint64_t top = FOUR_GIB, chunk, pa;
    uint64_t img_lo = ALIGN_DOWN(virt_to_phys(__kernel_start), LARGE);
    uint64_t img_hi = ALIGN_UP(virt_to_phys(__kernel_end), LARGE);
    unsigned int i;

    nx_ok = rdmsr(MSR_EFER) & EFER_NXE;
    if ( !nx_ok )
        printk("paging: the CPU has no NX bit: data stays executable\n");
    kernel_pml4 = table_alloc();

    for ( i = 0; i < bi->nr_mem; i++ )
        if ( is_ram(bi, bi->mem[i].base, bi->mem[i].size) )
            top = MAX(top, ALIGN_UP(bi->mem[i].base + bi->mem[i].size, LARGE));

    for ( chunk = 0; chunk < top; chunk += LARGE )
    {
        bool ram = is_ram(bi, chunk, LARGE);

        if ( chunk >= FOUR_GIB && !ram )
            continue; /* above 4 GiB map RAM only */
        if ( chunk == 0 || (chunk >= img_lo && chunk < img_hi) )
        {
            /* 4 KiB pages: page 0 left out, the image by section. */
            for ( pa = chunk; pa < chunk + LARGE; pa += PAGE_SIZE )
                if ( pa != 0 )
                    *walk(pa, 1) = pa | image_flags(pa);
            continue;
        }
        *walk(chunk, 2) = chunk | PTE_P | PTE_W | PTE_PS | nx() |
                          (ram ? 0 : PTE_PCD | PTE_PWT);
    }
    write_cr3(virt_to_phys(kernel_pml4));
    printk("paging: W^X page tables loaded (text RX, rodata R, data RW%s), "
           "%llu MiB mapped\n",
           nx_ok ? ", NX" : "", (unsigned long long)(top >> 20));
}
