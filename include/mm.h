/* SPDX-License-Identifier: MIT */
/*
 * mm.h - physical pages, kernel page tables, and the heap.
 *
 * Memory map (identity mapped: virtual address = physical address):
 *   0 .. 4 KiB          not mapped: NULL dereferences fault
 *   4 KiB .. 1 MiB      mapped RW NX; never allocated (firmware, loader)
 *   1 MiB ..            the kernel image: text RX, rodata R NX, data+bss RW NX
 *   end of image ..     usable RAM from the memory map: the page allocator
 *                       (4 KiB pages; page tables R NX, stack guards unmapped)
 *   RAM holes < 4 GiB   2 MiB pages, uncached, NX (MMIO: local APIC, ...)
 *   last 2 MiB of the   the paging window (not identity mapped): the alias
 *   address space       that edits read-only page tables, a test user page
 */
#ifndef XENLING_MM_H
#define XENLING_MM_H

#include <lib.h>
#include <bootinfo.h>

#define PAGE_SHIFT  12
#define PAGE_SIZE   (1ul << PAGE_SHIFT)
#define PAGE_POISON 0x6b /* fill of freed pages and blocks */

static inline uint64_t
virt_to_phys(const void *p)
{
    return (uint64_t)(uintptr_t)p;
}

static inline void *
phys_to_virt(uint64_t pa)
{
    return (void *)(uintptr_t)pa;
}

/*
 * Hand every usable page of bi's memory map to the allocator, except the
 * first MiB, the kernel image, the boot modules and the foreign ranges
 * noted so far. Boot CPU, once.
 */
void page_alloc_init(const struct boot_info *bi);

/*
 * Note [base, base+size) as written by someone else (Xen, the toolstack,
 * the loader), `what` naming it (a string that lives forever): its frames
 * are never allocated. Before page_alloc_init it is only recorded; after,
 * its free frames are taken out of the pool. Panics if the range overlaps
 * the kernel image, or (after init) a frame we already allocated. Adding
 * a range again is harmless. Any context after init; boot CPU before.
 */
void page_foreign_add(uint64_t base, uint64_t size, const char *what);
/* Whether the byte at pa lies in a foreign range. Any context. */
bool page_is_foreign(uint64_t pa);

/* One page (contents undefined, poisoned), or NULL when out of memory. */
void *page_alloc(void);
/* One zeroed page, or NULL. */
void *page_alloc_zeroed(void);
/* n physically contiguous pages, or NULL. */
void *page_alloc_n(size_t n);
/* Give pages back; freeing a free page or a foreign address panics. */
void page_free(void *p);
void page_free_n(void *p, size_t n);
size_t page_free_count(void);

/*
 * Replace the boot page tables with the kernel's own: W^X for the image,
 * NX everywhere else, page 0 unmapped, the page-table pages read-only;
 * then SMEP and SMAP on if the CPU has them. Boot CPU, once, after
 * page_alloc_init. Secondary CPUs get the same CR3 and CR4 in their start
 * context (kernel/arch/x86/smpboot.c).
 */
void paging_init(const struct boot_info *bi);

/*
 * Unmap the page at `page` (page aligned, RAM mapped with a 4 KiB page)
 * and mark it as a stack guard: any access faults, and the exception dump
 * says "stack guard page hit". Other CPUs drop the old mapping at their
 * next context switch (paging_tlb_sync), so a guard is in force before
 * the thread whose stack it guards first runs. Any CPU after paging_init,
 * interrupts on or off; panics on a page that is not 4 KiB-mapped.
 */
void paging_guard_page(void *page);
/* Map a guard page again (RW NX) before it is freed. Panics if `page` is
 * not a guard page. */
void paging_unguard_page(void *page);
/* Whether addr lies in a guard page. Reads the tables only: any context,
 * including a fault handler. */
bool paging_is_guard(uint64_t addr);
/* Flush this CPU's TLB if a mapping went away since its last flush. The
 * scheduler calls it at every context switch. */
void paging_tlb_sync(void);

/*
 * For the SMEP/SMAP tests: map `page` as a user page (executable if
 * `exec`) in the paging window and return its address there; NULL unmaps
 * it (and returns NULL). One page at a time; the caller owns `page`.
 */
void *paging_user_window(void *page, bool exec);

/* What paging_audit counts over the live tables. */
struct paging_audit {
    unsigned long tables;          /* page-table pages */
    unsigned long writable_tables; /* of those, mapped writable */
    unsigned long leaves;          /* present 4 KiB and 2 MiB mappings */
    unsigned long writable_exec;   /* leaves both writable and executable */
    unsigned long user;            /* leaves a user-mode access could use */
    unsigned long guard_pages;     /* unmapped stack guard pages */
};
/* Walk every live page table and count into *a. Any CPU, thread context. */
void paging_audit(struct paging_audit *a);
/* The page-table page holding the 4 KiB entry that maps p, or NULL. */
const void *paging_table_of(const void *p);

/* Small allocations. kmalloc returns 16-byte aligned memory or NULL. */
void heap_init(void);
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);
/* Pages the heap owns (for leak accounting) and live allocations. */
size_t heap_pages(void);
size_t heap_live_allocations(void);

#endif
