/* SPDX-License-Identifier: MIT */
/*
 * test_xen_errno.c - host tests of the error convention
 * (kernel/lib/xen_errno.c): names for Xen's errnos, either sign, and the
 * hypercall-result helper passing results through unchanged.
 */
#include <ktest.h>
#include <xen_errno.h>

TEST(xen_errno, names_either_sign)
{
    EXPECT_STREQ(xen_errno_name(-XEN_ENOENT), "ENOENT");
    EXPECT_STREQ(xen_errno_name(XEN_EAGAIN), "EAGAIN");
    EXPECT_STREQ(xen_errno_name(-XEN_EACCES), "EACCES");
    EXPECT_STREQ(xen_errno_name(-XEN_ENOSPC), "ENOSPC");
    EXPECT_STREQ(xen_errno_name(0), "OK");
    EXPECT_STREQ(xen_errno_name(-100000), "E?");
}

TEST(xen_errno, check_passes_results_through)
{
    EXPECT_EQ(xen_check(0, "op %d", 1), 0);
    EXPECT_EQ(xen_check(7, "op %d", 2), 7);
    EXPECT_EQ(xen_check(-XEN_EINVAL, "op %d", 3), -XEN_EINVAL);
}
