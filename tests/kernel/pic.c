/* SPDX-License-Identifier: MIT */
/*
 * pic.c - self-test that the legacy 8259s are masked where they exist
 * (plain QEMU): with interrupts enabled for longer than the PIT's period
 * (55 ms), its IRQ 0 must not arrive, least of all on vector 8 where it
 * would pass for a double fault.
 */
#include <kernel.h>
#include <hypervisor.h>
#include <ktest.h>
#include <arch/x86.h>

TEST(pic, legacy_pic_masked)
{
    uint64_t start;
    unsigned long spins = 0;

    if ( xen.present )
        KTEST_SKIP("Xen PVH: no legacy PIC");
    EXPECT_EQ(inb(0x21), 0xff); /* interrupt mask registers read back */
    EXPECT_EQ(inb(0xa1), 0xff);
    /* An unmasked IRQ 0 would panic here as "double fault". About 200 ms
     * at QEMU's TSC rate; bounded by iterations too. */
    start = rdtsc_ordered();
    irq_enable();
    while ( rdtsc_ordered() - start < 500000000ull && ++spins < 100000000ul )
        cpu_relax();
    irq_disable();
    EXPECT_GT(spins, 0ul);
}
