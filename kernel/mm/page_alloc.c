/* SPDX-License-Identifier: MIT */
/*
 * page_alloc.c - the physical page allocator: one bit per page frame
 * (1 = free) over all usable RAM, first fit from a rotating hint. Freed
 * pages are filled with PAGE_POISON so a use after free reads junk.
 */
#include <kernel.h>
#include <bitmap.h>
#include <mm.h>
#include <spinlock.h>

#define LOW_RESERVED 0x100000ul /* firmware and loader live here */

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

/* Is [base, base+len) clear of the kernel image and the boot modules? */
static bool
range_is_free(const struct boot_info *bi, uint64_t base, uint64_t len)
{
    unsigned int i;

    if ( overlaps(base, len, virt_to_phys(__kernel_start),
                  __kernel_end - __kernel_start) )
        return false;
    for ( i = 0; i < bi->nr_modules; i++ )
        if ( overlaps(base, len, bi->mod[i].paddr, bi->mod[i].size) )
            return false;
    return true;
}

void
page_alloc_init(const struct boot_info *bi)
{
    uint64_t top = 0, map_bytes, map_at = 0;
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
            if ( range_is_free(bi, b, PAGE_SIZE) &&
                 !overlaps(b, PAGE_SIZE, map_at, map_bytes) &&
                 !bitmap_test(free_map, b >> PAGE_SHIFT) )
            {
                bitmap_set(free_map, b >> PAGE_SHIFT);
                nr_free++;
            }
    }
    hint = 0;
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
         pa < LOW_RESERVED ||
         overlaps(pa, n * PAGE_SIZE, virt_to_phys(__kernel_start),
                  __kernel_end - __kernel_start) )
        panic("page_free: %p (+%zu pages) is not a page this allocator "
              "manages",
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

bool
page_reserve(uint64_t pa)
{
    size_t f = pa >> PAGE_SHIFT;
    unsigned long flags = spin_lock_irqsave(&page_lock);
    bool was_free = f < nr_frames && bitmap_test(free_map, f);

    if ( was_free )
    {
        bitmap_clear(free_map, f);
        nr_free--;
    }
    spin_unlock_irqrestore(&page_lock, flags);
    return was_free;
}

size_t
page_free_count(void)
{
    return nr_free;
}
