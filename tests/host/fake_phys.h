/* SPDX-License-Identifier: MIT */
/*
 * fake_phys.h - a fake physical address space for host tests of the boot
 * info parsers (tests/host/test_bootinfo*.c): two readable regions, one low
 * and one ending at the very top of the 64-bit space (to reach address
 * wrap-around), and a phys_read_fn over them. Everything else reads as
 * NULL. Implementation in tests/host/fake_phys.c.
 */
#ifndef XENLING_FAKE_PHYS_H
#define XENLING_FAKE_PHYS_H

#include <lib.h>

#define FAKE_LOW_BASE 0x200000ull
#define FAKE_LOW_SIZE 0x20000u
#define FAKE_TOP_BASE 0xfffffffffffff000ull
#define FAKE_TOP_SIZE 0x1000u

/*
 * Zero both regions, forget earlier reads and go back to copy mode with no
 * hook. Call first in every test that uses the fake memory.
 */
void fake_phys_reset(void);

/* Where the test writes the byte at paddr (which must be in a region). */
void *fake_phys(uint64_t paddr);

/*
 * The phys_read_fn (ctx unused). In copy mode (the default) every read
 * returns a fresh heap copy of exactly len bytes, so AddressSanitizer
 * catches a parser reading past what it asked for; the copies live until
 * the next fake_phys_reset(). In direct mode it returns pointers into the
 * regions, so a hook's later writes show through earlier pointers, as
 * they would with a hostile loader writing memory under the parser.
 */
const void *fake_phys_read(uint64_t paddr, size_t len, void *ctx);

void fake_phys_set_direct(bool direct);

/* Called at the start of every successful read (NULL: none). */
void fake_phys_set_hook(void (*hook)(uint64_t paddr, size_t len));

/* Successful reads since the last reset. */
unsigned int fake_phys_reads(void);

#endif
