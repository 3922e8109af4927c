/* SPDX-License-Identifier: MIT */
/*
 * evtchn_fifo.c - the FIFO event-channel ABI: one 32-bit event word per
 * port in an event array made of guest pages handed to Xen one at a time
 * (EVTCHNOP_expand_array), and per vCPU a control block page
 * (EVTCHNOP_init_control) with the HEAD of 16 priority queues and a READY
 * bit per queue. Xen links pending events into the queues; the walk and
 * the word rules are portable (kernel/xen/evtchn/evtchn_fifo_queue.c); binding
 * and dispatch are in evtchn.c.
 */
#include <kernel.h>
#include "kernel/xen/evtchn/evtchn_abi.h"
#include "kernel/xen/evtchn/evtchn_fifo_queue.h"
#include <hypervisor.h>
#include <mm.h>
#include <percpu.h>

#define WORDS_PER_PAGE (PAGE_SIZE / sizeof(event_word_t))
#define ARRAY_PAGES    (EVTCHN_FIFO_MAX_PORTS / WORDS_PER_PAGE)

BUILD_BUG_ON(sizeof(event_word_t) != 4);
BUILD_BUG_ON(sizeof(struct evtchn_fifo_control_block) != 8 + 4 * 16);
BUILD_BUG_ON(EVTCHN_FIFO_MAX_PORTS % WORDS_PER_PAGE != 0);
BUILD_BUG_ON(EVTCHN_FIFO_MAX_PORTS > EVTCHN_FIFO_NR_CHANNELS);

/*
 * The event array. All its pages are set aside at init, so binding never
 * allocates and the page count stays steady (Xen keeps array pages until
 * the domain dies; they could not be freed anyway); pages [0, given) have
 * been handed to Xen. `given` grows under evtchn_lock and is read by the
 * upcall without it: a page is fully set up before `given` covers it.
 */
static event_word_t *array[ARRAY_PAGES];
static unsigned int given;

/* Each vCPU's queues; its upcall only (cb is set once at init). */
static struct evtchn_fifo_queues queues[MAX_CPUS];
static unsigned int nr_vcpus; /* control blocks registered */

static event_word_t *
fifo_word(void *ctx, evtchn_port_t port)
{
    unsigned int page = port / WORDS_PER_PAGE;

    if ( page >= __atomic_load_n(&given, __ATOMIC_ACQUIRE) )
        return NULL;
    return &array[page][port % WORDS_PER_PAGE];
}

static void
free_array(void)
{
    unsigned int i;

    for ( i = 0; i < ARRAY_PAGES; i++ )
        if ( array[i] )
        {
            page_free(array[i]);
            array[i] = NULL;
        }
}

/*
 * Register a control block for every vCPU the domain has. The first
 * EVTCHNOP_init_control switches the whole domain to FIFO; if Xen refuses
 * it (old Xen, or FIFO disabled) we are still on 2-level.
 */
static int
fifo_init(void)
{
    unsigned int i, j, cpu, link_bits = 0;
    long rc = 0;

    for ( i = 0; i < ARRAY_PAGES; i++ )
    {
        array[i] = page_alloc();
        if ( !array[i] )
        {
            printk("evtchn: FIFO: no memory for the event array\n");
            free_array();
            return -XEN_ENOMEM;
        }
        /* Every port starts masked, as in the 2-level l2_init(). */
        for ( j = 0; j < WORDS_PER_PAGE; j++ )
            array[i][j] = EVTCHN_FIFO_MASKED_BIT;
    }

    for ( cpu = 0; cpu < MAX_CPUS; cpu++ )
    {
        struct evtchn_init_control op = { .vcpu = cpu, .offset = 0 };
        void *cb = page_alloc_zeroed();

        if ( !cb )
        {
            rc = -XEN_ENOMEM;
            break;
        }
        op.control_gfn = virt_to_phys(cb) >> PAGE_SHIFT;
        rc = hypercall_event_channel_op(EVTCHNOP_init_control, &op);
        if ( rc )
        {
            page_free(cb);
            break;
        }
        link_bits = op.link_bits;
        queues[cpu].cb = cb;
        queues[cpu].word = fifo_word;
    }
    nr_vcpus = cpu;
    if ( nr_vcpus == 0 )
    {
        free_array();
        return rc;
    }
    if ( cpu < MAX_CPUS && rc != -XEN_ENOENT ) /* ENOENT: no more vCPUs */
        printk(
            "evtchn: FIFO: control block for vCPU %u refused: %ld; its events would be lost\n",
            cpu, rc);
    if ( link_bits != EVTCHN_FIFO_LINK_BITS )
        printk("evtchn: FIFO: Xen reports %u link bits, we use %u\n", link_bits,
               EVTCHN_FIFO_LINK_BITS);
    printk(
        "evtchn: FIFO: control blocks for %u vCPUs, event array up to %u pages (%u ports), handed to Xen as ports grow\n",
        nr_vcpus, (unsigned int)ARRAY_PAGES, EVTCHN_FIFO_MAX_PORTS);
    return 0;
}

/*
 * A new domain starts on the 2-level ABI with no FIFO state: mask every
 * word, take the array back (Xen forgot it; pages are handed out again
 * as ports are bound), clear each control block and our view of its
 * queues, and register the blocks again; the first switches the domain
 * to FIFO.
 */
static int
fifo_resume(void)
{
    unsigned int i, j, cpu;
    long rc;

    for ( i = 0; i < ARRAY_PAGES; i++ )
        for ( j = 0; j < WORDS_PER_PAGE; j++ )
            array[i][j] = EVTCHN_FIFO_MASKED_BIT;
    /* Release: pairs with fifo_word's acquire (no upcall runs now). */
    __atomic_store_n(&given, 0, __ATOMIC_RELEASE);
    for ( cpu = 0; cpu < nr_vcpus; cpu++ )
    {
        struct evtchn_init_control op = { .vcpu = cpu, .offset = 0 };
        struct evtchn_fifo_control_block *cb = queues[cpu].cb;

        memset(cb, 0, PAGE_SIZE);
        memset(&queues[cpu], 0, sizeof(queues[cpu]));
        queues[cpu].cb = cb;
        queues[cpu].word = fifo_word;
        op.control_gfn = virt_to_phys(cb) >> PAGE_SHIFT;
        rc = hypercall_event_channel_op(EVTCHNOP_init_control, &op);
        if ( rc )
        {
            printk(
                "evtchn: FIFO: control block for vCPU %u refused after resume: %ld\n",
                cpu, rc);
            return rc;
        }
    }
    return 0;
}

static unsigned int
fifo_max_ports(void)
{
    return EVTCHN_FIFO_MAX_PORTS;
}

/* Hand Xen event-array pages until the array covers `port`. */
static int
fifo_setup_port(evtchn_port_t port)
{
    while ( port >= given * WORDS_PER_PAGE )
    {
        struct evtchn_expand_array op;
        long rc;

        if ( given >= ARRAY_PAGES )
            return -XEN_ENOSPC; /* max_ports keeps us below */
        op.array_gfn = virt_to_phys(array[given]) >> PAGE_SHIFT;
        rc = hypercall_event_channel_op(EVTCHNOP_expand_array, &op);
        if ( rc )
        {
            printk("evtchn: FIFO: expand_array (page %u) refused: %ld\n", given,
                   rc);
            return rc;
        }
        /* Release: Xen and the upcall may use the page's words now. */
        __atomic_store_n(&given, given + 1, __ATOMIC_RELEASE);
    }
    return 0;
}

static void
fifo_mask(evtchn_port_t port)
{
    event_word_t *w = fifo_word(NULL, port);

    if ( w )
        evtchn_fifo_word_mask(w);
}

/* The FIFO rule: clear MASKED ourselves unless the event is pending; a
 * pending event must be linked into a queue, which only Xen does. */
static void
fifo_unmask(evtchn_port_t port)
{
    event_word_t *w = fifo_word(NULL, port);

    if ( w && !evtchn_fifo_word_unmask(w) )
        evtchn_xen_unmask(port);
}

static void
fifo_bind_cpu(evtchn_port_t port, unsigned int cpu, bool bound)
{
    /* Nothing: Xen links each event into its vCPU's own queues. */
}

static void
fifo_handle_events(unsigned int cpu)
{
    struct evtchn_fifo_queues *q = &queues[cpu];
    unsigned long bad = q->bad_links, bad_ready = q->bad_ready;
    evtchn_port_t port;

    if ( !q->cb )
        return;
    while ( (port = evtchn_fifo_pop(q)) != 0 )
    {
        event_word_t *w = fifo_word(NULL, port);
        event_word_t v = __atomic_load_n(w, __ATOMIC_RELAXED);

        if ( !(v & EVTCHN_FIFO_PENDING_BIT) )
            continue; /* closed while linked */
        if ( evtchn_port_cpu(port) != cpu )
        {
            /*
             * Linked here before evtchn_bind_vcpu() moved it: leave it
             * pending and have Xen link it on its new vCPU (unless a
             * driver masked it; its unmask will do that).
             */
            if ( !(v & EVTCHN_FIFO_MASKED_BIT) && !evtchn_port_masked(port) )
                evtchn_xen_unmask(port);
            continue;
        }
        if ( evtchn_fifo_word_claim(w) )
            evtchn_dispatch(cpu, port);
    }
    if ( q->bad_links != bad )
        printk(
            "evtchn: FIFO: vCPU %u queue linked past the event array; queue dropped\n",
            cpu);
    if ( q->bad_ready != bad_ready )
        printk(
            "evtchn: FIFO: vCPU %u READY word flags a queue past the last (%u); ignored\n",
            cpu, EVTCHN_FIFO_MAX_QUEUES - 1);
}

static void
fifo_describe_port(evtchn_port_t port, char *buf, size_t n)
{
    event_word_t *w = fifo_word(NULL, port);
    event_word_t v = w ? __atomic_load_n(w, __ATOMIC_RELAXED) : 0;
    unsigned int cpu = evtchn_port_cpu(port);
    struct evtchn_fifo_control_block *cb = queues[cpu].cb;

    if ( !w )
    {
        snprintf(buf, n, "FIFO: no event word (past the event array)");
        return;
    }
    snprintf(
        buf, n,
        "FIFO: word 0x%08x (pending %d masked %d linked %d busy %d link %u); vCPU %u READY 0x%x",
        v, !!(v & EVTCHN_FIFO_PENDING_BIT), !!(v & EVTCHN_FIFO_MASKED_BIT),
        !!(v & EVTCHN_FIFO_LINKED_BIT), !!(v & EVTCHN_FIFO_BUSY_BIT),
        v & EVTCHN_FIFO_LINK_MASK, cpu,
        cb ? __atomic_load_n(&cb->ready, __ATOMIC_RELAXED) : 0);
}

const struct evtchn_abi_ops evtchn_fifo_ops = {
    .name = "FIFO",
    .abi = EVTCHN_ABI_FIFO,
    .init = fifo_init,
    .resume = fifo_resume,
    .max_ports = fifo_max_ports,
    .setup_port = fifo_setup_port,
    .mask = fifo_mask,
    .unmask = fifo_unmask,
    .bind_cpu = fifo_bind_cpu,
    .handle_events = fifo_handle_events,
    .describe_port = fifo_describe_port,
};
