/* SPDX-License-Identifier: MIT */
/*
 * xenbus.h - the bus of split devices: each device the toolstack gives us
 * appears in xenstore as device/<class>/<id> (our frontend directory,
 * e.g. device/vbd/51712), paired with a backend directory in the backend
 * domain. The two ends meet through their "state" keys (the handshake in
 * kernel/xen/xenbus/xenbus_state.h). kernel/xen/xenbus/xenbus.c finds
 * the devices at boot and later (a watch on device/), watches each
 * backend's state, runs the frontend state machine, and hands devices to
 * the driver registered for their class (blkfront for "vbd").
 *
 * Rules: driver hooks run in the xenstore thread with the bus lock held,
 * one at a time: they may make xenstore requests and switch their own
 * device's state, but must not wait for a backend state (that news comes
 * through the same thread). Every function returns 0 or a negative Xen
 * errno, printed when it refuses.
 */
#ifndef XENLING_XENBUS_H
#define XENLING_XENBUS_H

#include <lib.h>
#include <xenstore.h>
#include <xen/io/xenbus.h>

#define XENBUS_NAME_MAX 32  /* a class or id, with its NUL */
#define XENBUS_PATH_MAX 128 /* a frontend or backend path, with its NUL */

struct xenbus_device;

/*
 * A driver for one device class. SETUP allocates rings and writes their
 * details (ring-ref, event-channel, ...) into the frontend directory;
 * CONNECT reads what the backend published and starts I/O; TEARDOWN
 * stops I/O and frees what SETUP made (the backend is leaving or gone);
 * REMOVE forgets the device (it vanished from xenstore). probe and remove
 * may be NULL. A failing setup or connect closes the device.
 */
struct xenbus_driver {
    const char *class; /* "vbd" */
    int (*probe)(struct xenbus_device *dev);
    int (*setup)(struct xenbus_device *dev);
    int (*connect)(struct xenbus_device *dev);
    void (*teardown)(struct xenbus_device *dev);
    void (*remove)(struct xenbus_device *dev);
    struct xenbus_driver *next; /* the bus's list: bus lock */
};

/*
 * One device. The names and paths are set when it is found and then
 * read-only; read the states with xenbus_get_states().
 */
struct xenbus_device {
    char class[XENBUS_NAME_MAX];    /* "vbd" */
    char id[XENBUS_NAME_MAX];       /* "51712" */
    char nodename[XENBUS_PATH_MAX]; /* "device/vbd/51712" (relative) */
    char otherend[XENBUS_PATH_MAX]; /* the backend's directory */
    unsigned int otherend_id;       /* the backend's domain */
    struct xenbus_driver *driver;   /* or NULL: set under both locks */
    void *priv;                     /* the driver's */
    /* The rest is the bus's own. Written under its spinlock (xb.lock in
     * xenbus.c) with the bus lock held; invalid before the device is
     * listed, seen only under the bus lock. */
    XenbusState state;          /* ours, as last written */
    XenbusState back_state;     /* the backend's, as last read */
    bool back_gone;             /* the backend's state node is gone */
    bool removed;               /* vanished from xenstore: only refs left */
    bool invalid;               /* its keys are wrong: ignored */
    bool seen;                  /* found again by the scan under way */
    unsigned int refs;          /* the list's, plus xenbus_find's */
    struct xs_watch back_watch; /* on <otherend>/state */
    struct xenbus_device *next; /* the bus's list */
};

/*
 * Find the devices under device/ (a console line for each), watch their
 * backends' states, and watch device/ for devices that come and go.
 * Boot CPU, once, after xenstore_init. Returns 0, or -XEN_ENODEV without
 * xenstore.
 */
int xenbus_init(void);

/*
 * Register drv for its class: it is offered every device of that class
 * already found and every one found later. Thread context, not a driver
 * hook.
 */
int xenbus_register_driver(struct xenbus_driver *drv);

/*
 * Write our state for dev, if xb_front_may_switch allows the move.
 * Thread context; a driver may call it from its hooks.
 */
int xenbus_switch_state(struct xenbus_device *dev, XenbusState state);

/*
 * Wait until the backend of dev reaches `want`. Returns 0, -XEN_ENODEV if
 * the backend closed, vanished or dev was removed first (unless that is
 * what was wanted), -XEN_ETIMEDOUT, or -XEN_EDEADLK if called from the
 * xenstore thread (where the news it waits for would come). Thread
 * context; the caller holds a reference on dev.
 */
int xenbus_wait_backend(struct xenbus_device *dev, XenbusState want,
                        uint64_t timeout_ns);

/* Read key `key` of dev's backend directory as an unsigned of at most
 * max (a value that is not one is refused naming the key). */
int xenbus_read_backend_uint(struct xenbus_device *dev, const char *key,
                             uint64_t max, uint64_t *out);

/*
 * After a resume in a new domain (kernel/resume.c), after xenstore's:
 * every device's backend is read again (its path holds our new domain
 * id), its state watch moved there, and the handshake run again, so its
 * driver's setup and connect hooks run as the new backend comes up (a
 * driver tells this from a first setup by what dev->priv holds). Thread
 * context.
 */
void xenbus_resume(void);

/* Both states of dev, consistently. Any context. */
void xenbus_get_states(struct xenbus_device *dev, XenbusState *front,
                       XenbusState *back, bool *back_gone);

/* The device device/<class>/<id> with a reference (xenbus_put it), or
 * NULL if there is none now. Thread context. */
struct xenbus_device *xenbus_find(const char *class, const char *id);
void xenbus_put(struct xenbus_device *dev);

/* How many devices there are now, and the first max of them with a
 * reference each (put every one). Thread context. */
unsigned int xenbus_list(struct xenbus_device **out, unsigned int max);

#endif
