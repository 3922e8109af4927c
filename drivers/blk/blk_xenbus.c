/* SPDX-License-Identifier: MIT */
/*
 * blk_xenbus.c - blkfront's xenbus driver for class "vbd": for each
 * disk the toolstack gives us, share a ring and an event channel with
 * its backend (ring-ref, event-channel and protocol written in one
 * transaction, retried when xenstore says EAGAIN), read and judge the
 * backend's keys once it connects (blkif_negot.c), start I/O
 * (blkfront.c), and take the disk away when the backend closes or the
 * device vanishes (xl block-detach): its queued I/O fails, nothing hangs.
 */
#include <kernel.h>
#include <blk.h>
#include <xenbus.h>
#include <xenstore.h>
#include <wait.h>
#include <xen_errno.h>
#include <xen/io/protocols.h>
#include "drivers/blk/blkfront.h"
#include "drivers/blk/blk_pattern.h"

#define TX_TRIES     10    /* transactions that lose a race, then give up */
#define BOOT_WAIT_MS 20000 /* for the disks found at boot to connect */

/* The device's number: its xenstore id, the virtual device. */
static int
vdev_of(struct xenbus_device *dev, uint32_t *vdev)
{
    uint64_t v;

    if ( dev->id[0] < '0' || dev->id[0] > '9' ||
         blk_number_parse(dev->id, &v) || v > UINT32_MAX )
        return -XEN_EINVAL;
    *vdev = (uint32_t)v;
    return 0;
}

static int
blk_probe(struct xenbus_device *dev)
{
    uint32_t vdev;

    if ( vdev_of(dev, &vdev) )
    {
        printk("blk: %s: its id is not a virtual device number\n",
               dev->nodename);
        return -XEN_EINVAL;
    }
    return 0;
}

/* The transport keys, in one transaction. */
static int
publish(uint32_t tx, void *arg)
{
    struct xenbus_device *dev = arg;
    struct blk_disk *d = dev->priv;
    char path[XENBUS_PATH_MAX + 16];
    int rc;

    snprintf(path, sizeof(path), "%s/ring-ref", dev->nodename);
    if ( (rc = xs_printf(tx, path, "%u", d->ring_ref)) )
        return rc;
    snprintf(path, sizeof(path), "%s/event-channel", dev->nodename);
    if ( (rc = xs_printf(tx, path, "%u", d->port)) )
        return rc;
    snprintf(path, sizeof(path), "%s/protocol", dev->nodename);
    return xs_write(tx, path, XEN_IO_PROTO_ABI_NATIVE);
}

static int
blk_setup(struct xenbus_device *dev)
{
    struct blk_disk *d;
    unsigned int tries = 0;
    uint32_t vdev;
    int rc;

    if ( vdev_of(dev, &vdev) ) /* checked by probe: cannot fail */
        return -XEN_EINVAL;
    d = blkfront_new(vdev, (domid_t)dev->otherend_id);
    if ( !d )
        return -XEN_ENOMEM;
    dev->priv = d;
    rc = blkfront_setup(d);
    if ( !rc )
        rc = xs_transaction_run(publish, dev, TX_TRIES, &tries);
    if ( rc )
    {
        printk("blk: %s: publishing the ring failed after %u tries (%s)\n",
               d->name, tries, xen_errno_name(rc));
        dev->priv = NULL;
        blkfront_remove(d, -XEN_ENODEV, "setup failed");
        return rc;
    }
    if ( tries > 1 )
        printk("blk: %s: ring published after %u transactions\n", d->name,
               tries);
    return 0;
}

static int
read_backend(void *ctx, const char *key, uint64_t max, uint64_t *out)
{
    return xenbus_read_backend_uint(ctx, key, max, out);
}

static int
blk_connect(struct xenbus_device *dev)
{
    struct blk_disk *d = dev->priv;
    struct blkif_params p;
    int rc;

    if ( !d )
        return -XEN_EINVAL;
    rc = blkif_negot_read(d->name, read_backend, dev, &p);
    if ( rc )
    {
        printk("blk: %s: not brought up: the backend's keys were refused\n",
               d->name);
        return rc;
    }
    return blkfront_connect(d, &p);
}

static void
blk_teardown(struct xenbus_device *dev)
{
    struct blk_disk *d = dev->priv;

    dev->priv = NULL;
    if ( d )
        blkfront_remove(d, -XEN_ENODEV, "the backend closed the disk");
}

static struct xenbus_driver blk_driver = {
    .class = "vbd",
    .probe = blk_probe,
    .setup = blk_setup,
    .connect = blk_connect,
    .teardown = blk_teardown,
    .remove = blk_teardown,
};

/*
 * Wait (boundedly) until every disk found at boot is connected or given
 * up, so the disks the toolstack gave us are there when boot goes on.
 */
static void
wait_for_boot_disks(void)
{
    struct xenbus_device *devs[16];
    unsigned int n = xenbus_list(devs, ARRAY_SIZE(devs)), i, waited = 0;
    XenbusState front, back;
    bool gone;

    for ( i = 0; i < n; i++ )
    {
        while ( strcmp(devs[i]->class, "vbd") == 0 && waited < BOOT_WAIT_MS )
        {
            xenbus_get_states(devs[i], &front, &back, &gone);
            if ( front == XenbusStateConnected || front == XenbusStateClosed ||
                 gone )
                break;
            sleep_ns(10 * 1000000ull);
            waited += 10;
        }
        xenbus_put(devs[i]);
    }
    if ( waited >= BOOT_WAIT_MS )
        printk(
            "blk: disks still not connected after %u ms: going on without them\n",
            BOOT_WAIT_MS);
}

int
blk_init(void)
{
    int rc;

    blk_monitor_init();
    if ( !xenstore_available() )
        return -XEN_ENODEV;
    rc = xenbus_register_driver(&blk_driver);
    if ( !rc )
        wait_for_boot_disks();
    return rc;
}
