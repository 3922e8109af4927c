/* SPDX-License-Identifier: MIT */
/*
 * bootinfo_pvh.c - libFuzzer harness for the PVH start info parser
 * (bootinfo_parse_pvh in kernel/lib/bootinfo.c). Input: one byte saying
 * when the loader's memory changes (tests/fuzz/fuzz_loader.h), then the
 * memory image, with the hvm_start_info at its start; every pointer in it
 * is a physical address, the image sits at FUZZ_LOADER_BASE.
 */
#include "fuzz_loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct boot_info bi;

    fuzz_boot_parse(data, size, bootinfo_parse_pvh, BOOT_PROTO_PVH, &bi);
    return 0;
}
