/* SPDX-License-Identifier: MIT */
/*
 * test_bootinfo.c - host tests of the PVH start info parser and of the
 * e820 and sorting helpers (kernel/lib/bootinfo.c), fed through the fake
 * physical memory of tests/host/fake_phys.c. Each malformed field must be
 * rejected with a message and counted, and must cost nothing else: the
 * tests break one thing in an otherwise valid start info and check that
 * the rest still arrives intact. Multiboot2 is in test_bootinfo_mb2.c.
 */
#include <ktest.h>
#include <bootinfo.h>
#include <xen/xen.h>
#include <xen/arch-x86/hvm/start_info.h>
#include "fake_phys.h"
#include "host.h"

/* Where things sit in the fake memory. */
#define SI        FAKE_LOW_BASE
#define CMDLINE   (FAKE_LOW_BASE + 0x100)
#define MODLIST   (FAKE_LOW_BASE + 0x800)
#define MODCMD(i) (FAKE_LOW_BASE + 0x1000 + (i)*0x100)
#define MEMMAP    (FAKE_LOW_BASE + 0x4000)
#define LOW_END   (FAKE_LOW_BASE + FAKE_LOW_SIZE)
#define TOP_END   0ull /* FAKE_TOP_BASE + FAKE_TOP_SIZE wraps */

static struct boot_info bi;

static void
put_string(uint64_t paddr, const char *s)
{
    memcpy(fake_phys(paddr), s, strlen(s) + 1);
}

static void
put_module(unsigned int i, uint64_t paddr, uint64_t size, uint64_t cmdline)
{
    struct hvm_modlist_entry *e = fake_phys(MODLIST + i * sizeof(*e));

    e->paddr = paddr;
    e->size = size;
    e->cmdline_paddr = cmdline;
}

static void
put_mem(uint64_t map, unsigned int i, uint64_t addr, uint64_t size,
        uint32_t type)
{
    struct hvm_memmap_table_entry *e = fake_phys(map + i * sizeof(*e));

    e->addr = addr;
    e->size = size;
    e->type = type;
}

/*
 * A valid start info at SI: a command line, one module with a command
 * line, and a two-entry memory map (given in the wrong order).
 */
static struct hvm_start_info *
baseline(uint32_t version)
{
    struct hvm_start_info *si;

    fake_phys_reset();
    si = fake_phys(SI);
    si->magic = XEN_HVM_START_MAGIC_VALUE;
    si->version = version;
    si->flags = SIF_PRIVILEGED | SIF_INITDOMAIN;
    si->rsdp_paddr = 0xe0000;
    si->cmdline_paddr = CMDLINE;
    put_string(CMDLINE, "console=hvc0 tests=\"mm.* xen.*\"");
    si->nr_modules = 1;
    si->modlist_paddr = MODLIST;
    put_module(0, 0x1000000, 0x2345, MODCMD(0));
    put_string(MODCMD(0), "initrd root=/dev/xvda");
    if ( version >= 1 )
    {
        si->memmap_paddr = MEMMAP;
        si->memmap_entries = 2;
        put_mem(MEMMAP, 0, 0x100000, 0x3ff00000, MEM_USABLE);
        put_mem(MEMMAP, 1, 0, 0x9fc00, MEM_USABLE);
    }
    return si;
}

/* Parse with bi full of garbage first, capturing the messages. */
static int
parse_pvh(uint64_t paddr)
{
    int rc;

    memset(&bi, 0xa5, sizeof(bi));
    host_capture_begin();
    rc = bootinfo_parse_pvh(&bi, paddr, fake_phys_read, NULL);
    host_capture_end();
    return rc;
}

/* The parts of baseline() that a test did not break are all there. */
static void
expect_cmdline(struct ktest_ctx *t)
{
    EXPECT_STREQ(bi.cmdline, "console=hvc0 tests=\"mm.* xen.*\"");
}

static void
expect_module(struct ktest_ctx *t)
{
    ASSERT_EQ(bi.nr_modules, 1u);
    EXPECT_EQ(bi.mod[0].paddr, 0x1000000u);
    EXPECT_EQ(bi.mod[0].size, 0x2345u);
    EXPECT_STREQ(bi.mod[0].cmdline, "initrd root=/dev/xvda");
}

static void
expect_mem(struct ktest_ctx *t)
{
    ASSERT_EQ(bi.nr_mem, 2u);
    EXPECT_EQ(bi.mem[0].base, 0u);
    EXPECT_EQ(bi.mem[0].size, 0x9fc00u);
    EXPECT_EQ(bi.mem[0].type, (uint32_t)MEM_USABLE);
    EXPECT_EQ(bi.mem[1].base, 0x100000u);
    EXPECT_EQ(bi.mem[1].size, 0x3ff00000u);
    EXPECT_EQ(bi.mem[1].type, (uint32_t)MEM_USABLE);
}

TEST(bootinfo, pvh_v1_valid)
{
    struct hvm_start_info *si = baseline(1);

    si->nr_modules = 2;
    put_module(1, 0x3000000, 0x10, 0); /* no command line */
    si->memmap_entries = 3;
    put_mem(MEMMAP, 2, 0xfee00000, 0x1000, MEM_RESERVED);

    EXPECT_EQ(parse_pvh(SI), 0);
    EXPECT_EQ(bi.proto, (uint32_t)BOOT_PROTO_PVH);
    EXPECT_EQ(bi.version, 1u);
    EXPECT_EQ(bi.flags, (uint32_t)(SIF_PRIVILEGED | SIF_INITDOMAIN));
    EXPECT_EQ(bi.rsdp, 0xe0000u);
    expect_cmdline(t);
    ASSERT_EQ(bi.nr_modules, 2u);
    EXPECT_EQ(bi.mod[0].paddr, 0x1000000u);
    EXPECT_EQ(bi.mod[0].size, 0x2345u);
    EXPECT_STREQ(bi.mod[0].cmdline, "initrd root=/dev/xvda");
    EXPECT_EQ(bi.mod[1].paddr, 0x3000000u);
    EXPECT_EQ(bi.mod[1].size, 0x10u);
    EXPECT_STREQ(bi.mod[1].cmdline, "");
    ASSERT_EQ(bi.nr_mem, 3u);
    EXPECT_EQ(bi.mem[0].base, 0u); /* sorted by base */
    EXPECT_EQ(bi.mem[1].base, 0x100000u);
    EXPECT_EQ(bi.mem[2].base, 0xfee00000u);
    EXPECT_EQ(bi.mem[2].size, 0x1000u);
    EXPECT_EQ(bi.mem[2].type, (uint32_t)MEM_RESERVED);
    EXPECT_EQ(bi.rejected, 0u);
    EXPECT_STREQ(host_capture_text(), "");
}

TEST(bootinfo, pvh_v0_valid)
{
    /* A version 0 start info is 40 bytes: put it flush at the end. */
    uint64_t at = LOW_END - 40;
    struct hvm_start_info *si;

    baseline(0);
    si = fake_phys(at);
    memcpy(si, fake_phys(SI), 40);
    EXPECT_EQ(parse_pvh(at), 0);
    EXPECT_EQ(bi.version, 0u);
    EXPECT_EQ(bi.rsdp, 0xe0000u);
    expect_cmdline(t);
    expect_module(t);
    EXPECT_EQ(bi.nr_mem, 0u);
    EXPECT_EQ(bi.rejected, 0u);
    EXPECT_STREQ(host_capture_text(), "");
}

TEST(bootinfo, pvh_v0_ignores_v1_fields)
{
    struct hvm_start_info *si = baseline(0);

    /* Garbage where version 1 fields would be: none of it is read. */
    si->memmap_paddr = 1;
    si->memmap_entries = 1000;
    si->reserved = 7;
    EXPECT_EQ(parse_pvh(SI), 0);
    expect_cmdline(t);
    expect_module(t);
    EXPECT_EQ(bi.nr_mem, 0u);
    EXPECT_EQ(bi.rejected, 0u);
}

TEST(bootinfo, pvh_empty)
{
    /* A start info that offers nothing: no command line, modules, map. */
    struct hvm_start_info *si = baseline(1);

    si->cmdline_paddr = 0;
    si->nr_modules = 0;
    si->memmap_entries = 0;
    EXPECT_EQ(parse_pvh(SI), 0);
    EXPECT_STREQ(bi.cmdline, "");
    EXPECT_EQ(bi.nr_modules, 0u);
    EXPECT_EQ(bi.nr_mem, 0u);
    EXPECT_EQ(bi.rsdp, 0xe0000u);
    EXPECT_EQ(bi.rejected, 0u);
    EXPECT_STREQ(host_capture_text(), "");
}

TEST(bootinfo, pvh_bad_magic)
{
    struct hvm_start_info *si = baseline(1);

    si->magic = 0x12345678;
    EXPECT_EQ(parse_pvh(SI), -1);
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: start info magic is 0x12345678, expected 0x336ec578\n"));
    /* Nothing was taken from it. */
    EXPECT_EQ(bi.proto, (uint32_t)BOOT_PROTO_PVH);
    EXPECT_STREQ(bi.cmdline, "");
    EXPECT_EQ(bi.nr_modules, 0u);
    EXPECT_EQ(bi.nr_mem, 0u);
    EXPECT_EQ(bi.rsdp, 0u);
}

TEST(bootinfo, pvh_unreadable)
{
    baseline(1);
    EXPECT_EQ(parse_pvh(0x1000), -1);
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: start info at 0x1000 is not readable\n"));
    EXPECT_EQ(bi.nr_mem, 0u);
    EXPECT_STREQ(bi.cmdline, "");
    /* Readable, but shorter than even version 0. */
    EXPECT_EQ(parse_pvh(LOW_END - 39), -1);
    EXPECT_TRUE(host_capture_contains("is not readable"));
}

TEST(bootinfo, pvh_v1_fields_unreadable)
{
    /* Version 1 claimed, but only the 40 bytes of version 0 readable. */
    uint64_t at = LOW_END - 40;

    baseline(1);
    memcpy(fake_phys(at), fake_phys(SI), 40);
    EXPECT_EQ(parse_pvh(at), 0);
    EXPECT_EQ(bi.rejected, 1u);
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: rejected start info v1 fields: not readable at (0x220000)\n"));
    expect_cmdline(t);
    expect_module(t);
    EXPECT_EQ(bi.nr_mem, 0u);
}

TEST(bootinfo, pvh_newer_version)
{
    baseline(2);
    ((struct hvm_start_info *)fake_phys(SI))->memmap_paddr = MEMMAP;
    ((struct hvm_start_info *)fake_phys(SI))->memmap_entries = 2;
    put_mem(MEMMAP, 0, 0x100000, 0x3ff00000, MEM_USABLE);
    put_mem(MEMMAP, 1, 0, 0x9fc00, MEM_USABLE);

    EXPECT_EQ(parse_pvh(SI), 0);
    EXPECT_EQ(bi.version, 2u);
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: start info version 2 is newer than 1; reading the version 1 fields\n"));
    EXPECT_EQ(bi.rejected, 0u);
    expect_cmdline(t);
    expect_module(t);
    expect_mem(t);
}

TEST(bootinfo, pvh_reserved_nonzero)
{
    baseline(1)->reserved = 0x55;
    EXPECT_EQ(parse_pvh(SI), 0);
    EXPECT_EQ(bi.rejected, 1u);
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: rejected start info reserved field: must be zero (0x55)\n"));
    expect_cmdline(t);
    expect_module(t);
    expect_mem(t);
}

TEST(bootinfo, pvh_cmdline_length_limit)
{
    char *s;

    /* BOOTINFO_CMDLINE_MAX - 1 characters and the NUL fit. */
    baseline(1);
    s = fake_phys(CMDLINE);
    memset(s, 'c', BOOTINFO_CMDLINE_MAX - 1);
    s[BOOTINFO_CMDLINE_MAX - 1] = '\0';
    EXPECT_EQ(parse_pvh(SI), 0);
    EXPECT_EQ(strlen(bi.cmdline), BOOTINFO_CMDLINE_MAX - 1u);
    EXPECT_EQ(bi.cmdline[0], 'c');
    EXPECT_EQ(bi.rejected, 0u);

    /* One more and it is rejected whole, not cut. */
    s[BOOTINFO_CMDLINE_MAX - 1] = 'c';
    s[BOOTINFO_CMDLINE_MAX] = '\0';
    EXPECT_EQ(parse_pvh(SI), 0);
    EXPECT_STREQ(bi.cmdline, "");
    EXPECT_EQ(bi.rejected, 1u);
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: rejected command line: not NUL-terminated within the limit (0x3ff)\n"));
    expect_module(t);
    expect_mem(t);
}

TEST(bootinfo, pvh_cmdline_unreadable)
{
    struct hvm_start_info *si = baseline(1);

    si->cmdline_paddr = 0x5000;
    EXPECT_EQ(parse_pvh(SI), 0);
    EXPECT_STREQ(bi.cmdline, "");
    EXPECT_EQ(bi.rejected, 1u);
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: rejected command line: not readable at (0x5000)\n"));
    expect_module(t);
    expect_mem(t);

    /* Starts readable, runs off the end before its NUL. */
    si->cmdline_paddr = LOW_END - 3;
    memcpy(fake_phys(LOW_END - 3), "abc", 3);
    EXPECT_EQ(parse_pvh(SI), 0);
    EXPECT_STREQ(bi.cmdline, "");
    EXPECT_EQ(bi.rejected, 1u);
    EXPECT_TRUE(host_capture_contains(
        "rejected command line: not readable at (0x220000)\n"));
    expect_module(t);
    expect_mem(t);

    /* No command line at all is fine. */
    si->cmdline_paddr = 0;
    EXPECT_EQ(parse_pvh(SI), 0);
    EXPECT_STREQ(bi.cmdline, "");
    EXPECT_EQ(bi.rejected, 0u);
}

TEST(bootinfo, pvh_cmdline_wraps)
{
    /* A string at the very top of the address space that runs on. */
    struct hvm_start_info *si = baseline(1);

    si->cmdline_paddr = TOP_END - 4;
    memcpy(fake_phys(TOP_END - 4), "wrap", 4);
    EXPECT_EQ(parse_pvh(SI), 0);
    EXPECT_STREQ(bi.cmdline, "");
    EXPECT_EQ(bi.rejected, 1u);
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: rejected command line: address wraps (0xfffffffffffffffc)\n"));
    expect_module(t);
    expect_mem(t);
}

TEST(bootinfo, pvh_too_many_modules)
{
    baseline(1)->nr_modules = BOOTINFO_MAX_MODULES + 1;
    EXPECT_EQ(parse_pvh(SI), 0);
    EXPECT_EQ(bi.nr_modules, 0u);
    EXPECT_EQ(bi.rejected, 1u);
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: rejected module list: more modules than supported (0x11)\n"));
    expect_cmdline(t);
    expect_mem(t);

    /* Exactly the maximum is fine. */
    baseline(1)->nr_modules = BOOTINFO_MAX_MODULES;
    for ( unsigned int i = 1; i < BOOTINFO_MAX_MODULES; i++ )
        put_module(i, 0x2000000 + i * 0x1000, 0x1000, 0);
    EXPECT_EQ(parse_pvh(SI), 0);
    EXPECT_EQ(bi.nr_modules, (unsigned int)BOOTINFO_MAX_MODULES);
    EXPECT_EQ(bi.mod[BOOTINFO_MAX_MODULES - 1].paddr, 0x200f000u);
    EXPECT_EQ(bi.rejected, 0u);
}

TEST(bootinfo, pvh_module_list_unreadable)
{
    struct hvm_start_info *si = baseline(1);

    si->modlist_paddr = 0x3000;
    EXPECT_EQ(parse_pvh(SI), 0);
    EXPECT_EQ(bi.nr_modules, 0u);
    EXPECT_EQ(bi.rejected, 1u);
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: rejected module list: entry not readable at (0x3000)\n"));
    expect_cmdline(t);
    expect_mem(t);

    /* Three entries, of which only the first two are readable. */
    si->modlist_paddr = LOW_END - 2 * sizeof(struct hvm_modlist_entry);
    si->nr_modules = 3;
    memcpy(fake_phys(si->modlist_paddr), fake_phys(MODLIST),
           sizeof(struct hvm_modlist_entry));
    ((struct hvm_modlist_entry *)fake_phys(si->modlist_paddr))[1].paddr =
        0x5000000;
    ((struct hvm_modlist_entry *)fake_phys(si->modlist_paddr))[1].size = 1;
    EXPECT_EQ(parse_pvh(SI), 0);
    ASSERT_EQ(bi.nr_modules, 2u);
    EXPECT_STREQ(bi.mod[0].cmdline, "initrd root=/dev/xvda");
    EXPECT_EQ(bi.mod[1].paddr, 0x5000000u);
    EXPECT_EQ(bi.rejected, 1u);
    EXPECT_TRUE(host_capture_contains("entry not readable at (0x220000)\n"));
}

TEST(bootinfo, pvh_module_list_wraps)
{
    /* The list's second entry would lie past the top of the space. */
    struct hvm_start_info *si = baseline(1);
    struct hvm_modlist_entry *e = fake_phys(TOP_END - 32);

    si->modlist_paddr = TOP_END - 32;
    si->nr_modules = 2;
    e->paddr = 0x1000000;
    e->size = 0x2345;
    e->cmdline_paddr = MODCMD(0);
    EXPECT_EQ(parse_pvh(SI), 0);
    expect_module(t);
    EXPECT_EQ(bi.rejected, 1u);
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: rejected module list: entry not readable at (0x0)\n"));
}

TEST(bootinfo, pvh_bad_modules)
{
    struct hvm_start_info *si = baseline(1);
    char *s;

    si->nr_modules = 6;
    put_module(1, 0x4000000, 0, MODCMD(1)); /* empty */
    put_string(MODCMD(1), "empty");
    put_module(2, 0xfffffffffffff000ull, 0x2000, 0); /* wraps */
    put_module(3, 0xfffffffffffff000ull, 0x1000, 0); /* ends at 2^64 */
    put_module(4, 0x5000000, 0x100, 0x7000);         /* cmdline unread. */
    put_module(5, 0x6000000, 0x100, MODCMD(5));      /* cmdline too long */
    s = fake_phys(MODCMD(5));
    memset(s, 'm', BOOTINFO_MOD_CMDLINE);
    s[BOOTINFO_MOD_CMDLINE] = '\0';

    EXPECT_EQ(parse_pvh(SI), 0);
    ASSERT_EQ(bi.nr_modules, 3u);
    EXPECT_EQ(bi.mod[0].paddr, 0x1000000u);
    EXPECT_EQ(bi.mod[0].size, 0x2345u);
    EXPECT_STREQ(bi.mod[0].cmdline, "initrd root=/dev/xvda");
    EXPECT_EQ(bi.mod[1].paddr, 0x5000000u);
    EXPECT_STREQ(bi.mod[1].cmdline, "");
    EXPECT_EQ(bi.mod[2].paddr, 0x6000000u);
    EXPECT_STREQ(bi.mod[2].cmdline, "");
    EXPECT_EQ(bi.rejected, 5u);
    EXPECT_EQ(host_capture_count("rejected module: empty or wrapping range at"),
              3u);
    EXPECT_TRUE(host_capture_contains("at (0x4000000)\n"));
    EXPECT_EQ(host_capture_count("at (0xfffffffffffff000)\n"), 2u);
    EXPECT_TRUE(host_capture_contains(
        "rejected module command line: not readable at (0x7000)\n"));
    EXPECT_TRUE(host_capture_contains(
        "rejected module command line: not NUL-terminated within the limit (0x7f)\n"));
    expect_cmdline(t);
    expect_mem(t);
}

TEST(bootinfo, pvh_rejected_module_keeps_its_cmdline)
{
    /*
     * A rejected module's command line must not land on the module before
     * it, even when both claim the same address.
     */
    struct hvm_start_info *si = baseline(1);

    si->nr_modules = 2;
    put_module(1, 0x1000000, 0, MODCMD(1));
    put_string(MODCMD(1), "from the rejected module");
    EXPECT_EQ(parse_pvh(SI), 0);
    expect_module(t);
    EXPECT_EQ(bi.rejected, 1u);
}

TEST(bootinfo, pvh_memmap_too_large)
{
    baseline(1)->memmap_entries = BOOTINFO_MAX_MEM + 1;
    EXPECT_EQ(parse_pvh(SI), 0);
    EXPECT_EQ(bi.nr_mem, 0u);
    EXPECT_EQ(bi.rejected, 1u);
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: rejected memory map: more entries than supported (0x81)\n"));
    expect_cmdline(t);
    expect_module(t);

    /* Exactly the maximum is fine. */
    baseline(1)->memmap_entries = BOOTINFO_MAX_MEM;
    for ( unsigned int i = 0; i < BOOTINFO_MAX_MEM; i++ )
        put_mem(MEMMAP, i, (BOOTINFO_MAX_MEM - i) * 0x10000ull, 0x10000,
                MEM_USABLE);
    EXPECT_EQ(parse_pvh(SI), 0);
    ASSERT_EQ(bi.nr_mem, (unsigned int)BOOTINFO_MAX_MEM);
    EXPECT_EQ(bi.mem[0].base, 0x10000u);
    EXPECT_EQ(bi.mem[BOOTINFO_MAX_MEM - 1].base, 0x800000u);
    EXPECT_EQ(bi.rejected, 0u);
    EXPECT_STREQ(host_capture_text(), "");
}

TEST(bootinfo, pvh_memmap_entry_unreadable)
{
    /* Four entries, the last one past the end: the whole map goes. */
    struct hvm_start_info *si = baseline(1);
    uint64_t map = LOW_END - 3 * sizeof(struct hvm_memmap_table_entry);

    si->memmap_paddr = map;
    si->memmap_entries = 4;
    put_mem(map, 0, 0x100000, 0x1000, MEM_USABLE);
    put_mem(map, 1, 0x200000, 0, MEM_USABLE); /* also bad */
    put_mem(map, 2, 0x300000, 0x1000, MEM_USABLE);
    EXPECT_EQ(parse_pvh(SI), 0);
    EXPECT_EQ(bi.nr_mem, 0u);
    EXPECT_EQ(bi.rejected, 2u);
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: rejected memory map: entry not readable at (0x220000)\n"));
    expect_cmdline(t);
    expect_module(t);

    /* The same at the top of the space, where the address wraps. */
    map = TOP_END - sizeof(struct hvm_memmap_table_entry);
    si->memmap_paddr = map;
    si->memmap_entries = 2;
    put_mem(map, 0, 0x100000, 0x1000, MEM_USABLE);
    EXPECT_EQ(parse_pvh(SI), 0);
    EXPECT_EQ(bi.nr_mem, 0u);
    EXPECT_EQ(bi.rejected, 1u);
    EXPECT_TRUE(host_capture_contains(
        "rejected memory map: entry not readable at (0x0)\n"));
}

TEST(bootinfo, pvh_memmap_bad_entries)
{
    struct hvm_start_info *si = baseline(1);

    si->memmap_entries = 5;
    put_mem(MEMMAP, 2, 0x200000000ull, 0, MEM_USABLE);
    put_mem(MEMMAP, 3, 0xffffffff00000000ull, 0x100000000ull, MEM_RESERVED);
    put_mem(MEMMAP, 4, 0xffffffff00000000ull, 0x200000000ull, MEM_RESERVED);
    EXPECT_EQ(parse_pvh(SI), 0);
    expect_mem(t);
    EXPECT_EQ(bi.rejected, 3u);
    EXPECT_EQ(
        host_capture_count(
            "bootinfo: rejected memory map entry: empty or wrapping range at"),
        3u);
    EXPECT_TRUE(host_capture_contains("at (0x200000000)\n"));
    EXPECT_EQ(host_capture_count("at (0xffffffff00000000)\n"), 2u);
    expect_cmdline(t);
    expect_module(t);
}

/* Pack e820 entries as XENMEM_memory_map returns them: 20 bytes each. */
static void
pack_e820(unsigned char *p, uint64_t addr, uint64_t size, uint32_t type)
{
    memcpy(p, &addr, 8);
    memcpy(p + 8, &size, 8);
    memcpy(p + 16, &type, 4);
}

TEST(bootinfo, e820_packed)
{
    /* One byte in, so the 64-bit fields are misaligned. */
    static unsigned char buf[1 + 5 * 20];

    pack_e820(buf + 1, 0x100000, 0x7ff00000, MEM_USABLE);
    pack_e820(buf + 21, 0, 0x9fc00, MEM_USABLE);
    pack_e820(buf + 41, 0x9fc00, 0, MEM_RESERVED); /* empty */
    pack_e820(buf + 61, 0xfffffffffffff000ull, 0x1000, MEM_RESERVED);
    pack_e820(buf + 81, 0xfee00000, 0x1000, MEM_RESERVED);

    memset(&bi, 0, sizeof(bi));
    bi.nr_mem = 7; /* an earlier map is replaced */
    bi.rejected = 1;
    host_capture_begin();
    EXPECT_EQ(bootinfo_set_e820(&bi, buf + 1, 5), 3u);
    host_capture_end();
    ASSERT_EQ(bi.nr_mem, 3u);
    EXPECT_EQ(bi.mem[0].base, 0u);
    EXPECT_EQ(bi.mem[0].size, 0x9fc00u);
    EXPECT_EQ(bi.mem[1].base, 0x100000u);
    EXPECT_EQ(bi.mem[1].size, 0x7ff00000u);
    EXPECT_EQ(bi.mem[1].type, (uint32_t)MEM_USABLE);
    EXPECT_EQ(bi.mem[2].base, 0xfee00000u);
    EXPECT_EQ(bi.mem[2].type, (uint32_t)MEM_RESERVED);
    EXPECT_EQ(bi.rejected, 3u);
    EXPECT_EQ(host_capture_count(
                  "bootinfo: rejected e820 entry: empty or wrapping range at"),
              2u);

    EXPECT_EQ(bootinfo_set_e820(&bi, buf + 1, 0), 0u);
    EXPECT_EQ(bi.nr_mem, 0u);
}

TEST(bootinfo, e820_too_many)
{
    static unsigned char buf[(BOOTINFO_MAX_MEM + 2) * 20];

    for ( unsigned int i = 0; i < BOOTINFO_MAX_MEM + 2; i++ )
        pack_e820(buf + i * 20, i * 0x1000ull, 0x1000, MEM_USABLE);
    memset(&bi, 0, sizeof(bi));
    host_capture_begin();
    EXPECT_EQ(bootinfo_set_e820(&bi, buf, BOOTINFO_MAX_MEM + 2),
              (unsigned int)BOOTINFO_MAX_MEM);
    host_capture_end();
    EXPECT_EQ(bi.rejected, 2u);
    EXPECT_EQ(host_capture_count(
                  "rejected e820 entry: too many memory map entries (0x80)\n"),
              2u);
    EXPECT_EQ(bi.mem[BOOTINFO_MAX_MEM - 1].base, 0x7f000u);
}

TEST(bootinfo, sort_and_overlap)
{
    static const struct mem_region in[] = {
        { 0x5000, 0x1000, 1 }, { 0x1000, 0x1000, 2 }, { 0x3000, 0x2800, 3 },
        { 0x2000, 0x1000, 4 }, { 0x0, 0x1000, 5 },    { 0x2000, 0x10, 6 },
    };

    memset(&bi, 0, sizeof(bi));
    memcpy(bi.mem, in, sizeof(in));
    bi.nr_mem = ARRAY_SIZE(in);
    host_capture_begin();
    bootinfo_sort_mem(&bi);
    host_capture_end();

    /* Sorted by base; equal bases keep their order. */
    EXPECT_EQ(bi.mem[0].type, 5u);
    EXPECT_EQ(bi.mem[1].type, 2u);
    EXPECT_EQ(bi.mem[2].type, 4u);
    EXPECT_EQ(bi.mem[3].type, 6u);
    EXPECT_EQ(bi.mem[4].type, 3u);
    EXPECT_EQ(bi.mem[5].type, 1u);
    for ( unsigned int i = 1; i < bi.nr_mem; i++ )
        EXPECT_LE(bi.mem[i - 1].base, bi.mem[i].base);
    /* Touching is fine; overlaps are reported, not changed. */
    EXPECT_EQ(host_capture_count("overlap\n"), 2u);
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: memory map entries at 0x2000 and 0x2000 overlap\n"));
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: memory map entries at 0x3000 and 0x5000 overlap\n"));
    EXPECT_EQ(bi.mem[4].size, 0x2800u);

    /* Empty and one-entry maps are left alone. */
    bi.nr_mem = 0;
    bootinfo_sort_mem(&bi);
    bi.nr_mem = 1;
    bootinfo_sort_mem(&bi);
    EXPECT_EQ(bi.mem[0].type, 5u);
}

/*
 * Copy once: each byte of the start info is read once. A loader that
 * rewrites the header after the first read (here: magic and version,
 * on every later read) must not change what was validated.
 */
static unsigned int si_byte_reads[sizeof(struct hvm_start_info)];
static unsigned int si_reads;

static void
rewrite_header_after_first_read(uint64_t paddr, size_t len)
{
    struct hvm_start_info *si = fake_phys(SI);
    uint64_t b;

    for ( b = paddr; b < paddr + len; b++ )
        if ( b >= SI && b < SI + sizeof(*si) )
            si_byte_reads[b - SI]++;
    if ( si_reads++ > 0 )
    {
        si->magic = 0;
        si->version = 7;
    }
}

TEST(bootinfo, pvh_start_info_copied_once)
{
    unsigned int i, most = 0;

    baseline(1);
    memset(si_byte_reads, 0, sizeof(si_byte_reads));
    si_reads = 0;
    fake_phys_set_hook(rewrite_header_after_first_read);
    EXPECT_EQ(parse_pvh(SI), 0);
    for ( i = 0; i < ARRAY_SIZE(si_byte_reads); i++ )
        most = MAX(most, si_byte_reads[i]);
    EXPECT_EQ(most, 1u);
    EXPECT_EQ(bi.version, 1u);
    EXPECT_EQ(bi.nr_mem, 2u);
    EXPECT_EQ(host_capture_count("newer than 1"), 0u);
}
