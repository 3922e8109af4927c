/* SPDX-License-Identifier: MIT */
/*
 * probe.h - one-instruction memory probes for the fault tests
 * (tests/kernel/paging.c defines them). Their first instruction is the
 * access, so an expected fault armed with resume 0 (trap_expect_fault)
 * returns from the probe as if it had finished.
 */
#ifndef XENLING_TESTS_PROBE_H
#define XENLING_TESTS_PROBE_H

/* Write the byte 0x90 to p. */
void probe_write(volatile void *p);
/* Read one byte at p. */
void probe_read(const volatile void *p);

#endif
