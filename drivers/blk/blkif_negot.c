/* SPDX-License-Identifier: MIT */
/*
 * blkif_negot.c - reading and judging a block backend's xenstore keys
 * (drivers/blk/blkif_negot.h). Portable: host-tested in
 * tests/host/test_blkif_negot.c.
 */
#include "drivers/blk/blkif_negot.h"
#include <xen_errno.h>
#include <xen/xen.h>
#include <xen/io/blkif.h>

/* One disk's reading: the caller's reader and the disk's name. */
struct rd {
    const char *name;
    blkif_read_uint_fn fn;
    void *ctx;
};

/*
 * Read `key` (at most `max`) into *out. A missing key gives `dflt` when
 * optional, else -XEN_ENOENT; any other failure is returned. Both
 * printed.
 */
static int
rd_key(struct rd *r, const char *key, uint64_t max, bool required,
       uint64_t dflt, uint64_t *out)
{
    int rc = r->fn(r->ctx, key, max, out);

    if ( rc == -XEN_ENOENT && !required )
    {
        *out = dflt;
        return 0;
    }
    if ( rc == -XEN_ENOENT )
        printk("blk: %s: backend did not write %s\n", r->name, key);
    else if ( rc )
        printk("blk: %s: backend's %s is unusable (%s)\n", r->name, key,
               xen_errno_name(rc));
    return rc;
}

/* An optional 0/1 key; anything else is refused by the reader's max. */
static int
rd_bool(struct rd *r, const char *key, bool *out)
{
    uint64_t v;
    int rc = rd_key(r, key, 1, false, 0, &v);

    *out = rc == 0 && v == 1;
    return rc;
}

static bool
is_pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}

/* A message naming the key and its value, and -XEN_EINVAL. */
static int
bad(struct rd *r, const char *key, uint64_t v, const char *why)
{
    printk("blk: %s: backend's %s %llu %s\n", r->name, key,
           (unsigned long long)v, why);
    return -XEN_EINVAL;
}

static int
read_size(struct rd *r, struct blkif_params *p)
{
    uint64_t v;
    int rc;

    if ( (rc = rd_key(r, "sectors", UINT64_MAX, true, 0, &p->sectors)) )
        return rc;
    if ( p->sectors == 0 )
        return bad(r, "sectors", 0, "is zero: an empty disk");
    if ( (rc = rd_key(r, "sector-size", UINT32_MAX, true, 0, &v)) )
        return rc;
    if ( v < 512 || !is_pow2(v) )
        return bad(r, "sector-size", v, "is not a power of two >= 512");
    if ( v > 4096 )
    {
        printk(
            "blk: %s: backend's sector-size %llu is above 4096: a sector would not fit in one segment (not supported)\n",
            r->name, (unsigned long long)v);
        return -XEN_EOPNOTSUPP;
    }
    p->sector_size = (uint32_t)v;
    if ( p->sectors > UINT64_MAX / p->sector_size )
    {
        printk(
            "blk: %s: backend's sectors %llu times sector-size %u overflows 64 bits\n",
            r->name, (unsigned long long)p->sectors, p->sector_size);
        return -XEN_EOVERFLOW;
    }
    p->sectors_512 = p->sectors * (p->sector_size / 512);
    rc = rd_key(r, "physical-sector-size", UINT32_MAX, false, p->sector_size,
                &v);
    if ( rc )
        return rc;
    if ( !is_pow2(v) || v < p->sector_size )
        return bad(r, "physical-sector-size", v,
                   "is not a power-of-two multiple of sector-size");
    p->phys_sector_size = (uint32_t)v;
    return 0;
}

static int
read_discard(struct rd *r, struct blkif_params *p)
{
    uint64_t v;
    int rc;

    if ( !p->discard )
        return 0;
    rc =
        rd_key(r, "discard-granularity", UINT32_MAX, false, p->sector_size, &v);
    if ( rc )
        return rc;
    if ( v == 0 )
        v = p->sector_size; /* "no granularity": any sector */
    if ( v % p->sector_size )
        return bad(r, "discard-granularity", v,
                   "is not a multiple of sector-size");
    p->discard_granularity = (uint32_t)v;
    if ( (rc = rd_key(r, "discard-alignment", UINT32_MAX, false, 0, &v)) )
        return rc;
    if ( v % p->sector_size )
        return bad(r, "discard-alignment", v,
                   "is not a multiple of sector-size");
    p->discard_alignment = (uint32_t)v;
    return rd_bool(r, "discard-secure", &p->discard_secure);
}

int
blkif_negot_read(const char *name, blkif_read_uint_fn read, void *ctx,
                 struct blkif_params *p)
{
    struct rd r = { name, read, ctx };
    uint64_t v;
    int rc;

    memset(p, 0, sizeof(*p));
    if ( (rc = read_size(&r, p)) )
        return rc;
    if ( (rc = rd_key(&r, "info", UINT32_MAX, true, 0, &v)) )
        return rc;
    p->info = (uint32_t)v;
    p->readonly = p->info & VDISK_READONLY;
    p->cdrom = p->info & VDISK_CDROM;
    p->removable = p->info & VDISK_REMOVABLE;
    if ( (rc = rd_bool(&r, "feature-flush-cache", &p->flush)) ||
         (rc = rd_bool(&r, "feature-barrier", &p->barrier)) ||
         (rc = rd_bool(&r, "feature-discard", &p->discard)) ||
         (rc = rd_bool(&r, "feature-persistent", &p->persistent)) )
        return rc;
    if ( (rc = rd_key(&r, "feature-max-indirect-segments", UINT32_MAX, false, 0,
                      &v)) )
        return rc;
    p->max_indirect_segs = (uint32_t)v;
    if ( (rc = rd_key(&r, "max-ring-page-order", UINT32_MAX, false, 0, &v)) )
        return rc;
    p->max_ring_page_order = (uint32_t)v;
    if ( (rc = rd_key(&r, "multi-queue-max-queues", UINT32_MAX, false, 1, &v)) )
        return rc;
    if ( v == 0 )
        return bad(&r, "multi-queue-max-queues", v, "is zero");
    p->max_queues = (uint32_t)v;
    return read_discard(&r, p);
}

/* Append to buf at *len (keeping the NUL), like snprintf. */
static void add(char *buf, size_t size, int *len, const char *fmt, ...)
    __printf(4, 5);
static void
add(char *buf, size_t size, int *len, const char *fmt, ...)
{
    va_list ap;
    size_t at = (size_t)*len < size ? (size_t)*len : size;

    va_start(ap, fmt);
    *len += vsnprintf(buf + at, size - at, fmt, ap);
    va_end(ap);
}

int
blkif_params_describe(char *buf, size_t size, const char *name,
                      const struct blkif_params *p)
{
    static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
    uint64_t kib = p->sectors_512 / 2, scale = 1;
    unsigned int u = 0;
    int len = 0;

    while ( u + 1 < ARRAY_SIZE(unit) && kib / scale >= 1024 )
    {
        scale *= 1024;
        u++;
    }
    add(buf, size, &len,
        "%s: %llu sectors of %u B (%llu.%llu %s), physical %u B, %s%s%s, features:",
        name, (unsigned long long)p->sectors, p->sector_size,
        (unsigned long long)(kib / scale),
        (unsigned long long)(kib % scale * 10 / scale), unit[u],
        p->phys_sector_size, p->readonly ? "read-only" : "read-write",
        p->cdrom ? ", cdrom" : "", p->removable ? ", removable" : "");
    if ( p->flush )
        add(buf, size, &len, " flush");
    if ( p->barrier )
        add(buf, size, &len, " barrier");
    if ( p->discard )
        add(buf, size, &len, " discard");
    if ( p->persistent )
        add(buf, size, &len, " persistent");
    if ( p->max_indirect_segs )
        add(buf, size, &len, " indirect=%u", p->max_indirect_segs);
    if ( p->max_ring_page_order )
        add(buf, size, &len, " ring-order=%u", p->max_ring_page_order);
    if ( p->max_queues > 1 )
        add(buf, size, &len, " queues=%u", p->max_queues);
    if ( !p->flush && !p->barrier && !p->discard && !p->persistent &&
         !p->max_indirect_segs && !p->max_ring_page_order &&
         p->max_queues == 1 )
        add(buf, size, &len, " none");
    return len;
}

/* Disk number n as letters: 0 "a", 25 "z", 26 "aa", 701 "zz", 702 "aaa". */
static int
disk_letters(char *buf, size_t size, const char *prefix, uint32_t n,
             uint32_t part)
{
    char rev[8];
    unsigned int len = 0;
    int out;

    do
    {
        rev[len++] = (char)('a' + n % 26);
        n = n / 26;
    } while ( n-- && len < sizeof(rev) );
    out = snprintf(buf, size, "%s", prefix);
    while ( len )
    {
        size_t at = (size_t)out < size ? (size_t)out : size;

        out += snprintf(buf + at, size - at, "%c", rev[--len]);
    }
    if ( part )
    {
        size_t at = (size_t)out < size ? (size_t)out : size;

        out += snprintf(buf + at, size - at, "%u", part);
    }
    return out;
}

int
blkif_vdev_name(char *buf, size_t size, uint32_t vdev)
{
    uint32_t major = (vdev >> 8) & 0xff, minor = vdev & 0xff;

    if ( vdev & (1u << 28) ) /* extended: 2^20 disks, 256 partitions */
        return disk_letters(buf, size, "xvd", (vdev >> 8) & 0xfffff,
                            vdev & 0xff);
    if ( vdev >> 16 )
        return snprintf(buf, size, "vbd%u", vdev);
    if ( major == 202 )
        return disk_letters(buf, size, "xvd", minor >> 4, minor & 15);
    if ( major == 8 )
        return disk_letters(buf, size, "sd", minor >> 4, minor & 15);
    if ( major == 3 || major == 22 )
        return disk_letters(buf, size, "hd", (minor >> 6) + (major == 22) * 2,
                            minor & 63);
    return snprintf(buf, size, "vbd%u", vdev);
}
