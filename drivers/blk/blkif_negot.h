/* SPDX-License-Identifier: MIT */
/*
 * blkif_negot.h - what a block backend tells its frontend through
 * xenstore (xen/io/blkif.h, "Backend XenBus Nodes"), read and judged
 * before a disk is brought up. Portable (drivers/blk/blkif_negot.c),
 * host-tested in tests/host/test_blkif_negot.c; the driver supplies the
 * reader (xenstore in the kernel, a table in the tests).
 *
 * Required: sectors, sector-size, info. Optional, "off" (or the value
 * blkif names) when missing: physical-sector-size (= sector-size),
 * feature-flush-cache, feature-barrier, feature-discard,
 * feature-persistent, feature-max-indirect-segments (0),
 * max-ring-page-order (0), multi-queue-max-queues (1), and with discard
 * discard-granularity (= sector-size), discard-alignment (0),
 * discard-secure (0). A value that is present but makes no sense
 * rejects the disk, with a message naming the key.
 */
#ifndef XENLING_BLKIF_NEGOT_H
#define XENLING_BLKIF_NEGOT_H

#include <lib.h>

/* What we accept from a backend: checked, with defaults filled in. */
struct blkif_params {
    uint64_t sectors;          /* in units of sector_size, >= 1 */
    uint64_t sectors_512;      /* the same size in 512-byte sectors */
    uint32_t sector_size;      /* power of two, 512..4096 */
    uint32_t phys_sector_size; /* power-of-two multiple of sector_size */
    uint32_t info;             /* VDISK_* bits as the backend wrote them */
    bool readonly, cdrom, removable;
    bool flush;      /* feature-flush-cache: BLKIF_OP_FLUSH_DISKCACHE */
    bool barrier;    /* feature-barrier: BLKIF_OP_WRITE_BARRIER */
    bool discard;    /* feature-discard: BLKIF_OP_DISCARD */
    bool persistent; /* feature-persistent */
    uint32_t max_indirect_segs;   /* feature-max-indirect-segments */
    uint32_t max_ring_page_order; /* max-ring-page-order */
    uint32_t max_queues;          /* multi-queue-max-queues, >= 1 */
    uint32_t discard_granularity; /* bytes, a multiple of sector_size */
    uint32_t discard_alignment;   /* bytes, a multiple of sector_size */
    bool discard_secure;
};

/*
 * Read the backend's key `key` as an unsigned decimal of at most `max`
 * into *out. Returns 0, -XEN_ENOENT when the key is missing, or another
 * negative errno (the reader prints why) for a value that is not such a
 * number or could not be read.
 */
typedef int (*blkif_read_uint_fn)(void *ctx, const char *key, uint64_t max,
                                  uint64_t *out);

/*
 * Read and check every key above for disk `name` into *p. Returns 0, or
 * the first error: -XEN_ENOENT for a missing required key,
 * -XEN_EINVAL for a value that makes no sense (zero sectors, a sector
 * size that is not a power of two >= 512, a physical sector size that
 * is not a multiple of it, zero queues, ...), -XEN_EOVERFLOW when
 * sectors * sector-size does not fit in 64 bits, -XEN_EOPNOTSUPP for a
 * sector size above 4096 (valid, but a sector would not fit in one
 * segment), or the reader's error. Each is printed naming the key and
 * its value: "blk: xvda: backend's sector-size 3 is not a power of two
 * >= 512".
 */
int blkif_negot_read(const char *name, blkif_read_uint_fn read, void *ctx,
                     struct blkif_params *p);

/*
 * One console line's worth describing the disk, without a newline:
 * "xvda: 81927 sectors of 512 B (40.0 MiB), physical 512 B, read-write,
 * features: flush barrier". Returns what snprintf returns.
 */
int blkif_params_describe(char *buf, size_t size, const char *name,
                          const struct blkif_params *p);

/*
 * The name of virtual device number `vdev` (the device's id under
 * device/vbd/, Xen's vbd-interface encodings): "xvda" for 202 << 8,
 * "xvdb3" for (202 << 8) | (1 << 4) | 3, "xvdaa" for disk 26 in the
 * extended form (1 << 28) | (26 << 8); "sda"/"hda".. for the SCSI and IDE
 * encodings; "vbd<vdev>" for anything else. Returns what snprintf does.
 */
int blkif_vdev_name(char *buf, size_t size, uint32_t vdev);

#endif
