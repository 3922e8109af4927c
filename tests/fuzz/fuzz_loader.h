/* SPDX-License-Identifier: MIT */
/*
 * fuzz_loader.h - a boot loader's memory for the bootinfo harnesses: the
 * fuzzer's bytes mapped at a physical address, read through the same
 * phys_read_fn the kernel uses, and the checks every parsed boot_info
 * must pass whatever the input was. fuzz_loader.c.
 */
#ifndef XENLING_FUZZ_LOADER_H
#define XENLING_FUZZ_LOADER_H

#include <bootinfo.h>
#include "fuzz.h"

/* Where the image appears in the fake physical address space. */
#define FUZZ_LOADER_BASE 0x100000ull

/*
 * The loader's memory. Each read of more than one byte hands out a fresh
 * heap copy of exactly the bytes asked for, so AddressSanitizer catches a
 * parser that reads past what it asked for. After `change_after` reads (0: never) the
 * loader "changes" its memory (every byte plus one): a parser that
 * trusts a second read of a field it checked breaks the checks below.
 */
struct fuzz_loader {
    const uint8_t *img;
    size_t size;
    uint8_t *changed; /* the image after the change */
    unsigned int change_after;
    unsigned int reads;
    void **copies; /* freed by fuzz_loader_end */
    size_t nr_copies, max_copies;
};

/*
 * Map the rest of `in` at FUZZ_LOADER_BASE; its first byte, if any,
 * says after how many reads the memory changes (0: never).
 */
void fuzz_loader_begin(struct fuzz_loader *l, struct fuzz_in *in);

/* Free every copy handed out. */
void fuzz_loader_end(struct fuzz_loader *l);

/* The phys_read_fn over a struct fuzz_loader (ctx). */
const void *fuzz_loader_read(uint64_t paddr, size_t len, void *ctx);

/*
 * Abort (a crash for libFuzzer) unless bi is sane: counts within their
 * arrays, strings terminated, memory regions and modules non-empty and
 * not wrapping, the memory map sorted; and, when rc says the info was
 * unusable, empty.
 */
void fuzz_check_boot_info(const struct boot_info *bi, int rc);

/* A boot-info parser (bootinfo_parse_pvh or bootinfo_parse_mb2). */
typedef int (*boot_parser_fn)(struct boot_info *bi, uint64_t paddr,
                              phys_read_fn rd, void *ctx);

/*
 * One harness run: map the input as loader memory, parse the info at
 * FUZZ_LOADER_BASE into bi, check it, and check bi->proto is `proto`.
 */
void fuzz_boot_parse(const uint8_t *data, size_t size, boot_parser_fn parse,
                     unsigned int proto, struct boot_info *bi);

#endif
