/* SPDX-License-Identifier: MIT */
/*
 * page_alloc.c - the physical page allocator: one bit per page frame
 * (1 = free) over all usable RAM, first fit from a rotating hint. Freed
 * pages are filled with PAGE_POISON so a use after free reads junk.
 * Frames that Xen, the toolstack or the loader write (the PV console and
 * xenstore rings, the start info) are "foreign": noted before
 * page_alloc_init and never handed out.
 */
#include <kernel.h>
#include <bitmap.h>
#include <mm.h>
#include <spinlock.h>

#define LOW_RESERVED 0x100000ul /* firmware and loader live here */
#define MAX_FOREIGN  16

/*
 * Foreign ranges, noted by page_foreign_add(). Before page_alloc_init
 * only the boot CPU writes them; afterwards under page_lock, and entries
 * are never removed, so a reader that sees nr_foreign sees its entries.
 */
static struct {
    uint64_t base, size;
    const char *what;
} foreign[MAX_FOREIGN];
static unsigned int nr_foreign;
static bool alloc_ready; /* page_alloc_init has run */
/* Set by page_alloc_init, then read-only. */
static const struct boot_info *boot_bi;
static uint64_t map_at, map_bytes; /* where the frame bitmap lives */

/* Protects every field below after page_alloc_init. */
static spinlock_t page_lock = SPINLOCK_INIT("page_alloc");
static unsigned long *free_map; /* bit per frame: 1 = free */
static size_t nr_frames;        /* frames the map covers */
static size_t nr_free;
static size_t hint; /* where the next search starts */

static bool
overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

static bool
overlaps_image(uint64_t base, uint64_t len)
{
    return overlaps(base, len, virt_to_phys(__kernel_start),
                    __kernel_end - __kernel_start);
}

static bool
overlaps_foreign(uint64_t base, uint64_t len)
{
    unsigned int i;

    for ( i = 0; i < nr_foreign; i++ )
        if ( overlaps(base, len, foreign[i].base, foreign[i].size) )
            return true;
    return false;
}

/* Is [base, base+len) clear of the image, the modules, foreign frames? */
static bool
range_is_free(const struct boot_info *bi, uint64_t base, uint64_t len)
{
    unsigned int i;

    if ( overlaps_image(base, len) || overlaps_foreign(base, len) )
        return false;
    for ( i = 0; i < bi->nr_modules; i++ )
        if ( overlaps(base, len, bi->mod[i].paddr, bi->mod[i].size) )
            return false;
    return true;
}

/* Would page_alloc_init have made the frame at pa free? */
static bool
managed(const struct boot_info *bi, uint64_t pa)
{
    unsigned int i;

    if ( pa < LOW_RESERVED || overlaps(pa, PAGE_SIZE, map_at, map_bytes) ||
         !range_is_free(bi, pa, PAGE_SIZE) )
        return false;
    for ( i = 0; i < bi->nr_mem; i++ )
        if ( bi->mem[i].type == MEM_USABLE &&
             pa >= ALIGN_UP(bi->mem[i].base, PAGE_SIZE) &&
             pa + PAGE_SIZE <=
                 ALIGN_DOWN(bi->mem[i].base + bi->mem[i].size, PAGE_SIZE) )
            return true;
    return false;
}

/* Take the free frames of [base, base+size) out of the pool; panic if
 * one is already allocated. page_lock, after page_alloc_init. */
static void
take_out(uint64_t base, uint64_t size, const char *what)
{
    uint64_t pa;

    for ( pa = ALIGN_DOWN(base, PAGE_SIZE); pa < base + size; pa += PAGE_SIZE )
    {
        size_t f = pa >> PAGE_SHIFT;

        if ( f >= nr_frames )
            break;
        if ( bitmap_test(free_map, f) )
        {
            bitmap_clear(free_map, f);
            nr_free--;
        }
        else if ( managed(boot_bi, pa) )
            panic(
                "page_alloc: frame 0x%llx (%s) is written by others but is already allocated to us",
                (unsigned long long)pa, what);
    }
}

void
page_foreign_add(uint64_t base, uint64_t size, const char *what)
{
    unsigned long flags;

    if ( size == 0 || base + size < base )
        panic("page_alloc: foreign range %s at 0x%llx has a bad size %llu",
              what, (unsigned long long)base, (unsigned long long)size);
    if ( overlaps_image(base, size) )
        panic("page_alloc: %s at 0x%llx (+%llu) overlaps the kernel image",
              what, (unsigned long long)base, (unsigned long long)size);
    flags = spin_lock_irqsave(&page_lock);
    if ( alloc_ready )
        take_out(base, size, what);
    if ( !overlaps_foreign(base, size) )
    {
        if ( nr_foreign == MAX_FOREIGN )
            panic("page_alloc: more than %u foreign ranges (adding %s)",
                  MAX_FOREIGN, what);
        foreign[nr_foreign].base = base;
        foreign[nr_foreign].size = size;
        foreign[nr_foreign].what = what;
        nr_foreign++;
    }
    spin_unlock_irqrestore(&page_lock, flags);
}

bool
page_is_foreign(uint64_t pa)
{
    unsigned long flags = spin_lock_irqsave(&page_lock);
    bool yes = overlaps_foreign(pa, 1);

    spin_unlock_irqrestore(&page_lock, flags);
    return yes;
}

void
page_alloc_init(const struct boot_info *bi)
{
    uint64_t top = 0;
    unsigned int i;

    for ( i = 0; i < bi->nr_mem; i++ )
        if ( bi->mem[i].type == MEM_USABLE )
            top = MAX(top, bi->mem[i].base + bi->mem[i].size);
    if ( top <= LOW_RESERVED )
        panic("page_alloc: the memory map has no usable RAM above 1 MiB");

    nr_frames = top >> PAGE_SHIFT;
    map_bytes = ALIGN_UP(BITMAP_LONGS(nr_frames) * sizeof(long), PAGE_SIZE);

    /* Put the bitmap in the first usable place that holds nothing else
     * and that the boot page tables map (below 4 GiB). */
    for ( i = 0; i < bi->nr_mem && !map_at; i++ )
    {
        uint64_t b = ALIGN_UP(MAX(bi->mem[i].base, LOW_RESERVED), PAGE_SIZE);
        uint64_t e = ALIGN_DOWN(bi->mem[i].base + bi->mem[i].size, PAGE_SIZE);

        if ( bi->mem[i].type != MEM_USABLE )
            continue;
        for ( ; b + map_bytes <= e && b + map_bytes <= (1ull << 32);
              b += PAGE_SIZE )
            if ( range_is_free(bi, b, map_bytes) )
            {
                map_at = b;
                break;
            }
    }
    if ( !map_at )
        panic("page_alloc: no room for a %llu-byte frame bitmap",
              (unsigned long long)map_bytes);
    free_map = phys_to_virt(map_at);
    memset(free_map, 0, map_bytes);

    for ( i = 0; i < bi->nr_mem; i++ )
    {
        uint64_t b = ALIGN_UP(MAX(bi->mem[i].base, LOW_RESERVED), PAGE_SIZE);
        uint64_t e = ALIGN_DOWN(bi->mem[i].base + bi->mem[i].size, PAGE_SIZE);

        if ( bi->mem[i].type != MEM_USABLE )
            continue;
        for ( ; b < e; b += PAGE_SIZE )
            if ( managed(bi, b) && !bitmap_test(free_map, b >> PAGE_SHIFT) )
            {
                bitmap_set(free_map, b >> PAGE_SHIFT);
                nr_free++;
            }
    }
    hint = 0;
    boot_bi = bi;
    alloc_ready = true;
    for ( i = 0; i < nr_foreign; i++ )
        printk("page_alloc: kept out [%llx-%llx): %s\n",
               (unsigned long long)foreign[i].base,
               (unsigned long long)(foreign[i].base + foreign[i].size),
               foreign[i].what);
    printk("page_alloc: %zu free pages (%zu MiB), frame bitmap at 0x%llx\n",
           nr_free, nr_free >> (20 - PAGE_SHIFT), (unsigned long long)map_at);
}

void *
page_alloc_n(size_t n)
{
    unsigned long flags = spin_lock_irqsave(&page_lock);
    size_t f = bitmap_find_run(free_map, nr_frames, hint, n);
    void *p = NULL;

    if ( f < nr_frames )
    {
        bitmap_clear_range(free_map, f, n);
        nr_free -= n;
        hint = f + n;
        p = phys_to_virt((uint64_t)f << PAGE_SHIFT);
    }
    spin_unlock_irqrestore(&page_lock, flags);
    return p;
}

void *
page_alloc(void)
{
    return page_alloc_n(1);
}

void *
page_alloc_zeroed(void)
{
    void *p = page_alloc();

    if ( p )
        memset(p, 0, PAGE_SIZE);
    return p;
}

void
page_free_n(void *p, size_t n)
{
    uint64_t pa = virt_to_phys(p);
    size_t f = pa >> PAGE_SHIFT, i;
    unsigned long flags;

    if ( pa & (PAGE_SIZE - 1) || f + n > nr_frames || f + n < f ||
         pa < LOW_RESERVED || overlaps_image(pa, n * PAGE_SIZE) ||
         overlaps_foreign(pa, n * PAGE_SIZE) )
        panic("page_free: %p (+%zu pages) is not a page this allocator manages",
              p, n);
    memset(p, PAGE_POISON, n * PAGE_SIZE);
    flags = spin_lock_irqsave(&page_lock);
    for ( i = 0; i < n; i++ )
        if ( bitmap_test(free_map, f + i) )
            panic("page_free: page 0x%llx is already free (double free)",
                  (unsigned long long)(f + i) << PAGE_SHIFT);
    bitmap_set_range(free_map, f, n);
    nr_free += n;
    spin_unlock_irqrestore(&page_lock, flags);
}

void
page_free(void *p)
{
    page_free_n(p, 1);
}

size_t
page_free_count(void)
{
    return nr_free;
}
