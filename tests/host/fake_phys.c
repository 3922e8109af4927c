/* SPDX-License-Identifier: MIT */
/*
 * fake_phys.c - the fake physical memory behind the boot info parser
 * tests: see tests/host/fake_phys.h for what it offers.
 */
#include <stdlib.h>

#include "fake_phys.h"

struct region {
    uint64_t base;
    size_t size;
    unsigned char *mem;
};

static struct region regions[] = {
    { FAKE_LOW_BASE, FAKE_LOW_SIZE, NULL },
    { FAKE_TOP_BASE, FAKE_TOP_SIZE, NULL },
};

static bool direct;
static void (*read_hook)(uint64_t paddr, size_t len);
static void **copies;
static size_t nr_copies, max_copies;
static unsigned int reads;

static void
free_copies(void)
{
    for ( size_t i = 0; i < nr_copies; i++ )
        free(copies[i]);
    nr_copies = 0;
}

void
fake_phys_reset(void)
{
    for ( size_t i = 0; i < ARRAY_SIZE(regions); i++ )
    {
        if ( !regions[i].mem )
            regions[i].mem = malloc(regions[i].size);
        if ( !regions[i].mem )
            abort();
        memset(regions[i].mem, 0, regions[i].size);
    }
    free_copies();
    direct = false;
    read_hook = NULL;
    reads = 0;
}

/* The region holding all of [paddr, paddr + len), or NULL. */
static struct region *
find(uint64_t paddr, size_t len)
{
    for ( size_t i = 0; i < ARRAY_SIZE(regions); i++ )
    {
        struct region *r = &regions[i];

        /* Written so that nothing overflows, even at the top. */
        if ( paddr >= r->base && paddr - r->base <= r->size &&
             len <= r->size - (paddr - r->base) )
            return r;
    }
    return NULL;
}

void *
fake_phys(uint64_t paddr)
{
    struct region *r = find(paddr, 1);

    if ( !r || !r->mem )
        abort(); /* a bug in the test itself */
    return r->mem + (paddr - r->base);
}

const void *
fake_phys_read(uint64_t paddr, size_t len, void *ctx)
{
    struct region *r = find(paddr, len);
    void *copy;

    if ( !r || !r->mem )
        return NULL;
    reads++;
    if ( read_hook )
        read_hook(paddr, len);
    if ( direct )
        return r->mem + (paddr - r->base);

    if ( nr_copies == max_copies )
    {
        size_t want = max_copies ? 2 * max_copies : 256;
        void **p = realloc(copies, want * sizeof(*p));

        if ( !p )
            abort();
        copies = p;
        max_copies = want;
    }
    copy = malloc(len ? len : 1);
    if ( !copy )
        abort();
    memcpy(copy, r->mem + (paddr - r->base), len);
    copies[nr_copies++] = copy;
    return copy;
}

void
fake_phys_set_direct(bool on)
{
    direct = on;
}

void
fake_phys_set_hook(void (*hook)(uint64_t paddr, size_t len))
{
    read_hook = hook;
}

unsigned int
fake_phys_reads(void)
{
    return reads;
}
