/* SPDX-License-Identifier: MIT */
/*
 * xen.c - self-tests of Xen detection: on Xen the CPUID signature was
 * found, the hypercall page works and agrees with CPUID; without Xen
 * these SKIP, and detection must not have claimed a Xen.
 */
#include <kernel.h>
#include <hypervisor.h>
#include <ktest.h>
#include <arch/x86.h>

TEST(xen, detect_matches_cpuid)
{
    uint32_t a, b, c, d;
    char sig[13];

    if ( !xen.present )
    {
        /* No Xen: no leaf in the usual place may carry the signature. */
        cpuid(0x40000000, &a, &b, &c, &d);
        memcpy(sig, &b, 4);
        memcpy(sig + 4, &c, 4);
        memcpy(sig + 8, &d, 4);
        sig[12] = '\0';
        EXPECT_TRUE(strcmp(sig, "XenVMMXenVMM") != 0);
        KTEST_SKIP("not running on Xen");
    }
    cpuid(xen.cpuid_base, &a, &b, &c, &d);
    memcpy(sig, &b, 4);
    memcpy(sig + 4, &c, 4);
    memcpy(sig + 8, &d, 4);
    sig[12] = '\0';
    EXPECT_STREQ(sig, "XenVMMXenVMM");
    EXPECT_EQ(xen.cpuid_base & 0xff, 0);
    EXPECT_GE(xen.major, 4);
}

TEST(xen, hypercall_version_matches_cpuid)
{
    long v;

    if ( !xen.present )
        KTEST_SKIP("not running on Xen");
    ASSERT_TRUE(xen.hypercalls);
    v = hypercall_xen_version(XENVER_version, NULL);
    EXPECT_EQ((unsigned long)v, ((unsigned long)xen.major << 16) | xen.minor);
}

TEST(xen, hypercall_rejects_bad_command)
{
    if ( !xen.present )
        KTEST_SKIP("not running on Xen");
    /* An unknown XENVER command must come back as an error, not 0. */
    EXPECT_LT(hypercall_xen_version(0x7fff, NULL), 0);
}

TEST(xen, extraversion_is_a_string)
{
    xen_extraversion_t extra;
    size_t n;

    if ( !xen.present )
        KTEST_SKIP("not running on Xen");
    memset(extra, 0xff, sizeof(extra));
    ASSERT_EQ(hypercall_xen_version(XENVER_extraversion, extra), 0);
    n = strnlen(extra, sizeof(extra));
    EXPECT_LT(n, sizeof(extra)); /* NUL-terminated by Xen */
    printk("    # Xen %u.%u%s\n", xen.major, xen.minor,
           n < sizeof(extra) ? extra : "?");
}
