/* SPDX-License-Identifier: MIT */
/*
 * xenstore.c - the core of the xenstore client (include/xenstore.h): the
 * rings, the event handler and requests in flight. A request is written
 * into the request ring by the thread that makes it, which then sleeps;
 * the event channel's handler reads the response ring, checks each
 * message (xs_wire.c), hands a reply to the thread waiting for its
 * req_id and queues a watch event for the xenstore thread (xs_watch.c),
 * which runs the callbacks. The handler never runs callbacks and never
 * sleeps. The client's state is struct xs_client (xs_client.h).
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

struct xs_client xs = {
    .lock = SPINLOCK_INIT("xenstore"),
    .wq = WAITQ_INIT("xenstore"),
    .ev_wq = WAITQ_INIT("xenstore-events"),
};

bool
xenstore_available(void)
{
    /* Acquire: pairs with xenstore_init's release of ready. */
    return __atomic_load_n(&xs.ready, __ATOMIC_ACQUIRE);
}

unsigned int
xs_domid(void)
{
    return xs.domid;
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
            /* Release: the error is set before the waiter sees done. */
            __atomic_store_n(&xs.slot[i].done, true, __ATOMIC_RELEASE);
        }
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
        xs_queue_event_locked(&m);
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
        int n = byte_ring_read(&xs.rsp, dst, room, &smp_ring_barriers);
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
    waitq_wake_all(&xs.wq);
    if ( events )
        waitq_wake_all(&xs.ev_wq);
}

/* --- Requests ---------------------------------------------------------- */

/* Wait conditions: called with the wait queue's lock held, so they read
 * the client's fields atomically instead of taking xs.lock. */
static bool
slot_free(void *arg)
{
    return (__atomic_load_n(&xs.inflight.busy, __ATOMIC_RELAXED) !=
                (uint32_t)((1ull << XS_INFLIGHT_MAX) - 1) &&
            !__atomic_load_n(&xs.suspended, __ATOMIC_RELAXED)) ||
           __atomic_load_n(&xs.broken, __ATOMIC_RELAXED);
}

static bool
client_idle(void *arg)
{
    return (__atomic_load_n(&xs.inflight.busy, __ATOMIC_RELAXED) == 0 &&
            !__atomic_load_n(&xs.writing, __ATOMIC_RELAXED)) ||
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
    /* Acquire: pairs with complete_locked's release of done. */
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
        int slot = xs.broken      ? -XEN_EIO
                   : xs.suspended ? -XEN_EBUSY
                                  : xs_inflight_add(&xs.inflight, type, req_id);

        if ( slot >= 0 )
        {
            xs.slot[slot].done = false;
            xs.stats.peak = MAX(xs.stats.peak,
                                (uint64_t)__builtin_popcount(xs.inflight.busy));
        }
        spin_unlock_irqrestore(&xs.lock, flags);
        if ( slot != -XEN_EBUSY )
            return slot;
        if ( !wait_event_timeout(&xs.wq, slot_free, NULL, time_left(deadline)) )
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
        if ( !wait_event_timeout(&xs.wq, writer_free, NULL,
                                 time_left(deadline)) )
            return -XEN_ETIMEDOUT;
    }
}

/* Write the whole message into the request ring as room appears, kicking
 * xenstored after each piece. Caller took the writer's place. *end is
 * the request ring's producer index after the message. */
static int
write_msg(const char *msg, size_t len, uint32_t *end)
{
    uint64_t deadline = clock_now_ns() + XS_TIMEOUT_NS;
    const char *why = NULL;
    unsigned long flags;

    while ( len && !why )
    {
        int n = byte_ring_write(&xs.req, msg, len, &smp_ring_barriers);

        if ( n > 0 )
        {
            msg += n;
            len -= (size_t)n;
            evtchn_send(xs.port);
        }
        else if ( n < 0 )
            why = "xenstored's req_cons is more than a ring away";
        else if ( !wait_event_timeout(&xs.wq, ring_has_room, NULL,
                                      time_left(deadline)) )
            why = "the request ring stayed full";
        else if ( __atomic_load_n(&xs.broken, __ATOMIC_RELAXED) )
            why = "broken meanwhile";
    }
    *end = *xs.req.prod;
    flags = spin_lock_irqsave(&xs.lock);
    xs.writing = false;
    /* Half a message in the ring would garble every later request. */
    if ( why )
        break_locked(why);
    spin_unlock_irqrestore(&xs.lock, flags);
    waitq_wake_all(&xs.wq);
    return why ? -XEN_EIO : 0;
}

/*
 * Wait up to XS_TIMEOUT_NS for the reply in slot s. Every XS_KICK_NS
 * without one, if xenstored has not even taken the request (which ends
 * at request-ring index `end`) out of the ring, notify it again: tier 2
 * showed xenstored leaving a request unread for over 10 s, until the
 * next notification came (tools/README.md).
 */
static void
wait_reply(struct xs_slot *s, uint32_t req_id, uint32_t end)
{
    uint64_t deadline = clock_now_ns() + XS_TIMEOUT_NS;

    while ( !wait_event_timeout(&xs.wq, slot_done, s,
                                MIN(XS_KICK_NS, time_left(deadline))) &&
            time_left(deadline) )
    {
        uint32_t cons = __atomic_load_n(xs.req.cons, __ATOMIC_RELAXED);

        if ( (int32_t)(cons - end) >= 0 )
            continue; /* taken: xenstored is working on it */
        printk(
            "xenstore: xenstored has not read req_id %u after %llu ms (req_cons %u, the request ends at %u): notifying again\n",
            req_id, XS_KICK_NS / NSEC_PER_MSEC, cons, end);
        __atomic_fetch_add(&xs.stats.kicks, 1, __ATOMIC_RELAXED);
        evtchn_send(xs.port);
    }
}

int
xs_request(uint32_t type, uint32_t tx, const struct xs_part *parts,
           unsigned int n, struct xs_reply *out)
{
    uint64_t deadline = clock_now_ns() + XS_TIMEOUT_NS;
    unsigned long flags;
    struct xs_slot *s;
    uint32_t req_id, end;
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
        rc = write_msg(msg, (size_t)len, &end);
    kfree(msg);
    if ( rc == 0 )
        wait_reply(s, req_id, end);
    flags = spin_lock_irqsave(&xs.lock);
    if ( rc == 0 )
        xs.stats.requests++;
    if ( rc == 0 && !s->done )
    {
        xs.stats.timeouts++;
        printk(
            "xenstore: no reply to request type %u req_id %u within %llu s (req ring prod %u cons %u, rsp ring prod %u cons %u)\n",
            type, req_id, XS_TIMEOUT_NS / NSEC_PER_SEC, *xs.req.prod,
            *xs.req.cons, *xs.rsp.prod, *xs.rsp.cons);
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
    waitq_wake_all(&xs.wq); /* the slot is free */
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
        printk(
            "xenstore: rejected ring frame 0x%llx (zero, above 4 GiB or inside the kernel)\n",
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

    xs_monitor_init(); /* it says so itself where there is no xenstore */
    if ( !xen.hypercalls || !evtchn_available() )
    {
        printk("xenstore: not on Xen with event channels: no xenstore\n");
        return -XEN_ENODEV;
    }
    if ( xen.initial_domain )
    {
        printk(
            "xenstore: we are dom0, where xenstored would be our own process: no xenstore\n");
        return -XEN_ENODEV;
    }
    rc = find_ring(&pfn, &port);
    if ( rc )
        return rc;
    /* Kept out of the allocator since boot (xen_note_foreign_frames);
     * panics if the frame was ever handed out. */
    page_foreign_add(pfn << PAGE_SHIFT, PAGE_SIZE,
                     "xenstore ring (HVM_PARAM_STORE_PFN)");
    xs.intf = phys_to_virt(pfn << PAGE_SHIFT);
    xs.req = (struct byte_ring){ xs.intf->req, XENSTORE_RING_SIZE,
                                 &xs.intf->req_prod, &xs.intf->req_cons };
    xs.rsp = (struct byte_ring){ xs.intf->rsp, XENSTORE_RING_SIZE,
                                 &xs.intf->rsp_prod, &xs.intf->rsp_cons };
    xs.port = (evtchn_port_t)port;
    xs.inflight.next_id = 1;
    xs_rx_init(&xs.rx);
    xs.thread = thread_create("xenstore", xs_watch_thread, NULL, 0);
    if ( !xs.thread )
        return -XEN_ENOMEM;
    rc = evtchn_bind_existing(xs.port, 0, xs_event, NULL);
    if ( rc )
        return rc;
    /* Release: the rings and port are set before anyone sees ready. */
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
    printk(
        "xenstore: ring at frame 0x%llx, event channel %u: domain %u (\"%.32s\")\n",
        (unsigned long long)pfn, xs.port, xs.domid, name ? name : "?");
    kfree(name);
    return 0;
}

int
xenstore_suspend(void)
{
    unsigned long flags;

    if ( !xenstore_available() )
        return 0;
    /* No new request starts; those under way get their replies from
     * this xenstored, before the domain goes. */
    flags = spin_lock_irqsave(&xs.lock);
    xs.suspended = true;
    spin_unlock_irqrestore(&xs.lock, flags);
    if ( !wait_event_timeout(&xs.wq, client_idle, NULL, XS_TIMEOUT_NS) )
    {
        printk(
            "xenstore: requests still in flight after %llu s: not suspending\n",
            XS_TIMEOUT_NS / NSEC_PER_SEC);
        xenstore_resume(true);
        return -XEN_EBUSY;
    }
    return 0;
}

int
xenstore_resume(bool cancelled)
{
    uint64_t pfn, port, domid;
    unsigned long flags;
    int rc = 0;

    if ( !xenstore_available() )
        return 0;
    if ( !cancelled )
    {
        /* Same ring page, a new port. Replies the old xenstored left in
         * the ring answer nobody now: drop them (none should be there:
         * nothing was in flight). */
        rc = find_ring(&pfn, &port);
        if ( rc == 0 && pfn << PAGE_SHIFT != virt_to_phys(xs.intf) )
        {
            printk("xenstore: ring frame moved to 0x%llx across resume\n",
                   (unsigned long long)pfn);
            rc = -XEN_EINVAL;
        }
        flags = spin_lock_irqsave(&xs.lock);
        if ( rc == 0 )
        {
            /* Skip whatever is there unread: no bytes of it are read, so
             * no barrier orders a read before this store; xenstored sees
             * it with our next request's index update. */
            *xs.rsp.cons = *xs.rsp.prod;
            xs_rx_init(&xs.rx);
            xs.port = (evtchn_port_t)port;
        }
        else
            break_locked("no ring after resume");
        spin_unlock_irqrestore(&xs.lock, flags);
        if ( rc == 0 )
            rc = evtchn_bind_existing(xs.port, 0, xs_event, NULL);
    }
    flags = spin_lock_irqsave(&xs.lock);
    xs.suspended = false;
    spin_unlock_irqrestore(&xs.lock, flags);
    waitq_wake_all(&xs.wq);
    if ( cancelled || rc )
        return rc;
    rc = xs_read_uint(XS_TX_NONE, "domid", DOMID_FIRST_RESERVED - 1, &domid);
    if ( rc == 0 )
        xs.domid = (unsigned int)domid;
    rc = xs_watch_resume();
    printk(
        "xenstore: resumed: event channel %u, domain %u, watches registered again\n",
        xs.port, xs.domid);
    return rc;
}
