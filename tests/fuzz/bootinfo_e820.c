/* SPDX-License-Identifier: MIT */
/*
 * bootinfo_e820.c - libFuzzer harness for the XENMEM_memory_map result
 * (bootinfo_set_e820 in kernel/lib/bootinfo.c): the input is the packed
 * 20-byte entries Xen returned, in a buffer of exactly their size.
 */
#include <stdlib.h>

#include "fuzz_loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct boot_info bi;
    unsigned int n = (unsigned int)(size / 20), kept;
    void *copy = malloc(n ? n * 20 : 1);

    if ( !copy )
        fuzz_fail("out of memory");
    memcpy(copy, data, n * 20);
    memset(&bi, 0, sizeof(bi));
    kept = bootinfo_set_e820(&bi, copy, n);
    free(copy);
    FUZZ_CHECK(kept == bi.nr_mem, "returned %u, kept %u", kept, bi.nr_mem);
    FUZZ_CHECK(kept <= n, "kept %u of %u entries", kept, n);
    FUZZ_CHECK(kept + bi.rejected == n, "kept %u + rejected %u != %u", kept,
               bi.rejected, n);
    fuzz_check_boot_info(&bi, 0);
    return 0;
}
