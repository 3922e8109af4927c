/* SPDX-License-Identifier: MIT */
/*
 * monitor.c - self-tests of the monitor and of console input
 * (kernel/monitor.c, drivers/console/input.c): commands are found by
 * their first word and unknown ones refused; bytes pushed as a console's
 * interrupt handler pushes them come out as edited lines, and a reader
 * with nothing to read times out.
 */
#include <kernel.h>
#include <clock.h>
#include <console.h>
#include <ktest.h>
#include <monitor.h>
#include <xen_errno.h>

TEST(monitor, commands_found_by_first_word)
{
    char unknown[] = "nosuchcommand arg";
    char known[] = "  grant  ";
    char blank[] = "   ";

    EXPECT_EQ(monitor_execute(unknown), -XEN_ENOENT);
    EXPECT_EQ(monitor_execute(known), 0);
    EXPECT_EQ(monitor_execute(blank), 0);
}

TEST(monitor, console_lines_from_interrupt_input)
{
    static const char typed[] = "ab\bc\r\n\nnext\n";
    char line[32];

    if ( !console_takes_input() )
        KTEST_SKIP("no console takes input here");
    console_input_flush();
    /* As the PV console's event handler does. */
    console_input(typed, sizeof(typed) - 1);
    EXPECT_EQ(console_read_line(line, sizeof(line), NSEC_PER_SEC, false), 2);
    EXPECT_STREQ(line, "ac"); /* the backspace took the b */
    EXPECT_EQ(console_read_line(line, sizeof(line), NSEC_PER_SEC, false), 4);
    EXPECT_STREQ(line, "next");
    EXPECT_EQ(console_read_line(line, sizeof(line), 50 * NSEC_PER_MSEC, false),
              -XEN_ETIMEDOUT);
    console_input("0123456789", 10);
    EXPECT_EQ(console_read_line(line, 8, NSEC_PER_SEC, false), -XEN_E2BIG);
    console_input_flush();
}
