/* SPDX-License-Identifier: MIT */
/*
 * paging.c - self-tests of the kernel page tables: W^X holds (a write to
 * text and an execute of data both fault), page 0 is unmapped, the page
 * tables themselves are read-only, no page is both writable and
 * executable or open to user mode, and the page-fault handler sees the
 * right CR2 and error code. On a Xen whose
 * CR2 emulation is broken under QEMU TCG (tools/README.md) the CR2
 * checks fail, as they should.
 */
#include <kernel.h>
#include <ktest.h>
#include <mm.h>
#include <percpu.h>
#include <smp.h>
#include <traps.h>
#include <arch/x86.h>
#include "probe.h"

asm(".pushsection .text\n"
    ".globl probe_write\n"
    "probe_write:\n\t"
    "movb $0x90, (%rdi)\n\t"
    "ret\n"
    ".globl probe_read\n"
    "probe_read:\n\t"
    "movb (%rdi), %al\n\t"
    "ret\n"
    ".popsection");

/* A "ret" instruction in writable data: calling it must fault under NX. */
static volatile uint8_t data_ret[16] __attribute__((aligned(16))) = { 0xc3 };

static const struct fault_expect *
last_fault(void)
{
    return &this_cpu()->fault;
}

TEST(paging, text_is_not_writable)
{
    volatile uint8_t *target = (volatile uint8_t *)(uintptr_t)probe_read;
    uint8_t before = *target;

    trap_expect_fault(VEC_PF, 0);
    probe_write(target);
    trap_expect_clear();
    EXPECT_TRUE(last_fault()->hit);
    EXPECT_EQ(last_fault()->cr2, (uint64_t)(uintptr_t)target);
    EXPECT_EQ(last_fault()->error_code & (PF_PRESENT | PF_WRITE),
              PF_PRESENT | PF_WRITE);
    EXPECT_EQ(*target, before); /* the write did not happen */
}

TEST(paging, rodata_is_not_writable)
{
    static const uint32_t constant = 0x12345678;

    trap_expect_fault(VEC_PF, 0);
    probe_write((volatile void *)&constant);
    trap_expect_clear();
    EXPECT_TRUE(last_fault()->hit);
    EXPECT_EQ(last_fault()->cr2, (uint64_t)(uintptr_t)&constant);
    EXPECT_EQ(constant, 0x12345678);
}

TEST(paging, data_is_not_executable)
{
    void (*fn)(void) = (void (*)(void))(uintptr_t)data_ret;

    if ( !(rdmsr(MSR_EFER) & EFER_NXE) )
        KTEST_SKIP("CPU without NX");
    trap_expect_fault(VEC_PF, 0);
    fn();
    trap_expect_clear();
    EXPECT_TRUE(last_fault()->hit);
    EXPECT_EQ(last_fault()->cr2, (uint64_t)(uintptr_t)data_ret);
    EXPECT_EQ(last_fault()->rip, (uint64_t)(uintptr_t)data_ret);
    EXPECT_EQ(last_fault()->error_code & (PF_PRESENT | PF_FETCH),
              PF_PRESENT | PF_FETCH);
}

TEST(paging, page_zero_is_unmapped)
{
    trap_expect_fault(VEC_PF, 0);
    probe_read((const volatile void *)(uintptr_t)8);
    trap_expect_clear();
    EXPECT_TRUE(last_fault()->hit);
    EXPECT_EQ(last_fault()->cr2, 8);
    EXPECT_EQ(last_fault()->error_code & PF_PRESENT, 0);
}

TEST(paging, data_is_writable)
{
    static volatile uint8_t scratch[64];

    trap_expect_fault(VEC_PF, 0);
    probe_write(&scratch[3]);
    trap_expect_clear();
    EXPECT_FALSE(last_fault()->hit);
    EXPECT_EQ(scratch[3], 0x90);
}

/* A write to a page-table page faults like one to text, and changes
 * nothing: both the PML4 and the table that maps this test's own data. */
TEST(paging, page_tables_are_read_only)
{
    static volatile uint8_t scratch;
    volatile uint64_t *tables[2] = {
        phys_to_virt(read_cr3() & ~0xfffull),
        (volatile uint64_t *)paging_table_of((const void *)&scratch),
    };
    unsigned int i;

    ASSERT_TRUE(tables[1] != NULL);
    for ( i = 0; i < ARRAY_SIZE(tables); i++ )
    {
        uint64_t before = tables[i][0];

        trap_expect_fault(VEC_PF, 0);
        probe_write(tables[i]);
        trap_expect_clear();
        EXPECT_TRUE(last_fault()->hit);
        EXPECT_EQ(last_fault()->cr2, (uint64_t)(uintptr_t)tables[i]);
        EXPECT_EQ(last_fault()->error_code & (PF_PRESENT | PF_WRITE),
                  PF_PRESENT | PF_WRITE);
        EXPECT_EQ(tables[i][0], before);
    }
}

/* Over every live mapping: W^X everywhere, nothing a user-mode access
 * could use (SMAP and SMEP have nothing to guard), every table read-only
 * but the paging window's, and the stack guard pages in place. */
TEST(paging, audit_wx_no_user_pages_tables_read_only)
{
    struct paging_audit a;

    paging_audit(&a);
    printk("    # paging: %lu tables, %lu mappings, %lu guard pages\n",
           a.tables, a.leaves, a.guard_pages);
    EXPECT_GT(a.leaves, 0ul);
    EXPECT_EQ(a.writable_exec, 0ul);
    EXPECT_EQ(a.user, 0ul);
    EXPECT_EQ(a.writable_tables, 1ul); /* the window's own page table */
    /* The boot stack's, every CPU's double-fault stack's, and each
     * started vCPU's start-up stack's, at least. */
    EXPECT_GE(a.guard_pages, 1ul + MAX_CPUS + (cpus_online() - 1));
}
