/* SPDX-License-Identifier: MIT */
/*
 * boot.c - turn what the loader handed us into boot_info: validate and
 * copy the PVH start info or multiboot2 info (kernel/lib/bootinfo.c), and
 * when there is no memory map in it (a PVH dom0 on Xen 4.17 gets a
 * version 0 start info) ask Xen (xen_memory_map() in
 * kernel/xen/hypervisor/hypervisor.c).
 */
#include <kernel.h>
#include <bootinfo.h>
#include <hypervisor.h>
#include <mm.h>
#include <xen/arch-x86/hvm/start_info.h>

struct boot_info boot_info;

/* Loader memory, read through the boot identity map (first 4 GiB). QEMU
 * puts its PVH memory map in page 0 (at 0x5a8), so only address 0 is out. */
static const void *
early_phys_read(uint64_t paddr, size_t len, void *ctx)
{
    (void)ctx;
    if ( paddr == 0 || paddr + len < paddr || paddr + len > (1ull << 32) )
        return NULL;
    return (const void *)(uintptr_t)paddr;
}

/* No memory map from the loader: ask Xen (kernel/xen/hypervisor/). */
static void
boot_info_from_xen(struct boot_info *bi)
{
    static unsigned char e820[BOOTINFO_MAX_MEM * 20];
    unsigned int n;

    if ( xen_memory_map(e820, BOOTINFO_MAX_MEM, &n) != 0 )
        return;
    bootinfo_set_e820(bi, e820, n);
    printk("boot: memory map from XENMEM_memory_map: %u entries\n", bi->nr_mem);
}

void
boot_info_init(unsigned int proto, unsigned long info)
{
    struct boot_info *bi = &boot_info;
    int rc = -1;
    unsigned int i;

    if ( proto == BOOT_PROTO_PVH )
        rc = bootinfo_parse_pvh(bi, info, early_phys_read, NULL);
    else if ( proto == BOOT_PROTO_MB2 )
        rc = bootinfo_parse_mb2(bi, info, early_phys_read, NULL);
    if ( rc != 0 )
    {
        memset(bi, 0, sizeof(*bi));
        bi->proto = proto;
        printk(
            "boot: no usable boot information (protocol %u at 0x%lx); continuing with none\n",
            proto, info);
    }
    else
        bi->valid = true;
    /* Multiboot2's RSDP is our copy, not the loader's reusable memory. */
    if ( bi->rsdp_len )
        bi->rsdp = virt_to_phys(bi->rsdp_copy);
    /* Everything was copied out of the start info above; it stays out of
     * the allocator all the same, as memory the loader wrote. */
    if ( bi->valid && proto == BOOT_PROTO_PVH )
        page_foreign_add(info, sizeof(struct hvm_start_info), "PVH start info");
    if ( proto == BOOT_PROTO_PVH )
        printk(
            "boot: PVH entry, start info v%u, flags 0x%x, %u modules, command line \"%s\"\n",
            bi->version, bi->flags, bi->nr_modules, bi->cmdline);
    else
        printk("boot: multiboot2 entry, %u modules, command line \"%s\"\n",
               bi->nr_modules, bi->cmdline);

    if ( bi->nr_mem == 0 && xen.hypercalls )
        boot_info_from_xen(bi);
    if ( bi->nr_mem == 0 )
        panic("boot: no memory map from the loader or from Xen");
    for ( i = 0; i < bi->nr_mem; i++ )
        printk("boot:   [%016llx-%016llx) type %u\n",
               (unsigned long long)bi->mem[i].base,
               (unsigned long long)(bi->mem[i].base + bi->mem[i].size),
               bi->mem[i].type);
}
