/* SPDX-License-Identifier: MIT */
/*
 * bootinfo.c - validate and copy out the PVH start info and the multiboot2
 * information. Portable: host tests (tests/host/test_bootinfo.c) feed it
 * malformed structures. Layouts come from Xen's public header
 * arch-x86/hvm/start_info.h and from the multiboot2 specification.
 */
#include <bootinfo.h>
#include <xen/xen.h>
#include <xen/arch-x86/hvm/start_info.h>

#define PVH_V0_SIZE        offsetof(struct hvm_start_info, memmap_paddr)
#define MB2_MAGIC_INFO_MAX (1u << 20) /* a sane bound for the whole info */

BUILD_BUG_ON(sizeof(struct hvm_start_info) != 56);
BUILD_BUG_ON(PVH_V0_SIZE != 40);
BUILD_BUG_ON(sizeof(struct hvm_modlist_entry) != 32);
BUILD_BUG_ON(sizeof(struct hvm_memmap_table_entry) != 24);

static void
reject(struct boot_info *bi, const char *what, const char *why,
       unsigned long long val)
{
    bi->rejected++;
    printk("bootinfo: rejected %s: %s (0x%llx)\n", what, why, val);
}

/* Copy a NUL-terminated string of at most max-1 bytes from paddr. */
static bool
copy_string(struct boot_info *bi, char *dst, size_t max, uint64_t paddr,
            phys_read_fn rd, void *ctx, const char *what)
{
    size_t n;

    dst[0] = '\0';
    for ( n = 0; n < max; n++ )
    {
        const char *c;

        if ( paddr + n < paddr )
        {
            dst[0] = '\0';
            reject(bi, what, "address wraps", paddr);
            return false;
        }
        c = rd(paddr + n, 1, ctx);
        if ( !c )
        {
            dst[0] = '\0';
            reject(bi, what, "not readable at", paddr + n);
            return false;
        }
        dst[n] = *c;
        if ( *c == '\0' )
            return true;
    }
    dst[0] = '\0';
    reject(bi, what, "not NUL-terminated within the limit", max - 1);
    return false;
}

static bool
range_ok(uint64_t base, uint64_t size)
{
    return size != 0 && base + size > base;
}

static void
add_mem(struct boot_info *bi, uint64_t base, uint64_t size, uint32_t type,
        const char *what)
{
    if ( !range_ok(base, size) )
    {
        reject(bi, what, "empty or wrapping range at", base);
        return;
    }
    if ( bi->nr_mem == BOOTINFO_MAX_MEM )
    {
        reject(bi, what, "too many memory map entries", bi->nr_mem);
        return;
    }
    bi->mem[bi->nr_mem].base = base;
    bi->mem[bi->nr_mem].size = size;
    bi->mem[bi->nr_mem].type = type;
    bi->nr_mem++;
}

/* Returns the new module, or NULL if it was rejected. */
static struct boot_module *
add_module(struct boot_info *bi, uint64_t paddr, uint64_t size)
{
    struct boot_module *m;

    if ( !range_ok(paddr, size) )
    {
        reject(bi, "module", "empty or wrapping range at", paddr);
        return NULL;
    }
    if ( bi->nr_modules == BOOTINFO_MAX_MODULES )
    {
        reject(bi, "module", "too many modules", bi->nr_modules);
        return NULL;
    }
    m = &bi->mod[bi->nr_modules++];
    m->paddr = paddr;
    m->size = size;
    m->cmdline[0] = '\0';
    return m;
}

static void
pvh_modules(struct boot_info *bi, const struct hvm_start_info *si,
            phys_read_fn rd, void *ctx)
{
    uint32_t i;

    if ( si->nr_modules == 0 )
        return;
    if ( si->nr_modules > BOOTINFO_MAX_MODULES )
    {
        reject(bi, "module list", "more modules than supported",
               si->nr_modules);
        return;
    }
    for ( i = 0; i < si->nr_modules; i++ )
    {
        uint64_t at = si->modlist_paddr + i * sizeof(struct hvm_modlist_entry);
        const struct hvm_modlist_entry *e;
        struct boot_module *m;

        e = at >= si->modlist_paddr ? rd(at, sizeof(*e), ctx) : NULL;
        if ( !e )
        {
            reject(bi, "module list", "entry not readable at", at);
            return;
        }
        m = add_module(bi, e->paddr, e->size);
        if ( m && e->cmdline_paddr )
            copy_string(bi, m->cmdline, BOOTINFO_MOD_CMDLINE, e->cmdline_paddr,
                        rd, ctx, "module command line");
    }
}

static void
pvh_memmap(struct boot_info *bi, const struct hvm_start_info *si,
           phys_read_fn rd, void *ctx)
{
    uint32_t i;

    if ( si->memmap_entries == 0 )
        return;
    if ( si->memmap_entries > BOOTINFO_MAX_MEM )
    {
        reject(bi, "memory map", "more entries than supported",
               si->memmap_entries);
        return;
    }
    for ( i = 0; i < si->memmap_entries; i++ )
    {
        uint64_t at =
            si->memmap_paddr + i * sizeof(struct hvm_memmap_table_entry);
        const struct hvm_memmap_table_entry *e;

        e = at >= si->memmap_paddr ? rd(at, sizeof(*e), ctx) : NULL;
        if ( !e )
        {
            reject(bi, "memory map", "entry not readable at", at);
            bi->nr_mem = 0; /* a partial map is worse than none */
            return;
        }
        add_mem(bi, e->addr, e->size, e->type, "memory map entry");
    }
}

int
bootinfo_parse_pvh(struct boot_info *bi, uint64_t paddr, phys_read_fn rd,
                   void *ctx)
{
    struct hvm_start_info si;
    const void *p;

    memset(bi, 0, sizeof(*bi));
    bi->proto = BOOT_PROTO_PVH;

    p = rd(paddr, PVH_V0_SIZE, ctx);
    if ( !p )
    {
        printk("bootinfo: start info at 0x%llx is not readable\n",
               (unsigned long long)paddr);
        return -1;
    }
    /* Copy once, then validate the copy: the original may change. */
    memset(&si, 0, sizeof(si));
    memcpy(&si, p, PVH_V0_SIZE);
    if ( si.magic != XEN_HVM_START_MAGIC_VALUE )
    {
        printk("bootinfo: start info magic is 0x%x, expected 0x%x\n", si.magic,
               XEN_HVM_START_MAGIC_VALUE);
        return -1;
    }
    if ( si.version >= 1 )
    {
        /* Only what version 1 adds, from where version 0 ends: the
         * header checked above is never read again. */
        p = rd(paddr + PVH_V0_SIZE, sizeof(si) - PVH_V0_SIZE, ctx);
        if ( p )
            memcpy((char *)&si + PVH_V0_SIZE, p, sizeof(si) - PVH_V0_SIZE);
        else
        {
            reject(bi, "start info v1 fields", "not readable at",
                   paddr + PVH_V0_SIZE);
            si.memmap_entries = 0;
        }
        if ( si.version > 1 )
            printk(
                "bootinfo: start info version %u is newer than 1; reading the version 1 fields\n",
                si.version);
        if ( si.reserved != 0 )
            reject(bi, "start info reserved field", "must be zero",
                   si.reserved);
    }
    bi->version = si.version;
    bi->flags = si.flags;
    bi->rsdp = si.rsdp_paddr;

    if ( si.cmdline_paddr )
        copy_string(bi, bi->cmdline, sizeof(bi->cmdline), si.cmdline_paddr, rd,
                    ctx, "command line");
    pvh_modules(bi, &si, rd, ctx);
    if ( si.version >= 1 )
        pvh_memmap(bi, &si, rd, ctx);
    bootinfo_sort_mem(bi);
    return 0;
}

/* Multiboot2 tag types and layouts (multiboot2 specification, 3.6). */
#define MB2_TAG_END      0
#define MB2_TAG_CMDLINE  1
#define MB2_TAG_MODULE   3
#define MB2_TAG_MMAP     6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

struct mb2_tag {
    uint32_t type;
    uint32_t size;
};

struct mb2_mmap_entry {
    uint64_t base;
    uint64_t len;
    uint32_t type;
    uint32_t reserved;
};

static void
mb2_mmap(struct boot_info *bi, uint64_t at, uint32_t size, phys_read_fn rd,
         void *ctx)
{
    const uint32_t *hdr = rd(at + 8, 8, ctx);
    uint32_t esize, off;

    if ( !hdr || size < 16 )
    {
        reject(bi, "multiboot2 memory map", "tag too small", size);
        return;
    }
    esize = hdr[0];
    if ( esize < sizeof(struct mb2_mmap_entry) || esize % 8 )
    {
        reject(bi, "multiboot2 memory map", "bad entry size", esize);
        return;
    }
    /* Written as a subtraction: off + esize could wrap. */
    for ( off = 16; esize <= size - off; off += esize )
    {
        const struct mb2_mmap_entry *e = rd(at + off, sizeof(*e), ctx);

        if ( !e )
        {
            reject(bi, "multiboot2 memory map", "entry not readable at",
                   at + off);
            return;
        }
        add_mem(bi, e->base, e->len, e->type, "multiboot2 memory map entry");
    }
}

/*
 * An ACPI tag holds a copy of the RSDP (20 bytes, 36 from ACPI 2.0). Keep
 * a copy of our own: the tag is loader memory, which the page allocator
 * hands out after boot.
 */
static void
mb2_rsdp(struct boot_info *bi, uint64_t at, uint32_t size, phys_read_fn rd,
         void *ctx)
{
    uint32_t len = MIN(size - 8, (uint32_t)sizeof(bi->rsdp_copy));
    const void *p = size - 8 >= 20 ? rd(at + 8, len, ctx) : NULL;

    if ( !p )
    {
        reject(bi, "multiboot2 ACPI tag", "too small or not readable, size",
               size);
        return;
    }
    memcpy(bi->rsdp_copy, p, len);
    bi->rsdp_len = len;
}

int
bootinfo_parse_mb2(struct boot_info *bi, uint64_t paddr, phys_read_fn rd,
                   void *ctx)
{
    const uint32_t *hdr;
    struct mb2_tag tag;
    uint32_t total, off;
    bool ended = false;

    memset(bi, 0, sizeof(*bi));
    bi->proto = BOOT_PROTO_MB2;

    hdr = rd(paddr, 8, ctx);
    if ( !hdr )
    {
        printk("bootinfo: multiboot2 info at 0x%llx is not readable\n",
               (unsigned long long)paddr);
        return -1;
    }
    total = hdr[0];
    if ( total < 16 || total > MB2_MAGIC_INFO_MAX || !rd(paddr, total, ctx) )
    {
        printk(
            "bootinfo: multiboot2 info size %u is implausible or unreadable\n",
            total);
        return -1;
    }

    /* Step by the checked copy of the size: memory may have changed. */
    for ( off = 8; off + 8 <= total; off = ALIGN_UP(off + tag.size, 8u) )
    {
        uint64_t at = paddr + off;

        hdr = rd(at, 8, ctx);
        if ( !hdr )
        {
            reject(bi, "multiboot2 tag", "not readable at", at);
            break;
        }
        memcpy(&tag, hdr, sizeof(tag));
        if ( tag.size < 8 || tag.size > total - off )
        {
            reject(bi, "multiboot2 tag", "size runs past the info", tag.size);
            break;
        }
        if ( tag.type == MB2_TAG_END )
        {
            ended = true;
            break;
        }
        switch ( tag.type )
        {
        case MB2_TAG_CMDLINE:
            copy_string(bi, bi->cmdline,
                        MIN((size_t)sizeof(bi->cmdline), (size_t)tag.size - 8),
                        at + 8, rd, ctx, "command line");
            break;
        case MB2_TAG_MODULE:
        {
            const void *m = tag.size >= 17 ? rd(at + 8, 8, ctx) : NULL;
            uint32_t range[2]; /* start, end: copied once */
            struct boot_module *mod;

            if ( tag.size >= 17 && !m )
            {
                reject(bi, "multiboot2 module", "not readable at", at + 8);
                break;
            }
            if ( m )
                memcpy(range, m, sizeof(range));
            if ( !m || range[1] <= range[0] )
            {
                reject(bi, "multiboot2 module", "bad tag or empty range",
                       tag.size);
                break;
            }
            mod = add_module(bi, range[0], (uint64_t)range[1] - range[0]);
            if ( mod )
                copy_string(
                    bi, mod->cmdline,
                    MIN((size_t)BOOTINFO_MOD_CMDLINE, (size_t)tag.size - 16),
                    at + 16, rd, ctx, "module command line");
            break;
        }
        case MB2_TAG_MMAP:
            mb2_mmap(bi, at, tag.size, rd, ctx);
            break;
        case MB2_TAG_ACPI_OLD:
        case MB2_TAG_ACPI_NEW:
            mb2_rsdp(bi, at, tag.size, rd, ctx);
            break;
        default:
            break; /* tags we do not use are skipped */
        }
    }
    if ( !ended )
        reject(bi, "multiboot2 info", "no end tag", total);
    bootinfo_sort_mem(bi);
    return 0;
}

unsigned int
bootinfo_set_e820(struct boot_info *bi, const void *entries, unsigned int n)
{
    const unsigned char *p = entries;
    unsigned int i;

    bi->nr_mem = 0;
    for ( i = 0; i < n; i++ )
    {
        uint64_t addr, size;
        uint32_t type;

        /* Packed 20-byte entries: copy field by field, no alignment. */
        memcpy(&addr, p + i * 20, 8);
        memcpy(&size, p + i * 20 + 8, 8);
        memcpy(&type, p + i * 20 + 16, 4);
        add_mem(bi, addr, size, type, "e820 entry");
    }
    bootinfo_sort_mem(bi);
    return bi->nr_mem;
}

void
bootinfo_sort_mem(struct boot_info *bi)
{
    unsigned int i, j;

    for ( i = 1; i < bi->nr_mem; i++ ) /* insertion sort: n is small */
    {
        struct mem_region r = bi->mem[i];

        for ( j = i; j > 0 && bi->mem[j - 1].base > r.base; j-- )
            bi->mem[j] = bi->mem[j - 1];
        bi->mem[j] = r;
    }
    for ( i = 1; i < bi->nr_mem; i++ )
        if ( bi->mem[i - 1].base + bi->mem[i - 1].size > bi->mem[i].base )
            printk(
                "bootinfo: memory map entries at 0x%llx and 0x%llx overlap\n",
                (unsigned long long)bi->mem[i - 1].base,
                (unsigned long long)bi->mem[i].base);
}
