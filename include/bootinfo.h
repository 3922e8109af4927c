/* SPDX-License-Identifier: MIT */
/*
 * bootinfo.h - what the kernel learned from its boot loader, validated and
 * copied out of the loader's memory: the PVH hvm_start_info (Xen, QEMU
 * -kernel) or the multiboot2 information (GRUB2), plus an e820 map from
 * XENMEM_memory_map when the start info carries none.
 *
 * The parsers are portable (kernel/lib/bootinfo.c) and read loader memory
 * only through a phys_read_fn, so host tests can hand them broken input.
 * Nothing in the loader's structures is trusted: every pointer and length
 * is checked, and each rejected field is reported with a message.
 */
#ifndef XENLING_BOOTINFO_H
#define XENLING_BOOTINFO_H

#include <lib.h>

#define BOOT_PROTO_PVH 1
#define BOOT_PROTO_MB2 2

#define BOOTINFO_CMDLINE_MAX 1024
#define BOOTINFO_MAX_MEM     128
#define BOOTINFO_MAX_MODULES 16
#define BOOTINFO_MOD_CMDLINE 128

/* e820 types, which is also what PVH's memmap and multiboot2 use. */
#define MEM_USABLE   1
#define MEM_RESERVED 2
#define MEM_ACPI     3
#define MEM_NVS      4
#define MEM_UNUSABLE 5

struct mem_region {
    uint64_t base;
    uint64_t size;
    uint32_t type;
};

struct boot_module {
    uint64_t paddr;
    uint64_t size;
    char cmdline[BOOTINFO_MOD_CMDLINE];
};

struct boot_info {
    unsigned int proto; /* BOOT_PROTO_* */
    bool valid;         /* the loader's info was usable */
    uint32_t version;   /* hvm_start_info version */
    uint32_t flags;     /* SIF_* (PVH only) */
    uint64_t rsdp;      /* physical address of an RSDP, 0 if unknown */
    /* Multiboot2 hands over a copy of the RSDP, in memory that is reused
     * after boot: it is copied here, and the kernel points rsdp at it. */
    uint8_t rsdp_copy[36];
    uint32_t rsdp_len; /* bytes in rsdp_copy, 0 if none */
    char cmdline[BOOTINFO_CMDLINE_MAX];
    unsigned int nr_mem;
    struct mem_region mem[BOOTINFO_MAX_MEM];
    unsigned int nr_modules;
    struct boot_module mod[BOOTINFO_MAX_MODULES];
    unsigned int rejected; /* fields dropped as malformed */
};

/*
 * Return a pointer through which `len` bytes at physical address `paddr`
 * can be read, or NULL if that range is not readable.
 */
typedef const void *(*phys_read_fn)(uint64_t paddr, size_t len, void *ctx);

/*
 * Fill bi from the hvm_start_info at paddr. Returns 0, or -1 if the start
 * info itself is unusable (unreadable, bad magic): then bi holds nothing.
 * Malformed fields (command line, modules, memory map entries) are dropped
 * one by one with a message and counted in bi->rejected.
 */
int bootinfo_parse_pvh(struct boot_info *bi, uint64_t paddr, phys_read_fn rd,
                       void *ctx);

/* The same for a multiboot2 information structure. */
int bootinfo_parse_mb2(struct boot_info *bi, uint64_t paddr, phys_read_fn rd,
                       void *ctx);

/*
 * Replace bi's memory map with `n` packed e820 entries (20 bytes each:
 * addr, size, type), as XENMEM_memory_map returns them. Bad entries are
 * dropped and counted. Returns the number of entries kept.
 */
unsigned int bootinfo_set_e820(struct boot_info *bi, const void *entries,
                               unsigned int n);

/* Sort the memory map by base address. Overlaps are reported, not fixed. */
void bootinfo_sort_mem(struct boot_info *bi);

#endif
