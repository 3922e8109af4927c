/* SPDX-License-Identifier: MIT */
/*
 * evtchn.h - the event-channel API every driver and subsystem uses. No
 * caller touches the pending/mask bitmaps or FIFO queues: binding,
 * sending, masking and dispatch all go through here (kernel/xen/evtchn*.c).
 *
 * Events arrive through the vector callback (per-vCPU upcall vector, or
 * the global HVM_PARAM_CALLBACK_IRQ vector) and are dispatched to the
 * handler bound to the port, on the vCPU the port is bound to, with
 * interrupts disabled. Every function returns 0 or a negative Xen errno
 * (XEN_EINVAL, ...), and prints why on refusal.
 */
#ifndef XENLING_EVTCHN_H
#define XENLING_EVTCHN_H

#include <lib.h>
#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/errno.h>

typedef void (*evtchn_handler_t)(evtchn_port_t port, void *arg);

/* The IDT vector Xen raises for events (both upcall modes). */
#define EVTCHN_UPCALL_VECTOR 0xf3

enum evtchn_abi {
    EVTCHN_ABI_NONE,
    EVTCHN_ABI_2L,
    EVTCHN_ABI_FIFO,
};

/*
 * Map shared_info, pick the ABI (FIFO if Xen offers it, unless the command
 * line says evtchn=2l) and install the upcall (per-vCPU vector if offered,
 * unless upcall=global). Boot CPU, once, interrupts off. Returns 0, or a
 * negative value without Xen (event channels then stay unavailable).
 *
 * Command line: evtchn=2l forces the 2-level ABI, evtchn=fifo requires
 * FIFO; upcall=global forces HVM_PARAM_CALLBACK_IRQ, upcall=percpu
 * requires the per-vCPU vector. A required feature Xen lacks, or an
 * unknown value, leaves event channels unavailable (printed), never
 * silently something else.
 *
 * On success it ENABLES INTERRUPTS on the boot CPU (events arrive as
 * interrupts): everything after it in kernel_main runs with IF=1.
 */
int evtchn_init(const char *cmdline);

/*
 * Per-CPU part, for SMP bring-up: run it on CPU `cpu` itself, interrupts
 * off, before binding events to it. In per-vCPU upcall mode it enables
 * the local APIC and registers the upcall vector for that vCPU (FIFO
 * control blocks for every vCPU are set up by evtchn_init). Returns 0 or
 * a negative Xen errno (printed). If the vCPU's vcpu_info lives outside
 * shared_info, call vcpu_info_set() first.
 */
int evtchn_init_cpu(unsigned int cpu);
/*
 * After a resume in a new domain (kernel/resume.c): forget every port
 * (the new domain has none; each user binds its own again in its
 * _resume(), and gets new numbers), set the ABI up again (FIFO: control
 * blocks of every vCPU) and the global upcall vector. Each vCPU then runs
 * evtchn_init_cpu() on itself for its per-vCPU vector. Boot CPU, every
 * vCPU with interrupts off. Returns 0; panics if Xen refuses the ABI.
 */
int evtchn_resume(void);
enum evtchn_abi evtchn_abi(void);
bool evtchn_available(void);

/* Bind and allocate. On success *port is the new local port, unmasked,
 * with handler(port, arg) bound. */
int evtchn_bind_virq(unsigned int virq, unsigned int cpu,
                     evtchn_handler_t handler, void *arg, evtchn_port_t *port);
int evtchn_bind_ipi(unsigned int cpu, evtchn_handler_t handler, void *arg,
                    evtchn_port_t *port);
int evtchn_alloc_unbound(domid_t remote, evtchn_handler_t handler, void *arg,
                         evtchn_port_t *port);
int evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port,
                            evtchn_handler_t handler, void *arg,
                            evtchn_port_t *port);

/*
 * Attach handler(port, arg) to a port that exists already: one the
 * toolstack bound for us before we started, such as the PV console's or
 * xenstore's (their numbers come from HVM params, so they are checked
 * with EVTCHNOP_status: it must be an interdomain or unbound port of
 * ours). Delivered on `cpu`. Never closes the port on failure.
 */
int evtchn_bind_existing(evtchn_port_t port, unsigned int cpu,
                         evtchn_handler_t handler, void *arg);

/* Close a port we bound; its handler is gone when this returns. */
int evtchn_close(evtchn_port_t port);
int evtchn_send(evtchn_port_t port);
/* Deliver this port's events to `cpu` from now on. */
int evtchn_bind_vcpu(evtchn_port_t port, unsigned int cpu);
int evtchn_status(evtchn_port_t port, struct evtchn_status *out);

/* Unmask re-checks pending, so an event sent while masked is delivered. */
void evtchn_mask(evtchn_port_t port);
void evtchn_unmask(evtchn_port_t port);

/* Highest port number the current ABI allows, plus one. */
unsigned int evtchn_max_ports(void);

/* Ports bound through this API right now. */
unsigned int evtchn_ports_bound(void);

/* True if `port` is bound through this API now. Any context; a port being
 * bound or closed meanwhile may read either way. */
bool evtchn_port_bound(evtchn_port_t port);

/*
 * Interrupt balancing (kernel/xen/evtchn/evtchn_balance.c). evtchn_balance()
 * moves a device channel (interdomain, unbound or PIRQ) to the online
 * vCPU with the fewest bound ports, and returns that vCPU (>= 0), or a
 * negative Xen errno (printed): -XEN_EINVAL for a port we did not bind
 * or a VIRQ or IPI port, which are per-vCPU and stay put. Any context.
 * A heuristic: two balancing at once may both pick the same vCPU.
 */
int evtchn_balance(evtchn_port_t port);
/* Ports bound to vCPU `cpu` now, by our port table. Any context. */
unsigned int evtchn_ports_on(unsigned int cpu);
/* Print every bound port: number, vCPU and kind (as Xen reports them),
 * then the count per vCPU. Any context, interrupts on. */
void evtchn_report(void);

/*
 * FIFO only: deliver this port's events from queue `priority`
 * (EVTCHN_FIFO_PRIORITY_MAX = 0 is served first .. 15). Returns 0, or
 * -XEN_EOPNOTSUPP under the 2-level ABI, -XEN_EINVAL for a bad port or
 * priority (printed).
 */
int evtchn_set_priority(evtchn_port_t port, unsigned int priority);

/*
 * For diagnostics: one line about `port` in buf (n bytes): what the ABI's
 * shared memory says now (2-level: pending, masked, the vCPU's selector;
 * FIFO: the event word and the vCPU's READY bits) and our table's view.
 * Any context; reads only (kernel/xen/evtchn/evtchn_debug.c).
 */
void evtchn_describe_port(evtchn_port_t port, char *buf, size_t n);

/* Counters for tests and benchmarks. */
struct evtchn_stats {
    uint64_t upcalls;  /* vector callbacks taken */
    uint64_t events;   /* handler invocations */
    uint64_t spurious; /* pending ports with no handler */
    uint64_t busy_ns;  /* time in upcalls, while evtchn_time_upcalls */
};

/* Time every upcall into busy_ns (two TSC reads each, a trap to Xen
 * apiece under TCG: off unless a benchmark profiles). Atomic. */
extern bool evtchn_time_upcalls;
void evtchn_get_stats(unsigned int cpu, struct evtchn_stats *out);

#endif
