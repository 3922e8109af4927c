/* SPDX-License-Identifier: MIT */
/*
 * ipi.h - inter-processor interrupts between our own vCPUs, carried by
 * event channels (EVTCHNOP_bind_ipi ports), never by the emulated local
 * APIC's ICR. Each vCPU has one port per IPI kind; a "call function" IPI
 * runs fn(arg) on another CPU, a "reschedule" IPI pokes the (future)
 * scheduler. Code in kernel/xen/ipi/ipi.c; docs/smp.md explains the design.
 *
 * Every function returns 0 or a negative Xen errno, and prints why it
 * refused: -XEN_EINVAL for bad input (no function, cpu >= nr_cpus),
 * -XEN_ENODEV when the target CPU is offline or has no IPI ports (not on
 * Xen, or ipi_init() has not run).
 */
#ifndef XENLING_IPI_H
#define XENLING_IPI_H

#include <lib.h>

enum ipi_kind {
    IPI_CALL_FUNCTION, /* run the queued calls */
    IPI_RESCHEDULE,    /* count it, call the scheduler's hook */
    NR_IPI_KINDS,
};

/*
 * Bind NR_IPI_KINDS IPI ports for every online vCPU (the boot CPU binds
 * them for all: EVTCHNOP_bind_ipi names the vCPU to notify). Boot CPU,
 * once, after smp_init() and evtchn_init(). Returns 0, or a negative Xen
 * errno (printed): without event channels only calls on the calling CPU
 * itself work.
 */
int ipi_init(void);

/*
 * After a resume in a new domain: bind every ready vCPU's IPI ports again
 * (new numbers) and ring the call-function doorbell of any vCPU whose
 * queue still holds calls. Boot CPU, interrupts off, the other vCPUs
 * parked; after evtchn_resume(). Returns 0; panics if Xen refuses.
 */
int ipi_resume(void);
/*
 * Whether Xen still holds vCPU 0's IPI ports (EVTCHNOP_status): true in
 * the domain that suspended (a cancelled suspend), false in a new one or
 * without IPI ports. Any context.
 */
bool ipi_ports_held(void);
/* True once `cpu` is online and has its IPI ports. Any context. */
bool ipi_ready(unsigned int cpu);

/*
 * Run fn(arg) on CPU `cpu`, with interrupts disabled there, and if `wait`
 * return only after fn has returned (its stores are then visible to the
 * caller). Calls from one CPU to another start in the order they were
 * made (a call that waits may see later ones run meanwhile).
 * On the calling CPU itself, fn runs at once (interrupts disabled). Any
 * context, interrupts on or off: a caller that waits runs the calls
 * queued for its own CPU meanwhile, so two CPUs calling each other never
 * deadlock. Do not hold a lock that fn takes. A call without wait takes
 * a request from the caller's pool of 64; with all 64 still queued, it
 * waits for one (running its own queue meanwhile). Errors: see above.
 */
int smp_call_on(unsigned int cpu, void (*fn)(void *arg), void *arg, bool wait);

/*
 * Run fn(arg) once on every other online CPU, never on the caller, as
 * smp_call_on() does. Returns 0, or the first error: CPUs queued before
 * an error still run fn (exactly once), and are waited for if `wait`.
 */
int smp_call_on_others(void (*fn)(void *arg), void *arg, bool wait);

/*
 * Ask CPU `cpu` (the caller too) to reschedule: its reschedule handler
 * counts the event and calls the hook, if one is set. Sends that arrive
 * while one is still pending are one event, as with any event channel.
 * Any context.
 */
int smp_send_reschedule(unsigned int cpu);

/*
 * The scheduler's hook, run on the target CPU by each reschedule event,
 * interrupts disabled (NULL: none). Any context; the new hook is used by
 * events handled after this returns. Returns the hook it replaces, so a
 * temporary user (a test) can put it back.
 */
typedef void (*ipi_resched_hook_t)(void);
ipi_resched_hook_t ipi_set_reschedule_hook(ipi_resched_hook_t hook);

/* Per-CPU counters, for tests and benchmarks (each written only by its
 * own CPU). */
struct ipi_stats {
    uint64_t calls_run;   /* functions run from the queue */
    uint64_t call_events; /* call-function events handled */
    uint64_t doorbells;   /* call-function events this CPU sent */
    uint64_t reschedules; /* reschedule events handled */
};
void ipi_get_stats(unsigned int cpu, struct ipi_stats *out);

#endif
