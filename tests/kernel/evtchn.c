/* SPDX-License-Identifier: MIT */
/*
 * evtchn.c - self-tests of event channels (kernel/xen/evtchn*.c) against
 * the real Xen: loopback delivery, masking, fairness under a flood,
 * capacity of the ABI in use, FIFO priorities, and refusals. They run on
 * CPU 0 with interrupts enabled (evtchn_init leaves them on) and skip
 * without Xen. Run them under both ABIs and both upcall modes
 * (evtchn=2l|fifo, upcall=global|percpu on the command line).
 */
#include <ktest.h>
#include <evtchn.h>
#include <hypervisor.h>
#include <mm.h>
#include <percpu.h>
#include <watchdog.h>
#include <arch/x86.h>

/* Bounded waits, in TSC cycles (a few GHz): "long" is only reached on
 * failure; "short" is how long we watch for an event that must not come. */
#define WAIT_LONG  (4ull * 1000 * 1000 * 1000)
#define WAIT_SHORT (50ull * 1000 * 1000)

#define LOOPBACK_SENDS  1000
#define FLOOD_EVENTS    2000
#define FLOOD_LOW_EVERY 100

#define REQUIRE_EVENTS() \
    do \
    { \
        if ( !xen.present ) \
            KTEST_SKIP("not on Xen"); \
        ASSERT_TRUE(evtchn_available()); \
        ASSERT_TRUE(read_flags() & X86_FLAGS_IF); \
    } while ( 0 )

/* Spin (interrupts on, so events arrive) until *v >= want or time is up. */
static bool
spin_for(volatile unsigned int *v, unsigned int want, uint64_t cycles)
{
    uint64_t end = rdtsc_ordered() + cycles;

    while ( *v < want )
    {
        if ( rdtsc_ordered() > end )
            return false;
        cpu_relax();
    }
    return true;
}

/* Events that must come: a timeout dumps this CPU's event and timer
 * state (watchdog_dump) before the test fails on it. */
static bool
wait_for(volatile unsigned int *v, unsigned int want)
{
    if ( spin_for(v, want, WAIT_LONG) )
        return true;
    watchdog_dump("an event-channel test's wait timed out");
    return false;
}

/* Events that must not come: true if *v stays below `beyond` a while. */
static bool
none_reach(volatile unsigned int *v, unsigned int beyond)
{
    return !spin_for(v, beyond, WAIT_SHORT);
}

static void
count_handler(evtchn_port_t port, void *arg)
{
    (*(volatile unsigned int *)arg)++;
}

static void
print_stats(const char *what, const struct evtchn_stats *before)
{
    struct evtchn_stats now;

    evtchn_get_stats(smp_processor_id(), &now);
    printk("# %s: %llu events in %llu upcalls, %llu spurious (%s ABI)\n", what,
           (unsigned long long)(now.events - before->events),
           (unsigned long long)(now.upcalls - before->upcalls),
           (unsigned long long)(now.spurious - before->spurious),
           evtchn_abi() == EVTCHN_ABI_FIFO ? "FIFO" : "2-level");
}

/*
 * A channel from us to us: alloc_unbound offers port a to DOMID_SELF,
 * bind_interdomain connects port b to it. A send on one end is an event
 * on the other. The ABI says bind_interdomain leaves b pending once.
 */
static int
loopback_open(evtchn_port_t *a, volatile unsigned int *got_a, evtchn_port_t *b,
              volatile unsigned int *got_b)
{
    int rc = evtchn_alloc_unbound(DOMID_SELF, count_handler, (void *)got_a, a);

    if ( rc )
        return rc;
    rc = evtchn_bind_interdomain(DOMID_SELF, *a, count_handler, (void *)got_b,
                                 b);
    if ( rc )
        evtchn_close(*a);
    return rc;
}

TEST(evtchn, loopback_every_send_delivered_once)
{
    volatile unsigned int got_a = 0, got_b = 0;
    struct evtchn_stats before;
    struct evtchn_status st;
    evtchn_port_t a, b;
    unsigned int i;

    REQUIRE_EVENTS();
    evtchn_get_stats(smp_processor_id(), &before);
    ASSERT_EQ(loopback_open(&a, &got_a, &b, &got_b), 0);

    EXPECT_TRUE(wait_for(&got_b, 1)); /* the bind's event */
    EXPECT_EQ(got_a, 0u);
    EXPECT_EQ(evtchn_status(a, &st), 0);
    EXPECT_EQ(st.status, (uint32_t)EVTCHNSTAT_interdomain);
    EXPECT_EQ(st.u.interdomain.port, b);
    got_b = 0;

    /* Each send is handled before the next (bounded wait). */
    for ( i = 0; i < LOOPBACK_SENDS; i++ )
        if ( evtchn_send(b) || !wait_for(&got_a, i + 1) )
            break;
    EXPECT_EQ(i, (unsigned int)LOOPBACK_SENDS);
    for ( i = 0; i < LOOPBACK_SENDS; i++ )
        if ( evtchn_send(a) || !wait_for(&got_b, i + 1) )
            break;
    EXPECT_EQ(i, (unsigned int)LOOPBACK_SENDS);

    /* Exactly once: nothing more turns up. */
    EXPECT_TRUE(none_reach(&got_a, LOOPBACK_SENDS + 1));
    EXPECT_EQ(got_a, (unsigned int)LOOPBACK_SENDS);
    EXPECT_EQ(got_b, (unsigned int)LOOPBACK_SENDS);
    print_stats("loopback", &before);

    EXPECT_EQ(evtchn_close(b), 0);
    EXPECT_EQ(evtchn_close(a), 0);
    /* Closing b put a back to unbound, waiting for a peer. */
}

TEST(evtchn, masked_event_waits_for_unmask_then_comes_once)
{
    volatile unsigned int got_a = 0, got_b = 0;
    evtchn_port_t a, b;

    REQUIRE_EVENTS();
    ASSERT_EQ(loopback_open(&a, &got_a, &b, &got_b), 0);
    EXPECT_TRUE(wait_for(&got_b, 1));

    evtchn_mask(a);
    EXPECT_EQ(evtchn_send(b), 0);
    EXPECT_EQ(evtchn_send(b), 0);
    EXPECT_EQ(evtchn_send(b), 0);
    EXPECT_TRUE(none_reach(&got_a, 1));
    EXPECT_EQ(got_a, 0u);

    /* Three sends while masked are one pending event. */
    evtchn_unmask(a);
    EXPECT_TRUE(wait_for(&got_a, 1));
    EXPECT_TRUE(none_reach(&got_a, 2));
    EXPECT_EQ(got_a, 1u);

    /* Unmasked with nothing pending: the next send comes straight in. */
    evtchn_mask(a);
    evtchn_unmask(a);
    EXPECT_EQ(evtchn_send(b), 0);
    EXPECT_TRUE(wait_for(&got_a, 2));
    EXPECT_EQ(got_a, 2u);

    EXPECT_EQ(evtchn_close(b), 0);
    EXPECT_EQ(evtchn_close(a), 0);
}

/*
 * Fairness: the "flood" port re-sends itself from its handler (bounded);
 * every FLOOD_LOW_EVERY flood events its handler also sends the "low"
 * port once. Flood gets the lower port number, so a scan that restarts
 * at port 0 (or a LIFO queue) would serve it first every time. We count
 * how many flood events are handled between a send of low and its
 * delivery: the fair 2-level scan gives 0, the FIFO queue 1.
 */
struct fairness {
    evtchn_port_t flood, low;
    volatile unsigned int flood_got, low_sent, low_got;
    bool low_waiting;     /* low sent, not yet delivered */
    unsigned int sent_at; /* flood_got when it was first sent */
    unsigned int worst;   /* most flood events while low waited */
};

static void
fairness_handler(evtchn_port_t port, void *arg)
{
    struct fairness *f = arg;

    if ( port == f->flood )
    {
        f->flood_got++;
        if ( f->flood_got < FLOOD_EVENTS )
            evtchn_send(f->flood);
        if ( f->flood_got % FLOOD_LOW_EVERY == 0 )
        {
            if ( !f->low_waiting )
                f->sent_at = f->flood_got;
            f->low_waiting = true;
            f->low_sent++;
            evtchn_send(f->low);
        }
    }
    else
    {
        f->low_got++;
        f->low_waiting = false;
        f->worst = MAX(f->worst, f->flood_got - f->sent_at);
    }
}

TEST(evtchn, flooding_port_cannot_starve_another)
{
    struct fairness f = { 0 };
    struct evtchn_stats before;
    evtchn_port_t p1, p2;

    REQUIRE_EVENTS();
    ASSERT_EQ(evtchn_bind_ipi(0, fairness_handler, &f, &p1), 0);
    if ( evtchn_bind_ipi(0, fairness_handler, &f, &p2) )
    {
        evtchn_close(p1);
        ASSERT_TRUE(false);
    }
    f.flood = MIN(p1, p2);
    f.low = MAX(p1, p2);
    evtchn_get_stats(smp_processor_id(), &before);

    EXPECT_EQ(evtchn_send(f.flood), 0);
    EXPECT_TRUE(wait_for(&f.flood_got, FLOOD_EVENTS));
    EXPECT_TRUE(wait_for(&f.low_got, f.low_sent));
    EXPECT_EQ(f.flood_got, (unsigned int)FLOOD_EVENTS);
    EXPECT_EQ(f.low_sent, (unsigned int)(FLOOD_EVENTS / FLOOD_LOW_EVERY));
    EXPECT_EQ(f.low_got, f.low_sent);
    EXPECT_LE(f.worst, 1u);
    printk(
        "# fairness: flood port %u, low port %u: %u low events, each after at most %u flood events\n",
        f.flood, f.low, f.low_got, f.worst);
    print_stats("fairness", &before);

    EXPECT_EQ(evtchn_close(p1), 0);
    EXPECT_EQ(evtchn_close(p2), 0);
}

struct capacity {
    volatile uint16_t *hits; /* per port number */
    volatile unsigned int total;
};

static void
capacity_handler(evtchn_port_t port, void *arg)
{
    struct capacity *c = arg;

    c->hits[port]++;
    c->total++;
}

/*
 * Bind as many ports as the ABI allows (2-level: every free one up to
 * 4095; FIFO: three times the 2-level count, which needs the event array
 * to grow), or as many as the domain may have: the toolstack's
 * max_event_channels (libxl's default is 1023) makes Xen answer ENOSPC
 * sooner, and then the test says so in one line and proves the ports it
 * could bind. Send once on each, CAPACITY_BATCH ports at a time with
 * interrupts off, then let them in: each must be delivered exactly once.
 */
#define CAPACITY_BATCH 512

TEST(evtchn, capacity_every_port_delivers_once)
{
    bool fifo = evtchn_abi() == EVTCHN_ABI_FIFO;
    unsigned int max, target, in_use, n = 0, i, bad = 0, failed = 0;
    unsigned int highest = 0, open_before = 0, limit;
    struct capacity c = { 0 };
    struct evtchn_stats before;
    evtchn_port_t *list;
    unsigned long flags;
    int rc = 0;

    REQUIRE_EVENTS();
    max = evtchn_max_ports();
    in_use = evtchn_ports_bound();
    /* Ports Xen already has open for us that we did not bind: in a domU
     * the toolstack's xenstore and console channels. */
    for ( i = 1; i < EVTCHN_2L_NR_CHANNELS; i++ )
    {
        /* Asked of Xen directly: for a port it never allocated, Xen's
         * refusal is the expected answer, not something to print. */
        struct evtchn_status st = { .dom = DOMID_SELF, .port = i };

        if ( hypercall_event_channel_op(EVTCHNOP_status, &st) == 0 &&
             st.status != EVTCHNSTAT_closed )
        {
            open_before++;
            highest = i;
        }
    }
    target = fifo ? 3 * EVTCHN_2L_NR_CHANNELS : max;
    c.hits = kzalloc(max * sizeof(*c.hits));
    list = kmalloc(max * sizeof(*list));
    ASSERT_TRUE(c.hits && list);
    evtchn_get_stats(smp_processor_id(), &before);

    while ( n < target )
    {
        rc = evtchn_bind_ipi(0, capacity_handler, &c, &list[n]);
        if ( rc )
            break;
        highest = MAX(highest, list[n]);
        n++;
    }
    /* Xen hands out the lowest free port, so when it says ENOSPC every
     * usable port up to the domain's limit is in use: 1 .. highest. */
    limit = highest;
    if ( rc == -XEN_ENOSPC && n < target &&
         (fifo || limit < EVTCHN_2L_NR_CHANNELS - 1) )
    {
        printk(
            "capacity: limited to %u ports by the domain's max_event_channels\n",
            limit);
        EXPECT_EQ(n + open_before, limit);
    }
    else if ( fifo )
    {
        EXPECT_EQ(n, target);
        EXPECT_GE(highest, target); /* the array grew to 13 pages */
    }
    else
    {
        /* Port 0 is reserved: 4095 usable, some already open. */
        EXPECT_EQ(rc, -XEN_ENOSPC);
        EXPECT_EQ(n + open_before, EVTCHN_2L_NR_CHANNELS - 1);
        EXPECT_EQ(highest, EVTCHN_2L_NR_CHANNELS - 1);
    }
    EXPECT_TRUE(rc == 0 || rc == -XEN_ENOSPC);

    /* Interrupts off for a batch at a time, not for all n sends: under
     * TCG 12288 hypercalls took over 5 s, which starved every other
     * timer on this CPU past its watchdog. A batch still leaves many
     * words (2-level) or a long queue (FIFO) pending at once. */
    for ( i = 0; i < n; i += CAPACITY_BATCH )
    {
        unsigned int j, end = MIN(n, i + CAPACITY_BATCH);

        flags = irq_save();
        for ( j = i; j < end; j++ )
            failed += evtchn_send(list[j]) != 0;
        irq_restore(flags);
    }
    EXPECT_EQ(failed, 0u);
    EXPECT_TRUE(wait_for(&c.total, n));
    EXPECT_TRUE(none_reach(&c.total, n + 1));
    for ( i = 0; i < n; i++ )
        if ( c.hits[list[i]] != 1 )
        {
            if ( bad++ == 0 )
                printk("# port %u delivered %u times\n", list[i],
                       c.hits[list[i]]);
        }
    EXPECT_EQ(bad, 0u);
    EXPECT_EQ(c.total, n);
    printk(
        "# capacity: %u ports bound (highest %u; %u open before, %u of them ours)\n",
        n, highest, open_before, in_use);
    print_stats("capacity", &before);

    failed = 0;
    for ( i = 0; i < n; i++ )
        failed += evtchn_close(list[i]) != 0;
    EXPECT_EQ(failed, 0u);
    EXPECT_EQ(evtchn_ports_bound(), in_use);
    kfree((void *)c.hits);
    kfree(list);
}

struct order {
    volatile unsigned int n;
    evtchn_port_t seen[2];
};

static void
order_handler(evtchn_port_t port, void *arg)
{
    struct order *o = arg;

    if ( o->n < ARRAY_SIZE(o->seen) )
        o->seen[o->n] = port;
    o->n++;
}

/* FIFO: a higher-priority event sent later is handled first. 2-level:
 * there are no priorities and set_priority says so. */
TEST(evtchn, priority_orders_fifo_queues)
{
    struct order o = { 0 };
    evtchn_port_t lo, hi;
    unsigned long flags;

    REQUIRE_EVENTS();
    ASSERT_EQ(evtchn_bind_ipi(0, order_handler, &o, &lo), 0);
    if ( evtchn_bind_ipi(0, order_handler, &o, &hi) )
    {
        evtchn_close(lo);
        ASSERT_TRUE(false);
    }
    if ( evtchn_abi() != EVTCHN_ABI_FIFO )
        EXPECT_EQ(evtchn_set_priority(hi, 2), -XEN_EOPNOTSUPP);
    else
    {
        EXPECT_EQ(evtchn_set_priority(lo, 10), 0);
        EXPECT_EQ(evtchn_set_priority(hi, 2), 0);
        EXPECT_EQ(evtchn_set_priority(hi, EVTCHN_FIFO_PRIORITY_MIN + 1),
                  -XEN_EINVAL);
        flags = irq_save();
        EXPECT_EQ(evtchn_send(lo), 0);
        EXPECT_EQ(evtchn_send(hi), 0);
        irq_restore(flags);
        EXPECT_TRUE(wait_for(&o.n, 2));
        EXPECT_EQ(o.n, 2u);
        EXPECT_EQ(o.seen[0], hi);
        EXPECT_EQ(o.seen[1], lo);
    }
    EXPECT_EQ(evtchn_close(lo), 0);
    EXPECT_EQ(evtchn_close(hi), 0);
}

TEST(evtchn, bad_calls_are_refused)
{
    volatile unsigned int got = 0;
    struct evtchn_status st;
    evtchn_port_t p, v, max;

    REQUIRE_EVENTS();
    max = evtchn_max_ports();

    /* Out of range. */
    EXPECT_EQ(evtchn_send(max), -XEN_EINVAL);
    EXPECT_EQ(evtchn_send(0xffffffffu), -XEN_EINVAL);
    EXPECT_EQ(evtchn_send(0), -XEN_EINVAL);
    EXPECT_EQ(evtchn_close(max), -XEN_EINVAL);
    EXPECT_EQ(evtchn_status(max, &st), -XEN_EINVAL);
    EXPECT_EQ(evtchn_bind_vcpu(max, 0), -XEN_EINVAL);
    evtchn_mask(max); /* refused (printed), no effect */
    evtchn_unmask(max);

    /* A port that was bound and closed: not ours any more. */
    ASSERT_EQ(evtchn_bind_ipi(0, count_handler, (void *)&got, &p), 0);
    EXPECT_EQ(evtchn_status(p, &st), 0);
    EXPECT_EQ(st.status, (uint32_t)EVTCHNSTAT_ipi);
    EXPECT_EQ(st.vcpu, 0u);
    EXPECT_EQ(evtchn_bind_vcpu(p, 0), -XEN_EINVAL); /* IPIs never move */
    EXPECT_EQ(evtchn_close(p), 0);
    EXPECT_EQ(evtchn_send(p), -XEN_EINVAL);
    EXPECT_EQ(evtchn_close(p), -XEN_EINVAL);
    EXPECT_EQ(evtchn_status(p, &st), 0);
    EXPECT_EQ(st.status, (uint32_t)EVTCHNSTAT_closed);

    /* The same per-vCPU VIRQ twice: Xen refuses the second binding. */
    if ( evtchn_bind_virq(VIRQ_DEBUG, 0, count_handler, (void *)&got, &v) == 0 )
    {
        EXPECT_EQ(
            evtchn_bind_virq(VIRQ_DEBUG, 0, count_handler, (void *)&got, &p),
            -XEN_EEXIST);
        EXPECT_EQ(evtchn_status(v, &st), 0);
        EXPECT_EQ(st.status, (uint32_t)EVTCHNSTAT_virq);
        EXPECT_EQ(st.u.virq, (uint32_t)VIRQ_DEBUG);
        EXPECT_EQ(evtchn_close(v), 0);
    }
    else
        EXPECT_TRUE(false);

    /* Bad arguments, ours and Xen's. */
    EXPECT_EQ(evtchn_bind_ipi(0, NULL, NULL, &p), -XEN_EINVAL);
    EXPECT_EQ(evtchn_bind_ipi(MAX_CPUS, count_handler, (void *)&got, &p),
              -XEN_EINVAL);
    EXPECT_EQ(evtchn_bind_ipi(MAX_CPUS - 1, count_handler, (void *)&got, &p),
              -XEN_ENOENT);
    EXPECT_EQ(evtchn_bind_interdomain(DOMID_SELF, max - 1, count_handler,
                                      (void *)&got, &p),
              -XEN_EINVAL);
    EXPECT_EQ(got, 0u);
}
