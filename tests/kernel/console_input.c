/* SPDX-License-Identifier: MIT */
/*
 * console_input.c - self-test of console input's wake-up
 * (drivers/console/input.c): a reader asleep in console_getc() with no
 * deadline is woken by the bytes a driver pushes with console_input().
 * Without the wake-up it would sleep until its deadline (the PV console
 * test, pvcons.input_roundtrip, still passes then: its 30 s wait ends
 * and finds the line); with none, for ever, so the join below fails.
 * Needs a console that takes input (the PV console of a domU), else
 * SKIP; the byte is pushed as the PV console's handler would.
 */
#include <kernel.h>
#include <clock.h>
#include <console.h>
#include <ktest.h>
#include <percpu.h>
#include <sched.h>
#include <wait.h>
#include <xen_errno.h>

struct reader {
    int rc;
    char c;
};

static void
reader_fn(void *arg)
{
    struct reader *r = arg;

    r->rc = console_getc(&r->c, UINT64_MAX); /* no deadline */
}

TEST(console_input, pushed_byte_wakes_a_sleeping_reader)
{
    struct reader r = { .rc = 1, .c = 0 };
    struct thread *th;
    int code;

    if ( !console_takes_input() )
        KTEST_SKIP("no console takes input here (PV console of a domU)");
    console_input_flush();
    th = thread_create("console-reader", reader_fn, &r, smp_processor_id());
    ASSERT_TRUE(th != NULL);
    /* Let it get to sleep first (it may also find the byte at once). */
    sleep_ns(20 * NSEC_PER_MSEC);
    console_input("x", 1);
    /* Generous: the reader needs only to be woken and run. */
    ASSERT_EQ(thread_join_timeout(th, 10 * NSEC_PER_SEC, &code), 0);
    EXPECT_EQ(r.rc, 0);
    EXPECT_EQ(r.c, 'x');
}
