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

TEST(smp, every_vcpu_has_a_live_vcpu_info)
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
        /* The first 32 use their slot in shared_info; the rest have no
         * slot and must have registered their own. */
        if ( id < XEN_LEGACY_MAX_VCPUS )
            EXPECT_TRUE(vi == &shared_info->vcpu_info[id]);
        else
            EXPECT_TRUE(vcpu_info_registered(id));
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

    /* A vCPU number that is not running, below 32 (no vcpu_info to
     * register). */
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
    EXPECT_EQ(before - after, (size_t)SMP_AP_STACK_PAGES);
    /* Only the stand-in holds it: give it back for the leak check. */
    if ( before - after == SMP_AP_STACK_PAGES && fake_rsp )
        page_free_n((void *)(uintptr_t)(ALIGN_UP(fake_rsp, PAGE_SIZE) -
                                        SMP_AP_STACK_PAGES * PAGE_SIZE),
                    SMP_AP_STACK_PAGES);
}
