/* SPDX-License-Identifier: MIT */
/*
 * pvcons.c - self-test of PV console input (drivers/console/xen_pvcons.c,
 * ring code in kernel/lib/byte_ring.c): the guest prints a request
 * line carrying a fresh token and must read back, through the console's
 * `in` ring, the line "XENLING-INPUT-REPLY <token>". On tier 2 the dom0
 * /init answers (tools/tier2/init, protocol in tools/tier2/README.md); by
 * hand, type the reply into `xl console` before the wait runs out (see
 * REPLY_SPINS). Without a PV console (no Xen, or dom0) the test SKIPs; a
 * domU that gets no reply FAILs. It needs someone to answer, so it never
 * runs by default (TEST_MANUAL): `make test` selects it on tier 2 with
 * tests=pvcons.*, where dom0 answers.
 */
#include <kernel.h>
#include <console.h>
#include <hypervisor.h>
#include <ktest.h>
#include <arch/x86.h>

/*
 * How long to wait for the reply, in polls of the ring (there is no timer
 * yet). One poll is a read of in_prod, two fences and a PAUSE. Measured on
 * tier 2 (QEMU TCG, 2.6 GHz TSC, other QEMUs sharing the 2-core host):
 * 30 million polls took 5.9-14 s; the dom0's reply came after 0.9-1.8
 * million polls (0.25-2.8 s), a margin of over 15x. On hardware the
 * budget may last only a second or two.
 */
#define REPLY_SPINS    30000000ul
#define REPLY_LINE_MAX 80

/* Read and discard whatever is already queued, so an old keystroke cannot
 * pass for the reply. Returns xen_pvcons_read()'s -1 or 0. */
static int
drain_input(void)
{
    char junk[64];
    unsigned int i;
    int r = 0;

    /* Bounded: a backend that never stops sending must not hang us. */
    for ( i = 0; i < 64; i++ )
    {
        r = xen_pvcons_read(junk, sizeof(junk));
        if ( r <= 0 )
            break;
    }
    return r < 0 ? -1 : 0;
}

/*
 * Poll the ring for one non-empty line, ended by '\r' or '\n' (a terminal
 * may send either or both). Returns its length (the ending dropped, NUL
 * terminated), -1 if the console broke, -2 if no whole line came within
 * REPLY_SPINS polls, -3 if the line is too long for `line`.
 * *spins_out is the number of polls made.
 */
static int
read_line(char *line, size_t size, unsigned long *spins_out)
{
    unsigned long spins;
    size_t len = 0;
    char c;
    int r = 0;

    for ( spins = 0; spins < REPLY_SPINS; spins++ )
    {
        r = xen_pvcons_read(&c, 1);
        if ( r < 0 )
            break;
        if ( r == 0 )
        {
            cpu_relax();
            continue;
        }
        if ( c == '\r' || c == '\n' )
        {
            if ( len == 0 )
                continue; /* the other half of a CR LF */
            line[len] = '\0';
            *spins_out = spins;
            return (int)len;
        }
        if ( len + 1 >= size )
        {
            line[len] = '\0';
            *spins_out = spins;
            return -3;
        }
        line[len++] = c;
    }
    line[len] = '\0';
    *spins_out = spins;
    return r < 0 ? -1 : -2;
}

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
    unsigned long spins = 0;
    uint64_t t0, t1;
    int n;

    if ( !xen.present || xen.initial_domain )
        KTEST_SKIP("no PV console: not a Xen domU");
    /* A domU always has a PV console: -1 here is a driver failure. */
    ASSERT_TRUE(drain_input() == 0);

    /* The time stamp counter makes a token no earlier run could have
     * answered; the dom0 side echoes it back. */
    t0 = rdtsc_ordered();
    snprintf(token, sizeof(token), "%llx", (unsigned long long)t0);
    snprintf(want, sizeof(want), "XENLING-INPUT-REPLY %s", token);
    printk("XENLING-INPUT-REQUEST %s\n", token);

    n = read_line(line, sizeof(line), &spins);
    t1 = rdtsc_ordered();
    printable(line);
    if ( n == -2 )
        printk("    # pvcons: no input within %lu spins, %llu TSC ticks "
               "(partial line '%s')\n",
               spins, (unsigned long long)(t1 - t0), line);
    else if ( n == -3 )
        printk("    # pvcons: input line longer than %d bytes: '%s...'\n",
               REPLY_LINE_MAX - 1, line);
    else if ( n == -1 )
        printk("    # pvcons: the console broke while waiting for input\n");
    else
        printk("    # pvcons: read '%s' after %lu spins, %llu TSC ticks\n",
               line, spins, (unsigned long long)(t1 - t0));
    ASSERT_TRUE(n >= 0);
    if ( !EXPECT_STREQ(line, want) )
        printk("    # pvcons: expected '%s'\n", want);
}
