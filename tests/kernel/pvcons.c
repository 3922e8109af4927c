/* SPDX-License-Identifier: MIT */
/*
 * pvcons.c - self-test of PV console input (drivers/console/xen_pvcons.c,
 * ring code in kernel/lib/byte_ring.c): the guest prints a request
 * line carrying a fresh token and must read back, through the console's
 * `in` ring, the line "XENLING-INPUT-REPLY <token>". On tier 2 the dom0
 * /init answers (tools/tier2/init, protocol in tools/tier2/README.md); by
 * hand, type the reply into `xl console` before the wait runs out (see
 * REPLY_NS). Input arrives by interrupt (the console's event channel).
 * Without a PV console (no Xen, or dom0) the test SKIPs; a
 * domU that gets no reply FAILs. It needs someone to answer, so it never
 * runs by default (TEST_MANUAL): `make test` selects it on tier 2 with
 * tests=pvcons.*, where dom0 answers.
 */
#include <kernel.h>
#include <clock.h>
#include <console.h>
#include <hypervisor.h>
#include <ktest.h>
#include <xen_errno.h>
#include <arch/x86.h>

/* How long to wait for the reply: dom0 answered within 0.25-2.8 s on a
 * loaded tier 2; a person typing needs longer. */
#define REPLY_NS       (30 * NSEC_PER_SEC)
#define REPLY_LINE_MAX 80

/* Make a received line safe to print: anything unprintable becomes '?'. */
static void
printable(char *s)
{
    for ( ; *s; s++ )
        if ( *s < 0x20 || *s > 0x7e )
            *s = '?';
}

TEST_MANUAL(pvcons, input_roundtrip)
{
    char token[20], want[REPLY_LINE_MAX], line[REPLY_LINE_MAX];
    uint64_t t0, t1;
    int n;

    if ( !xen.present || xen.initial_domain )
        KTEST_SKIP("no PV console: not a Xen domU");
    /* A domU always has a PV console, and its input comes by interrupt. */
    ASSERT_TRUE(console_takes_input());
    console_input_flush(); /* an old keystroke must not pass for the reply */

    /* The clock makes a token no earlier run could have answered; the
     * dom0 side echoes it back. */
    t0 = clock_now_ns();
    snprintf(token, sizeof(token), "%llx",
             (unsigned long long)(rdtsc_ordered() ^ t0));
    snprintf(want, sizeof(want), "XENLING-INPUT-REPLY %s", token);
    printk("XENLING-INPUT-REQUEST %s\n", token);

    n = console_read_line(line, sizeof(line), REPLY_NS, false);
    t1 = clock_now_ns();
    printable(line);
    if ( n < 0 )
        printk(
            "    # pvcons: no reply line (%s) after %llu ms (partial line '%s')\n",
            xen_errno_name(n), (unsigned long long)((t1 - t0) / 1000000), line);
    else
        printk("    # pvcons: read '%s' after %llu ms, by interrupt\n", line,
               (unsigned long long)((t1 - t0) / 1000000));
    ASSERT_TRUE(n >= 0);
    if ( !EXPECT_STREQ(line, want) )
        printk("    # pvcons: expected '%s'\n", want);
}
