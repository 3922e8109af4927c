/* SPDX-License-Identifier: MIT */
/*
 * evtchn_abi.h - inside the event-channel code only: what the core
 * (kernel/xen/evtchn/evtchn.c) needs from an event-channel ABI (2-level in
 * kernel/xen/evtchn/evtchn_2l.c, FIFO in kernel/xen/evtchn/evtchn_fifo.c) and from the
 * vector callback (kernel/xen/evtchn/upcall.c), and what they call back. Drivers
 * use include/evtchn.h, never this.
 */
#ifndef XENLING_EVTCHN_ABI_H
#define XENLING_EVTCHN_ABI_H

#include <evtchn.h>
#include <arch/lapic.h>

/*
 * Ports the FIFO ABI handles here: the port table and the event array
 * are sized for this many (4x the 2-level limit), not the ABI's 2^17.
 */
#define EVTCHN_FIFO_MAX_PORTS 16384

struct evtchn_abi_ops {
    const char *name;
    enum evtchn_abi abi;
    /* Boot CPU, once, before any port is bound: 0 or -errno (printed). */
    int (*init)(void);
    /* Ports this ABI handles: valid ports are 1 .. max_ports() - 1. */
    unsigned int (*max_ports)(void);
    /* Make a port Xen just allocated usable (FIFO: grow the event array
     * to cover it). Caller holds evtchn_lock. 0 or -errno (printed). */
    int (*setup_port)(evtchn_port_t port);
    /* Mask and unmask. Unmask delivers an event that arrived while the
     * port was masked, on the vCPU the port is bound to. Any context. */
    void (*mask)(evtchn_port_t port);
    void (*unmask)(evtchn_port_t port);
    /* The port's events go to `cpu` from now on (bound true) or no longer
     * (false). Caller holds evtchn_lock, with the port masked. */
    void (*bind_cpu)(evtchn_port_t port, unsigned int cpu, bool bound);
    /* After a resume in a new domain: every port masked, nothing bound,
     * per-vCPU state reset (FIFO: control blocks registered again, the
     * event array handed out again as ports grow). Caller holds
     * evtchn_lock, every vCPU has interrupts off. 0 or -errno. */
    int (*resume)(void);
    /* Deliver every pending event of vCPU `cpu` through evtchn_dispatch().
     * Only from that vCPU's upcall, interrupts disabled. */
    void (*handle_events)(unsigned int cpu);
    /* For diagnostics: what the shared memory says about the port now
     * (pending, masked, ...), as text in buf. Reads only; any context. */
    void (*describe_port)(evtchn_port_t port, char *buf, size_t n);
};

extern const struct evtchn_abi_ops evtchn_2l_ops;
extern const struct evtchn_abi_ops evtchn_fifo_ops;

/* From the core, for the ABIs. */

/* Run the handler of `port` (an event already claimed for vCPU `cpu`).
 * Only from handle_events. */
void evtchn_dispatch(unsigned int cpu, evtchn_port_t port);
/* The vCPU `port` is bound to (stale for a free port). Any context. */
unsigned int evtchn_port_cpu(evtchn_port_t port);
/* True if evtchn_mask() masked the port (the driver wants it masked). */
bool evtchn_port_masked(evtchn_port_t port);
/* EVTCHNOP_unmask: Xen unmasks the port and, if it is pending, notifies
 * the vCPU it is bound to. Prints on failure. Any context. */
void evtchn_xen_unmask(evtchn_port_t port);

/* The upcall (kernel/xen/evtchn/upcall.c). */

enum upcall_mode {
    UPCALL_AUTO,   /* per-vCPU if Xen offers it, else global */
    UPCALL_GLOBAL, /* HVM_PARAM_CALLBACK_IRQ, vector type */
    UPCALL_PERCPU, /* HVMOP_set_evtchn_upcall_vector, local APIC */
};

/*
 * Claim EVTCHN_UPCALL_VECTOR and tell Xen to use it, in the mode asked
 * for (UPCALL_AUTO: per-vCPU if offered). A mode Xen does not offer is an
 * error, never a silent fallback. Boot CPU, once, interrupts disabled.
 * Returns 0 or -errno (printed).
 */
int upcall_init(enum upcall_mode want);
/* Per-vCPU mode: enable this CPU's local APIC and register the vector
 * for vCPU `cpu`; nothing in global mode. On that CPU, interrupts off. */
int upcall_init_cpu(unsigned int cpu);
/* After a resume in a new domain: the global vector's HVM param again
 * (nothing in per-vCPU mode). Boot CPU, interrupts off. 0 or -errno. */
int upcall_resume(void);
/*
 * Read evtchn= (into want_abi: "", "2l", "fifo") and upcall= (into *mode)
 * from the command line. Returns 0, or -XEN_EINVAL (printed) for an
 * unknown value. Boot CPU, from evtchn_init.
 */
int evtchn_parse_cmdline(const char *cmdline, char want_abi[8],
                         enum upcall_mode *mode);
/* The mode in use: "per-vCPU vector", "global vector" or "none". */
const char *upcall_mode_name(void);

/* The body of the upcall: clear the flag, deliver, re-check. In the
 * upcall only (interrupts disabled). */
void evtchn_do_upcall(void);

#endif
