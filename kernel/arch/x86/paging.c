/* SPDX-License-Identifier: MIT */
/*
 * paging.c - the kernel's own page tables (4-level, identity mapped),
 * replacing the boot ones from boot/head.asm. RAM is mapped with 4 KiB
 * pages (the image by section: text RX, rodata R, data+bss RW, all but
 * text NX; the rest of RAM RW NX), the MMIO below 4 GiB with 2 MiB
 * pages, uncached, NX. Page 0 stays unmapped so NULL dereferences fault.
 * Hardening (docs/hardening.md): the page-table pages themselves are
 * mapped read-only, and stack guard pages are unmapped; the only way to
 * change an entry afterwards is through a one-page writable alias window
 * under paging_lock. SMEP and SMAP are turned on when the CPU has them.
 */
#include <kernel.h>
#include <mm.h>
#include <percpu.h>
#include <spinlock.h>
#include <arch/x86.h>

#define PTE_P     (1ull << 0)
#define PTE_W     (1ull << 1)
#define PTE_U     (1ull << 2)
#define PTE_PWT   (1ull << 3)
#define PTE_PCD   (1ull << 4)
#define PTE_PS    (1ull << 7)
#define PTE_GUARD (1ull << 9) /* software: an unmapped stack guard page */
#define PTE_NX    (1ull << 63)
#define PTE_ADDR  0x000ffffffffff000ull
#define LARGE     (2ull << 20)
#define FOUR_GIB  (4ull << 30)

/*
 * The window: the last 2 MiB of the address space, outside the identity
 * map, with tables of its own. Slot 0 is the alias through which a
 * read-only page-table page is written; slot 1 is the user page of the
 * SMEP/SMAP tests. The window's own page table is the one table page
 * that stays writable (it is how every other table is edited).
 */
#define WINDOW_VA      0xffffffffffe00000ull
#define ALIAS_VA       (WINDOW_VA + 0 * PAGE_SIZE)
#define USER_VA        (WINDOW_VA + 1 * PAGE_SIZE)
#define ALIAS_SLOT     0
#define USER_SLOT      1
#define LEVEL_SHIFT(l) (12 + 9 * ((l)-1))

static uint64_t *kernel_pml4;
static uint64_t *window_pt; /* the window's page table (writable) */
static bool nx_ok;

/*
 * Serializes every change to a live page table and the use of the alias
 * slot. Taken with interrupts off; a leaf lock (nothing inside takes
 * another). Before paging_init loads the tables, only the boot CPU edits
 * them, directly.
 */
static spinlock_t paging_lock = SPINLOCK_INIT("paging");
static bool tables_live; /* set once by paging_init */

/*
 * TLB generations: bumped (under paging_lock) whenever a present entry
 * becomes not present; each CPU flushes its TLB at its next context
 * switch when its seen generation is older (paging_tlb_sync). A new
 * stack's guard page is thus in force before its thread first runs.
 */
static uint64_t tlb_gen;
static uint64_t tlb_seen[MAX_CPUS]; /* each written by its own CPU only */

static uint64_t *
table_alloc(void)
{
    uint64_t *t = page_alloc_zeroed();

    if ( !t )
        panic("paging: out of memory for page tables");
    return t;
}

static unsigned int
index_of(uint64_t va, int level)
{
    return (va >> LEVEL_SHIFT(level)) & 511;
}

/* The entry for va at `level` (4 = PML4 .. 1 = PT), creating tables
 * (before the tables are live only). */
static uint64_t *
walk(uint64_t va, int level)
{
    uint64_t *t = kernel_pml4;
    int l;

    for ( l = 4; l > level; l-- )
    {
        uint64_t *e = &t[index_of(va, l)];

        if ( !(*e & PTE_P) )
        {
            if ( tables_live )
                panic(
                    "paging: 0x%llx has no level-%d table and tables are no longer built",
                    (unsigned long long)va, l - 1);
            *e = virt_to_phys(table_alloc()) | PTE_P | PTE_W;
        }
        else if ( *e & PTE_PS )
            panic("paging: 0x%llx already has a large mapping at level %d",
                  (unsigned long long)va, l);
        t = phys_to_virt(*e & PTE_ADDR);
    }
    return &t[index_of(va, level)];
}

/* The 4 KiB leaf entry mapping va, or NULL (large page, no table). Reads
 * only: safe in a fault handler. */
static uint64_t *
leaf_of(uint64_t va)
{
    uint64_t *t = kernel_pml4;
    int l;

    if ( !t )
        return NULL;
    for ( l = 4; l > 1; l-- )
    {
        uint64_t e = t[index_of(va, l)];

        if ( !(e & PTE_P) || (e & PTE_PS) )
            return NULL;
        t = phys_to_virt(e & PTE_ADDR);
    }
    return &t[index_of(va, 1)];
}

/*
 * Write one entry of a page table. Once the tables are live their pages
 * are read-only, so the write goes through the alias slot: map the
 * table's frame there, write, unmap. paging_lock held (or boot, before
 * the tables are live).
 */
static void
entry_write(uint64_t *entry, uint64_t val)
{
    uint64_t pa = virt_to_phys(entry);
    volatile uint64_t *alias;

    if ( !tables_live || ALIGN_DOWN(pa, PAGE_SIZE) == virt_to_phys(window_pt) )
    {
        *entry = val;
        return;
    }
    ASSERT_HELD(&paging_lock);
    window_pt[ALIAS_SLOT] = ALIGN_DOWN(pa, PAGE_SIZE) | PTE_P | PTE_W | PTE_NX;
    invlpg(ALIAS_VA); /* no stale alias from the last use */
    alias = (volatile uint64_t *)(ALIAS_VA + (pa & (PAGE_SIZE - 1)));
    *alias = val;
    window_pt[ALIAS_SLOT] = 0;
    invlpg(ALIAS_VA);
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

/* Map every table page of the tree under `t` (level `level`) read-only,
 * except the window's page table. Boot, before the tables are live. */
static void
protect_tables(uint64_t *t, int level)
{
    unsigned int i;
    uint64_t *self = leaf_of(virt_to_phys(t));

    if ( !self )
        panic("paging: page table at %p is not mapped with a 4 KiB page", t);
    if ( t != window_pt )
        *self &= ~PTE_W;
    if ( level == 1 )
        return;
    for ( i = 0; i < 512; i++ )
        if ( (t[i] & PTE_P) && !(t[i] & PTE_PS) )
            protect_tables(phys_to_virt(t[i] & PTE_ADDR), level - 1);
}

/* Turn on SMEP and SMAP when CPUID leaf 7 offers them. */
static void
smep_smap_init(void)
{
    uint32_t a, b, c, d;
    unsigned long cr4 = read_cr4();

    cpuid(0, &a, &b, &c, &d);
    if ( a < 7 )
        return;
    cpuid_count(7, 0, &a, &b, &c, &d);
    if ( b & CPUID7_EBX_SMEP )
        cr4 |= CR4_SMEP;
    if ( b & CPUID7_EBX_SMAP )
        cr4 |= CR4_SMAP;
    write_cr4(cr4);
}

void
paging_init(const struct boot_info *bi)
{
    uint64_t top = FOUR_GIB, chunk, pa;
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
        if ( ram )
        {
            /* 4 KiB pages: page 0 left out, the image by section. */
            for ( pa = chunk; pa < chunk + LARGE; pa += PAGE_SIZE )
                if ( pa != 0 )
                    *walk(pa, 1) = pa | image_flags(pa);
            continue;
        }
        *walk(chunk, 2) =
            chunk | PTE_P | PTE_W | PTE_PS | nx() | PTE_PCD | PTE_PWT;
    }

    /* The window: its tables allow user pages (the leaf decides). */
    walk(WINDOW_VA, 1); /* creates its tables */
    window_pt = phys_to_virt(*walk(WINDOW_VA, 2) & PTE_ADDR);
    kernel_pml4[index_of(WINDOW_VA, 4)] |= PTE_U;
    *walk(WINDOW_VA, 3) |= PTE_U;
    *walk(WINDOW_VA, 2) |= PTE_U;

    protect_tables(kernel_pml4, 4);
    write_cr3(virt_to_phys(kernel_pml4));
    tables_live = true;
    smep_smap_init();
    printk(
        "paging: W^X page tables loaded (text RX, rodata R, data RW%s), %llu MiB mapped, page tables read-only%s%s\n",
        nx_ok ? ", NX" : "", (unsigned long long)(top >> 20),
        read_cr4() & CR4_SMEP ? ", SMEP" : "",
        read_cr4() & CR4_SMAP ? ", SMAP" : "");
}

/* Make the leaf of `va` hold `val`; flush it here, and everywhere if a
 * present mapping went away. */
static void
leaf_set(uint64_t va, uint64_t val, const char *what)
{
    unsigned long flags = spin_lock_irqsave(&paging_lock);
    uint64_t *e = leaf_of(va);

    if ( !e || (va & (PAGE_SIZE - 1)) )
        panic("paging: %s 0x%llx: not a 4 KiB-mapped page", what,
              (unsigned long long)va);
    if ( (*e & PTE_P) && !(val & PTE_P) )
        __atomic_fetch_add(&tlb_gen, 1, __ATOMIC_RELAXED);
    entry_write(e, val);
    invlpg(va);
    spin_unlock_irqrestore(&paging_lock, flags);
}

void
paging_guard_page(void *page)
{
    uint64_t va = (uint64_t)(uintptr_t)page;

    leaf_set(va, virt_to_phys(page) | PTE_GUARD, "guard page");
}

void
paging_unguard_page(void *page)
{
    uint64_t va = (uint64_t)(uintptr_t)page;
    uint64_t *e = leaf_of(va);

    if ( !e || !(*e & PTE_GUARD) )
        panic("paging: unguard 0x%llx, which is not a guard page",
              (unsigned long long)va);
    leaf_set(va, virt_to_phys(page) | image_flags(virt_to_phys(page)),
             "unguard page");
}

bool
paging_is_guard(uint64_t addr)
{
    const uint64_t *e = leaf_of(ALIGN_DOWN(addr, PAGE_SIZE));

    return e && !(*e & PTE_P) && (*e & PTE_GUARD);
}

void
paging_tlb_sync(void)
{
    unsigned int cpu = smp_processor_id();
    uint64_t gen = __atomic_load_n(&tlb_gen, __ATOMIC_RELAXED);

    if ( cpu >= MAX_CPUS || tlb_seen[cpu] == gen )
        return;
    tlb_seen[cpu] = gen;
    write_cr3(read_cr3()); /* no global pages: this flushes everything */
}

void *
paging_user_window(void *page, bool exec)
{
    unsigned long flags = spin_lock_irqsave(&paging_lock);

    window_pt[USER_SLOT] =
        page ? virt_to_phys(page) | PTE_P | PTE_W | PTE_U | (exec ? 0 : nx())
             : 0;
    invlpg(USER_VA);
    spin_unlock_irqrestore(&paging_lock, flags);
    return page ? (void *)(uintptr_t)USER_VA : NULL;
}

/* Count what paging_audit reports under table t at `level`. */
static void
audit_tree(const uint64_t *t, int level, struct paging_audit *a)
{
    unsigned int i;
    const uint64_t *self = leaf_of(virt_to_phys(t));

    a->tables++;
    if ( !self || (*self & PTE_W) )
        a->writable_tables++;
    for ( i = 0; i < 512; i++ )
    {
        uint64_t e = t[i];

        if ( !(e & PTE_P) )
        {
            if ( level == 1 && (e & PTE_GUARD) )
                a->guard_pages++;
            continue;
        }
        if ( level > 1 && !(e & PTE_PS) )
        {
            audit_tree(phys_to_virt(e & PTE_ADDR), level - 1, a);
            continue;
        }
        a->leaves++;
        if ( (e & PTE_W) && !(e & PTE_NX) )
            a->writable_exec++;
        if ( e & PTE_U )
            a->user++;
    }
}

void
paging_audit(struct paging_audit *a)
{
    unsigned long flags = spin_lock_irqsave(&paging_lock);

    memset(a, 0, sizeof(*a));
    if ( kernel_pml4 )
        audit_tree(kernel_pml4, 4, a);
    spin_unlock_irqrestore(&paging_lock, flags);
}

const void *
paging_table_of(const void *p)
{
    const uint64_t *e = leaf_of((uint64_t)(uintptr_t)p);

    return e ? (const void *)ALIGN_DOWN((uintptr_t)e, PAGE_SIZE) : NULL;
}
