/* SPDX-License-Identifier: MIT */
/*
 * kernel.h - kernel-wide declarations: panic, symbols from the linker
 * script, the boot-time facts every subsystem may read.
 */
#ifndef XENLING_KERNEL_H
#define XENLING_KERNEL_H

#include <lib.h>

/* Linker-script symbols (kernel/kernel.ld). */
extern char __kernel_start[], __kernel_end[];
extern char __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[];
extern char __data_start[], __bss_start[], __bss_end[];

/*
 * Print the message (name the broken invariant, not just the place), a
 * backtrace, and end the run as a failure (machine_exit(false)).
 */
void panic(const char *fmt, ...) __printf(1, 2) __noreturn;

/*
 * End the run. On QEMU tiers (no Xen, or Xen with us as dom0) write the
 * isa-debug-exit port (QEMU exits 33 on pass, 35 on failure); as a Xen
 * domU, SCHEDOP_shutdown with poweroff (pass) or crash (failure). Never
 * returns; halts if nothing above ends the machine.
 */
void machine_exit(bool pass) __noreturn;

/*
 * End the domain as the toolstack or the user asked (not a test verdict):
 * SCHEDOP_shutdown with `reason` (SHUTDOWN_poweroff, _reboot, ...) as a
 * domU; on the QEMU tiers it is machine_exit(true). Never returns.
 */
void machine_shutdown(unsigned int reason) __noreturn;

/*
 * For the CPU that ends the run (panic(), the verdict): from now on its
 * printk never waits for ever for the console lock (it may hold it
 * itself, or a stuck CPU may): after a bounded wait it writes without
 * the lock, skipping the console whose write was running.
 */
void printk_final_mode(void);

/* Whether this CPU holds the console lock now (an NMI that interrupted
 * a line being written must not printk: it would wait for itself). */
bool printk_console_held_here(void);

/*
 * The verdict is next (selftest's before_verdict): from here to the end
 * of the machine nothing may hang. Puts this CPU's printk in final mode
 * and arms Xen's domain watchdog (SCHEDOP_watchdog): should the domain
 * still run EXIT_WATCHDOG_S seconds later, Xen shuts it down itself
 * (reason watchdog, never read as a pass).
 */
void machine_exit_begin(void);

/* Print a frame-pointer backtrace starting at rbp. */
void backtrace(unsigned long rbp);

/* Data written only during boot, before paging_init maps it read-only. */
#define __ro_after_init __attribute__((section(".data.ro_after_init")))

/*
 * Give the stack protector its per-boot random canary. The first call in
 * kernel_main, before any function with a canary runs (it must not have
 * one itself, nor its caller). Boot CPU, once.
 */
void canary_init(void) __attribute__((no_stack_protector));
/* Where the canary came from: "RDRAND" or "TSC jitter". */
const char *canary_source(void);

#endif
