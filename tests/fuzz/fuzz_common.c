/* SPDX-License-Identifier: MIT */
/*
 * fuzz_common.c - the pieces every harness links (tests/fuzz/fuzz.h): the
 * input reader, the failure report, and a printk that runs the kernel's
 * formatter over each message and throws the text away (printing would
 * slow the fuzzer a hundredfold, and the parsers print for every field
 * they reject). With FUZZ_VERBOSE set in the environment it prints them
 * (to see why a crash input was rejected where it was).
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

uint64_t
fuzz_take(struct fuzz_in *in, unsigned int n)
{
    uint64_t v = 0;
    unsigned int i;

    for ( i = 0; i < n && i < 8; i++ )
    {
        if ( !in->left )
            break;
        v |= (uint64_t)*in->p << (8 * i);
        in->p++;
        in->left--;
    }
    return v;
}

void
fuzz_fail(const char *fmt, ...)
{
    va_list ap;

    fputs("fuzz: invariant broken: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

void
vprintk(const char *fmt, va_list ap)
{
    static int verbose = -1;
    char line[256];

    vsnprintf(line, sizeof(line), fmt, ap);
    if ( verbose < 0 )
        verbose = getenv("FUZZ_VERBOSE") != NULL;
    if ( verbose )
        fputs(line, stderr);
}

void
printk(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}
