/* SPDX-License-Identifier: MIT */
/*
 * xenbus.c - the split-device bus (include/xenbus.h): finding devices
 * under device/<class>/<id>, checking what the toolstack wrote about
 * them (backend-id, backend path), watching each backend's state and
 * applying the frontend state machine (xenbus_state.c) to it, binding
 * drivers by class, and noticing devices that come and go through a
 * watch on device/.
 *
 * Two locks. The bus lock (a sleeping lock: bus_lock/bus_unlock)
 * serializes everything that makes xenstore requests about devices:
 * scans, state-machine runs, driver hooks, binding. The spinlock
 * xb.lock protects the lists and the fields marked below, so readers
 * (tests, a monitor) never wait for xenstore. Devices are removed only
 * in the xenstore thread, so removing one never waits for its own watch.
 */
#include <kernel.h>
#include <mm.h>
#include <monitor.h>
#include <spinlock.h>
#include <wait.h>
#include <xen_errno.h>
#include <xenbus.h>
#include <xen/xen.h>
#include "kernel/xen/xenbus/xenbus_state.h"

/* The bus (after a resume, xenbus_resume moves each backend watch; the
 * one on device/ is xenstore_resume's). */
static struct {
    spinlock_t lock;               /* the lists, refs, states, driver */
    struct xenbus_device *devices; /* found and not removed */
    struct xenbus_driver *drivers; /* registered */
    bool busy;                     /* the bus lock is taken */
    struct xs_watch dev_watch;     /* on "device" */
} xb = { .lock = SPINLOCK_INIT("xenbus") };

/* Waiters for the bus lock and for backend states. */
static struct waitq xb_wq = WAITQ_INIT("xenbus");

static bool
bus_free(void *arg)
{
    return !__atomic_load_n(&xb.busy, __ATOMIC_RELAXED);
}

static void
bus_lock(void)
{
    /* Acquire: what the last holder did is seen by the next. */
    while ( __atomic_exchange_n(&xb.busy, true, __ATOMIC_ACQUIRE) )
        wait_event_timeout(&xb_wq, bus_free, NULL, UINT64_MAX);
}

static void
bus_unlock(void)
{
    /* Release: our work is visible before the lock looks free. */
    __atomic_store_n(&xb.busy, false, __ATOMIC_RELEASE);
    waitq_wake_all(&xb_wq);
}

static struct xenbus_device *
find_locked(const char *class, const char *id)
{
    struct xenbus_device *d;

    for ( d = xb.devices; d; d = d->next )
        if ( strcmp(d->class, class) == 0 && strcmp(d->id, id) == 0 )
            return d;
    return NULL;
}

void
xenbus_put(struct xenbus_device *dev)
{
    unsigned long flags = spin_lock_irqsave(&xb.lock);
    bool last = --dev->refs == 0;

    spin_unlock_irqrestore(&xb.lock, flags);
    if ( last )
        kfree(dev);
}

void
xenbus_get_states(struct xenbus_device *dev, XenbusState *front,
                  XenbusState *back, bool *back_gone)
{
    unsigned long flags = spin_lock_irqsave(&xb.lock);

    *front = dev->state;
    *back = dev->back_state;
    *back_gone = dev->back_gone;
    spin_unlock_irqrestore(&xb.lock, flags);
}

/* Read the backend's state into dev. Bus lock held. */
static void
read_backend_state(struct xenbus_device *dev)
{
    char key[XENBUS_PATH_MAX + 8];
    unsigned long flags;
    uint64_t v = 0;
    int rc;

    snprintf(key, sizeof(key), "%s/state", dev->otherend);
    rc = xs_read_uint(XS_TX_NONE, key, XenbusStateReconfigured, &v);
    if ( rc && rc != -XEN_ENOENT && rc != -XEN_EINVAL && rc != -XEN_ERANGE )
        printk("xenbus: %s: cannot read the backend's state: %s\n",
               dev->nodename, xen_errno_name(rc));
    if ( rc && rc != -XEN_ENOENT )
        return; /* keep what we knew */
    flags = spin_lock_irqsave(&xb.lock);
    dev->back_gone = rc == -XEN_ENOENT;
    if ( !rc )
        dev->back_state = (XenbusState)v;
    spin_unlock_irqrestore(&xb.lock, flags);
}

/* Write our state for dev. Bus lock held, or a driver hook. */
static int
write_state(struct xenbus_device *dev, XenbusState s)
{
    char key[XENBUS_PATH_MAX + 8];
    unsigned long flags;
    XenbusState old;
    int rc;

    snprintf(key, sizeof(key), "%s/state", dev->nodename);
    rc = xs_printf(XS_TX_NONE, key, "%u", s);
    if ( rc )
    {
        printk("xenbus: %s: cannot switch to %s: %s\n", dev->nodename,
               xb_state_name(s), xen_errno_name(rc));
        return rc;
    }
    flags = spin_lock_irqsave(&xb.lock);
    old = dev->state;
    dev->state = s;
    spin_unlock_irqrestore(&xb.lock, flags);
    printk("xenbus: %s: %s -> %s (backend %s)\n", dev->nodename,
           xb_state_name(old), xb_state_name(s),
           dev->back_gone ? "gone" : xb_state_name(dev->back_state));
    waitq_wake_all(&xb_wq);
    return 0;
}

int
xenbus_switch_state(struct xenbus_device *dev, XenbusState s)
{
    if ( !xb_front_may_switch(dev->state, s) )
    {
        printk("xenbus: %s: may not switch from %s to %s\n", dev->nodename,
               xb_state_name(dev->state), xb_state_name(s));
        return -XEN_EINVAL;
    }
    return write_state(dev, s);
}

/*
 * Apply the state machine to dev until it settles, running the driver's
 * hooks as it says. A hook that fails closes the device. Bus lock held.
 */
static void
run_machine(struct xenbus_device *dev)
{
    unsigned int i;

    for ( i = 0; i < 4; i++ )
    {
        unsigned long flags = spin_lock_irqsave(&xb.lock);
        struct xenbus_driver *drv = dev->driver;
        struct xb_view v = { dev->state, dev->back_state, dev->back_gone,
                             drv != NULL };
        struct xb_step st;
        const char *failed = NULL;
        int rc = 0;

        spin_unlock_irqrestore(&xb.lock, flags);
        if ( dev->removed || xb_front_step(&v, &st) )
            break;
        if ( st.actions & XB_ACT_TEARDOWN )
            drv->teardown(dev);
        if ( (st.actions & XB_ACT_SETUP) && (rc = drv->setup(dev)) )
            failed = "setup";
        else if ( (st.actions & XB_ACT_CONNECT) && (rc = drv->connect(dev)) )
            failed = "connect";
        if ( failed )
        {
            printk("xenbus: %s: %s %s failed (%s): closing the device\n",
                   dev->nodename, drv->class, failed, xen_errno_name(rc));
            if ( st.actions & XB_ACT_CONNECT )
                drv->teardown(dev); /* SETUP had succeeded */
            write_state(dev, XenbusStateClosed);
            break;
        }
        if ( st.front == v.front || write_state(dev, st.front) )
            break;
    }
    waitq_wake_all(&xb_wq);
}

/* The backend's state changed (xenstore thread). */
static void
backend_changed(struct xs_watch *w, const char *path)
{
    struct xenbus_device *dev =
        container_of(w, struct xenbus_device, back_watch);

    bus_lock();
    if ( !dev->removed )
    {
        read_backend_state(dev);
        run_machine(dev);
    }
    bus_unlock();
}

/* Offer dev to drv. Bus lock held. */
static void
bind(struct xenbus_device *dev, struct xenbus_driver *drv)
{
    unsigned long flags;
    int rc = drv->probe ? drv->probe(dev) : 0;

    if ( rc )
    {
        printk("xenbus: %s: %s driver refused it: %s\n", dev->nodename,
               drv->class, xen_errno_name(rc));
        return;
    }
    flags = spin_lock_irqsave(&xb.lock);
    dev->driver = drv;
    spin_unlock_irqrestore(&xb.lock, flags);
}

/*
 * Read and check what the toolstack wrote about dev: backend-id, the
 * backend path (it must be where that domain keeps our device's
 * backend) and our own state. -XEN_ENOENT: a key is missing (the device
 * is still being written: try again at its next event). Bus lock held.
 */
static int
read_device(struct xenbus_device *dev)
{
    char key[XENBUS_PATH_MAX + 16], *path;
    uint64_t backend_id, state;
    size_t len;
    int rc;

    snprintf(key, sizeof(key), "%s/backend-id", dev->nodename);
    rc = xs_read_uint(XS_TX_NONE, key, DOMID_FIRST_RESERVED - 1, &backend_id);
    if ( rc )
        return rc;
    snprintf(key, sizeof(key), "%s/backend", dev->nodename);
    rc = xs_read(XS_TX_NONE, key, &path, &len);
    if ( rc )
        return rc;
    rc = len < sizeof(dev->otherend)
             ? xb_backend_path_check(key, path, (unsigned int)backend_id,
                                     dev->class, xs_domid(), dev->id)
             : -XEN_ENAMETOOLONG;
    if ( rc == 0 )
        memcpy(dev->otherend, path, len + 1);
    else if ( rc == -XEN_ENAMETOOLONG )
        printk("xenbus: %s: %zu bytes, longer than a backend path can be\n",
               key, len);
    kfree(path);
    if ( rc )
        return rc;
    dev->otherend_id = (unsigned int)backend_id;
    snprintf(key, sizeof(key), "%s/state", dev->nodename);
    rc = xs_read_uint(XS_TX_NONE, key, XenbusStateReconfigured, &state);
    if ( rc == 0 )
        dev->state = (XenbusState)state;
    return rc;
}

/* A device seen for the first time. Bus lock held. */
static void
add_device(const char *class, const char *id)
{
    struct xenbus_device *dev = kzalloc(sizeof(*dev));
    char key[XENBUS_PATH_MAX + 8];
    struct xenbus_driver *drv;
    unsigned long flags;
    int rc;

    if ( !dev )
    {
        printk("xenbus: no memory for device/%s/%s\n", class, id);
        return;
    }
    memcpy(dev->class, class, strlen(class) + 1);
    memcpy(dev->id, id, strlen(id) + 1);
    snprintf(dev->nodename, sizeof(dev->nodename), "device/%s/%s", class, id);
    rc = read_device(dev);
    if ( rc == -XEN_ENOENT )
    {
        kfree(dev); /* incomplete: looked at again on its next change */
        return;
    }
    dev->invalid = rc != 0;
    dev->refs = 1;
    dev->seen = true;
    if ( !dev->invalid )
        read_backend_state(dev);
    flags = spin_lock_irqsave(&xb.lock);
    dev->next = xb.devices;
    xb.devices = dev;
    for ( drv = xb.drivers; drv && strcmp(drv->class, class); drv = drv->next )
        ;
    spin_unlock_irqrestore(&xb.lock, flags);
    if ( dev->invalid )
    {
        printk("xenbus: %s: ignored: its keys are wrong (%s)\n", dev->nodename,
               xen_errno_name(rc));
        return;
    }
    printk("xenbus: %s: backend %s (domain %u) is %s, we are %s, %s\n",
           dev->nodename, dev->otherend, dev->otherend_id,
           dev->back_gone ? "gone" : xb_state_name(dev->back_state),
           xb_state_name(dev->state), drv ? "driver bound" : "no driver");
    if ( drv )
        bind(dev, drv);
    snprintf(key, sizeof(key), "%s/state", dev->otherend);
    rc = xs_watch(&dev->back_watch, key, backend_changed, NULL);
    if ( rc )
    {
        printk("xenbus: %s: cannot watch the backend's state: %s\n",
               dev->nodename, xen_errno_name(rc));
        dev->invalid = true;
        return;
    }
    run_machine(dev);
}

/* dev vanished from xenstore. Xenstore thread, bus lock held. */
static void
remove_device(struct xenbus_device *dev)
{
    struct xenbus_device **pp;
    unsigned long flags = spin_lock_irqsave(&xb.lock);
    struct xenbus_driver *drv = dev->driver;
    XenbusState front = dev->state;

    for ( pp = &xb.devices; *pp != dev; pp = &(*pp)->next )
        ;
    *pp = dev->next;
    dev->removed = true;
    spin_unlock_irqrestore(&xb.lock, flags);
    if ( drv &&
         (front == XenbusStateInitialised || front == XenbusStateConnected) )
        drv->teardown(dev);
    if ( drv && drv->remove )
        drv->remove(dev);
    if ( !dev->invalid )
        xs_unwatch(&dev->back_watch);
    printk("xenbus: %s: gone (we were %s)\n", dev->nodename,
           xb_state_name(front));
    waitq_wake_all(&xb_wq);
    xenbus_put(dev);
}

/* Mark the devices of class as seen (their directory could not be read:
 * do not take that for their removal). */
static void
keep_class(const char *class)
{
    struct xenbus_device *d;

    for ( d = xb.devices; d; d = d->next )
        if ( strcmp(d->class, class) == 0 )
            d->seen = true;
}

/* Look at one class directory. Bus lock held. */
static void
scan_class(const char *class)
{
    char path[XENBUS_PATH_MAX], **ids;
    unsigned int n, i;
    int rc;

    snprintf(path, sizeof(path), "device/%s", class);
    rc = xs_directory(XS_TX_NONE, path, &ids, &n);
    if ( rc )
    {
        if ( rc != -XEN_ENOENT )
            keep_class(class);
        return;
    }
    for ( i = 0; i < n; i++ )
    {
        struct xenbus_device *dev;

        if ( strlen(ids[i]) >= XENBUS_NAME_MAX )
        {
            printk("xenbus: device/%s/%.40s...: id too long, ignored\n", class,
                   ids[i]);
            continue;
        }
        dev = find_locked(class, ids[i]);
        if ( dev )
            dev->seen = true;
        else
            add_device(class, ids[i]);
    }
    kfree(ids);
}

/*
 * Compare device/ with the list: add what is new, and (may_remove)
 * remove what is gone. On a read error nothing is removed. Bus lock
 * held; may_remove only in the xenstore thread.
 */
static void
scan(bool may_remove)
{
    struct xenbus_device *d, *next;
    char **classes;
    unsigned int n, i;
    int rc;

    for ( d = xb.devices; d; d = d->next )
        d->seen = false;
    rc = xs_directory(XS_TX_NONE, "device", &classes, &n);
    if ( rc && rc != -XEN_ENOENT )
    {
        printk("xenbus: cannot list device/: %s\n", xen_errno_name(rc));
        return;
    }
    for ( i = 0; !rc && i < n; i++ )
        if ( strlen(classes[i]) < XENBUS_NAME_MAX )
            scan_class(classes[i]);
    if ( !rc )
        kfree(classes);
    for ( d = xb.devices; may_remove && d; d = next )
    {
        next = d->next;
        if ( !d->seen )
            remove_device(d);
    }
}

/* Something changed under device/ (xenstore thread). A key inside a
 * device we know is not news for the bus; anything else is scanned. */
static void
devices_changed(struct xs_watch *w, const char *path)
{
    char class[XENBUS_NAME_MAX], id[XENBUS_NAME_MAX], dir[XENBUS_PATH_MAX];
    struct xenbus_device *dev = NULL;
    unsigned long flags;

    if ( xb_device_path_split(path, class, id) == 2 )
    {
        snprintf(dir, sizeof(dir), "device/%s/%s", class, id);
        flags = spin_lock_irqsave(&xb.lock);
        dev = find_locked(class, id);
        spin_unlock_irqrestore(&xb.lock, flags);
        if ( dev && strcmp(path, dir) != 0 )
            return;
    }
    bus_lock();
    scan(true);
    bus_unlock();
}

int
xenbus_register_driver(struct xenbus_driver *drv)
{
    struct xenbus_device *d;
    unsigned long flags;

    bus_lock();
    flags = spin_lock_irqsave(&xb.lock);
    drv->next = xb.drivers;
    xb.drivers = drv;
    spin_unlock_irqrestore(&xb.lock, flags);
    for ( d = xb.devices; d; d = d->next )
        if ( !d->invalid && !d->driver && strcmp(d->class, drv->class) == 0 )
        {
            bind(d, drv);
            run_machine(d);
        }
    bus_unlock();
    return 0;
}

struct backend_wait {
    struct xenbus_device *dev;
    XenbusState want;
};

/* Reached, or no longer reachable (read without the lock: a snapshot). */
static bool
backend_settled(void *arg)
{
    struct backend_wait *bw = arg;
    struct xenbus_device *d = bw->dev;
    XenbusState s = __atomic_load_n(&d->back_state, __ATOMIC_RELAXED);

    return s == bw->want || s == XenbusStateClosed ||
           __atomic_load_n(&d->back_gone, __ATOMIC_RELAXED) ||
           __atomic_load_n(&d->removed, __ATOMIC_RELAXED);
}

int
xenbus_wait_backend(struct xenbus_device *dev, XenbusState want,
                    uint64_t timeout_ns)
{
    struct backend_wait bw = { dev, want };
    XenbusState front, back;
    bool gone;

    if ( xs_in_watch_thread() )
    {
        printk(
            "xenbus: %s: waiting for the backend in the xenstore thread would block the news it waits for\n",
            dev->nodename);
        return -XEN_EDEADLK;
    }
    wait_event_timeout(&xb_wq, backend_settled, &bw, timeout_ns);
    xenbus_get_states(dev, &front, &back, &gone);
    gone = gone || __atomic_load_n(&dev->removed, __ATOMIC_RELAXED);
    if ( (back == want && !gone) || (gone && want == XenbusStateClosed) )
        return 0;
    return gone || back == XenbusStateClosed ? -XEN_ENODEV : -XEN_ETIMEDOUT;
}

int
xenbus_read_backend_uint(struct xenbus_device *dev, const char *key,
                         uint64_t max, uint64_t *out)
{
    char path[XENBUS_PATH_MAX + XENBUS_NAME_MAX];

    if ( (size_t)snprintf(path, sizeof(path), "%s/%s", dev->otherend, key) >=
         sizeof(path) )
        return -XEN_ENAMETOOLONG;
    return xs_read_uint(XS_TX_NONE, path, max, out);
}

struct xenbus_device *
xenbus_find(const char *class, const char *id)
{
    unsigned long flags = spin_lock_irqsave(&xb.lock);
    struct xenbus_device *dev = find_locked(class, id);

    if ( dev )
        dev->refs++;
    spin_unlock_irqrestore(&xb.lock, flags);
    return dev;
}

unsigned int
xenbus_list(struct xenbus_device **out, unsigned int max)
{
    unsigned long flags = spin_lock_irqsave(&xb.lock);
    struct xenbus_device *d;
    unsigned int n = 0;

    for ( d = xb.devices; d; d = d->next, n++ )
        if ( n < max )
        {
            d->refs++;
            out[n] = d;
        }
    spin_unlock_irqrestore(&xb.lock, flags);
    return n;
}

/*
 * One device in the new domain: where its backend is now (the path holds
 * our new domain id) and our state as the toolstack wrote it, the watch
 * moved there, and the state machine run (the backend's InitWait sets
 * the driver up again). A device the new domain lacks counts as its
 * backend gone: its driver tears it down. Bus lock held.
 */
static void
resume_device(struct xenbus_device *dev)
{
    struct xenbus_device *now = kzalloc(sizeof(*now));
    char key[XENBUS_PATH_MAX + 8];
    unsigned long flags;
    int rc = now ? 0 : -XEN_ENOMEM;

    xs_unwatch(&dev->back_watch); /* on the old path */
    if ( now )
    {
        flags = spin_lock_irqsave(&xb.lock);
        *now = *dev; /* the names; read_device fills in the rest */
        spin_unlock_irqrestore(&xb.lock, flags);
        rc = read_device(now);
    }
    flags = spin_lock_irqsave(&xb.lock);
    if ( rc == 0 )
    {
        memcpy(dev->otherend, now->otherend, sizeof(dev->otherend));
        dev->otherend_id = now->otherend_id;
        dev->state = now->state;
    }
    dev->back_gone = rc != 0;
    spin_unlock_irqrestore(&xb.lock, flags);
    kfree(now);
    if ( rc )
        printk("xenbus: %s: not in the new domain (%s)\n", dev->nodename,
               xen_errno_name(rc));
    else
    {
        read_backend_state(dev);
        snprintf(key, sizeof(key), "%s/state", dev->otherend);
        rc = xs_watch(&dev->back_watch, key, backend_changed, NULL);
        printk("xenbus: %s: resumed: backend %s (domain %u) is %s, we are %s\n",
               dev->nodename, dev->otherend, dev->otherend_id,
               dev->back_gone ? "gone" : xb_state_name(dev->back_state),
               xb_state_name(dev->state));
        if ( rc )
        {
            printk("xenbus: %s: cannot watch the new backend's state: %s\n",
                   dev->nodename, xen_errno_name(rc));
            dev->invalid = true;
            return;
        }
    }
    run_machine(dev);
}

void
xenbus_resume(void)
{
    struct xenbus_device *d;

    if ( !xenstore_available() )
        return;
    bus_lock();
    for ( d = xb.devices; d; d = d->next )
        if ( !d->invalid )
            resume_device(d);
    bus_unlock();
}

/* The monitor's `devices`: every device, its backend and both states. */
static void
cmd_devices(unsigned int argc, char **argv)
{
    struct xenbus_device *devs[16];
    unsigned int n = xenbus_list(devs, ARRAY_SIZE(devs)), i;

    if ( n == 0 )
        printk("  no xenbus devices%s\n",
               xenstore_available() ? "" : " (no xenstore)");
    for ( i = 0; i < MIN(n, ARRAY_SIZE(devs)); i++ )
    {
        struct xenbus_device *d = devs[i];
        XenbusState front, back;
        bool gone;

        xenbus_get_states(d, &front, &back, &gone);
        if ( d->invalid )
            printk("  %-20s ignored: its keys are wrong\n", d->nodename);
        else
            printk("  %-20s front %-12s backend %-12s in domain %u, %s\n",
                   d->nodename, xb_state_name(front),
                   gone ? "gone" : xb_state_name(back), d->otherend_id,
                   d->driver ? "driver bound" : "no driver");
        xenbus_put(d);
    }
    if ( n > ARRAY_SIZE(devs) )
        printk("  ... and %u more\n", n - (unsigned int)ARRAY_SIZE(devs));
}

static const struct monitor_cmd xenbus_cmds[] = {
    { "devices", "xenbus devices and the states of both ends", cmd_devices },
};

int
xenbus_init(void)
{
    struct xenbus_device *d;
    unsigned int n = 0;
    int rc;

    monitor_add(xenbus_cmds, ARRAY_SIZE(xenbus_cmds));
    if ( !xenstore_available() )
    {
        printk("xenbus: no xenstore: no devices\n");
        return -XEN_ENODEV;
    }
    bus_lock();
    scan(false);
    for ( d = xb.devices; d; d = d->next )
        n++;
    bus_unlock();
    rc = xs_watch(&xb.dev_watch, "device", devices_changed, NULL);
    if ( rc )
        printk("xenbus: cannot watch device/: %s: no hot plug\n",
               xen_errno_name(rc));
    /* Let the first firing of every new watch settle before going on. */
    xs_flush_events();
    printk("xenbus: %u device%s at boot%s\n", n, n == 1 ? "" : "s",
           rc ? "" : "; watching device/ for more");
    return 0;
}
