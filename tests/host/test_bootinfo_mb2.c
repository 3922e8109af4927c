/* SPDX-License-Identifier: MIT */
/*
 * test_bootinfo_mb2.c - host tests of the multiboot2 information parser
 * (bootinfo_parse_mb2 in kernel/lib/bootinfo.c), fed through the fake
 * physical memory of tests/host/fake_phys.c: a valid information with
 * command line, module, memory map, ACPI and end tags, then each kind of
 * malformed input, which must be rejected with a message while everything
 * else still arrives. The PVH start info is in test_bootinfo.c.
 */
#include <ktest.h>
#include <bootinfo.h>
#include "fake_phys.h"
#include "host.h"

#define MB2     (FAKE_LOW_BASE + 0x8000)
#define LOW_END (FAKE_LOW_BASE + FAKE_LOW_SIZE)

#define TAG_END      0
#define TAG_CMDLINE  1
#define TAG_MODULE   3
#define TAG_MEMINFO  4 /* basic meminfo: one we do not use */
#define TAG_MMAP     6
#define TAG_ACPI_OLD 14
#define TAG_ACPI_NEW 15

struct mmap_entry {
    uint64_t base, len;
    uint32_t type, reserved;
};

static struct boot_info bi;
static uint32_t mb2_off; /* where the next tag goes */

static void
mb2_begin(void)
{
    fake_phys_reset();
    mb2_off = 8;
}

/* Append a tag whose size field says `size`; returns its address. */
static uint64_t
mb2_tag_sized(uint32_t type, uint32_t size, const void *payload, size_t len)
{
    uint64_t at = MB2 + mb2_off;
    uint32_t hdr[2] = { type, size };

    memcpy(fake_phys(at), hdr, 8);
    if ( len )
        memcpy(fake_phys(at + 8), payload, len);
    mb2_off = ALIGN_UP(mb2_off + 8 + (uint32_t)len, 8u);
    return at;
}

static uint64_t
mb2_tag(uint32_t type, const void *payload, size_t len)
{
    return mb2_tag_sized(type, 8 + (uint32_t)len, payload, len);
}

static void
mb2_cmdline(const char *s)
{
    mb2_tag(TAG_CMDLINE, s, strlen(s) + 1);
}

static void
mb2_module(uint32_t start, uint32_t end, const char *cmdline)
{
    unsigned char buf[256];
    size_t n = strlen(cmdline) + 1;

    memcpy(buf, &start, 4);
    memcpy(buf + 4, &end, 4);
    memcpy(buf + 8, cmdline, n);
    mb2_tag(TAG_MODULE, buf, 8 + n);
}

/* A memory map tag with entry_size esize (entries padded to it). */
static void
mb2_mmap(uint32_t esize, const struct mmap_entry *e, unsigned int n)
{
    static unsigned char buf[8 + 200 * 40];
    uint32_t hdr[2] = { esize, 0 };

    memset(buf, 0, sizeof(buf));
    memcpy(buf, hdr, 8);
    for ( unsigned int i = 0; i < n; i++ )
        memcpy(buf + 8 + i * esize, &e[i], sizeof(*e));
    mb2_tag(TAG_MMAP, buf, 8 + (size_t)n * esize);
}

/* Write the header: total_size covers everything appended so far. */
static void
mb2_finish(bool end_tag)
{
    uint32_t hdr[2];

    if ( end_tag )
        mb2_tag(TAG_END, NULL, 0);
    hdr[0] = mb2_off;
    hdr[1] = 0;
    memcpy(fake_phys(MB2), hdr, 8);
}

static void
set_total(uint32_t total)
{
    memcpy(fake_phys(MB2), &total, 4);
}

static int
parse_mb2(uint64_t paddr)
{
    int rc;

    memset(&bi, 0xa5, sizeof(bi));
    host_capture_begin();
    rc = bootinfo_parse_mb2(&bi, paddr, fake_phys_read, NULL);
    host_capture_end();
    return rc;
}

static const struct mmap_entry two_entries[] = {
    { 0x100000, 0x3ff00000, MEM_USABLE, 0 },
    { 0, 0x9fc00, MEM_USABLE, 0 },
};

/* A valid command line, module and memory map, to be broken around. */
static void
baseline(void)
{
    mb2_begin();
    mb2_cmdline("console=hvc0 quiet");
    mb2_module(0x1000000, 0x1002000, "initrd");
    mb2_mmap(24, two_entries, 2);
}

static void
expect_baseline(struct ktest_ctx *t, bool cmdline, bool module, bool mem)
{
    if ( cmdline )
        EXPECT_STREQ(bi.cmdline, "console=hvc0 quiet");
    if ( module )
    {
        ASSERT_EQ(bi.nr_modules, 1u);
        EXPECT_EQ(bi.mod[0].paddr, 0x1000000u);
        EXPECT_EQ(bi.mod[0].size, 0x2000u);
        EXPECT_STREQ(bi.mod[0].cmdline, "initrd");
    }
    if ( mem )
    {
        ASSERT_EQ(bi.nr_mem, 2u);
        EXPECT_EQ(bi.mem[0].base, 0u);
        EXPECT_EQ(bi.mem[0].size, 0x9fc00u);
        EXPECT_EQ(bi.mem[1].base, 0x100000u);
        EXPECT_EQ(bi.mem[1].size, 0x3ff00000u);
        EXPECT_EQ(bi.mem[1].type, (uint32_t)MEM_USABLE);
    }
}

TEST(bootinfo, mb2_valid)
{
    static const struct mmap_entry three[] = {
        { 0x100000, 0x3ff00000, MEM_USABLE, 0 },
        { 0xfee00000, 0x1000, MEM_RESERVED, 0 },
        { 0, 0x9fc00, MEM_USABLE, 0 },
    };
    static const uint32_t meminfo[2] = { 639, 1047552 };
    static const char rsdp[36] = "RSD PTR ";
    uint64_t acpi;

    mb2_begin();
    mb2_tag(TAG_MEMINFO, meminfo, sizeof(meminfo));
    mb2_cmdline("root=/dev/xvda tests=mm.*");
    mb2_module(0x1000000, 0x1002000, "initrd console=hvc0");
    mb2_module(0x2000000, 0x2000001, "");
    mb2_mmap(24, three, 3);
    acpi = mb2_tag(TAG_ACPI_NEW, rsdp, sizeof(rsdp));
    mb2_finish(true);

    EXPECT_EQ(parse_mb2(MB2), 0);
    EXPECT_EQ(bi.proto, (uint32_t)BOOT_PROTO_MB2);
    EXPECT_STREQ(bi.cmdline, "root=/dev/xvda tests=mm.*");
    ASSERT_EQ(bi.nr_modules, 2u);
    EXPECT_EQ(bi.mod[0].paddr, 0x1000000u);
    EXPECT_EQ(bi.mod[0].size, 0x2000u);
    EXPECT_STREQ(bi.mod[0].cmdline, "initrd console=hvc0");
    EXPECT_EQ(bi.mod[1].paddr, 0x2000000u);
    EXPECT_EQ(bi.mod[1].size, 1u);
    EXPECT_STREQ(bi.mod[1].cmdline, "");
    ASSERT_EQ(bi.nr_mem, 3u);
    EXPECT_EQ(bi.mem[0].base, 0u);
    EXPECT_EQ(bi.mem[1].base, 0x100000u);
    EXPECT_EQ(bi.mem[2].base, 0xfee00000u);
    EXPECT_EQ(bi.mem[2].size, 0x1000u);
    EXPECT_EQ(bi.mem[2].type, (uint32_t)MEM_RESERVED);
    /* Copied out of the tag; the kernel points bi.rsdp at the copy. */
    EXPECT_EQ(bi.rsdp, 0u);
    EXPECT_EQ(bi.rsdp_len, 36u);
    EXPECT_EQ(memcmp(bi.rsdp_copy, fake_phys(acpi + 8), 36), 0);
    EXPECT_EQ(bi.rejected, 0u);
    EXPECT_STREQ(host_capture_text(), "");
}

TEST(bootinfo, mb2_acpi_old_and_empty_info)
{
    static const char rsdp[20] = "RSD PTR ";
    uint64_t acpi;

    mb2_begin();
    acpi = mb2_tag(TAG_ACPI_OLD, rsdp, sizeof(rsdp));
    mb2_finish(true);
    EXPECT_EQ(parse_mb2(MB2), 0);
    EXPECT_EQ(bi.rsdp_len, 20u);
    EXPECT_EQ(memcmp(bi.rsdp_copy, fake_phys(acpi + 8), 20), 0);
    EXPECT_EQ(bi.rejected, 0u);

    /* The smallest valid information: the header and an end tag. */
    mb2_begin();
    mb2_finish(true);
    EXPECT_EQ(parse_mb2(MB2), 0);
    EXPECT_STREQ(bi.cmdline, "");
    EXPECT_EQ(bi.nr_modules, 0u);
    EXPECT_EQ(bi.nr_mem, 0u);
    EXPECT_EQ(bi.rsdp, 0u);
    EXPECT_EQ(bi.rsdp_len, 0u);
    EXPECT_EQ(bi.rejected, 0u);
}

TEST(bootinfo, mb2_unreadable)
{
    baseline();
    mb2_finish(true);
    EXPECT_EQ(parse_mb2(0x1000), -1);
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: multiboot2 info at 0x1000 is not readable\n"));
    EXPECT_EQ(bi.proto, (uint32_t)BOOT_PROTO_MB2);
    EXPECT_STREQ(bi.cmdline, "");
    EXPECT_EQ(bi.nr_mem, 0u);
}

TEST(bootinfo, mb2_total_size)
{
    /* Too small to hold even an end tag. */
    baseline();
    mb2_finish(true);
    set_total(15);
    EXPECT_EQ(parse_mb2(MB2), -1);
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: multiboot2 info size 15 is implausible or unreadable\n"));
    EXPECT_STREQ(bi.cmdline, "");
    EXPECT_EQ(bi.nr_modules, 0u);
    EXPECT_EQ(bi.nr_mem, 0u);

    set_total(0);
    EXPECT_EQ(parse_mb2(MB2), -1);
    EXPECT_TRUE(host_capture_contains("size 0 is implausible"));

    /* Bigger than any sane information. */
    set_total(0x100001);
    EXPECT_EQ(parse_mb2(MB2), -1);
    EXPECT_TRUE(host_capture_contains("size 1048577 is implausible"));
    set_total(0xffffffff);
    EXPECT_EQ(parse_mb2(MB2), -1);
    EXPECT_TRUE(host_capture_contains("size 4294967295 is implausible"));

    /* Plausible, but running past readable memory. */
    set_total(LOW_END - MB2 + 8);
    EXPECT_EQ(parse_mb2(MB2), -1);
    EXPECT_TRUE(host_capture_contains("is implausible or unreadable\n"));
    EXPECT_EQ(bi.nr_mem, 0u);
}

TEST(bootinfo, mb2_tag_runs_past_end)
{
    uint64_t bad;
    uint32_t sz;

    baseline();
    bad = mb2_tag_sized(TAG_MEMINFO, 8, NULL, 0);
    mb2_finish(true);
    /* The tag claims more than is left of the information. */
    sz = (uint32_t)(MB2 + mb2_off - bad) + 1;
    memcpy(fake_phys(bad + 4), &sz, 4);

    EXPECT_EQ(parse_mb2(MB2), 0);
    expect_baseline(t, true, true, true);
    EXPECT_EQ(bi.rejected, 2u);
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: rejected multiboot2 tag: size runs past the info (0x11)\n"));
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: rejected multiboot2 info: no end tag"));
}

TEST(bootinfo, mb2_tag_too_small)
{
    uint64_t bad;

    /* A size below the tag header would loop forever if accepted. */
    for ( uint32_t sz = 0; sz < 8; sz += 4 )
    {
        baseline();
        bad = mb2_tag_sized(TAG_MEMINFO, 8, NULL, 0);
        mb2_cmdline("after the bad tag");
        mb2_finish(true);
        memcpy(fake_phys(bad + 4), &sz, 4);

        EXPECT_EQ(parse_mb2(MB2), 0);
        expect_baseline(t, true, true, true);
        EXPECT_EQ(bi.rejected, 2u);
        EXPECT_EQ(host_capture_count("size runs past the info"), 1u);
    }
}

TEST(bootinfo, mb2_missing_end_tag)
{
    baseline();
    mb2_finish(false);
    EXPECT_EQ(parse_mb2(MB2), 0);
    expect_baseline(t, true, true, true);
    EXPECT_EQ(bi.rejected, 1u);
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: rejected multiboot2 info: no end tag (0x80)\n"));
}

TEST(bootinfo, mb2_mmap_bad_entry_size)
{
    static const uint32_t bad_sizes[] = { 0, 8, 16, 20, 28, 36 };

    for ( size_t i = 0; i < ARRAY_SIZE(bad_sizes); i++ )
    {
        char want[64];
        uint32_t esize = bad_sizes[i];

        mb2_begin();
        mb2_cmdline("console=hvc0 quiet");
        mb2_module(0x1000000, 0x1002000, "initrd");
        mb2_mmap(esize, two_entries, esize >= 24 ? 2 : 0);
        mb2_finish(true);
        EXPECT_EQ(parse_mb2(MB2), 0);
        expect_baseline(t, true, true, false);
        EXPECT_EQ(bi.nr_mem, 0u);
        EXPECT_EQ(bi.rejected, 1u);
        snprintf(want, sizeof(want),
                 "rejected multiboot2 memory map: bad entry size (0x%x)\n",
                 esize);
        EXPECT_TRUE(host_capture_contains(want));
    }
}

TEST(bootinfo, mb2_mmap_larger_entries)
{
    /* Entries may grow in later versions: step by entry_size. */
    mb2_begin();
    mb2_cmdline("console=hvc0 quiet");
    mb2_module(0x1000000, 0x1002000, "initrd");
    mb2_mmap(40, two_entries, 2);
    mb2_finish(true);
    EXPECT_EQ(parse_mb2(MB2), 0);
    expect_baseline(t, true, true, true);
    EXPECT_EQ(bi.rejected, 0u);
}

TEST(bootinfo, mb2_mmap_entry_size_past_tag)
{
    /*
     * An entry_size bigger than the tag leaves room for no entry. (If the
     * parser's offset arithmetic wrapped, it would read entries from
     * outside the tag.)
     */
    mb2_begin();
    mb2_cmdline("console=hvc0 quiet");
    mb2_module(0x1000000, 0x1002000, "initrd");
    mb2_mmap(24, two_entries, 2);
    memcpy(fake_phys(MB2 + mb2_off - 8 - 2 * 24), &(uint32_t){ 0xfffffff8 }, 4);
    mb2_finish(true);
    EXPECT_EQ(parse_mb2(MB2), 0);
    expect_baseline(t, true, true, false);
    EXPECT_EQ(bi.nr_mem, 0u);
}

TEST(bootinfo, mb2_mmap_tag_too_small)
{
    baseline();
    mb2_tag_sized(TAG_MMAP, 12, &(uint32_t){ 24 }, 4);
    mb2_finish(true);
    EXPECT_EQ(parse_mb2(MB2), 0);
    expect_baseline(t, true, true, true);
    EXPECT_EQ(bi.rejected, 1u);
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: rejected multiboot2 memory map: tag too small (0xc)\n"));
}

TEST(bootinfo, mb2_mmap_bad_entries)
{
    static const struct mmap_entry e[] = {
        { 0x100000, 0x3ff00000, MEM_USABLE, 0 },
        { 0x200000000ull, 0, MEM_USABLE, 0 },
        { 0xffffffffffff0000ull, 0x10000, MEM_RESERVED, 0 },
        { 0, 0x9fc00, MEM_USABLE, 0 },
    };

    mb2_begin();
    mb2_cmdline("console=hvc0 quiet");
    mb2_module(0x1000000, 0x1002000, "initrd");
    mb2_mmap(24, e, 4);
    mb2_finish(true);
    EXPECT_EQ(parse_mb2(MB2), 0);
    expect_baseline(t, true, true, true);
    EXPECT_EQ(bi.rejected, 2u);
    EXPECT_EQ(
        host_capture_count(
            "rejected multiboot2 memory map entry: empty or wrapping range at"),
        2u);
}

TEST(bootinfo, mb2_mmap_too_many_entries)
{
    static struct mmap_entry e[BOOTINFO_MAX_MEM + 3];

    for ( unsigned int i = 0; i < ARRAY_SIZE(e); i++ )
    {
        e[i].base = (ARRAY_SIZE(e) - i) * 0x1000ull;
        e[i].len = 0x1000;
        e[i].type = MEM_USABLE;
    }
    mb2_begin();
    mb2_mmap(24, e, ARRAY_SIZE(e));
    mb2_finish(true);
    EXPECT_EQ(parse_mb2(MB2), 0);
    EXPECT_EQ(bi.nr_mem, (unsigned int)BOOTINFO_MAX_MEM);
    EXPECT_EQ(bi.rejected, 3u);
    EXPECT_EQ(host_capture_count("too many memory map entries (0x80)"), 3u);
    /* The first 128 given were kept, then sorted. */
    EXPECT_EQ(bi.mem[0].base, 0x4000u);
    EXPECT_EQ(bi.mem[BOOTINFO_MAX_MEM - 1].base, 0x83000u);
}

TEST(bootinfo, mb2_bad_modules)
{
    uint32_t raw[4] = { 0x3000000, 0x3001000, 0, 0 };
    unsigned char unterminated[8 + 40];

    baseline();
    mb2_module(0x2000000, 0x2000000, "empty");     /* end == start */
    mb2_module(0x2000000, 0x1000000, "backwards"); /* end < start */
    mb2_tag(TAG_MODULE, raw, 8); /* no room for a command line */
    /* A command line that fills its tag without a NUL: module kept. */
    memcpy(unterminated, raw, 8);
    memset(unterminated + 8, 'u', 40);
    mb2_tag(TAG_MODULE, unterminated, sizeof(unterminated));
    mb2_finish(true);

    EXPECT_EQ(parse_mb2(MB2), 0);
    expect_baseline(t, true, false, true);
    ASSERT_EQ(bi.nr_modules, 2u);
    EXPECT_EQ(bi.mod[0].paddr, 0x1000000u);
    EXPECT_STREQ(bi.mod[0].cmdline, "initrd");
    EXPECT_EQ(bi.mod[1].paddr, 0x3000000u);
    EXPECT_EQ(bi.mod[1].size, 0x1000u);
    EXPECT_STREQ(bi.mod[1].cmdline, "");
    EXPECT_EQ(bi.rejected, 4u);
    EXPECT_EQ(host_capture_count(
                  "rejected multiboot2 module: bad tag or empty range"),
              3u);
    EXPECT_TRUE(host_capture_contains("empty range (0x10)\n"));
    EXPECT_TRUE(host_capture_contains(
        "rejected module command line: not NUL-terminated within the limit (0x27)\n"));
}

TEST(bootinfo, mb2_cmdline_unterminated)
{
    char s[BOOTINFO_CMDLINE_MAX + 1];

    /* No NUL inside the tag: rejected, even though one follows it. */
    baseline();
    mb2_tag_sized(TAG_CMDLINE, 8 + 4, "abcd", 4);
    mb2_finish(true);
    EXPECT_EQ(parse_mb2(MB2), 0);
    EXPECT_STREQ(bi.cmdline, "");
    expect_baseline(t, false, true, true);
    EXPECT_EQ(bi.rejected, 1u);
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: rejected command line: not NUL-terminated within the limit (0x3)\n"));

    /* Longer than we keep: rejected whole. */
    memset(s, 'x', sizeof(s) - 1);
    s[sizeof(s) - 1] = '\0';
    baseline();
    mb2_cmdline(s);
    mb2_finish(true);
    EXPECT_EQ(parse_mb2(MB2), 0);
    EXPECT_STREQ(bi.cmdline, "");
    EXPECT_EQ(bi.rejected, 1u);
    EXPECT_TRUE(host_capture_contains("within the limit (0x3ff)\n"));

    /* An empty tag holds no string at all. */
    baseline();
    mb2_tag(TAG_CMDLINE, NULL, 0);
    mb2_finish(true);
    EXPECT_EQ(parse_mb2(MB2), 0);
    EXPECT_STREQ(bi.cmdline, "");
    EXPECT_EQ(bi.rejected, 1u);
}

TEST(bootinfo, mb2_too_many_modules)
{
    char cmd[16];

    mb2_begin();
    for ( unsigned int i = 0; i < BOOTINFO_MAX_MODULES; i++ )
    {
        snprintf(cmd, sizeof(cmd), "mod%u", i);
        mb2_module(0x1000000 + i * 0x1000, 0x1000800 + i * 0x1000, cmd);
    }
    /* One too many, at the same address as the last one kept. */
    mb2_module(0x1000000 + (BOOTINFO_MAX_MODULES - 1) * 0x1000, 0x2000000,
               "one too many");
    mb2_finish(true);

    EXPECT_EQ(parse_mb2(MB2), 0);
    ASSERT_EQ(bi.nr_modules, (unsigned int)BOOTINFO_MAX_MODULES);
    EXPECT_STREQ(bi.mod[0].cmdline, "mod0");
    EXPECT_STREQ(bi.mod[BOOTINFO_MAX_MODULES - 1].cmdline, "mod15");
    EXPECT_EQ(bi.mod[BOOTINFO_MAX_MODULES - 1].size, 0x800u);
    EXPECT_EQ(bi.rejected, 1u);
    EXPECT_TRUE(host_capture_contains(
        "bootinfo: rejected module: too many modules (0x10)\n"));
}

/*
 * A hostile loader that changes a tag's size after the parser has checked
 * it: the parser must step by the size it checked, not by memory.
 */
static uint64_t hostile_tag;

static void
grow_tag_on_read(uint64_t paddr, size_t len)
{
    uint32_t huge = 0xfffffff0;

    if ( paddr == hostile_tag + 8 ) /* first command line byte */
        memcpy(fake_phys(hostile_tag + 4), &huge, 4);
}

TEST(bootinfo, mb2_tag_changed_under_parser)
{
    mb2_begin();
    hostile_tag = MB2 + mb2_off;
    mb2_cmdline("abc");
    mb2_module(0x1000000, 0x1002000, "initrd");
    mb2_finish(true);
    fake_phys_set_direct(true);
    fake_phys_set_hook(grow_tag_on_read);

    EXPECT_EQ(parse_mb2(MB2), 0);
    EXPECT_STREQ(bi.cmdline, "abc");
    expect_baseline(t, false, true, false);
    EXPECT_EQ(bi.rejected, 0u);
    fake_phys_reset();
}

/*
 * Every read is checked: a reader that refuses a read inside an
 * information it accepted as a whole (memory that went away, a fault)
 * makes the parser reject that part, never dereference NULL.
 */
static uint64_t refuse_at;

static const void *
refusing_read(uint64_t paddr, size_t len, void *ctx)
{
    return paddr == refuse_at ? NULL : fake_phys_read(paddr, len, ctx);
}

static int
parse_mb2_refusing(uint64_t at)
{
    int rc;

    refuse_at = at;
    memset(&bi, 0xa5, sizeof(bi));
    host_capture_begin();
    rc = bootinfo_parse_mb2(&bi, MB2, refusing_read, NULL);
    host_capture_end();
    return rc;
}

TEST(bootinfo, mb2_tag_header_unreadable)
{
    uint64_t tag;

    mb2_begin();
    mb2_cmdline("abc");
    tag = MB2 + mb2_off;
    mb2_module(0x1000000, 0x1002000, "initrd");
    mb2_finish(true);
    EXPECT_EQ(parse_mb2_refusing(tag), 0);
    EXPECT_STREQ(bi.cmdline, "abc");
    EXPECT_EQ(bi.nr_modules, 0u);
    EXPECT_GE(bi.rejected, 1u);
    EXPECT_TRUE(host_capture_contains("not readable"));
}

TEST(bootinfo, mb2_module_fields_unreadable)
{
    uint64_t tag;

    mb2_begin();
    tag = MB2 + mb2_off;
    mb2_module(0x1000000, 0x1002000, "initrd");
    mb2_cmdline("abc");
    mb2_finish(true);
    EXPECT_EQ(parse_mb2_refusing(tag + 8), 0);
    EXPECT_EQ(bi.nr_modules, 0u);
    EXPECT_STREQ(bi.cmdline, "abc");
    EXPECT_EQ(bi.rejected, 1u);
    EXPECT_TRUE(host_capture_contains("not readable"));
}

/*
 * The RSDP in an ACPI tag is kept as a copy: the loader's memory goes
 * back to the page allocator after boot, and is poisoned or reused.
 */
TEST(bootinfo, mb2_rsdp_survives_loader_memory_reuse)
{
    static const char rsdp[20] = "RSD PTR \x42";

    mb2_begin();
    mb2_tag(TAG_ACPI_OLD, rsdp, sizeof(rsdp));
    mb2_finish(true);
    EXPECT_EQ(parse_mb2(MB2), 0);
    fake_phys_reset(); /* the allocator reuses and poisons the pages */
    memset(fake_phys(MB2), 0x6b, 0x100);
    ASSERT_EQ(bi.rsdp_len, 20u);
    EXPECT_EQ(memcmp(bi.rsdp_copy, rsdp, sizeof(rsdp)), 0);

    /* Too short to be an RSDP: rejected. */
    mb2_begin();
    mb2_tag(TAG_ACPI_OLD, rsdp, 12);
    mb2_finish(true);
    EXPECT_EQ(parse_mb2(MB2), 0);
    EXPECT_EQ(bi.rsdp_len, 0u);
    EXPECT_EQ(bi.rejected, 1u);
}
