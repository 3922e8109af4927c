/* SPDX-License-Identifier: MIT */
/*
 * paging.c - self-tests of the kernel page tables: W^X holds (a write to
 * text and an execute of data both fault), page 0 is unmapped, and the
 * page-fault handler sees the right CR2 and error code. On a Xen whose
 * CR2 emulation is broken under QEMU TCG (tools/README.md) the CR2
 * checks fail, as they should.
 */
#include <kernel.h>
#include <ktest.h>
#include <percpu.h>
#include <traps.h>
#include <arch/x86.h>

/* Probes whose first instruction may fault: the expected-fault handler
 * then "returns" from them (trap_expect_fault with resume 0). */
void probe_write(volatile void *p);
void probe_read(const volatile void *p);
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
