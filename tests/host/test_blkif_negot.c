/* SPDX-License-Identifier: MIT */
/*
 * test_blkif_negot.c - host tests of reading a block backend's keys
 * (drivers/blk/blkif_negot.c): what Linux's blkback writes, optional
 * keys defaulting to off, and each kind of nonsense refused with a
 * message naming the key. The reader is a table standing in for
 * xenstore, parsing as strictly as the kernel's xenstore reader does.
 */
#include <stdlib.h>
#include <errno.h>
#include <ktest.h>
#include "drivers/blk/blkif_negot.h"
#include "tests/host/host.h"
#include <xen/errno.h>

struct kv {
    const char *key, *val;
};

/* The keys a Linux 6.1 blkback writes for a 40 MiB + 7 sectors disk. */
static const struct kv linux_backend[] = {
    { "sectors", "81927" },
    { "sector-size", "512" },
    { "physical-sector-size", "512" },
    { "info", "0" },
    { "feature-flush-cache", "1" },
    { "feature-barrier", "1" },
    { "feature-discard", "1" },
    { "discard-granularity", "512" },
    { "discard-alignment", "0" },
    { "discard-secure", "0" },
    { "feature-persistent", "1" },
    { "feature-max-indirect-segments", "256" },
    { "max-ring-page-order", "4" },
    { "multi-queue-max-queues", "4" },
    { NULL, NULL },
};

/* A table with some keys replaced (val NULL: removed). */
struct table {
    const struct kv *base;
    struct kv over[4];
};

static int
table_read(void *ctx, const char *key, uint64_t max, uint64_t *out)
{
    const struct table *t = ctx;
    const char *val = NULL;
    const struct kv *kv;
    unsigned int i;
    char *end;

    for ( kv = t->base; kv->key; kv++ )
        if ( strcmp(kv->key, key) == 0 )
            val = kv->val;
    for ( i = 0; i < ARRAY_SIZE(t->over); i++ )
        if ( t->over[i].key && strcmp(t->over[i].key, key) == 0 )
            val = t->over[i].val;
    if ( !val )
        return -XEN_ENOENT;
    if ( val[0] < '0' || val[0] > '9' )
    {
        printk("fake xenstore: %s: \"%s\" is not a decimal number\n", key, val);
        return -XEN_EINVAL;
    }
    errno = 0;
    *out = strtoull(val, &end, 10);
    if ( *end )
    {
        printk("fake xenstore: %s: \"%s\" is not a decimal number\n", key, val);
        return -XEN_EINVAL;
    }
    if ( errno == ERANGE || *out > max )
    {
        printk("fake xenstore: %s: \"%s\" is above %llu\n", key, val,
               (unsigned long long)max);
        return -XEN_ERANGE;
    }
    return 0;
}

/* Read with the overrides, printk captured. */
static int
negot(struct table *t, struct blkif_params *p)
{
    int rc;

    host_capture_begin();
    rc = blkif_negot_read("xvdt", table_read, t, p);
    host_capture_end();
    return rc;
}

TEST(blkif_negot, linux_blkback_keys)
{
    struct table tb = { linux_backend, { { 0 } } };
    struct blkif_params p;

    ASSERT_EQ(negot(&tb, &p), 0);
    EXPECT_STREQ(host_capture_text(), "");
    EXPECT_EQ(p.sectors, 81927u);
    EXPECT_EQ(p.sectors_512, 81927u);
    EXPECT_EQ(p.sector_size, 512u);
    EXPECT_EQ(p.phys_sector_size, 512u);
    EXPECT_FALSE(p.readonly);
    EXPECT_TRUE(p.flush);
    EXPECT_TRUE(p.barrier);
    EXPECT_TRUE(p.discard);
    EXPECT_TRUE(p.persistent);
    EXPECT_EQ(p.max_indirect_segs, 256u);
    EXPECT_EQ(p.max_ring_page_order, 4u);
    EXPECT_EQ(p.max_queues, 4u);
    EXPECT_EQ(p.discard_granularity, 512u);
}

TEST(blkif_negot, optional_keys_default_to_off)
{
    static const struct kv minimal[] = {
        { "sectors", "8" },
        { "sector-size", "4096" },
        { "info", "4" }, /* VDISK_READONLY */
        { NULL, NULL },
    };
    struct table tb = { minimal, { { 0 } } };
    struct blkif_params p;

    ASSERT_EQ(negot(&tb, &p), 0);
    EXPECT_STREQ(host_capture_text(), "");
    EXPECT_EQ(p.sectors_512, 64u);
    EXPECT_EQ(p.phys_sector_size, 4096u); /* = sector-size */
    EXPECT_TRUE(p.readonly);
    EXPECT_FALSE(p.cdrom);
    EXPECT_FALSE(p.flush || p.barrier || p.discard || p.persistent);
    EXPECT_EQ(p.max_indirect_segs, 0u);
    EXPECT_EQ(p.max_ring_page_order, 0u);
    EXPECT_EQ(p.max_queues, 1u);
}

TEST(blkif_negot, missing_required_keys)
{
    struct table tb = { linux_backend, { { "sectors", NULL } } };
    struct blkif_params p;

    EXPECT_EQ(negot(&tb, &p), -XEN_ENOENT);
    EXPECT_TRUE(
        host_capture_contains("blk: xvdt: backend did not write sectors"));
    tb.over[0].key = "sector-size";
    EXPECT_EQ(negot(&tb, &p), -XEN_ENOENT);
    EXPECT_TRUE(host_capture_contains("did not write sector-size"));
    tb.over[0].key = "info";
    EXPECT_EQ(negot(&tb, &p), -XEN_ENOENT);
    EXPECT_TRUE(host_capture_contains("did not write info"));
}

/* One replaced key's value gives `rc` and a message holding `msg`. */
struct bad_case {
    const char *key, *val;
    int rc;
    const char *msg;
};

TEST(blkif_negot, nonsense_values_name_their_key)
{
    static const struct bad_case cases[] = {
        { "sectors", "0", -XEN_EINVAL, "backend's sectors 0 is zero" },
        { "sector-size", "3", -XEN_EINVAL,
          "backend's sector-size 3 is not a power of two >= 512" },
        { "sector-size", "0", -XEN_EINVAL, "sector-size 0 is not" },
        { "sector-size", "256", -XEN_EINVAL, "sector-size 256 is not" },
        { "sector-size", "768", -XEN_EINVAL, "sector-size 768 is not" },
        { "sector-size", "8192", -XEN_EOPNOTSUPP,
          "sector-size 8192 is above 4096" },
        { "sectors", "36028797018963968", -XEN_EOVERFLOW, /* 2^55 */
          "sectors 36028797018963968 times sector-size 512 overflows" },
        { "physical-sector-size", "256", -XEN_EINVAL,
          "physical-sector-size 256 is not a power-of-two multiple" },
        { "physical-sector-size", "1536", -XEN_EINVAL,
          "physical-sector-size 1536" },
        { "feature-barrier", "2", -XEN_ERANGE,
          "backend's feature-barrier is unusable (ERANGE)" },
        { "feature-flush-cache", "yes", -XEN_EINVAL,
          "backend's feature-flush-cache is unusable (EINVAL)" },
        { "sectors", "-1", -XEN_EINVAL, "sectors is unusable" },
        { "sector-size", "4294967296", -XEN_ERANGE, "sector-size" },
        { "multi-queue-max-queues", "0", -XEN_EINVAL,
          "multi-queue-max-queues 0 is zero" },
        { "discard-granularity", "100", -XEN_EINVAL,
          "discard-granularity 100 is not a multiple of sector-size" },
        { "discard-alignment", "7", -XEN_EINVAL, "discard-alignment 7" },
        { "discard-secure", "9", -XEN_ERANGE, "discard-secure" },
        /* Unreadable optional keys are refused, not taken as missing. */
        { "physical-sector-size", "x", -XEN_EINVAL,
          "backend's physical-sector-size is unusable" },
        { "feature-max-indirect-segments", "x", -XEN_EINVAL,
          "feature-max-indirect-segments is unusable" },
        { "max-ring-page-order", "x", -XEN_EINVAL,
          "max-ring-page-order is unusable" },
        { "multi-queue-max-queues", "x", -XEN_EINVAL,
          "multi-queue-max-queues is unusable" },
        { "discard-granularity", "x", -XEN_EINVAL,
          "discard-granularity is unusable" },
        { "discard-alignment", "x", -XEN_EINVAL,
          "discard-alignment is unusable" },
        { "info", "x", -XEN_EINVAL, "info is unusable" },
    };
    struct blkif_params p;
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(cases); i++ )
    {
        struct table tb = { linux_backend, { { cases[i].key, cases[i].val } } };

        EXPECT_EQ(negot(&tb, &p), cases[i].rc);
        EXPECT_TRUE(host_capture_contains(cases[i].msg));
    }
}

TEST(blkif_negot, largest_disks_fit)
{
    /* 2^55 - 1 sectors of 512 bytes: just under 2^64 bytes. */
    struct table tb = { linux_backend, { { "sectors", "36028797018963967" } } };
    struct blkif_params p;

    ASSERT_EQ(negot(&tb, &p), 0);
    EXPECT_EQ(p.sectors_512, 36028797018963967ull);
    /* Discard keys are not read when discard is off: nonsense ignored. */
    tb.over[0].key = "feature-discard";
    tb.over[0].val = "0";
    tb.over[1].key = "discard-granularity";
    tb.over[1].val = "100";
    EXPECT_EQ(negot(&tb, &p), 0);
    /* A granularity of 0 means any sector. */
    tb.over[0].val = "1";
    tb.over[1].val = "0";
    ASSERT_EQ(negot(&tb, &p), 0);
    EXPECT_EQ(p.discard_granularity, 512u);
}

TEST(blkif_negot, describe_one_line_per_disk)
{
    static const struct kv ro[] = {
        { "sectors", "2048" }, { "sector-size", "4096" },
        { "info", "7" },       { "physical-sector-size", "4096" },
        { NULL, NULL },
    };
    struct table tb = { linux_backend, { { 0 } } };
    struct blkif_params p;
    char buf[256];

    ASSERT_EQ(negot(&tb, &p), 0);
    blkif_params_describe(buf, sizeof(buf), "xvda", &p);
    EXPECT_STREQ(
        buf,
        "xvda: 81927 sectors of 512 B (40.0 MiB), physical 512 B, read-write, features: flush barrier discard persistent indirect=256 ring-order=4 queues=4");
    tb.base = ro;
    ASSERT_EQ(negot(&tb, &p), 0);
    blkif_params_describe(buf, sizeof(buf), "xvdb", &p);
    EXPECT_STREQ(
        buf,
        "xvdb: 2048 sectors of 4096 B (8.0 MiB), physical 4096 B, read-only, cdrom, removable, features: none");
    /* Truncated to the buffer, still terminated, full length returned. */
    EXPECT_GT(blkif_params_describe(buf, 10, "xvdb", &p), 10);
    EXPECT_EQ(strlen(buf), 9u);
}

TEST(blkif_negot, virtual_device_names)
{
    static const struct {
        uint32_t vdev;
        const char *name;
    } cases[] = {
        { 202 << 8, "xvda" },
        { (202 << 8) | (1 << 4), "xvdb" },
        { (202 << 8) | (1 << 4) | 3, "xvdb3" },
        { (202 << 8) | (15 << 4), "xvdp" },
        { (1u << 28) | (25 << 8), "xvdz" },
        { (1u << 28) | (26 << 8), "xvdaa" },
        { (1u << 28) | (701 << 8) | 7, "xvdzz7" },
        { (1u << 28) | (702 << 8), "xvdaaa" },
        { 8 << 8, "sda" },
        { (8 << 8) | (2 << 4) | 1, "sdc1" },
        { 3 << 8, "hda" },
        { (3 << 8) | (1 << 6) | 2, "hdb2" },
        { 22 << 8, "hdc" },
        { 7 << 8, "vbd1792" },
        { 0x12345, "vbd74565" },
    };
    char buf[16];
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(cases); i++ )
    {
        blkif_vdev_name(buf, sizeof(buf), cases[i].vdev);
        EXPECT_STREQ(buf, cases[i].name);
    }
    /* Too small a buffer: cut, terminated, the full length returned. */
    EXPECT_EQ(blkif_vdev_name(buf, 4, (202 << 8) | (1 << 4) | 3), 5);
    EXPECT_STREQ(buf, "xvd");
}
