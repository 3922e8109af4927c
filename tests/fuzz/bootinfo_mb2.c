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
    /* An RSDP copy (20 bytes, or 36 from ACPI 2.0), never a pointer into
     * loader memory. */
    FUZZ_CHECK(bi.rsdp_len == 0 ||
                   (bi.rsdp_len >= 20 && bi.rsdp_len <= sizeof(bi.rsdp_copy)),
               "rsdp_len %u", bi.rsdp_len);
    FUZZ_CHECK(bi.rsdp == 0, "rsdp 0x%llx points into loader memory",
               (unsigned long long)bi.rsdp);
    return 0;
}
