/* SPDX-License-Identifier: MIT */
/*
 * xenstore.h - the xenstore client: the hierarchical key/value store in
 * dom0 that a domain shares with the toolstack and its backends, reached
 * through a page of two byte rings (HVM_PARAM_STORE_PFN) and an event
 * channel (HVM_PARAM_STORE_EVTCHN). kernel/xen/xenstore/: the wire
 * format and every check on replies are xs_wire.c, the client xenstore.c.
 *
 * Paths are absolute ("/local/domain/0/name") or relative to our own
 * domain's directory ("name" is /local/domain/<domid>/name). Every
 * request may run in a transaction (tx from xs_transaction_start) or
 * outside one (XS_TX_NONE). Every function returns 0 or a negative Xen
 * errno: xenstored's own errors by name (-XEN_ENOENT for a missing key,
 * -XEN_EACCES for a forbidden one, -XEN_EAGAIN for a transaction that
 * lost a race, ...), -XEN_EBADMSG for a reply that broke the protocol
 * (printed; the client goes on), -XEN_ETIMEDOUT when no reply came,
 * -XEN_ENODEV without xenstore (dom0, plain QEMU). Requests are for
 * thread context only: they sleep until the reply comes. Several threads
 * may have requests in flight at once.
 */
#ifndef XENLING_XENSTORE_H
#define XENLING_XENSTORE_H

#include <lib.h>

#define XS_TX_NONE 0u /* not in a transaction */

/* One permission of a node: mode 'n' none, 'r' read, 'w' write, 'b' both,
 * for domain `domid`. The first of a list names the owner and what every
 * domain not listed may do. */
struct xs_perm {
    char mode;
    uint16_t domid;
};

/*
 * Find the ring and event channel, start the xenstore thread (it runs
 * watch callbacks) and read our domain id. Boot CPU, once, after
 * sched_init. Returns 0, or -XEN_ENODEV (printed) where there is no
 * xenstore: without Xen, and in dom0, where xenstored is a process we
 * would have to host ourselves.
 */
int xenstore_init(void);
bool xenstore_available(void);

/*
 * Suspend (kernel/resume.c): xenstore_suspend() stops new requests and
 * waits (at most 10 s) until none is in flight: 0, or -XEN_EBUSY (printed;
 * requests allowed again). xenstore_resume(cancelled) allows them again;
 * in a new domain (!cancelled) it first takes the new event channel,
 * drops stale replies, and then reads our new domid and registers every
 * watch again. 0 or a negative Xen errno (printed). Thread context.
 */
int xenstore_suspend(void);
int xenstore_resume(bool cancelled);

/* Our domain id, read from xenstore's "domid" at init (0 until then). */
unsigned int xs_domid(void);

/*
 * Read the value at path into a kmalloc'd buffer with a NUL after it:
 * *value (free with kfree), *len its length without the NUL (len may be
 * NULL). Values are bytes and may hold NULs.
 */
int xs_read(uint32_t tx, const char *path, char **value, size_t *len);

/*
 * Read path as an unsigned decimal of at most max. A value that is not
 * one (xenstore values are untrusted) is refused with -XEN_EINVAL or
 * -XEN_ERANGE and a message naming the key.
 */
int xs_read_uint(uint32_t tx, const char *path, uint64_t max, uint64_t *out);

/* Write the string value (without its NUL), creating missing parents. */
int xs_write(uint32_t tx, const char *path, const char *value);

/* xs_write with a printf-formatted value (at most 127 characters). */
int xs_printf(uint32_t tx, const char *path, const char *fmt, ...)
    __printf(3, 4);

/* Make path exist (with missing parents); existing values stay. */
int xs_mkdir(uint32_t tx, const char *path);

/* Remove path and everything below it (no error if already gone). */
int xs_rm(uint32_t tx, const char *path);

/*
 * The names of path's children: *names is one kmalloc'd block holding
 * *count pointers and then the names (free it with one kfree), NULL-
 * terminated. An existing node without children gives *count == 0.
 */
int xs_directory(uint32_t tx, const char *path, char ***names,
                 unsigned int *count);

/* path's permissions: *perms kmalloc'd (kfree), *count entries (>= 1). */
int xs_get_perms(uint32_t tx, const char *path, struct xs_perm **perms,
                 unsigned int *count);

/* Set path's permissions: count >= 1 entries, the first is the owner. */
int xs_set_perms(uint32_t tx, const char *path, const struct xs_perm *perms,
                 unsigned int count);

/*
 * Transactions: every request given the same tx sees one snapshot of the
 * store; xs_transaction_end(tx, true) commits it, and returns -XEN_EAGAIN
 * when a node it used changed meanwhile (nothing was written: do it all
 * again), or false aborts it.
 */
int xs_transaction_start(uint32_t *tx);
int xs_transaction_end(uint32_t tx, bool commit);

/*
 * Run body(tx, arg) in a transaction and commit it; when the commit (or
 * the body) says -XEN_EAGAIN, run it again in a new transaction, at most
 * max_tries times in all (then -XEN_EAGAIN). Any other error from the
 * body aborts the transaction and is returned. *tries (may be NULL) gets
 * how many times the body ran.
 */
int xs_transaction_run(int (*body)(uint32_t tx, void *arg), void *arg,
                       unsigned int max_tries, unsigned int *tries);

struct xs_watch;
typedef void (*xs_watch_fn)(struct xs_watch *w, const char *path);

/*
 * A watch: xenstored reports every change at or below `path` (and once
 * when the watch is set up). The struct is the caller's and must stay
 * valid until xs_unwatch returns. Callbacks run in the xenstore thread,
 * one at a time, never in the interrupt handler: they may make xenstore
 * requests, but must not wait for another watch's callback.
 */
struct xs_watch {
    xs_watch_fn fn;        /* set by xs_watch, then read-only */
    void *arg;             /* for the callback: ditto */
    char path[128];        /* the watched path: ditto */
    uint32_t id;           /* our token's number: ditto */
    struct xs_watch *next; /* the client's list: client lock */
};

/* Start watching path; fn(w, changed_path) runs for each event. */
int xs_watch(struct xs_watch *w, const char *path, xs_watch_fn fn, void *arg);

/*
 * Stop the watch. When it returns, w's callback is not running and will
 * not run again (unless called from that callback itself), so w may be
 * freed. Events already queued for it are dropped.
 */
int xs_unwatch(struct xs_watch *w);

/*
 * Wait until every watch event xenstored had sent before now has been
 * handled (its callback returned). Returns 0, -XEN_ETIMEDOUT, or
 * -XEN_EDEADLK in the xenstore thread. Thread context.
 */
int xs_flush_events(void);

/* Whether the caller is the xenstore thread (running a watch callback). */
bool xs_in_watch_thread(void);

/* Counters, for tests, benchmarks and the monitor. */
struct xenstore_stats {
    uint64_t requests; /* sent */
    uint64_t replies;  /* matched to a request */
    uint64_t errors;   /* of those, error replies (ENOENT, ...) */
    uint64_t events;   /* watch events delivered to a callback */
    uint64_t dropped;  /* messages refused: malformed, unknown req_id, ... */
    uint64_t stale;    /* watch events for a watch already gone */
    uint64_t timeouts; /* requests that got no reply in time */
    uint64_t peak;     /* most requests in flight at once */
    uint64_t kicks;    /* notifications repeated for unread requests */
};
void xenstore_get_stats(struct xenstore_stats *out);

#endif
