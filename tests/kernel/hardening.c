/* SPDX-License-Identifier: MIT */
/*
 * hardening.c - self-tests of the kernel's hardening (docs/hardening.md):
 * SMEP and SMAP are on where the CPU has them and really stop the kernel
 * from executing or touching a user page; every stack has an unmapped
 * guard page below it, and a real overflow faults there with a dump that
 * says so. The W^X and read-only page-table checks are in paging.c.
 */
#include <kernel.h>
#include <ipi.h>
#include <ktest.h>
#include <mm.h>
#include <percpu.h>
#include <sched.h>
#include <smp.h>
#include <traps.h>
#include <arch/x86.h>
#include "probe.h"

extern char boot_stack_guard[];

static const struct fault_expect *
last_fault(void)
{
    return &this_cpu()->fault;
}

static void
read_cr4_on(void *arg)
{
    ((unsigned long *)arg)[smp_processor_id()] = read_cr4();
}

TEST(hardening, smep_and_smap_on_every_cpu_when_offered)
{
    static unsigned long cr4[MAX_CPUS];
    unsigned long want = 0;
    uint32_t a, b, c, d;
    unsigned int cpu;

    cpuid(0, &a, &b, &c, &d);
    if ( a >= 7 )
    {
        cpuid_count(7, 0, &a, &b, &c, &d);
        want = (b & CPUID7_EBX_SMEP ? CR4_SMEP : 0) |
               (b & CPUID7_EBX_SMAP ? CR4_SMAP : 0);
    }
    if ( !want )
        KTEST_SKIP("the CPU offers neither SMEP nor SMAP");
    printk("    # CPU offers%s%s\n", want & CR4_SMEP ? " SMEP" : "",
           want & CR4_SMAP ? " SMAP" : "");
    memset(cr4, 0, sizeof(cr4));
    cr4[smp_processor_id()] = read_cr4();
    for ( cpu = 0; cpu < nr_cpus; cpu++ )
        if ( cpu != smp_processor_id() && cpu_online(cpu) && ipi_ready(cpu) )
            EXPECT_EQ(smp_call_on(cpu, read_cr4_on, cr4, true), 0);
    for ( cpu = 0; cpu < nr_cpus; cpu++ )
        if ( cr4[cpu] )
            EXPECT_EQ(cr4[cpu] & want, want);
}

TEST(hardening, smap_stops_kernel_reads_of_a_user_page)
{
    volatile uint8_t *user;
    unsigned long flags;
    uint8_t *page;
    uint8_t seen;

    if ( !(read_cr4() & CR4_SMAP) )
        KTEST_SKIP("SMAP is off (the CPU does not offer it)");
    page = page_alloc_zeroed();
    ASSERT_TRUE(page != NULL);
    page[5] = 0x5a;
    user = paging_user_window(page, false);
    trap_expect_fault(VEC_PF, 0);
    probe_read(user + 5);
    trap_expect_clear();
    EXPECT_TRUE(last_fault()->hit);
    EXPECT_EQ(last_fault()->cr2, (uint64_t)(uintptr_t)(user + 5));
    /* A present page, read by the kernel: only SMAP says no. */
    EXPECT_EQ(last_fault()->error_code & (PF_PRESENT | PF_USER | PF_WRITE),
              PF_PRESENT);
    /* With EFLAGS.AC set the same read is allowed (interrupts off, so
     * nothing else runs with AC set). */
    flags = irq_save();
    stac();
    seen = user[5];
    clac();
    irq_restore(flags);
    EXPECT_EQ(seen, 0x5a);
    paging_user_window(NULL, false);
    page_free(page);
}

TEST(hardening, smep_stops_kernel_execution_of_a_user_page)
{
    void (*fn)(void);
    uint8_t *page;

    if ( !(read_cr4() & CR4_SMEP) )
        KTEST_SKIP("SMEP is off (the CPU does not offer it)");
    page = page_alloc_zeroed();
    ASSERT_TRUE(page != NULL);
    page[0] = 0xc3; /* ret */
    fn = (void (*)(void))paging_user_window(page, true);
    trap_expect_fault(VEC_PF, 0);
    fn();
    trap_expect_clear();
    EXPECT_TRUE(last_fault()->hit);
    EXPECT_EQ(last_fault()->rip, (uint64_t)(uintptr_t)fn);
    EXPECT_EQ(last_fault()->error_code & (PF_PRESENT | PF_FETCH | PF_USER),
              PF_PRESENT | PF_FETCH);
    paging_user_window(NULL, false);
    page_free(page);
}

static void
nothing_fn(void *arg)
{}

TEST(hardening, stack_guard_pages_are_unmapped)
{
    char note[160];
    struct thread *th;
    char *guard;

    /* The boot stack's, set up once at boot. */
    EXPECT_TRUE(paging_is_guard((uintptr_t)boot_stack_guard));
    trap_expect_fault(VEC_PF, 0);
    probe_read(boot_stack_guard + 100);
    trap_expect_clear();
    EXPECT_TRUE(last_fault()->hit);
    EXPECT_EQ(last_fault()->cr2, (uint64_t)(uintptr_t)(boot_stack_guard + 100));
    EXPECT_EQ(last_fault()->error_code & PF_PRESENT, 0);
    EXPECT_TRUE(trap_stack_guard_note((uintptr_t)boot_stack_guard + 100, note,
                                      sizeof(note)));
    EXPECT_EQ(strncmp(note, "stack guard page hit", 20), 0);

    /* A thread's, from its creation until it is joined. */
    if ( !thread_self() )
        KTEST_SKIP("no threads before sched_init");
    th = thread_create("guarded", nothing_fn, NULL, smp_processor_id());
    ASSERT_TRUE(th != NULL);
    guard = (char *)th->stack - PAGE_SIZE;
    EXPECT_TRUE(paging_is_guard((uintptr_t)guard + PAGE_SIZE - 1));
    EXPECT_FALSE(paging_is_guard((uintptr_t)th->stack));
    trap_expect_fault(VEC_PF, 0);
    probe_write(guard + PAGE_SIZE - 8);
    trap_expect_clear();
    EXPECT_TRUE(last_fault()->hit);
    EXPECT_EQ(last_fault()->cr2, (uint64_t)(uintptr_t)(guard + PAGE_SIZE - 8));
    EXPECT_EQ(thread_join(th), 0);
    EXPECT_FALSE(paging_is_guard((uintptr_t)guard));
    EXPECT_FALSE(trap_stack_guard_note((uintptr_t)guard, note, sizeof(note)));
}

/* The overflow test's state: written by the overflowing thread, read by
 * the test after joining it. */
static struct {
    uint64_t guard_word; /* the stack's lowest word, to put back */
    uint64_t *stack;
    unsigned long depth;
    bool noted;     /* trap_stack_guard_note() recognized the guard */
    char note[160]; /* and what the dump would have said */
} ovf;

#define OVERFLOW_CAUGHT 0x0f

/* Where the double fault resumes: on a fresh stack pointer near the top
 * of the thread's stack. The overflow ran through the guard word on its
 * way down; put it back so the switch away does not panic on it. */
static void __noreturn
overflow_landing(void)
{
    *(volatile uint64_t *)ovf.stack = ovf.guard_word;
    ovf.noted = trap_stack_guard_note(this_cpu()->fault.cr2, ovf.note,
                                      sizeof(ovf.note));
    thread_exit(OVERFLOW_CAUGHT);
}

static bool
contains(const char *s, const char *part)
{
    size_t n = strlen(part);

    for ( ; *s; s++ )
        if ( strncmp(s, part, n) == 0 )
            return true;
    return false;
}

/* Far deeper than any stack: the guard page ends the recursion. */
static volatile unsigned long recurse_limit = 1ul << 30;

static unsigned long __attribute__((noinline)) recurse(unsigned long depth)
{
    volatile uint8_t pad[200];

    if ( depth >= recurse_limit )
        return 0;
    pad[0] = depth;
    ovf.depth = depth;
    /* Not a tail call: the result is used after it returns. */
    return recurse(depth + 1) + pad[0];
}

static void
overflow_fn(void *arg)
{
    struct thread *me = thread_self();
    uint64_t top = (uintptr_t)me->stack + THREAD_STACK_PAGES * PAGE_SIZE;

    ovf.stack = me->stack;
    ovf.guard_word = *(uint64_t *)me->stack;
    /* Resume 8 below a 16-byte boundary, as at a function's entry. */
    trap_expect_fault_stack(VEC_DF, (uintptr_t)overflow_landing, top - 264);
    recurse(0);
}

/*
 * Run a thread off the bottom of its stack: the call that crosses into
 * the guard page faults, delivering that #PF needs the same stack and
 * faults again, and the CPU raises a double fault on its own IST stack,
 * with CR2 in the guard page.
 */
TEST(hardening, stack_overflow_faults_on_the_guard_page)
{
    const struct fault_expect *fx = &cpus[smp_processor_id()].fault;
    struct thread *th;
    char *guard;

    if ( !thread_self() )
        KTEST_SKIP("no threads before sched_init");
    memset(&ovf, 0, sizeof(ovf));
    th = thread_create("overflow", overflow_fn, NULL, smp_processor_id());
    ASSERT_TRUE(th != NULL);
    guard = (char *)th->stack - PAGE_SIZE;
    EXPECT_EQ(thread_join(th), OVERFLOW_CAUGHT);
    printk("    # recursion depth %lu; double fault at rip %llx, cr2 %llx\n",
           ovf.depth, (unsigned long long)fx->rip, (unsigned long long)fx->cr2);
    EXPECT_TRUE(fx->hit);
    EXPECT_EQ(fx->hit_vector, VEC_DF);
    EXPECT_EQ(ALIGN_DOWN(fx->cr2, PAGE_SIZE), (uint64_t)(uintptr_t)guard);
    EXPECT_GT(ovf.depth, 10ul);
    /* What the dump prints for this fault (trap_dump). */
    printk("    # %s\n", ovf.note);
    EXPECT_TRUE(ovf.noted);
    EXPECT_EQ(strncmp(ovf.note, "stack guard page hit", 20), 0);
    EXPECT_TRUE(contains(ovf.note, "(overflow), which overflowed"));
    EXPECT_FALSE(paging_is_guard((uintptr_t)guard)); /* freed by join */
}

/* Not run by default, and in a suite of its own so that tests=hardening.*
 * does not pick it: what an unexpected overflow looks like (the dump with
 * "stack guard page hit", then a panic). tools/test-faults.sh runs it. */
static void
overflow_unexpected_fn(void *arg)
{
    recurse(0);
}

TEST_MANUAL(crash, stack_overflow_dump)
{
    struct thread *th;

    if ( !thread_self() )
        KTEST_SKIP("no threads before sched_init");
    th = thread_create("overflow", overflow_unexpected_fn, NULL,
                       smp_processor_id());
    ASSERT_TRUE(th != NULL);
    thread_join(th); /* never returns: the overflow panics */
    EXPECT_TRUE(false);
}

extern uint64_t __stack_chk_guard;
void __stack_chk_fail(void);

#define SMASH_CAUGHT 0x5c

static void __noreturn
smash_landing(void)
{
    thread_exit(SMASH_CAUGHT);
}

/* Overruns its own array up to its frame pointer: over the canary, which
 * gcc puts between the locals and the saved registers. It never returns
 * normally, so the saved registers it also hits do not matter. */
static void __attribute__((noinline)) smash_own_canary(void)
{
    volatile uint8_t buf[16];
    volatile uint8_t *p = buf;
    size_t n = (uint8_t *)__builtin_frame_address(0) - (uint8_t *)buf, i;

    for ( i = 0; i < n; i++ )
        p[i] = 0xa5;
}

static void
smash_fn(void *arg)
{
    struct thread *me = thread_self();
    uint64_t top = (uintptr_t)me->stack + THREAD_STACK_PAGES * PAGE_SIZE;

    /* __stack_chk_fail traps on ud2 when #UD is expected; resume on a
     * fresh stack pointer, as the smashed frame is unusable. */
    trap_expect_fault_stack(VEC_UD, (uintptr_t)smash_landing, top - 264);
    smash_own_canary();
    trap_expect_clear(); /* not reached if the check works */
}

TEST(hardening, smashed_canary_is_caught)
{
    const struct fault_expect *fx = &cpus[smp_processor_id()].fault;
    struct thread *th;

    EXPECT_NE(__stack_chk_guard, 0ull);
    EXPECT_EQ(__stack_chk_guard & 0xff, 0ull); /* the terminator byte */
    if ( !thread_self() )
        KTEST_SKIP("no threads before sched_init");
    th = thread_create("smash", smash_fn, NULL, smp_processor_id());
    ASSERT_TRUE(th != NULL);
    EXPECT_EQ(thread_join(th), SMASH_CAUGHT);
    EXPECT_TRUE(fx->hit);
    EXPECT_EQ(fx->hit_vector, VEC_UD);
    EXPECT_GE(fx->rip, (uint64_t)(uintptr_t)__stack_chk_fail);
    EXPECT_LT(fx->rip, (uint64_t)(uintptr_t)__stack_chk_fail + 64);
}

/* The canary is read-only after boot: a write faults. */
TEST(hardening, canary_is_read_only)
{
    uint64_t before = __stack_chk_guard;

    trap_expect_fault(VEC_PF, 0);
    probe_write(&__stack_chk_guard);
    trap_expect_clear();
    EXPECT_TRUE(last_fault()->hit);
    EXPECT_EQ(last_fault()->cr2, (uint64_t)(uintptr_t)&__stack_chk_guard);
    EXPECT_EQ(__stack_chk_guard, before);
}

/* Not run by default: print this boot's canary (run twice: they differ). */
TEST_MANUAL(hardening, print_canary)
{
    printk("    # stack canary this boot: %016llx (from %s)\n",
           (unsigned long long)__stack_chk_guard, canary_source());
    EXPECT_NE(__stack_chk_guard, 0ull);
}
