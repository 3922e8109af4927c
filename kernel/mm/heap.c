/* SPDX-License-Identifier: MIT */
/*
 * heap.c - kmalloc/kfree: power-of-two size classes from 32 to 2048
 * bytes carved out of whole pages, and whole pages for anything larger.
 * Every block starts with a 16-byte header whose magic catches double
 * frees and foreign pointers; freed blocks are filled with PAGE_POISON.
 * Pages of the small classes are kept for reuse, not returned.
 */
#include <kernel.h>
#include <mm.h>
#include <spinlock.h>

#define HDR_SIZE    16
#define MAGIC_LIVE  0x4b4d4c56u /* "VLMK" */
#define MAGIC_FREE  0x46524545u /* "EERF" */
#define MIN_SHIFT   5           /* 32-byte class */
#define MAX_SHIFT   11          /* 2048-byte class */
#define NR_CLASSES  (MAX_SHIFT - MIN_SHIFT + 1)
#define CLASS_LARGE 0xff

struct block {
    uint32_t magic;
    uint8_t class; /* shift, or CLASS_LARGE */
    uint8_t pad[3];
    union {
        struct block *next; /* on a free list */
        uint64_t pages;     /* CLASS_LARGE: pages spanned */
    };
};
BUILD_BUG_ON(sizeof(struct block) != HDR_SIZE);

/* Protects free lists and counters. */
static spinlock_t heap_lock = SPINLOCK_INIT("heap");
static struct block *free_list[NR_CLASSES];
static size_t owned_pages; /* small-class pages kept */
static size_t live;        /* allocations not yet freed */

void
heap_init(void)
{
    printk("heap: classes %u..%u bytes, larger from whole pages\n",
           1u << MIN_SHIFT, 1u << MAX_SHIFT);
}

static bool
refill(unsigned int shift)
{
    char *page = page_alloc();
    size_t sz = 1ul << shift, off;

    if ( !page )
        return false;
    owned_pages++;
    for ( off = 0; off + sz <= PAGE_SIZE; off += sz )
    {
        struct block *b = (struct block *)(page + off);

        b->magic = MAGIC_FREE;
        b->class = shift;
        b->next = free_list[shift - MIN_SHIFT];
        free_list[shift - MIN_SHIFT] = b;
    }
    return true;
}

void *
kmalloc(size_t size)
{
    unsigned int shift = MIN_SHIFT;
    unsigned long flags;
    struct block *b;

    if ( size == 0 || size > (1ul << 30) )
        return NULL;
    if ( size + HDR_SIZE > (1ul << MAX_SHIFT) )
    {
        size_t pages = ALIGN_UP(size + HDR_SIZE, PAGE_SIZE) >> PAGE_SHIFT;

        b = page_alloc_n(pages);
        if ( !b )
            return NULL;
        b->magic = MAGIC_LIVE;
        b->class = CLASS_LARGE;
        b->pages = pages;
        flags = spin_lock_irqsave(&heap_lock);
        live++;
        spin_unlock_irqrestore(&heap_lock, flags);
        return (char *)b + HDR_SIZE;
    }
    while ( (1ul << shift) < size + HDR_SIZE )
        shift++;

    flags = spin_lock_irqsave(&heap_lock);
    if ( !free_list[shift - MIN_SHIFT] && !refill(shift) )
    {
        spin_unlock_irqrestore(&heap_lock, flags);
        return NULL;
    }
    b = free_list[shift - MIN_SHIFT];
    if ( b->magic != MAGIC_FREE || b->class != shift )
        panic("heap: free list of class %u holds a corrupted block at %p",
              1u << shift, (void *)b);
    free_list[shift - MIN_SHIFT] = b->next;
    b->magic = MAGIC_LIVE;
    live++;
    spin_unlock_irqrestore(&heap_lock, flags);
    return (char *)b + HDR_SIZE;
}

void *
kzalloc(size_t size)
{
    void *p = kmalloc(size);

    if ( p )
        memset(p, 0, size);
    return p;
}

void
kfree(void *p)
{
    struct block *b;
    unsigned long flags;

    if ( !p )
        return;
    b = (struct block *)((char *)p - HDR_SIZE);
    if ( b->magic == MAGIC_FREE )
        panic("kfree: %p freed twice", p);
    if ( b->magic != MAGIC_LIVE )
        panic("kfree: %p was not returned by kmalloc (magic 0x%x)", p,
              b->magic);
    if ( b->class == CLASS_LARGE )
    {
        size_t pages = b->pages;

        b->magic = MAGIC_FREE;
        flags = spin_lock_irqsave(&heap_lock);
        live--;
        spin_unlock_irqrestore(&heap_lock, flags);
        page_free_n(b, pages);
        return;
    }
    if ( b->class < MIN_SHIFT || b->class > MAX_SHIFT )
        panic("kfree: %p has a corrupted header (class %u)", p, b->class);
    memset(p, PAGE_POISON, (1ul << b->class) - HDR_SIZE);
    flags = spin_lock_irqsave(&heap_lock);
    b->magic = MAGIC_FREE;
    b->next = free_list[b->class - MIN_SHIFT];
    free_list[b->class - MIN_SHIFT] = b;
    live--;
    spin_unlock_irqrestore(&heap_lock, flags);
}

size_t
heap_pages(void)
{
    return owned_pages;
}

size_t
heap_live_allocations(void)
{
    return live;
}
