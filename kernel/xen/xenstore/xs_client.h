/* SPDX-License-Identifier: MIT */
/*
 * xs_client.h - the xenstore client's state, one struct shared by its
 * core (xenstore.c: the rings, the event handler, requests in flight),
 * its watches (xs_watch.c: the watch list, the event queue, the xenstore
 * thread) and its operations (xs_ops.c). Private to kernel/xen/xenstore/.
 */
#ifndef XENLING_XS_CLIENT_H
#define XENLING_XS_CLIENT_H

#include <lib.h>
#include <byte_ring.h>
#include <clock.h>
#include <spinlock.h>
#include <wait.h>
#include <xen/event_channel.h>
#include "kernel/xen/xenstore/xs_wire.h"

/* A validated reply (see struct xs_msg in xs_wire.h). */
struct xs_reply {
    int err;            /* 0, or the negative Xen errno the reply says */
    char *payload;      /* err == 0: kmalloc'd copy with a NUL after it */
    uint32_t len;       /* its length */
    unsigned int count; /* DIRECTORY, GET_PERMS: the entries */
    uint32_t tx_id;     /* TRANSACTION_START: the new transaction */
};

/* How long a request may wait for ring space and for its reply. */
#define XS_TIMEOUT_NS     (10 * NSEC_PER_SEC)
/* Watch events queued for the xenstore thread at most; more are dropped. */
#define MAX_QUEUED_EVENTS 256u
/* How long an unread request waits before xenstored is notified again. */
#define XS_KICK_NS        (1 * NSEC_PER_SEC)

/* A request in flight: index = its slot in xs.inflight. */
struct xs_slot {
    bool done;         /* reply in (or the client broke): release-stored */
    struct xs_reply r; /* the outcome; r.payload is the waiter's to free */
};

/* A watch event waiting for the xenstore thread. */
struct xs_event {
    uint32_t watch_id;
    struct xs_event *next;
    char path[]; /* NUL-terminated */
};

/*
 * The client. What a resume would rebuild is all here: the ring page and
 * its port, the requests in flight, the reassembly state and the watches
 * (to be registered again).
 */
struct xs_client {
    spinlock_t lock; /* everything below that is not marked otherwise */
    /* Set once by xenstore_init before `ready`, then read-only, except
     * port and domid: xenstore_resume sets them again in a new domain,
     * while no request is in flight. */
    struct xenstore_domain_interface *intf;
    struct byte_ring req, rsp;
    evtchn_port_t port;
    unsigned int domid;
    struct thread *thread;
    bool ready;
    bool broken;    /* the rings are unusable: every request fails */
    bool writing;   /* a thread is writing a request into the ring */
    bool suspended; /* xenstore_suspend: no new request may start */
    struct xs_inflight inflight;
    struct xs_slot slot[XS_INFLIGHT_MAX];
    struct xs_rx rx; /* the response stream, read by the event handler */
    struct xs_watch *watches;
    uint32_t next_watch_id;
    struct xs_event *ev_head, *ev_tail;
    unsigned int ev_count;
    uint32_t running_watch; /* whose callback runs now (0: none) */
    struct xenstore_stats stats;
    /* Threads waiting for a reply, a free slot, the ring, a callback. */
    struct waitq wq;
    /* The xenstore thread waiting for watch events. */
    struct waitq ev_wq;
};

extern struct xs_client xs;

/*
 * Send a request of `type` (payload: the n parts) in transaction tx and
 * sleep until its reply, at most about 10 s. Returns 0 with *out holding
 * the reply (kfree out->payload), or a negative Xen errno with nothing to
 * free: the error xenstored sent, -XEN_EBADMSG for a malformed reply,
 * -XEN_ETIMEDOUT, -XEN_EIO once the rings are unusable, -XEN_ENODEV
 * without xenstore. Thread context.
 */
int xs_request(uint32_t type, uint32_t tx, const struct xs_part *parts,
               unsigned int n, struct xs_reply *out);

/* xs_request for a reply without data ("OK"): 0 or a negative errno. */
int xs_request_ok(uint32_t type, uint32_t tx, const struct xs_part *parts,
                  unsigned int n);

/* Queue the watch event m for the xenstore thread (xs_watch.c), unless
 * its watch is gone. Caller holds xs.lock (the event handler). */
void xs_queue_event_locked(const struct xs_msg *m);

/* Add the monitor's `xs` command (xs_ops.c). Boot CPU. */
void xs_monitor_init(void);

/* Send XS_WATCH again for every watch (after a resume in a new domain,
 * whose xenstored knows none). 0 or the first error (printed). Thread
 * context (xs_watch.c). */
int xs_watch_resume(void);

/* The xenstore thread: runs watch callbacks (xs_watch.c). */
void xs_watch_thread(void *arg);

#endif
