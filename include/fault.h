/* SPDX-License-Identifier: MIT */
/*
 * fault.h - fault-injection hooks, for tests only. Each one makes a
 * single code path behave as if Xen had refused a call, or as if an event
 * arrived before its set-up was done, so that the error path can be
 * tested against the real Xen. All are off (zero) unless a test sets one,
 * and the test clears it again. Defined in kernel/fault.c.
 */
#ifndef XENLING_FAULT_H
#define XENLING_FAULT_H

#include <lib.h>
#include <percpu.h>

/*
 * evtchn_do_upcall() (kernel/xen/evtchn.c) behaves as if the event-channel
 * ABI were not set up yet on this vCPU. Set with interrupts off, around
 * a direct call of evtchn_do_upcall().
 */
extern bool fault_upcall_too_early;

/*
 * When set, vCPU bring-up (smp_start_cpu(), kernel/arch/x86/smpboot.c)
 * calls this instead of the VCPUOP_initialise and VCPUOP_up hypercalls,
 * so a test can make Xen's answer fail without a real vCPU.
 */
extern long (*fault_vcpu_op)(int cmd, unsigned int vcpu, void *arg);

/*
 * When set, shared_info_init() (kernel/xen/hypervisor/shared_info.c)
 * calls this instead of the XENMEM_add_to_physmap hypercall.
 */
extern long (*fault_memory_op)(unsigned int cmd, void *arg);

/*
 * Xen's single-shot timer may fire up to its slop before the deadline it
 * was given. When fault_timer_early_ns[cpu] is set, the next deadline
 * that CPU hands Xen (kernel/xen/time/timer.c) is that much earlier than
 * the one recorded as armed, so its VIRQ finds nothing due; that one call
 * clears it again.
 */
extern uint64_t fault_timer_early_ns[MAX_CPUS];

/*
 * The end of a domU's run (machine_exit, kernel/panic.c): as if
 * SCHEDOP_shutdown had returned (its fallbacks must end the domain), or
 * as if the end hung after the verdict (Xen's domain watchdog must). Set
 * from the command line (fault_shutdown_returns, fault_exit_hangs) by
 * selftest_run(), as they act after the tests.
 */
extern bool fault_shutdown_returns;
extern bool fault_exit_hangs;

/*
 * The toolstack's poweroff/reboot request (kernel/xen/control/control.c):
 * when set, called with the SHUTDOWN_* reason instead of machine_shutdown,
 * in the xenstore thread, so a test sees what the guest did before it
 * would have ended (the acknowledgement) and the run goes on.
 */
extern void (*fault_control_shutdown)(unsigned int reason);

#endif
