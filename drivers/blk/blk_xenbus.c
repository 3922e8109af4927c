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

/* Write `key` = value under the device, or its queue's directory. */
static int
put_key(uint32_t tx, struct xenbus_device *dev, int queue, const char *key,
        unsigned int value)
{
    char path[XENBUS_PATH_MAX + 32];

    if ( queue < 0 )
        snprintf(path, sizeof(path), "%s/%s", dev->nodename, key);
    else
        snprintf(path, sizeof(path), "%s/queue-%d/%s", dev->nodename, queue,
                 key);
    return xs_printf(tx, path, "%u", value);
}

/*
 * One queue's keys (xen/io/blkif.h): ring-ref, or ring-ref0..N for a
 * ring of several pages, and event-channel; at the top for a single
 * queue, under queue-N/ for several.
 */
static int
publish_queue(uint32_t tx, struct xenbus_device *dev, struct blk_queue *q)
{
    int at = q->d->layout.nr_queues > 1 ? (int)q->idx : -1;
    char key[16];
    unsigned int i;
    int rc;

    if ( q->ring_refs == 1 )
        rc = put_key(tx, dev, at, "ring-ref", q->ring_ref[0]);
    else
        for ( i = 0, rc = 0; i < q->ring_refs && !rc; i++ )
        {
            snprintf(key, sizeof(key), "ring-ref%u", i);
            rc = put_key(tx, dev, at, key, q->ring_ref[i]);
        }
    return rc ? rc : put_key(tx, dev, at, "event-channel", q->port);
}

/* The transport keys, in one transaction. */
static int
publish(uint32_t tx, void *arg)
{
    struct xenbus_device *dev = arg;
    struct blk_disk *d = dev->priv;
    char path[XENBUS_PATH_MAX + 16];
    unsigned int i;
    int rc = 0;

    if ( d->layout.ring_order )
        rc = put_key(tx, dev, -1, "ring-page-order", d->layout.ring_order);
    if ( !rc && d->layout.nr_queues > 1 )
        rc =
            put_key(tx, dev, -1, "multi-queue-num-queues", d->layout.nr_queues);
    for ( i = 0; i < d->layout.nr_queues && !rc; i++ )
        rc = publish_queue(tx, dev, &d->q[i]);
    /* Offered whatever the backend says: it decides at its connect. */
    if ( !rc && d->opts.persistent )
        rc = put_key(tx, dev, -1, "feature-persistent", 1);
    if ( rc )
        return rc;
    snprintf(path, sizeof(path), "%s/protocol", dev->nodename);
    return xs_write(tx, path, XEN_IO_PROTO_ABI_NATIVE);
}

/* An optional number the backend wrote before InitWait, or `dflt`. */
static uint32_t
backend_limit(struct xenbus_device *dev, const char *key, uint32_t dflt)
{
    uint64_t v;

    return xenbus_read_backend_uint(dev, key, UINT32_MAX, &v) ? dflt
                                                              : (uint32_t)v;
}

/*
 * A disk that was connected before a resume, now in a new domain: the
 * same disk (its callers hold it, its requests wait) with new rings and
 * event channels for the new backend, as many queues as before or
 * fewer (blkfront.h: q_cap).
 */
static int
blk_setup_again(struct xenbus_device *dev, struct blk_disk *d)
{
    unsigned int tries = 0;
    int rc;

    blkfront_reset(d, (domid_t)dev->otherend_id);
    blkfront_layout(
        d, backend_limit(dev, "max-ring-page-order", 0),
        MIN(backend_limit(dev, "multi-queue-max-queues", 1), d->q_cap));
    rc = blkfront_setup(d);
    if ( !rc )
        rc = xs_transaction_run(publish, dev, TX_TRIES, &tries);
    if ( rc )
        printk("blk: %s: publishing the new ring failed after %u tries (%s)\n",
               d->name, tries, xen_errno_name(rc));
    else
        printk("blk: %s: new ring%s published for backend domain %u\n", d->name,
               d->layout.nr_queues > 1 ? "s" : "", d->backend_id);
    return rc; /* a failure closes the device: teardown fails what waits */
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
    d = dev->priv;
    if ( d && d->reconnecting )
        return blk_setup_again(dev, d);
    if ( d ) /* set up, never connected, and its backend went */
    {
        dev->priv = NULL;
        blkfront_remove(d, -XEN_ENODEV, "set up again");
    }
    d = blkfront_new(vdev, (domid_t)dev->otherend_id);
    if ( !d )
        return -XEN_ENOMEM;
    dev->priv = d;
    blkfront_layout(d, backend_limit(dev, "max-ring-page-order", 0),
                    backend_limit(dev, "multi-queue-max-queues", 1));
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
    return d->listed ? blkfront_reconnect(d, &p) : blkfront_connect(d, &p);
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
    blk_opts_init();
    if ( !xenstore_available() )
        return -XEN_ENODEV;
    blk_pool_thread_start();
    rc = xenbus_register_driver(&blk_driver);
    if ( !rc )
        wait_for_boot_disks();
    return rc;
}
