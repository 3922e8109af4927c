/* SPDX-License-Identifier: MIT */
/*
 * evtchn.c - the event-channel core (include/evtchn.h): start-up (map
 * shared_info, choose the ABI, install the upcall), the port table that
 * holds each port's handler, binding and closing through EVTCHNOP_*,
 * masking, and dispatch from the upcall. The bit-level work of each ABI
 * is in evtchn_2l.c and evtchn_fifo.c, the vector callback in upcall.c,
 * the interface between them in kernel/xen/evtchn/evtchn_abi.h.
 */
#include <kernel.h>
#include <clock.h>
#include <evtchn.h>
#include "kernel/xen/evtchn/evtchn_abi.h"
#include <fault.h>
#include <hypervisor.h>
#include <mm.h>
#include <percpu.h>
#include <shared_info.h>
#include <spinlock.h>
#include <xen_errno.h>
#include <arch/x86.h>

enum port_kind {
    PORT_FREE, /* not bound by us */
    PORT_VIRQ,
    PORT_IPI,
    PORT_UNBOUND, /* alloc_unbound: waiting for a peer */
    PORT_INTERDOMAIN,
    PORT_EXISTING, /* bound by the toolstack before we started */
};

/*
 * One slot per port. All fields are written under evtchn_lock. The
 * upcall reads handler and arg without the lock: bind_finish() writes arg
 * before handler, and evtchn_close() clears handler, waits for running
 * handlers (see evtchn_dispatch()), and only then closes the port in Xen
 * and frees the slot.
 */
struct port {
    evtchn_handler_t handler; /* NULL: free, or being closed */
    void *arg;
    uint8_t kind; /* enum port_kind */
    uint8_t cpu;  /* vCPU Xen notifies */
    bool masked;  /* by evtchn_mask(), until evtchn_unmask() */
    bool closing; /* evtchn_close() waits for its handler */
};

/* Per-vCPU state: written by its own vCPU, read by others as noted. */
struct evtchn_cpu {
    struct evtchn_stats stats; /* read by evtchn_get_stats() */
    evtchn_port_t running;     /* handler running now (0: none); read by
                                   evtchn_close() on other CPUs */
};

static spinlock_t evtchn_lock = SPINLOCK_INIT("evtchn");
static struct port *ports;     /* [max_ports], from evtchn_init() on */
static unsigned int max_ports; /* set once by evtchn_init() */
static unsigned int nr_bound;  /* under evtchn_lock */
static const struct evtchn_abi_ops *abi; /* set once by evtchn_init() */
static bool available;                   /* set last by evtchn_init() */
bool evtchn_time_upcalls;                /* atomic: see evtchn.h */
static struct evtchn_cpu evtchn_cpus[MAX_CPUS];

/* An EVTCHNOP that printed nothing: print why Xen refused it. */
static long
xen_op(int cmd, void *arg, const char *what, unsigned int n)
{
    return xen_check(hypercall_event_channel_op(cmd, arg), "evtchn: %s %u",
                     what, n);
}

/*
 * The slot of a port we bound, or NULL (printed) if event channels are
 * off, the port is out of range, or we did not bind it.
 */
static struct port *
bound_port(evtchn_port_t port, const char *what)
{
    if ( !available )
    {
        printk("evtchn: %s(%u): event channels are unavailable\n", what, port);
        return NULL;
    }
    if ( port == 0 || port >= max_ports )
    {
        printk("evtchn: %s(%u): port out of range (1..%u under %s)\n", what,
               port, max_ports - 1, abi->name);
        return NULL;
    }
    if ( ports[port].kind == PORT_FREE || ports[port].closing )
    {
        printk("evtchn: %s(%u): port is %s\n", what, port,
               ports[port].closing ? "being closed" : "not bound");
        return NULL;
    }
    return &ports[port];
}

static int
check_bind(const char *what, unsigned int cpu, evtchn_handler_t handler,
           evtchn_port_t *out)
{
    if ( !available )
    {
        printk("evtchn: %s: event channels are unavailable\n", what);
        return -XEN_ENODEV;
    }
    if ( !handler || !out || cpu >= MAX_CPUS )
    {
        printk("evtchn: %s: %s\n", what,
               cpu >= MAX_CPUS ? "vCPU out of range"
                               : "needs a handler and a port pointer");
        return -XEN_EINVAL;
    }
    return 0;
}

/*
 * Enter a port Xen just allocated into the table and unmask it. Closes the
 * port again if we cannot handle it.
 */
static int
bind_finish(evtchn_port_t port, enum port_kind kind, unsigned int cpu,
            evtchn_handler_t handler, void *arg, evtchn_port_t *out,
            const char *what)
{
    struct evtchn_close close = { .port = port };
    struct port *p;
    unsigned long flags;
    int rc;

    /* A port the toolstack made is not ours to close on failure. */
    bool ours = kind != PORT_EXISTING;

    if ( port == 0 || port >= max_ports )
    {
        printk("evtchn: %s: port %u is past the %u ports handled under %s%s\n",
               what, port, max_ports, abi->name, ours ? "; closing it" : "");
        if ( ours )
            xen_op(EVTCHNOP_close, &close, "close port", port);
        return -XEN_ENOSPC;
    }

    flags = spin_lock_irqsave(&evtchn_lock);
    p = &ports[port];
    if ( p->kind != PORT_FREE )
        panic(
            "evtchn: Xen allocated port %u, which the port table holds as bound: table out of sync with Xen",
            port);
    rc = abi->setup_port(port);
    if ( rc )
    {
        spin_unlock_irqrestore(&evtchn_lock, flags);
        if ( ours )
            xen_op(EVTCHNOP_close, &close, "close port", port);
        return rc;
    }
    /* Masked until the handler is in place (freed ports are left masked,
     * this makes sure). */
    abi->mask(port);
    p->arg = arg;
    p->kind = kind;
    p->cpu = cpu;
    p->masked = false;
    /* Release: arg is visible before the handler that receives it. */
    __atomic_store_n(&p->handler, handler, __ATOMIC_RELEASE);
    abi->bind_cpu(port, cpu, true);
    nr_bound++;
    /* Delivers anything that arrived before now (e.g. bind_interdomain
     * always leaves the new port pending). */
    abi->unmask(port);
    spin_unlock_irqrestore(&evtchn_lock, flags);
    *out = port;
    return 0;
}

int
evtchn_bind_virq(unsigned int virq, unsigned int cpu, evtchn_handler_t handler,
                 void *arg, evtchn_port_t *port)
{
    struct evtchn_bind_virq op = { .virq = virq, .vcpu = cpu };
    int rc = check_bind("bind_virq", cpu, handler, port);

    if ( rc )
        return rc;
    rc = xen_op(EVTCHNOP_bind_virq, &op, "bind_virq virq", virq);
    if ( rc )
        return rc;
    return bind_finish(op.port, PORT_VIRQ, cpu, handler, arg, port,
                       "bind_virq");
}

int
evtchn_bind_ipi(unsigned int cpu, evtchn_handler_t handler, void *arg,
                evtchn_port_t *port)
{
    struct evtchn_bind_ipi op = { .vcpu = cpu };
    int rc = check_bind("bind_ipi", cpu, handler, port);

    if ( rc )
        return rc;
    rc = xen_op(EVTCHNOP_bind_ipi, &op, "bind_ipi vCPU", cpu);
    if ( rc )
        return rc;
    return bind_finish(op.port, PORT_IPI, cpu, handler, arg, port, "bind_ipi");
}

int
evtchn_alloc_unbound(domid_t remote, evtchn_handler_t handler, void *arg,
                     evtchn_port_t *port)
{
    struct evtchn_alloc_unbound op = { .dom = DOMID_SELF,
                                       .remote_dom = remote };
    int rc = check_bind("alloc_unbound", 0, handler, port);

    if ( rc )
        return rc;
    rc = xen_op(EVTCHNOP_alloc_unbound, &op, "alloc_unbound remote domain",
                remote);
    if ( rc )
        return rc;
    /* New ports notify vCPU 0 until EVTCHNOP_bind_vcpu says otherwise. */
    return bind_finish(op.port, PORT_UNBOUND, 0, handler, arg, port,
                       "alloc_unbound");
}

int
evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port,
                        evtchn_handler_t handler, void *arg,
                        evtchn_port_t *port)
{
    struct evtchn_bind_interdomain op = { .remote_dom = remote,
                                          .remote_port = remote_port };
    int rc = check_bind("bind_interdomain", 0, handler, port);

    if ( rc )
        return rc;
    rc = xen_op(EVTCHNOP_bind_interdomain, &op, "bind_interdomain remote port",
                remote_port);
    if ( rc )
        return rc;
    return bind_finish(op.local_port, PORT_INTERDOMAIN, 0, handler, arg, port,
                       "bind_interdomain");
}

int
evtchn_bind_existing(evtchn_port_t port, unsigned int cpu,
                     evtchn_handler_t handler, void *arg)
{
    struct evtchn_status st = { .dom = DOMID_SELF, .port = port };
    evtchn_port_t out;
    int rc = check_bind("bind_existing", cpu, handler, &out);

    if ( rc )
        return rc;
    rc = xen_op(EVTCHNOP_status, &st, "status of existing port", port);
    if ( rc )
        return rc;
    if ( st.status != EVTCHNSTAT_interdomain &&
         st.status != EVTCHNSTAT_unbound )
    {
        printk(
            "evtchn: bind_existing: port %u is not an interdomain or unbound port (status %u)\n",
            port, st.status);
        return -XEN_EINVAL;
    }
    rc = bind_finish(port, PORT_EXISTING, cpu, handler, arg, &out,
                     "bind_existing");
    if ( rc == 0 && cpu != 0 )
        rc = evtchn_bind_vcpu(port, cpu);
    return rc;
}

int
evtchn_close(evtchn_port_t port)
{
    struct evtchn_close op = { .port = port };
    unsigned long flags = spin_lock_irqsave(&evtchn_lock);
    struct port *p = bound_port(port, "close");
    evtchn_handler_t handler;
    unsigned int cpu, me;
    long rc;

    if ( !p )
    {
        spin_unlock_irqrestore(&evtchn_lock, flags);
        return available ? -XEN_EINVAL : -XEN_ENODEV;
    }
    /* Clear, wait, close, then free. Clear: masked (and left masked for
     * the number's next user) and without a handler, so no new dispatch
     * runs it; `closing` turns other calls on the port away meanwhile. */
    abi->mask(port);
    handler = p->handler;
    __atomic_store_n(&p->handler, NULL, __ATOMIC_RELAXED);
    p->closing = true;
    spin_unlock_irqrestore(&evtchn_lock, flags);

    /*
     * Wait for a handler of this port already running on another vCPU,
     * while Xen still holds the port open, so that the number cannot be
     * handed out again under it. The full barrier orders the clearing of
     * the handler before reading `running`; evtchn_dispatch() does the
     * mirror image, so either it sees no handler or we see it running.
     */
    smp_mb();
    me = smp_processor_id();
    for ( cpu = 0; cpu < MAX_CPUS; cpu++ )
    {
        if ( cpu == me )
            continue; /* a handler closing its own port */
        while ( __atomic_load_n(&evtchn_cpus[cpu].running, __ATOMIC_ACQUIRE) ==
                port )
            cpu_relax();
    }

    /* Close (clearing its pending state in Xen) and free under the lock:
     * a bind that gets the number back finds it free. */
    flags = spin_lock_irqsave(&evtchn_lock);
    p->closing = false;
    rc = xen_op(EVTCHNOP_close, &op, "close port", port);
    if ( rc )
    {
        /* Release: as in bind_finish(), arg is in place before it. */
        __atomic_store_n(&p->handler, handler, __ATOMIC_RELEASE);
        if ( !p->masked )
            abi->unmask(port);
    }
    else
    {
        abi->bind_cpu(port, p->cpu, false);
        p->kind = PORT_FREE;
        nr_bound--;
    }
    spin_unlock_irqrestore(&evtchn_lock, flags);
    return rc;
}

int
evtchn_send(evtchn_port_t port)
{
    struct evtchn_send op = { .port = port };

    /* No lock: a send racing a close of the same port is the caller's
     * bug, and Xen checks the port again. */
    if ( !available || port == 0 || port >= max_ports ||
         ports[port].kind == PORT_FREE )
    {
        bound_port(port, "send"); /* prints why */
        return available ? -XEN_EINVAL : -XEN_ENODEV;
    }
    return xen_op(EVTCHNOP_send, &op, "send port", port);
}

int
evtchn_bind_vcpu(evtchn_port_t port, unsigned int cpu)
{
    struct evtchn_bind_vcpu op = { .port = port, .vcpu = cpu };
    unsigned long flags = spin_lock_irqsave(&evtchn_lock);
    struct port *p = bound_port(port, "bind_vcpu");
    long rc;

    if ( !p || cpu >= MAX_CPUS )
    {
        if ( p )
            printk("evtchn: bind_vcpu(%u): vCPU %u out of range\n", port, cpu);
        spin_unlock_irqrestore(&evtchn_lock, flags);
        return available ? -XEN_EINVAL : -XEN_ENODEV;
    }
    /*
     * Masked while it moves: Xen does not re-notify on a rebind, so an
     * event pending now is delivered by the unmask, on the new vCPU.
     */
    abi->mask(port);
    rc = xen_op(EVTCHNOP_bind_vcpu, &op, "bind_vcpu port", port);
    if ( !rc )
    {
        abi->bind_cpu(port, p->cpu, false);
        p->cpu = cpu;
        abi->bind_cpu(port, cpu, true);
    }
    if ( !p->masked )
        abi->unmask(port);
    spin_unlock_irqrestore(&evtchn_lock, flags);
    return rc;
}

int
evtchn_status(evtchn_port_t port, struct evtchn_status *out)
{
    if ( !available )
    {
        printk("evtchn: status(%u): event channels are unavailable\n", port);
        return -XEN_ENODEV;
    }
    if ( !out || port == 0 || port >= max_ports )
    {
        printk("evtchn: status(%u): %s\n", port,
               out ? "port out of range" : "no result buffer");
        return -XEN_EINVAL;
    }
    memset(out, 0, sizeof(*out));
    out->dom = DOMID_SELF;
    out->port = port;
    return xen_op(EVTCHNOP_status, out, "status port", port);
}

int
evtchn_set_priority(evtchn_port_t port, unsigned int priority)
{
    struct evtchn_set_priority op = { .port = port, .priority = priority };
    unsigned long flags = spin_lock_irqsave(&evtchn_lock);
    struct port *p = bound_port(port, "set_priority");
    long rc;

    if ( !p )
        rc = available ? -XEN_EINVAL : -XEN_ENODEV;
    else if ( abi->abi != EVTCHN_ABI_FIFO )
    {
        printk("evtchn: set_priority(%u): the 2-level ABI has no priorities\n",
               port);
        rc = -XEN_EOPNOTSUPP;
    }
    else if ( priority > EVTCHN_FIFO_PRIORITY_MIN )
    {
        printk("evtchn: set_priority(%u): priority %u out of range (0..%u)\n",
               port, priority, EVTCHN_FIFO_PRIORITY_MIN);
        rc = -XEN_EINVAL;
    }
    else
        rc = xen_op(EVTCHNOP_set_priority, &op, "set_priority port", port);
    spin_unlock_irqrestore(&evtchn_lock, flags);
    return rc;
}

/* evtchn_mask() and evtchn_unmask(): remember the driver's wish (a
 * rebind restores it) and apply it. */
static void
driver_mask(evtchn_port_t port, bool masked)
{
    unsigned long flags = spin_lock_irqsave(&evtchn_lock);
    struct port *p = bound_port(port, masked ? "mask" : "unmask");

    if ( p )
    {
        p->masked = masked;
        if ( masked )
            abi->mask(port);
        else
            abi->unmask(port);
    }
    spin_unlock_irqrestore(&evtchn_lock, flags);
}

void
evtchn_mask(evtchn_port_t port)
{
    driver_mask(port, true);
}

void
evtchn_unmask(evtchn_port_t port)
{
    driver_mask(port, false);
}

void
evtchn_xen_unmask(evtchn_port_t port)
{
    struct evtchn_unmask op = { .port = port };

    xen_op(EVTCHNOP_unmask, &op, "unmask port", port);
}

unsigned int
evtchn_port_cpu(evtchn_port_t port)
{
    return ports[port].cpu;
}

bool
evtchn_port_masked(evtchn_port_t port)
{
    return ports[port].masked;
}

void
evtchn_dispatch(unsigned int cpu, evtchn_port_t port)
{
    struct evtchn_cpu *c = &evtchn_cpus[cpu];
    evtchn_handler_t fn;

    /*
     * Say which handler runs before looking it up; the full barrier
     * orders that store before the load of the handler (evtchn_close()
     * clears the handler, then reads `running`).
     */
    __atomic_store_n(&c->running, port, __ATOMIC_RELAXED);
    smp_mb();
    fn = __atomic_load_n(&ports[port].handler, __ATOMIC_ACQUIRE);
    if ( fn )
    {
        fn(port, ports[port].arg);
        c->stats.events++;
    }
    else
        c->stats.spurious++;
    /* Release: the handler's work is done before a closer sees 0. */
    __atomic_store_n(&c->running, 0, __ATOMIC_RELEASE);
}

void
evtchn_do_upcall(void)
{
    unsigned int cpu = smp_processor_id();
    struct vcpu_info *vi = vcpu_info(cpu);
    bool ready = abi && !fault_upcall_too_early;
    bool timed = __atomic_load_n(&evtchn_time_upcalls, __ATOMIC_RELAXED);
    uint64_t t0 = timed ? clock_now_ns() : 0;

    evtchn_cpus[cpu].stats.upcalls++;
    /* Xen flags events only in a vcpu_info: without one, none are. */
    if ( !vi )
        return;
    do
    {
        /*
         * Clear the flag before looking for work: an event that arrives
         * while we scan sets it again and we go round once more. The
         * exchange is a full barrier, so the clear is visible to Xen
         * before we read the selector or READY word. Cleared even when
         * too early to scan (no ABI yet): Xen raises the per-vCPU vector
         * only on the flag's 0 -> 1 edge, so a flag left set would mute
         * this vCPU for good; what is pending waits for the next upcall.
         */
        __atomic_exchange_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
        if ( !ready )
            return;
        abi->handle_events(cpu);
    } while ( __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_ACQUIRE) );
    if ( timed )
        evtchn_cpus[cpu].stats.busy_ns += clock_now_ns() - t0;
}

void
evtchn_get_stats(unsigned int cpu, struct evtchn_stats *out)
{
    if ( cpu >= MAX_CPUS )
    {
        memset(out, 0, sizeof(*out));
        return;
    }
    /* Aligned 64-bit loads do not tear on x86-64. */
    out->upcalls =
        __atomic_load_n(&evtchn_cpus[cpu].stats.upcalls, __ATOMIC_RELAXED);
    out->events =
        __atomic_load_n(&evtchn_cpus[cpu].stats.events, __ATOMIC_RELAXED);
    out->spurious =
        __atomic_load_n(&evtchn_cpus[cpu].stats.spurious, __ATOMIC_RELAXED);
    out->busy_ns =
        __atomic_load_n(&evtchn_cpus[cpu].stats.busy_ns, __ATOMIC_RELAXED);
}

enum evtchn_abi
evtchn_abi(void)
{
    return available ? abi->abi : EVTCHN_ABI_NONE;
}

bool
evtchn_available(void)
{
    return available;
}

unsigned int
evtchn_max_ports(void)
{
    return available ? max_ports : 0;
}

unsigned int
evtchn_ports_bound(void)
{
    return nr_bound;
}

bool
evtchn_port_bound(evtchn_port_t port)
{
    return available && port > 0 && port < max_ports &&
           ports[port].kind != PORT_FREE;
}

/* Pick the ABI: FIFO unless evtchn=2l; evtchn=fifo makes it required. */
static int
choose_abi(const char *want)
{
    int rc;

    if ( strcmp(want, "2l") != 0 )
    {
        rc = evtchn_fifo_ops.init();
        if ( rc == 0 )
        {
            abi = &evtchn_fifo_ops;
            return 0;
        }
        if ( strcmp(want, "fifo") == 0 )
        {
            printk("evtchn: evtchn=fifo, but Xen refused the FIFO ABI (%d)\n",
                   rc);
            return rc;
        }
        printk("evtchn: FIFO ABI refused (%d): using the 2-level ABI\n", rc);
    }
    rc = evtchn_2l_ops.init();
    if ( rc == 0 )
        abi = &evtchn_2l_ops;
    return rc;
}

int
evtchn_init(const char *cmdline)
{
    char want_abi[8];
    enum upcall_mode mode;
    size_t table;
    int rc;

    if ( !xen.present || !xen.hypercalls )
    {
        printk("evtchn: not on Xen: event channels unavailable\n");
        return -XEN_ENODEV;
    }
    rc = evtchn_parse_cmdline(cmdline, want_abi, &mode);
    if ( rc )
        return rc;
    rc = shared_info_init();
    if ( rc )
        return rc;
    rc = choose_abi(want_abi);
    if ( rc )
        return rc;
    max_ports = abi->max_ports();
    table = ALIGN_UP(max_ports * sizeof(struct port), PAGE_SIZE) / PAGE_SIZE;
    ports = page_alloc_n(table);
    if ( !ports )
    {
        printk("evtchn: no memory for the port table (%zu pages)\n", table);
        return -XEN_ENOMEM;
    }
    memset(ports, 0, table * PAGE_SIZE);
    rc = upcall_init(mode);
    if ( rc )
    {
        page_free_n(ports, table);
        ports = NULL;
        return rc;
    }
    available = true;
    printk("evtchn: %s ABI, ports 1..%u, upcall by %s (vector 0x%x)\n",
           abi->name, max_ports - 1, upcall_mode_name(), EVTCHN_UPCALL_VECTOR);

    /* Events are interrupts: let them in from now on. */
    irq_enable();
    return 0;
}

int
evtchn_init_cpu(unsigned int cpu)
{
    if ( !available )
        return -XEN_ENODEV;
    if ( cpu >= MAX_CPUS || !vcpu_info(cpu) )
    {
        printk("evtchn: init_cpu(%u): no vcpu_info for this vCPU\n", cpu);
        return -XEN_EINVAL;
    }
    return upcall_init_cpu(cpu);
}

int
evtchn_resume(void)
{
    unsigned long flags;
    int rc;

    if ( !available )
        return -XEN_ENODEV;
    /*
     * The new domain has none of our ports, and its numbers will differ:
     * forget every binding (each user binds again in its own _resume())
     * and start the ABI afresh. Nothing runs a handler meanwhile: every
     * vCPU has interrupts off until kernel_resume releases it.
     */
    flags = spin_lock_irqsave(&evtchn_lock);
    memset(ports, 0, max_ports * sizeof(struct port));
    nr_bound = 0;
    memset(evtchn_cpus, 0, sizeof(evtchn_cpus));
    rc = abi->resume();
    spin_unlock_irqrestore(&evtchn_lock, flags);
    if ( rc == 0 )
        rc = upcall_resume();
    if ( rc )
        panic(
            "evtchn: the %s ABI could not be set up again after resume (%d): no events",
            abi->name, rc);
    return 0;
}
