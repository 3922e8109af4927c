/* SPDX-License-Identifier: MIT */
/*
 * bootinfo_mb2.c - libFuzzer harness for the multiboot2 information
 * parser (bootinfo_parse_mb2 in kernel/lib/bootinfo.c). Input: one byte
 * saying when the loader's memory changes (tests/fuzz/fuzz_loader.h),
 * then the memory image, with the multiboot2 information at its start.
 */
#include "fuzz_loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct boot_info bi;

    fuzz_boot_parse(data, size, bootinfo_parse_mb2, BOOT_PROTO_MB2, &bi);
    /* The RSDP, if found, is a copy inside the info itself. */
    FUZZ_CHECK(bi.rsdp == 0 || (bi.rsdp >= FUZZ_LOADER_BASE &&
                                bi.rsdp < FUZZ_LOADER_BASE + size),
               "rsdp 0x%llx outside the info", (unsigned long long)bi.rsdp);
    return 0;
}
