/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h - what the libFuzzer harnesses in tests/fuzz/ share: a reader
 * that takes bytes off the fuzzer's input one field at a time, and the
 * way a harness reports a broken invariant (a crash libFuzzer records).
 * printk is fuzz_common.c's: it formats every message with the kernel's
 * own vsnprintf, so odd values reach the formatter too, and prints
 * nothing. `make fuzz` builds and runs them (tests/fuzz/README.md).
 */
#ifndef XENLING_FUZZ_H
#define XENLING_FUZZ_H

#include <lib.h>

/* The fuzzer's input, consumed from the front. */
struct fuzz_in {
    const uint8_t *p;
    size_t left;
};

/*
 * The next n bytes of the input as a little-endian number (n <= 8);
 * missing bytes read as zero, so every input is a complete test.
 */
uint64_t fuzz_take(struct fuzz_in *in, unsigned int n);

/* Whether any input is left. */
static inline bool
fuzz_more(const struct fuzz_in *in)
{
    return in->left != 0;
}

/*
 * Report a broken invariant and abort: libFuzzer saves the input as a
 * crash. Never returns.
 */
void fuzz_fail(const char *fmt, ...) __printf(1, 2) __noreturn;

#define FUZZ_CHECK(cond, ...) \
    do \
    { \
        if ( !(cond) ) \
            fuzz_fail(__VA_ARGS__); \
    } while ( 0 )

#endif
