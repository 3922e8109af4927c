/* SPDX-License-Identifier: MIT */
/*
 * smp.c - self-tests of vCPU bring-up: every vCPU the domain has came
 * online, and the count agrees with what Xen says about each vCPU.
 */
#include <kernel.h>
#include <hypervisor.h>
#include <ktest.h>
#include <percpu.h>
#include <shared_info.h>
#include <smp.h>

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
