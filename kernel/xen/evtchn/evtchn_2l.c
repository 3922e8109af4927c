/* SPDX-License-Identifier: MIT */
/*
 * evtchn_2l.c - the 2-level event-channel ABI: one pending and one mask
 * bit per port in shared_info (64 words of 64 bits: 4096 ports for a
 * 64-bit guest), and in each vCPU's vcpu_info a selector word saying
 * which pending words to look at. The fair scan itself is portable
 * (kernel/xen/evtchn/evtchn_2l_scan.c); binding and dispatch are in evtchn.c.
 */
#include <kernel.h>
#include <bitmap.h>
#include "kernel/xen/evtchn/evtchn_2l_scan.h"
#include "kernel/xen/evtchn/evtchn_abi.h"
#include <percpu.h>
#include <shared_info.h>

#define WORDS BITS_PER_LONG /* selector bits */
BUILD_BUG_ON(EVTCHN_2L_NR_CHANNELS != WORDS * BITS_PER_LONG);
BUILD_BUG_ON(sizeof(((struct shared_info *)0)->evtchn_pending) !=
             WORDS * sizeof(unsigned long));

/*
 * Ports bound to each vCPU: bit p of mine[c] is set while port p notifies
 * vCPU c. Changed under evtchn_lock (atomically, as the owner's upcall
 * reads it at any time).
 */
static unsigned long mine[MAX_CPUS][WORDS];

/* Each vCPU's resume point and selector bits in hand; its upcall only. */
static struct evtchn_2l_scan scans[MAX_CPUS];

static int
l2_init(void)
{
    unsigned int w;

    /* Start with every port masked: a port is unmasked only once its
     * handler is in place (bind_finish in evtchn.c). */
    for ( w = 0; w < WORDS; w++ )
        __atomic_store_n(&shared_info->evtchn_mask[w], ~0ul, __ATOMIC_RELAXED);
    return 0;
}

static int
l2_resume(void)
{
    /* A new domain's shared_info has every port unmasked: mask them. */
    memset(mine, 0, sizeof(mine));
    memset(scans, 0, sizeof(scans));
    return l2_init();
}

static unsigned int
l2_max_ports(void)
{
    return EVTCHN_2L_NR_CHANNELS;
}

static int
l2_setup_port(evtchn_port_t port)
{
    return 0; /* every port's bits always exist */
}

static void
l2_mask(evtchn_port_t port)
{
    __atomic_fetch_or(&shared_info->evtchn_mask[port / BITS_PER_LONG],
                      1ul << (port % BITS_PER_LONG), __ATOMIC_SEQ_CST);
}

/*
 * Unmask. Xen sets a port's selector bit (and upcall_pending) only when
 * the port becomes pending while unmasked, so an event that arrived while
 * masked sits in pending[] unannounced. We clear the mask ourselves (no
 * hypercall in the common case) and then look: if the port is pending,
 * someone must announce it on the vCPU it is bound to. Only Xen can do
 * that correctly for any vCPU and either upcall mode (for the per-vCPU
 * vector, setting upcall_pending by hand would inject nothing), so we put
 * the mask back and let EVTCHNOP_unmask clear it and notify. Xen's unmask
 * acts only if the mask bit was set, hence the re-mask.
 */
static void
l2_unmask(evtchn_port_t port)
{
    unsigned long bit = 1ul << (port % BITS_PER_LONG);
    unsigned int w = port / BITS_PER_LONG;

    /* Locked: a full barrier, so the clear is visible before we read
     * pending (Xen sets pending, then reads the mask). */
    __atomic_fetch_and(&shared_info->evtchn_mask[w], ~bit, __ATOMIC_SEQ_CST);
    if ( __atomic_load_n(&shared_info->evtchn_pending[w], __ATOMIC_SEQ_CST) &
         bit )
    {
        __atomic_fetch_or(&shared_info->evtchn_mask[w], bit, __ATOMIC_SEQ_CST);
        evtchn_xen_unmask(port);
    }
}

static void
l2_bind_cpu(evtchn_port_t port, unsigned int cpu, bool bound)
{
    unsigned long bit = 1ul << (port % BITS_PER_LONG);
    unsigned long *word = &mine[cpu][port / BITS_PER_LONG];

    if ( bound )
        __atomic_fetch_or(word, bit, __ATOMIC_SEQ_CST);
    else
        __atomic_fetch_and(word, ~bit, __ATOMIC_SEQ_CST);
}

static void
l2_handle_events(unsigned int cpu)
{
    struct evtchn_2l_bitmaps b = {
        .sel = (unsigned long *)&vcpu_info(cpu)->evtchn_pending_sel,
        .pending = (unsigned long *)shared_info->evtchn_pending,
        .mask = (const unsigned long *)shared_info->evtchn_mask,
        .mine = mine[cpu],
        .nwords = WORDS,
    };
    long port;

    while ( (port = evtchn_2l_scan_next(&scans[cpu], &b)) >= 0 )
        evtchn_dispatch(cpu, port);
}

static void
l2_describe_port(evtchn_port_t port, char *buf, size_t n)
{
    unsigned int w = port / BITS_PER_LONG, cpu = evtchn_port_cpu(port);
    unsigned long bit = 1ul << (port % BITS_PER_LONG);
    struct vcpu_info *vi = vcpu_info(cpu);
    unsigned long pending, masked, sel = 0;

    pending =
        __atomic_load_n(&shared_info->evtchn_pending[w], __ATOMIC_RELAXED);
    masked = __atomic_load_n(&shared_info->evtchn_mask[w], __ATOMIC_RELAXED);
    if ( vi )
        sel = __atomic_load_n(&vi->evtchn_pending_sel, __ATOMIC_RELAXED);
    snprintf(buf, n, "2-level: pending %d masked %d; vCPU %u selector 0x%lx",
             !!(pending & bit), !!(masked & bit), cpu, sel);
}

const struct evtchn_abi_ops evtchn_2l_ops = {
    .name = "2-level",
    .abi = EVTCHN_ABI_2L,
    .init = l2_init,
    .resume = l2_resume,
    .max_ports = l2_max_ports,
    .setup_port = l2_setup_port,
    .mask = l2_mask,
    .unmask = l2_unmask,
    .bind_cpu = l2_bind_cpu,
    .handle_events = l2_handle_events,
    .describe_port = l2_describe_port,
};
