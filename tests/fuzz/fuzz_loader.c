/* SPDX-License-Identifier: MIT */
/*
 * fuzz_loader.c - the fake boot loader memory and the boot_info checks
 * shared by the bootinfo harnesses (tests/fuzz/fuzz_loader.h).
 */
#include <stdlib.h>

#include "fuzz_loader.h"

void
fuzz_loader_begin(struct fuzz_loader *l, struct fuzz_in *in)
{
    size_t i;

    memset(l, 0, sizeof(*l));
    l->change_after = (unsigned int)fuzz_take(in, 1);
    l->img = in->p;
    l->size = in->left;
    if ( l->change_after )
    {
        l->changed = malloc(l->size ? l->size : 1);
        if ( !l->changed )
            fuzz_fail("out of memory");
        for ( i = 0; i < l->size; i++ )
            l->changed[i] = (uint8_t)(l->img[i] + 1);
    }
}

void
fuzz_loader_end(struct fuzz_loader *l)
{
    size_t i;

    for ( i = 0; i < l->nr_copies; i++ )
        free(l->copies[i]);
    free(l->copies);
    free(l->changed);
}

const void *
fuzz_loader_read(uint64_t paddr, size_t len, void *ctx)
{
    struct fuzz_loader *l = ctx;
    const uint8_t *from;
    uint64_t off;
    void *copy;

    if ( paddr < FUZZ_LOADER_BASE )
        return NULL;
    off = paddr - FUZZ_LOADER_BASE;
    if ( off > l->size || len > l->size - off )
        return NULL;
    from = l->change_after && l->reads >= l->change_after ? l->changed : l->img;
    l->reads++;
    /* One byte cannot be over-read: no copy (strings are read so). */
    if ( len == 1 )
        return from + off;
    if ( l->nr_copies == l->max_copies )
    {
        size_t want = l->max_copies ? 2 * l->max_copies : 64;
        void **p = realloc(l->copies, want * sizeof(*p));

        if ( !p )
            fuzz_fail("out of memory");
        l->copies = p;
        l->max_copies = want;
    }
    /* Exactly len bytes: one more is an overflow ASan reports. */
    copy = malloc(len ? len : 1);
    if ( !copy )
        fuzz_fail("out of memory");
    memcpy(copy, from + off, len);
    l->copies[l->nr_copies++] = copy;
    return copy;
}

static void
check_string(const char *s, size_t max, const char *what)
{
    FUZZ_CHECK(memchr(s, '\0', max) != NULL, "%s is not NUL-terminated", what);
}

void
fuzz_check_boot_info(const struct boot_info *bi, int rc)
{
    unsigned int i;

    FUZZ_CHECK(rc == 0 || rc == -1, "parser returned %d", rc);
    FUZZ_CHECK(bi->nr_mem <= BOOTINFO_MAX_MEM, "nr_mem %u", bi->nr_mem);
    FUZZ_CHECK(bi->nr_modules <= BOOTINFO_MAX_MODULES, "nr_modules %u",
               bi->nr_modules);
    check_string(bi->cmdline, sizeof(bi->cmdline), "command line");
    if ( rc )
        FUZZ_CHECK(bi->nr_mem == 0 && bi->nr_modules == 0 &&
                       bi->cmdline[0] == '\0',
                   "an unusable info left fields behind");
    for ( i = 0; i < bi->nr_mem; i++ )
    {
        const struct mem_region *r = &bi->mem[i];

        FUZZ_CHECK(r->size != 0 && r->base + r->size > r->base,
                   "memory region %u is empty or wraps", i);
        FUZZ_CHECK(i == 0 || bi->mem[i - 1].base <= r->base,
                   "memory map not sorted at %u", i);
    }
    for ( i = 0; i < bi->nr_modules; i++ )
    {
        const struct boot_module *m = &bi->mod[i];

        FUZZ_CHECK(m->size != 0 && m->paddr + m->size > m->paddr,
                   "module %u is empty or wraps", i);
        check_string(m->cmdline, sizeof(m->cmdline), "module command line");
    }
}

void
fuzz_boot_parse(const uint8_t *data, size_t size, boot_parser_fn parse,
                unsigned int proto, struct boot_info *bi)
{
    struct fuzz_in in = { data, size };
    struct fuzz_loader l;
    int rc;

    fuzz_loader_begin(&l, &in);
    rc = parse(bi, FUZZ_LOADER_BASE, fuzz_loader_read, &l);
    fuzz_loader_end(&l);
    fuzz_check_boot_info(bi, rc);
    FUZZ_CHECK(bi->proto == proto, "proto %u, not %u", bi->proto, proto);
}
