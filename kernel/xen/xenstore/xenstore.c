/* SPDX-License-Identifier: MIT */
/*
 * xenstore.c - the xenstore client (include/xenstore.h). A request is
 * written into the request ring by the thread that makes it, which then
 * sleeps; the event channel's handler reads the response ring, checks
 * each message (xs_wire.c), hands a reply to the thread waiting for its
 * req_id and queues a watch event for the xenstore thread, which runs
 * the callbacks. The handler never runs callbacks and never sleeps.
 *
 *   thread: claim slot -> write ring -> sleep ......... wake: take reply
 *   event handler:            read ring -> check -> slot done -> wake
 *   xenstore thread:          ... event queued -> callback(path)
 */
#include <kernel.h>
#include <byte_ring.h>
#include <clock.h>
#include <evtchn.h>
#include <hypervisor.h>
#include <mm.h>
#include <sched.h>
#include <spinlock.h>
#include <wait.h>
#include <xen_errno.h>
#include <xenstore.h>
#include <arch/x86.h>
#include "kernel/xen/xenstore/xs_client.h"

/* How long a request may wait for ring space and for its reply. */
#define XS_TIMEOUT_NS     (10 * NSEC_PER_SEC)
/* Watch events queued for the xenstore thread at most; more are dropped. */
#define MAX_QUEUED_EVENTS 256u

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
static struct {
    spinlock_t lock; /* everything below that is not marked otherwise */
    /* Set once by xenstore_init before `ready`, then read-only. */
    struct xenstore_domain_interface *intf;
    struct byte_ring req, rsp;
    evtchn_port_t port;
    unsigned int domid;
    struct thread *thread;
    bool ready;
    bool broken;  /* the rings are unusable: every request fails */
    bool writing; /* a thread is writing a request into the ring */
    struct xs_inflight inflight;
    struct xs_slot slot[XS_INFLIGHT_MAX];
    struct xs_rx rx; /* the response stream, read by the event handler */
    struct xs_watch *watches;
    uint32_t next_watch_id;
    struct xs_event *ev_head, *ev_tail;
    unsigned int ev_count;
    uint32_t running_watch; /* whose callback runs now (0: none) */
    struct xenstore_stats stats;
} xs = { .lock = SPINLOCK_INIT("xenstore") };

/* Threads waiting for a reply, a free slot, the ring, or a callback. */
static struct waitq xs_wq = WAITQ_INIT("xenstore");
/* The xenstore thread waiting for watch events. */
static struct waitq ev_wq = WAITQ_INIT("xenstore-events");

static void
b_rmb(void)
{
    smp_rmb();
}

static void
b_wmb(void)
{
    smp_wmb();
}

static void
b_mb(void)
{
    smp_mb();
}

static const struct ring_barriers barriers = { b_rmb, b_wmb, b_mb };

bool
xenstore_available(void)
{
    return __atomic_load_n(&xs.ready, __ATOMIC_ACQUIRE);
}

unsigned int
xs_domid(void)
{
    return xs.domid;
}

bool
xs_in_watch_thread(void)
{
    return xs.thread && thread_self() == xs.thread;
}

/* --- The event handler: reading the response ring ---------------------- */

/* The rings cannot be trusted any more: fail everything. Caller holds
 * xs.lock. */
static void
break_locked(const char *why)
{
    unsigned int i;

    if ( xs.broken )
        return;
    xs.broken = true;
    printk("xenstore: %s: client stopped, every request now fails\n", why);
    for ( i = 0; i < XS_INFLIGHT_MAX; i++ )
        if ( (xs.inflight.busy & (1u << i)) && !xs.slot[i].done )
        {
            xs.slot[i].r.err = -XEN_EIO;
            __atomic_store_n(&xs.slot[i].done, true, __ATOMIC_RELEASE);
        }
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

static void
queue_event_locked(const struct xs_msg *m)
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
        printk("xenstore: %u watch events queued already: dropped one for "
               "%s\n",
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
complete_locked(const struct xs_msg *m)
{
    struct xs_slot *s = &xs.slot[m->slot];

    if ( s->done )
    {
        printk("xenstore: second reply for req_id %u dropped\n",
               xs.inflight.req_id[m->slot]);
        xs.stats.dropped++;
        return;
    }
    s->r.err = m->err;
    s->r.len = m->len;
    s->r.count = m->count;
    s->r.tx_id = m->tx_id;
    s->r.payload = NULL;
    if ( !m->err )
    {
        s->r.payload = kmalloc(m->len + 1);
        if ( s->r.payload )
            memcpy(s->r.payload, m->payload, m->len + 1);
        else
        {
            printk("xenstore: no memory for a reply of %u bytes\n", m->len);
            s->r.err = -XEN_ENOMEM;
        }
    }
    xs.stats.replies++;
    if ( s->r.err )
        xs.stats.errors++;
    /* Release: the result is in place before the waiter sees done. */
    __atomic_store_n(&s->done, true, __ATOMIC_RELEASE);
}

/* One whole (or oversized) message is in xs.rx. Caller holds xs.lock. */
static void
deliver_locked(enum xs_rx_status st)
{
    struct xs_msg m;
    int rc;

    if ( st == XS_RX_OVERSIZED )
        rc = xs_msg_oversized(&xs.inflight, &xs.rx.hdr, &m);
    else
        rc = xs_msg_check(&xs.inflight, &xs.rx.hdr, xs.rx.body, xs.rx.hdr.len,
                          &m);
    if ( rc )
        xs.stats.dropped++;
    else if ( m.kind == XS_MSG_WATCH_EVENT )
        queue_event_locked(&m);
    else
        complete_locked(&m);
}

/*
 * The event channel's handler (interrupts off): read everything the
 * response ring holds straight into the reassembly buffer, deliver each
 * message, then tell xenstored there is room and wake whoever waits.
 */
static void
xs_event(evtchn_port_t port, void *arg)
{
    unsigned long flags = spin_lock_irqsave(&xs.lock);
    bool consumed = false, events;

    while ( !xs.broken )
    {
        char *dst;
        uint32_t room = xs_rx_space(&xs.rx, &dst);
        int n = byte_ring_read(&xs.rsp, dst, room, &barriers);
        enum xs_rx_status st;

        if ( n < 0 )
            break_locked("xenstored's rsp_prod is more than a ring ahead");
        if ( n <= 0 )
            break;
        consumed = true;
        st = xs_rx_commit(&xs.rx, (uint32_t)n);
        if ( st != XS_RX_MORE )
            deliver_locked(st);
    }
    events = xs.ev_head != NULL;
    spin_unlock_irqrestore(&xs.lock, flags);
    if ( consumed )
        evtchn_send(xs.port); /* room in the response ring again */
    waitq_wake_all(&xs_wq);
    if ( events )
        waitq_wake_all(&ev_wq);
}

/* --- Requests ---------------------------------------------------------- */

/* Wait conditions: called with the wait queue's lock held, so they read
 * the client's fields atomically instead of taking xs.lock. */
static bool
slot_free(void *arg)
{
    return __atomic_load_n(&xs.inflight.busy, __ATOMIC_RELAXED) !=
               (uint32_t)((1ull << XS_INFLIGHT_MAX) - 1) ||
           __atomic_load_n(&xs.broken, __ATOMIC_RELAXED);
}

static bool
writer_free(void *arg)
{
    return !__atomic_load_n(&xs.writing, __ATOMIC_RELAXED) ||
           __atomic_load_n(&xs.broken, __ATOMIC_RELAXED);
}

static bool
ring_has_room(void *arg)
{
    uint32_t prod = *xs.req.prod;
    uint32_t cons = __atomic_load_n(xs.req.cons, __ATOMIC_RELAXED);

    return prod - cons < xs.req.size ||
           __atomic_load_n(&xs.broken, __ATOMIC_RELAXED);
}

static bool
slot_done(void *arg)
{
    return __atomic_load_n(&((struct xs_slot *)arg)->done, __ATOMIC_ACQUIRE);
}

static uint64_t
time_left(uint64_t deadline)
{
    uint64_t now = clock_now_ns();

    return now < deadline ? deadline - now : 0;
}

/* Take a slot and a req_id, waiting while all are in use. */
static int
claim_slot(uint32_t type, uint32_t *req_id, uint64_t deadline)
{
    for ( ;; )
    {
        unsigned long flags = spin_lock_irqsave(&xs.lock);
        int slot =
            xs.broken ? -XEN_EIO : xs_inflight_add(&xs.inflight, type, req_id);

        if ( slot >= 0 )
        {
            xs.slot[slot].done = false;
            xs.stats.peak = MAX(xs.stats.peak,
                                (uint64_t)__builtin_popcount(xs.inflight.busy));
        }
        spin_unlock_irqrestore(&xs.lock, flags);
        if ( slot != -XEN_EBUSY )
            return slot;
        if ( !wait_event_timeout(&xs_wq, slot_free, NULL, time_left(deadline)) )
            return -XEN_ETIMEDOUT;
    }
}

/* Become the one thread writing into the request ring (so messages stay
 * whole there), waiting while another one is. */
static int
take_writer(uint64_t deadline)
{
    for ( ;; )
    {
        unsigned long flags = spin_lock_irqsave(&xs.lock);
        bool broken = xs.broken, got = !broken && !xs.writing;

        if ( got )
            xs.writing = true;
        spin_unlock_irqrestore(&xs.lock, flags);
        if ( broken )
            return -XEN_EIO;
        if ( got )
            return 0;
        if ( !wait_event_timeout(&xs_wq, writer_free, NULL,
                                 time_left(deadline)) )
            return -XEN_ETIMEDOUT;
    }
}

/* Write the whole message into the request ring as room appears, kicking
 * xenstored after each piece. Caller took the writer's place. */
static int
write_msg(const char *msg, size_t len)
{
    uint64_t deadline = clock_now_ns() + XS_TIMEOUT_NS;
    const char *why = NULL;
    unsigned long flags;

    while ( len && !why )
    {
        int n = byte_ring_write(&xs.req, msg, len, &barriers);

        if ( n > 0 )
        {
            msg += n;
            len -= (size_t)n;
            evtchn_send(xs.port);
        }
        else if ( n < 0 )
            why = "xenstored's req_cons is more than a ring away";
        else if ( !wait_event_timeout(&xs_wq, ring_has_room, NULL,
                                      time_left(deadline)) )
            why = "the request ring stayed full";
        else if ( __atomic_load_n(&xs.broken, __ATOMIC_RELAXED) )
            why = "broken meanwhile";
    }
    flags = spin_lock_irqsave(&xs.lock);
    xs.writing = false;
    /* Half a message in the ring would garble every later request. */
    if ( why )
        break_locked(why);
    spin_unlock_irqrestore(&xs.lock, flags);
    waitq_wake_all(&xs_wq);
    return why ? -XEN_EIO : 0;
}

int
xs_request(uint32_t type, uint32_t tx, const struct xs_part *parts,
           unsigned int n, struct xs_reply *out)
{
    uint64_t deadline = clock_now_ns() + XS_TIMEOUT_NS;
    unsigned long flags;
    struct xs_slot *s;
    uint32_t req_id;
    char *msg;
    int slot, len, rc;

    if ( !xenstore_available() )
        return -XEN_ENODEV;
    msg = kmalloc(XS_MSG_MAX);
    if ( !msg )
        return -XEN_ENOMEM;
    slot = claim_slot(type, &req_id, deadline);
    if ( slot < 0 )
    {
        kfree(msg);
        return slot;
    }
    s = &xs.slot[slot];
    len = xs_msg_build(msg, XS_MSG_MAX, type, req_id, tx, parts, n);
    rc = len < 0 ? len : take_writer(deadline);
    if ( rc == 0 )
        rc = write_msg(msg, (size_t)len);
    kfree(msg);
    if ( rc == 0 )
        wait_event_timeout(&xs_wq, slot_done, s, XS_TIMEOUT_NS);
    flags = spin_lock_irqsave(&xs.lock);
    if ( rc == 0 )
        xs.stats.requests++;
    if ( rc == 0 && !s->done )
    {
        xs.stats.timeouts++;
        printk("xenstore: no reply to request type %u req_id %u within "
               "%llu s\n",
               type, req_id, XS_TIMEOUT_NS / NSEC_PER_SEC);
        rc = -XEN_ETIMEDOUT;
    }
    else if ( rc == 0 )
    {
        *out = s->r;
        rc = s->r.err; /* on error there is no payload */
    }
    /* A late reply to this req_id is now dropped as unknown. */
    xs_inflight_del(&xs.inflight, (unsigned int)slot);
    s->done = false;
    spin_unlock_irqrestore(&xs.lock, flags);
    waitq_wake_all(&xs_wq); /* the slot is free */
    return rc;
}

int
xs_request_ok(uint32_t type, uint32_t tx, const struct xs_part *parts,
              unsigned int n)
{
    struct xs_reply r;
    int rc = xs_request(type, tx, parts, n, &r);

    if ( rc == 0 )
        kfree(r.payload);
    return rc;
}

/* --- Watches ------------------------------------------------------------- */

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
            !wait_event_timeout(&xs_wq, callback_not_running, &w->id,
                                XS_TIMEOUT_NS) )
        printk("xenstore: unwatch %s still waits for its callback\n", w->path);
    return rc;
}

static bool
have_events(void *arg)
{
    return __atomic_load_n(&xs.ev_head, __ATOMIC_RELAXED) != NULL;
}

/* The xenstore thread: run each queued event's callback, in order. */
static void
watch_thread(void *arg)
{
    for ( ;; )
    {
        struct xs_event *ev;
        struct xs_watch *w = NULL;
        unsigned long flags;

        wait_event_timeout(&ev_wq, have_events, NULL, UINT64_MAX);
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
            __atomic_store_n(&xs.running_watch, 0, __ATOMIC_RELEASE);
            waitq_wake_all(&xs_wq);
        }
        kfree(ev);
    }
}

/* --- Start-up ---------------------------------------------------------- */

void
xenstore_get_stats(struct xenstore_stats *out)
{
    unsigned long flags = spin_lock_irqsave(&xs.lock);

    *out = xs.stats;
    spin_unlock_irqrestore(&xs.lock, flags);
}

/* Find the ring page and port Xen gives us, validated. */
static int
find_ring(uint64_t *pfn, uint64_t *port)
{
    uint64_t kstart = virt_to_phys(__kernel_start) >> PAGE_SHIFT;
    uint64_t kend = virt_to_phys(__kernel_end) >> PAGE_SHIFT;

    if ( hvm_get_param(HVM_PARAM_STORE_PFN, pfn) != 0 ||
         hvm_get_param(HVM_PARAM_STORE_EVTCHN, port) != 0 )
    {
        printk("xenstore: Xen gives no ring parameters\n");
        return -XEN_ENODEV;
    }
    if ( *pfn == 0 || *pfn >= (1ull << (32 - PAGE_SHIFT)) ||
         (*pfn >= kstart && *pfn <= kend) )
    {
        printk("xenstore: rejected ring frame 0x%llx (zero, above 4 GiB or "
               "inside the kernel)\n",
               (unsigned long long)*pfn);
        return -XEN_EINVAL;
    }
    if ( *port == 0 || *port >= evtchn_max_ports() )
    {
        printk("xenstore: rejected event channel %llu (1..%u)\n",
               (unsigned long long)*port, evtchn_max_ports() - 1);
        return -XEN_EINVAL;
    }
    return 0;
}

int
xenstore_init(void)
{
    uint64_t pfn, port, domid;
    char *name = NULL;
    int rc;

    if ( !xen.hypercalls || !evtchn_available() )
    {
        printk("xenstore: not on Xen with event channels: no xenstore\n");
        return -XEN_ENODEV;
    }
    if ( xen.initial_domain )
    {
        printk("xenstore: we are dom0, where xenstored would be our own "
               "process: no xenstore\n");
        return -XEN_ENODEV;
    }
    rc = find_ring(&pfn, &port);
    if ( rc )
        return rc;
    page_reserve(pfn << PAGE_SHIFT); /* never hand it out as free RAM */
    xs.intf = phys_to_virt(pfn << PAGE_SHIFT);
    xs.req = (struct byte_ring){ xs.intf->req, XENSTORE_RING_SIZE,
                                 &xs.intf->req_prod, &xs.intf->req_cons };
    xs.rsp = (struct byte_ring){ xs.intf->rsp, XENSTORE_RING_SIZE,
                                 &xs.intf->rsp_prod, &xs.intf->rsp_cons };
    xs.port = (evtchn_port_t)port;
    xs.inflight.next_id = 1;
    xs_rx_init(&xs.rx);
    xs.thread = thread_create("xenstore", watch_thread, NULL, 0);
    if ( !xs.thread )
        return -XEN_ENOMEM;
    rc = evtchn_bind_inherited(xs.port, xs_event, NULL);
    if ( rc )
        return rc;
    __atomic_store_n(&xs.ready, true, __ATOMIC_RELEASE);
    rc = xs_read_uint(XS_TX_NONE, "domid", DOMID_FIRST_RESERVED - 1, &domid);
    if ( rc )
    {
        printk("xenstore: cannot read our domid: %s\n", xen_errno_name(rc));
        __atomic_store_n(&xs.ready, false, __ATOMIC_RELEASE);
        return rc;
    }
    xs.domid = (unsigned int)domid;
    xs_read(XS_TX_NONE, "name", &name, NULL);
    printk("xenstore: ring at frame 0x%llx, event channel %u: domain %u "
           "(\"%.32s\")\n",
           (unsigned long long)pfn, xs.port, xs.domid, name ? name : "?");
    kfree(name);
    return 0;
}
