/* SPDX-License-Identifier: MIT */
/*
 * fault.c - the fault-injection hooks of include/fault.h, all off. Only
 * tests set them; the code paths they bend read them.
 */
#include <fault.h>

bool fault_upcall_too_early;
long (*fault_vcpu_op)(int cmd, unsigned int vcpu, void *arg);
long (*fault_memory_op)(unsigned int cmd, void *arg);
uint64_t fault_timer_early_ns[MAX_CPUS];
bool fault_shutdown_returns;
bool fault_exit_hangs;
void (*fault_control_shutdown)(unsigned int reason);
