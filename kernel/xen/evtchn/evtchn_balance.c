/* SPDX-License-Identifier: MIT */
/*
 * evtchn_balance.c - interrupt balancing for event channels
 * (include/evtchn.h): spread device channels over the online vCPUs with
 * EVTCHNOP_bind_vcpu, and print where every bound port is delivered. It
 * uses only the core's accessors (kernel/xen/evtchn/evtchn.c). VIRQ and IPI
 * ports belong to one vCPU each and are never moved.
 */
#include <kernel.h>
#include <evtchn.h>
#include "kernel/xen/evtchn/evtchn_abi.h"
#include <percpu.h>
#include <smp.h>

/* A snapshot of how many bound ports each vCPU has, by our port table. */
static void
count_ports(unsigned int load[MAX_CPUS])
{
    unsigned int port, max = evtchn_max_ports();

    memset(load, 0, MAX_CPUS * sizeof(load[0]));
    for ( port = 1; port < max; port++ )
        if ( evtchn_port_bound(port) )
            load[evtchn_port_cpu(port) % MAX_CPUS]++;
}

unsigned int
evtchn_ports_on(unsigned int cpu)
{
    unsigned int load[MAX_CPUS];

    if ( cpu >= MAX_CPUS )
        return 0;
    count_ports(load);
    return load[cpu];
}

/* Channels that exist for a device or a peer may go to any vCPU. */
static bool
movable(uint32_t status)
{
    return status == EVTCHNSTAT_unbound || status == EVTCHNSTAT_interdomain ||
           status == EVTCHNSTAT_pirq;
}

static const char *
status_name(uint32_t status)
{
    static const char *const names[] = {
        [EVTCHNSTAT_closed] = "closed",
        [EVTCHNSTAT_unbound] = "unbound",
        [EVTCHNSTAT_interdomain] = "interdomain",
        [EVTCHNSTAT_pirq] = "pirq",
        [EVTCHNSTAT_virq] = "virq",
        [EVTCHNSTAT_ipi] = "ipi",
    };

    return status < ARRAY_SIZE(names) ? names[status] : "unknown";
}

int
evtchn_balance(evtchn_port_t port)
{
    unsigned int load[MAX_CPUS], cpu, best, now;
    struct evtchn_status st;
    int rc;

    if ( !evtchn_port_bound(port) )
    {
        printk("evtchn: balance(%u): %s\n", port,
               evtchn_available() ? "port is not bound"
                                  : "event channels are unavailable");
        return evtchn_available() ? -XEN_EINVAL : -XEN_ENODEV;
    }
    /* Xen's word on what the port is: only device channels move. */
    rc = evtchn_status(port, &st);
    if ( rc )
        return rc;
    if ( !movable(st.status) )
    {
        printk(
            "evtchn: balance(%u): %s ports are per-vCPU: it stays on vCPU %u\n",
            port, status_name(st.status), st.vcpu);
        return -XEN_EINVAL;
    }

    /*
     * The least-loaded online vCPU, not counting the port itself. On a
     * tie the port stays where it is (no needless move), else the lowest
     * vCPU number wins.
     */
    count_ports(load);
    now = evtchn_port_cpu(port) % MAX_CPUS;
    load[now]--;
    best = now;
    for ( cpu = 0; cpu < nr_cpus; cpu++ )
        if ( cpu_online(cpu) && load[cpu] < load[best] )
            best = cpu;
    if ( best == now )
        return now;
    rc = evtchn_bind_vcpu(port, best);
    return rc ? rc : (int)best;
}

void
evtchn_report(void)
{
    unsigned int load[MAX_CPUS], port, cpu, max = evtchn_max_ports();
    struct evtchn_status st;
    char what[48], line[160];
    int len;

    if ( !evtchn_available() )
    {
        printk("evtchn: report: event channels are unavailable\n");
        return;
    }
    printk(
        "evtchn: %u bound ports (port -> vCPU, kind, as Xen reports them):\n",
        evtchn_ports_bound());
    for ( port = 1; port < max; port++ )
    {
        if ( !evtchn_port_bound(port) || evtchn_status(port, &st) != 0 )
            continue;
        switch ( st.status )
        {
        case EVTCHNSTAT_unbound:
            snprintf(what, sizeof(what), "unbound, for domain %u",
                     st.u.unbound.dom);
            break;
        case EVTCHNSTAT_interdomain:
            snprintf(what, sizeof(what), "interdomain, domain %u port %u",
                     st.u.interdomain.dom, st.u.interdomain.port);
            break;
        case EVTCHNSTAT_pirq:
            snprintf(what, sizeof(what), "pirq %u", st.u.pirq);
            break;
        case EVTCHNSTAT_virq:
            snprintf(what, sizeof(what), "virq %u", st.u.virq);
            break;
        default:
            snprintf(what, sizeof(what), "%s", status_name(st.status));
            break;
        }
        cpu = evtchn_port_cpu(port);
        if ( st.vcpu == cpu )
            printk("evtchn:   port %u -> vCPU %u, %s\n", port, cpu, what);
        else
            printk(
                "evtchn:   port %u -> vCPU %u, %s (our port table says vCPU %u)\n",
                port, st.vcpu, what, cpu);
    }

    count_ports(load);
    len = snprintf(line, sizeof(line), "evtchn: ports per vCPU:");
    for ( cpu = 0; cpu < nr_cpus && len < (int)sizeof(line); cpu++ )
        len +=
            snprintf(line + len, sizeof(line) - len, " %u:%u", cpu, load[cpu]);
    printk("%s\n", line);
}
