/* SPDX-License-Identifier: MIT */
/*
 * blk_monitor.c - the monitor's `blk` command (kernel/monitor.c):
 * `blk list` shows every disk with its size, sector sizes, features and
 * counters; `blk read DISK SECTOR` prints one 512-byte sector in hex.
 */
#include <kernel.h>
#include <blk.h>
#include <mm.h>
#include <monitor.h>
#include <xen_errno.h>
#include "drivers/blk/blk_pattern.h"

static void
list(void)
{
    struct blk_disk *d;
    struct blk_info in;
    unsigned int i;

    for ( i = 0; (d = blk_disk_get(i)); i++ )
    {
        blk_disk_info(d, &in);
        blk_disk_put(d);
        printk(
            "%s: %llu sectors, %u/%u B, %s%s%s%s | reads %llu writes %llu flushes %llu barriers %llu failed %llu\n",
            in.name, (unsigned long long)in.sectors, in.sector_size,
            in.phys_sector_size, in.readonly ? "read-only" : "read-write",
            in.flush ? ", flush" : "", in.barrier ? ", barrier" : "",
            in.stopped ? ", STOPPED" : "", (unsigned long long)in.reads,
            (unsigned long long)in.writes, (unsigned long long)in.flushes,
            (unsigned long long)in.barriers, (unsigned long long)in.failed);
    }
    if ( i == 0 )
        printk("no disks\n");
}

static void
read_sector(const char *name, const char *where)
{
    struct blk_disk *d = blk_disk_find(name);
    unsigned char *buf;
    uint64_t sector;
    unsigned int i, j;
    int rc;

    if ( !d )
    {
        printk("blk: no disk %s\n", name);
        return;
    }
    buf = page_alloc();
    if ( !buf )
    {
        printk("blk: no memory\n");
        goto out;
    }
    if ( blk_number_parse(where, &sector) ) /* decimal or 0x-hex */
    {
        printk("blk: %s is not a sector number\n", where);
        goto out;
    }
    rc = blk_read(d, sector, 1, buf);
    if ( rc )
    {
        printk("blk: %s: reading sector %llu failed: %s\n", name,
               (unsigned long long)sector, xen_errno_name(rc));
        goto out;
    }
    for ( i = 0; i < BLK_SECTOR; i += 16 )
    {
        char hex[16 * 3 + 1], text[17];

        for ( j = 0; j < 16; j++ )
        {
            snprintf(hex + 3 * j, 4, " %02x", buf[i + j]);
            text[j] =
                buf[i + j] >= 32 && buf[i + j] < 127 ? (char)buf[i + j] : '.';
        }
        text[16] = '\0';
        printk("%03x:%s  %s\n", i, hex, text);
    }
out:
    if ( buf )
        page_free(buf);
    blk_disk_put(d);
}

static void
cmd_blk(unsigned int argc, char **argv)
{
    if ( argc == 1 && strcmp(argv[0], "list") == 0 )
        list();
    else if ( argc == 3 && strcmp(argv[0], "read") == 0 )
        read_sector(argv[1], argv[2]);
    else
        printk("usage: blk list | blk read DISK SECTOR\n");
}

static const struct monitor_cmd blk_cmds[] = {
    { "blk", "disks: 'blk list', 'blk read DISK SECTOR'", cmd_blk },
};

/* Add `blk` to the monitor. Boot CPU, once. */
void
blk_monitor_init(void)
{
    monitor_add(blk_cmds, ARRAY_SIZE(blk_cmds));
}
