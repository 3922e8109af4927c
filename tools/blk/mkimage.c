/* SPDX-License-Identifier: MIT */
/*
 * mkimage.c - write a disk image with the guest's own encoder
 * (drivers/blk/blk_pattern.c), so tools/blk/selftest.sh can prove the
 * host checkers (patcheck.py, logcheck.py) read what the kernel writes.
 * Built for the host by selftest.sh.
 *
 *   mkimage OUT SECTORS SEED                  the pattern everywhere
 *   mkimage OUT SECTORS SEED BASE WIDTH K     then epochs 1..K tagged at
 *                                             BASE + (e-1)*WIDTH, WIDTH
 *                                             sectors each
 */
#include <stdio.h>
#include <stdlib.h>
#include <lib.h>
#include "drivers/blk/blk_pattern.h"

/* blk_pattern.c prints nothing, but lib.h declares printk. */
void
printk(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

int
main(int argc, char **argv)
{
    unsigned char s[BLK_PATTERN_SECTOR];
    uint64_t n, sectors, seed, base = 0, width = 0, last = 0;
    struct blk_tag t = { 0 };
    FILE *f;

    if ( argc != 4 && argc != 7 )
    {
        fprintf(stderr, "usage: mkimage OUT SECTORS SEED [BASE WIDTH K]\n");
        return 2;
    }
    sectors = strtoull(argv[2], NULL, 0);
    seed = strtoull(argv[3], NULL, 0);
    if ( argc == 7 )
    {
        base = strtoull(argv[4], NULL, 0);
        width = strtoull(argv[5], NULL, 0);
        last = strtoull(argv[6], NULL, 0);
    }
    f = fopen(argv[1], "wb");
    if ( !f )
    {
        perror(argv[1]);
        return 2;
    }
    for ( n = 0; n < sectors; n++ )
    {
        if ( n >= base && n < base + width * last )
        {
            t.sector = n;
            t.seed = seed;
            t.epoch = (n - base) / width + 1;
            blk_tag_write(s, &t);
        }
        else
            blk_pattern_fill(s, n, 1, seed);
        if ( fwrite(s, sizeof(s), 1, f) != 1 )
        {
            perror(argv[1]);
            return 2;
        }
    }
    return fclose(f) == 0 ? 0 : 2;
}
