/* SPDX-License-Identifier: MIT */
/*
 * xs_watch.c - xenstore watches (include/xenstore.h): the list of
 * watches, the queue of events the event handler (xenstore.c) fills,
 * and the xenstore thread that empties it by running the callbacks, one
 * at a time and never in the handler. A watch's token is "xlw<id>"
 * (xs_wire.c); ids are never reused, so an event that arrives after its
 * watch is gone finds nothing and is dropped.
 */
#include <kernel.h>
#include <mm.h>
#include <sched.h>
#include <xen_errno.h>
#include <xenstore.h>
#include "kernel/xen/xenstore/xs_client.h"

bool
xs_in_watch_thread(void)
{
    return xs.thread && thread_self() == xs.thread;
}

static struct xs_watch *
find_watch_locked(uint32_t id)
{
    struct xs_watch *w;

    for ( w = xs.watches; w; w = w->next )
        if ( w->id == id )
            return w;
    return NULL;
}

void
xs_queue_event_locked(const struct xs_msg *m)
{
    size_t n = strlen(m->path) + 1;
    struct xs_event *ev;

    if ( !find_watch_locked(m->watch_id) )
    {
        xs.stats.stale++; /* unwatched meanwhile: normal */
        return;
    }
    if ( xs.ev_count >= MAX_QUEUED_EVENTS )
    {
        printk("xenstore: %u watch events queued already: dropped one for %s\n",
               xs.ev_count, m->path);
        xs.stats.dropped++;
        return;
    }
    ev = kmalloc(sizeof(*ev) + n);
    if ( !ev )
    {
        printk("xenstore: no memory for a watch event: dropped one for %s\n",
               m->path);
        xs.stats.dropped++;
        return;
    }
    ev->watch_id = m->watch_id;
    ev->next = NULL;
    memcpy(ev->path, m->path, n);
    if ( xs.ev_tail )
        xs.ev_tail->next = ev;
    else
        xs.ev_head = ev;
    xs.ev_tail = ev;
    xs.ev_count++;
}

static void
unlink_watch(struct xs_watch *w)
{
    unsigned long flags = spin_lock_irqsave(&xs.lock);
    struct xs_watch **pp;
    struct xs_event **ep, *ev, *dead = NULL;

    for ( pp = &xs.watches; *pp; pp = &(*pp)->next )
        if ( *pp == w )
        {
            *pp = w->next;
            break;
        }
    /* Drop its queued events now rather than one by one later. */
    xs.ev_tail = NULL;
    for ( ep = &xs.ev_head; (ev = *ep) != NULL; )
        if ( ev->watch_id == w->id )
        {
            *ep = ev->next;
            ev->next = dead;
            dead = ev;
            xs.ev_count--;
            xs.stats.stale++;
        }
        else
        {
            xs.ev_tail = ev;
            ep = &ev->next;
        }
    spin_unlock_irqrestore(&xs.lock, flags);
    while ( (ev = dead) != NULL )
    {
        dead = ev->next;
        kfree(ev);
    }
}

static int
watch_request(uint32_t type, struct xs_watch *w)
{
    char token[XS_TOKEN_MAX];
    struct xs_part p[] = { XS_STR(w->path), { token, 0 } };
    int n = xs_token_make(token, sizeof(token), w->id);

    if ( n < 0 )
        return n;
    p[1].len = (uint32_t)n + 1;
    return xs_request_ok(type, XS_TX_NONE, p, 2);
}

int
xs_watch(struct xs_watch *w, const char *path, xs_watch_fn fn, void *arg)
{
    unsigned long flags;
    int rc = xs_path_check(path, XS_PATH_WATCH);

    if ( rc )
        return rc;
    if ( strlen(path) >= sizeof(w->path) || !fn )
    {
        printk("xenstore: watch on %s: %s\n", path,
               fn ? "path too long for struct xs_watch" : "no callback");
        return -XEN_EINVAL;
    }
    memcpy(w->path, path, strlen(path) + 1);
    w->fn = fn;
    w->arg = arg;
    /* Listed before the request: xenstored fires it once at once. */
    flags = spin_lock_irqsave(&xs.lock);
    if ( ++xs.next_watch_id == 0 )
        xs.next_watch_id = 1; /* 0 means "no callback running" */
    w->id = xs.next_watch_id;
    w->next = xs.watches;
    xs.watches = w;
    spin_unlock_irqrestore(&xs.lock, flags);
    rc = watch_request(XS_WATCH, w);
    if ( rc )
        unlink_watch(w);
    return rc;
}

int
xs_watch_resume(void)
{
    struct xs_watch *w, *copy;
    unsigned long flags;
    unsigned int n = 0, i;
    int rc = 0;

    /* Copies, taken under the lock: a watch removed meanwhile may be
     * freed by its owner, and registering it once too often is harmless
     * (its events are dropped as unknown). */
    flags = spin_lock_irqsave(&xs.lock);
    for ( w = xs.watches; w; w = w->next )
        n++;
    spin_unlock_irqrestore(&xs.lock, flags);
    copy = kmalloc(MAX(n, 1u) * sizeof(*copy));
    if ( !copy )
        return -XEN_ENOMEM;
    flags = spin_lock_irqsave(&xs.lock);
    for ( w = xs.watches, i = 0; w && i < n; w = w->next, i++ )
        copy[i] = *w;
    n = i;
    spin_unlock_irqrestore(&xs.lock, flags);
    for ( i = 0; i < n; i++ )
    {
        int r = watch_request(XS_WATCH, &copy[i]);

        if ( r )
        {
            printk(
                "xenstore: watch on %s not registered again after resume: %s\n",
                copy[i].path, xen_errno_name(r));
            rc = rc ? rc : r;
        }
    }
    kfree(copy);
    return rc;
}

static bool
callback_not_running(void *arg)
{
    return __atomic_load_n(&xs.running_watch, __ATOMIC_ACQUIRE) !=
           *(uint32_t *)arg;
}

int
xs_unwatch(struct xs_watch *w)
{
    int rc;

    unlink_watch(w);
    rc = watch_request(XS_UNWATCH, w);
    /* A callback already under way finishes before w may be freed. */
    while ( !xs_in_watch_thread() &&
            !wait_event_timeout(&xs.wq, callback_not_running, &w->id,
                                XS_TIMEOUT_NS) )
        printk("xenstore: unwatch %s still waits for its callback\n", w->path);
    return rc;
}

static bool
have_events(void *arg)
{
    return __atomic_load_n(&xs.ev_head, __ATOMIC_RELAXED) != NULL;
}

static bool
events_done(void *arg)
{
    return !have_events(NULL) &&
           !__atomic_load_n(&xs.running_watch, __ATOMIC_ACQUIRE);
}

int
xs_flush_events(void)
{
    uint64_t v;
    int rc;

    if ( xs_in_watch_thread() )
        return -XEN_EDEADLK;
    /* xenstored answers in order, so every event it queued for us before
     * this reply is in our queue when the reply is. */
    rc = xs_read_uint(XS_TX_NONE, "domid", UINT32_MAX, &v);
    if ( rc )
        return rc;
    return wait_event_timeout(&xs.wq, events_done, NULL, XS_TIMEOUT_NS)
               ? 0
               : -XEN_ETIMEDOUT;
}

/* The xenstore thread: run each queued event's callback, in order. */
void
xs_watch_thread(void *arg)
{
    for ( ;; )
    {
        struct xs_event *ev;
        struct xs_watch *w = NULL;
        unsigned long flags;

        wait_event_timeout(&xs.ev_wq, have_events, NULL, UINT64_MAX);
        flags = spin_lock_irqsave(&xs.lock);
        ev = xs.ev_head;
        if ( ev )
        {
            xs.ev_head = ev->next;
            if ( !xs.ev_head )
                xs.ev_tail = NULL;
            xs.ev_count--;
            w = find_watch_locked(ev->watch_id);
            if ( w )
            {
                xs.running_watch = w->id;
                xs.stats.events++;
            }
            else
                xs.stats.stale++;
        }
        spin_unlock_irqrestore(&xs.lock, flags);
        if ( w )
        {
            w->fn(w, ev->path);
            /* Release: the callback is over before an unwatcher sees 0. */
            __atomic_store_n(&xs.running_watch, 0, __ATOMIC_RELEASE);
            waitq_wake_all(&xs.wq);
        }
        kfree(ev);
    }
}
