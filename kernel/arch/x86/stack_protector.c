/* SPDX-License-Identifier: MIT */
/*
 * stack_protector.c - the canary behind gcc's -fstack-protector-strong
 * (docs/hardening.md). Every function with a local array or an address-
 * taken local stores __stack_chk_guard below its return address on entry
 * and compares it on return; a mismatch calls __stack_chk_fail(). The
 * Makefile picks -mstack-protector-guard=global: gcc's default reads the
 * canary at %fs:40, but Xenling's FS base is 0 (per-CPU data uses GS),
 * and a GS-relative canary would fault on an AP before its GS base is
 * set. The value is random per boot (RDRAND, else a mix of TSC reads),
 * set first thing in kernel_main, and read-only from paging_init on.
 */
#include <kernel.h>
#include <percpu.h>
#include <traps.h>
#include <arch/x86.h>

/* Written once by canary_init (under the boot page tables, which map
 * everything writable), then read-only: the section is mapped R. */
uint64_t __stack_chk_guard __ro_after_init;

static const char *source = "none";

/* One RDRAND, retried as the SDM advises when it reports no data (CF 0). */
static bool
rdrand64(uint64_t *v)
{
    unsigned int tries;

    for ( tries = 0; tries < 10; tries++ )
    {
        bool ok;

        asm volatile("rdrand %0" : "=r"(*v), "=@ccc"(ok));
        if ( ok )
            return true;
    }
    return false;
}

/* A 64-bit mixing function (the splitmix64 finalizer). */
static uint64_t
mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

/* No canary of its own (see the prototype in kernel.h). */
void
canary_init(void)
{
    uint32_t a, b, c, d;
    uint64_t v = 0;
    unsigned int i;

    cpuid(1, &a, &b, &c, &d);
    if ( (c & CPUID1_ECX_RDRAND) && rdrand64(&v) )
        source = "RDRAND";
    else
    {
        /* No RDRAND: the low bits of TSC reads around CPUID (which traps
         * to the hypervisor, if any) jitter from boot to boot. */
        for ( i = 0; i < 16; i++ )
        {
            cpuid(0, &a, &b, &c, &d);
            v = mix64(v ^ rdtsc_ordered());
        }
        source = "TSC jitter";
    }
    /* A zero low byte stops a string copy from writing the canary back. */
    __stack_chk_guard = v & ~0xffull;
}

const char *
canary_source(void)
{
    return source;
}

/*
 * Called by a protected function whose canary changed: its stack frame
 * was overrun. A test may expect it (trap_expect_fault for #UD): then
 * it traps there, and the expected-fault handler resumes the test.
 */
void __noreturn
__stack_chk_fail(void)
{
    if ( trap_fault_expected(VEC_UD) )
        asm volatile("ud2");
    panic(
        "stack smashing: the canary of the function that would return to %p was overwritten (a local array overran its frame)",
        __builtin_return_address(0));
}
