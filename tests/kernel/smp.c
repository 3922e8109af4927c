/* SPDX-License-Identifier: MIT */
/*
 * smp.c - self-tests of vCPU bring-up: every vCPU the domain has came
 * online, and the count agrees with what Xen says about each vCPU; a
 * vCPU that Xen initialised but would not start keeps its stack.
 */
#include <kernel.h>
#include <fault.h>
#include <hypervisor.h>
#include <ktest.h>
#include <mm.h>
#include <percpu.h>
#include <shared_info.h>
#include <smp.h>
#include <xen_errno.h>
#include <arch/x86.h>
#include <xen/hvm/hvm_vcpu.h>

TEST(smp, every_vcpu_online)
{
    unsigned int id, up = 0;

    if ( !xen.present )
        KTEST_SKIP("not running on Xen");
    for ( id = 0; id < MAX_CPUS; id++ )
    {
        long r = hypercall_vcpu_op(VCPUOP_is_up, id, NULL);

        if ( r < 0 )
            break;
        EXPECT_EQ(r, 1);             /* Xen says this vCPU runs */
        EXPECT_TRUE(cpu_online(id)); /* and it reported in to us */
        up++;
    }
    EXPECT_EQ(up, nr_cpus);
    EXPECT_EQ(cpus_online(), nr_cpus);
    printk("    # %u vCPUs online\n", cpus_online());
}

TEST(smp, per_cpu_blocks_point_at_themselves)
{
    unsigned int id;

    EXPECT_TRUE(this_cpu() == &cpus[0]);
    for ( id = 0; id < nr_cpus; id++ )
    {
        EXPECT_TRUE(cpus[id].self == &cpus[id]);
        EXPECT_EQ(cpus[id].id, id);
    }
}

TEST(smp, every_vcpu_has_its_own_registered_vcpu_info)
{
    unsigned int id;

    if ( !xen.present || !shared_info )
        KTEST_SKIP("no shared_info: not on Xen");
    for ( id = 0; id < nr_cpus; id++ )
    {
        const struct vcpu_info *vi = vcpu_info(id);

        if ( !cpu_online(id) )
            continue;
        ASSERT_TRUE(vi != NULL);
        /* Every vCPU registered its own, away from shared_info. */
        EXPECT_TRUE(vcpu_info_registered(id));
        EXPECT_FALSE(id < XEN_LEGACY_MAX_VCPUS &&
                     vi == &shared_info->vcpu_info[id]);
        EXPECT_EQ(vcpu_info_guard_broken(id), -1);
        /* Xen keeps each vCPU's time record in its vcpu_info: live only
         * where Xen really writes it. */
        EXPECT_NE(vi->time.tsc_to_system_mul, 0u);
        EXPECT_NE(vi->time.system_time, 0ull);
    }
}

/* A stand-in for Xen (fault_vcpu_op) that takes the context and then
 * refuses to start the vCPU. */
static unsigned int fake_calls;
static uint64_t fake_rsp;

static long
fake_up_fails(int cmd, unsigned int vcpu, void *arg)
{
    fake_calls++;
    if ( cmd == VCPUOP_initialise )
    {
        fake_rsp = ((vcpu_hvm_context_t *)arg)->cpu_regs.x86_64.rsp;
        return 0;
    }
    return cmd == VCPUOP_up ? -XEN_EINVAL : -XEN_ENOSYS;
}

/*
 * After VCPUOP_initialise succeeded, Xen holds a context whose stack
 * pointer is in the new stack: if VCPUOP_up then fails, that stack must
 * stay allocated (someone may still start the vCPU), not go back to the
 * allocator to be reused under Xen's feet.
 */
TEST(smp, failed_up_keeps_the_stack_xen_holds)
{
    unsigned int id;
    size_t before, after;
    int rc;

    /* A vCPU number that is not running, below 32. */
    for ( id = 1; id < XEN_LEGACY_MAX_VCPUS && cpu_online(id); id++ )
        ;
    if ( id == XEN_LEGACY_MAX_VCPUS )
        KTEST_SKIP("every vCPU number below 32 is in use");
    fake_calls = 0;
    fake_rsp = 0;
    before = page_free_count();
    fault_vcpu_op = fake_up_fails;
    rc = smp_start_cpu(id);
    fault_vcpu_op = NULL;
    after = page_free_count();

    EXPECT_NE(rc, 0);
    EXPECT_EQ(fake_calls, 2u);
    EXPECT_FALSE(cpu_online(id));
    /* The stack and the unmapped guard page below it stay allocated. */
    EXPECT_EQ(before - after, (size_t)SMP_AP_STACK_PAGES + 1);
    /* Only the stand-in holds it: give it back for the leak check. */
    if ( before - after == SMP_AP_STACK_PAGES + 1 && fake_rsp )
    {
        char *guard = (char *)(uintptr_t)(ALIGN_UP(fake_rsp, PAGE_SIZE) -
                                          (SMP_AP_STACK_PAGES + 1) * PAGE_SIZE);

        paging_unguard_page(guard);
        page_free_n(guard, SMP_AP_STACK_PAGES + 1);
    }
}

/* The guard check must notice a changed word on either side of a
 * vcpu_info, and name which one. Interrupts stay off while a guard is
 * broken, so this vCPU's upcall cannot panic on it meanwhile. */
TEST(smp, vcpu_info_guards_notice_an_overwrite)
{
    unsigned int cpu = smp_processor_id();
    volatile uint64_t *vi;
    unsigned long flags;
    uint64_t below, above;
    int lo, hi, after;

    if ( !xen.present || !shared_info || !vcpu_info_registered(cpu) )
        KTEST_SKIP("no registered vcpu_info: not on Xen");
    vi = (volatile uint64_t *)vcpu_info(cpu);
    flags = irq_save();
    below = vi[-1];
    vi[-1] = below ^ 0x100;
    lo = vcpu_info_guard_broken(cpu);
    vi[-1] = below;
    above = vi[8];
    vi[8] = above ^ 1;
    hi = vcpu_info_guard_broken(cpu);
    vi[8] = above;
    after = vcpu_info_guard_broken(cpu);
    irq_restore(flags);
    EXPECT_EQ(lo, 3); /* guard_lo[3], just below the vcpu_info */
    EXPECT_EQ(hi, 4); /* guard_hi[0], just above it */
    EXPECT_EQ(after, -1);
}
