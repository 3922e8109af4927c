/* SPDX-License-Identifier: MIT */
/*
 * ipi_route.c - self-tests of where events go: a channel rebound with
 * evtchn_bind_vcpu is delivered on that vCPU, balancing spreads device
 * channels over the vCPUs (kernel/xen/evtchn/evtchn_balance.c), and a reschedule
 * IPI reaches exactly its target. Helpers: ipi_test.h.
 */
#include "ipi_test.h"

#define BALANCE_PORTS_PER_CPU 3

struct where {
    volatile unsigned int events;
    volatile unsigned int cpu;
};

static void
where_handler(evtchn_port_t port, void *arg)
{
    struct where *w = arg;

    w->cpu = smp_processor_id();
    add_u(&w->events, 1);
}

static void
ignore_handler(evtchn_port_t port, void *arg)
{}

static int
loopback_open(evtchn_port_t *a, evtchn_port_t *b, struct where *w)
{
    int rc = evtchn_alloc_unbound(DOMID_SELF, ignore_handler, NULL, a);

    if ( rc )
        return rc;
    rc = evtchn_bind_interdomain(DOMID_SELF, *a, where_handler, w, b);
    if ( rc )
    {
        evtchn_close(*a);
        return rc;
    }
    /* Binding leaves b pending once (delivered on CPU 0): let it pass. */
    if ( !wait_until(goal_reached, &(struct goal){ &w->events, 1 },
                     seconds(5)) )
        printk("    # loopback: the bind's event never came\n");
    w->events = 0;
    return 0;
}

/* Send on a; true if b's handler ran once more, on CPU `cpu`. */
static bool
delivered_on(evtchn_port_t a, struct where *w, unsigned int cpu)
{
    unsigned int before = load_u(&w->events);

    w->cpu = ~0u;
    if ( evtchn_send(a) != 0 ||
         !wait_until(goal_reached, &(struct goal){ &w->events, before + 1 },
                     seconds(5)) )
        return false;
    return w->cpu == cpu;
}

TEST(ipi, channel_bound_to_cpu_k_is_delivered_on_k)
{
    struct evtchn_status st;
    struct where w = { 0, 0 };
    evtchn_port_t a, b;
    unsigned int k;

    REQUIRE_CPUS(2);
    ASSERT_EQ(loopback_open(&a, &b, &w), 0);
    for ( k = 0; k < nr_cpus; k++ )
    {
        if ( !cpu_online(k) )
            continue;
        EXPECT_EQ(evtchn_bind_vcpu(b, k), 0);
        EXPECT_EQ(evtchn_status(b, &st), 0);
        EXPECT_EQ(st.vcpu, k);
        if ( !EXPECT_TRUE(delivered_on(a, &w, k)) )
            printk("    # bound to CPU %u, handled on CPU %u (%u events)\n", k,
                   w.cpu, w.events);
    }
    /* Back to CPU 0, and still delivered. */
    EXPECT_EQ(evtchn_bind_vcpu(b, 0), 0);
    EXPECT_TRUE(delivered_on(a, &w, 0));
    EXPECT_EQ(evtchn_close(b), 0);
    EXPECT_EQ(evtchn_close(a), 0);
}

/* max - min of bound ports over the online vCPUs. */
static unsigned int
load_spread(void)
{
    unsigned int cpu, lo = ~0u, hi = 0;

    for ( cpu = 0; cpu < nr_cpus; cpu++ )
        if ( cpu_online(cpu) )
        {
            lo = MIN(lo, evtchn_ports_on(cpu));
            hi = MAX(hi, evtchn_ports_on(cpu));
        }
    return hi - lo;
}

TEST(ipi, balancing_spreads_device_channels)
{
    evtchn_port_t ports[BALANCE_PORTS_PER_CPU * MAX_CPUS], a, b, ipi;
    unsigned int n = cpus_online() * BALANCE_PORTS_PER_CPU, i;
    unsigned int spread0, bad = 0;
    struct evtchn_status st;
    struct where w = { 0, 0 };
    volatile unsigned int dummy = 0;
    int cpu;

    REQUIRE_CPUS(2);
    spread0 = load_spread();
    /* One unbound port at a time, placed as soon as it exists. */
    for ( i = 0; i < n; i++ )
    {
        ASSERT_EQ(
            evtchn_alloc_unbound(DOMID_SELF, ignore_handler, NULL, &ports[i]),
            0);
        cpu = evtchn_balance(ports[i]);
        if ( cpu < 0 || !cpu_online(cpu) || evtchn_status(ports[i], &st) != 0 ||
             st.vcpu != (unsigned)cpu )
            bad++;
    }
    EXPECT_EQ(bad, 0u);
    /* Greedy placement never widens the spread, and with this many ports
     * it closes a small one. */
    EXPECT_LE(load_spread(), spread0 <= BALANCE_PORTS_PER_CPU ? 1 : spread0);
    printk("    # ports per vCPU after balancing %u ports:", n);
    for ( i = 0; i < nr_cpus; i++ )
        printk(" %u", evtchn_ports_on(i));
    printk("\n");

    /* A balanced loopback end is delivered where it was placed. */
    ASSERT_EQ(loopback_open(&a, &b, &w), 0);
    cpu = evtchn_balance(b);
    EXPECT_GE(cpu, 0);
    if ( cpu >= 0 )
        EXPECT_TRUE(delivered_on(a, &w, cpu));

    /* IPIs (and VIRQs) stay put; ports we do not have are refused. */
    if ( EXPECT_EQ(evtchn_bind_ipi(1, ignore_handler, (void *)&dummy, &ipi),
                   0) )
    {
        EXPECT_EQ(evtchn_balance(ipi), -XEN_EINVAL);
        EXPECT_EQ(evtchn_close(ipi), 0);
        EXPECT_EQ(evtchn_balance(ipi), -XEN_EINVAL);
    }
    EXPECT_EQ(evtchn_balance(0), -XEN_EINVAL);
    EXPECT_EQ(evtchn_balance(evtchn_max_ports()), -XEN_EINVAL);

    EXPECT_EQ(evtchn_close(b), 0);
    EXPECT_EQ(evtchn_close(a), 0);
    for ( i = 0; i < n; i++ )
        EXPECT_EQ(evtchn_close(ports[i]), 0);
}

/* The reschedule hook records where it ran. */
static volatile unsigned int resched_on[MAX_CPUS];

static void
resched_hook(void)
{
    add_u(&resched_on[smp_processor_id()], 1);
}

TEST(ipi, reschedule_is_counted_on_its_target)
{
    struct ipi_stats before, after;
    unsigned int cpu, other, hits;
    ipi_resched_hook_t saved;

    REQUIRE_XEN();
    memset((void *)resched_on, 0, sizeof(resched_on));
    saved = ipi_set_reschedule_hook(resched_hook); /* the scheduler's */
    for ( cpu = 0; cpu < nr_cpus; cpu++ )
    {
        if ( !cpu_online(cpu) )
            continue;
        ipi_get_stats(cpu, &before);
        EXPECT_EQ(smp_send_reschedule(cpu), 0); /* the caller too */
        EXPECT_TRUE(wait_until(
            goal_reached, &(struct goal){ &resched_on[cpu], 1 }, seconds(5)));
        ipi_get_stats(cpu, &after);
        EXPECT_EQ(after.reschedules, before.reschedules + 1);
        for ( other = 0, hits = 0; other < nr_cpus; other++ )
            hits += resched_on[other];
        EXPECT_EQ(hits, 1u); /* nobody else ran the hook */
        resched_on[cpu] = 0;
    }
    ipi_set_reschedule_hook(saved);
}
