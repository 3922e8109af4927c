/* SPDX-License-Identifier: MIT */
/*
 * selftest.c - run the kernel's self-tests (tests/kernel/) as the last
 * step of boot: pick them with tests= from the command line (or a
 * benchmark with bench=, e.g. bench=blk), wrap the suite in a page- and
 * heap-leak check, fail a test in which a wait's watchdog tripped, and
 * end the run with the verdict, on a path that cannot hang
 * (machine_exit_begin).
 */
#include <kernel.h>
#include <bootinfo.h>
#include <cmdline.h>
#include <fault.h>
#include <grant.h>
#include <ktest.h>
#include <mm.h>
#include <monitor.h>
#include <xenstore.h>
#include <timeline.h>
#include <watchdog.h>
#include <blk.h>

extern struct boot_info boot_info;

static size_t pages_before, heap_before;

static size_t
pages_accounted(void)
{
    struct gnttab_info g;

    /* Pages the heap keeps for reuse are not leaks, nor are the frames
     * the grant table grew by (given to Xen for good), nor the disks'
     * persistent grants kept for the next request. */
    gnttab_get_info(&g);
    return page_free_count() + heap_pages() + g.frames + blk_pool_pages();
}

/*
 * Wait until xenstore's watch events that are already on their way have
 * been handled: each is a heap allocation until its callback has run, so
 * one still queued would look like a leak (or hide one).
 */
static void
quiesce(void)
{
    if ( xenstore_available() )
        xs_flush_events();
}

static unsigned long trips_seen; /* unexpected watchdog trips so far */

static void
leak_before(void)
{
    quiesce();
    pages_before = pages_accounted();
    heap_before = heap_live_allocations();
    trips_seen = watchdog_unexpected_trips();
}

/* After each test: a wait that only its watchdog ended fails the test it
 * happened in (the watchdog's dump above says why). */
static void
no_watchdog_trip(struct ktest_ctx *t)
{
    unsigned long now = watchdog_unexpected_trips();

    EXPECT_EQ(now - trips_seen, 0ul);
    trips_seen = now;
}

/* Nothing may hang from the verdict on, unless the monitor is to run. */
static void
before_verdict(void)
{
    if ( !cmdline_has(boot_info.cmdline, "monitor") )
        machine_exit_begin();
}

static void
leak_after(struct ktest_ctx *t)
{
    quiesce();
    EXPECT_EQ(pages_accounted(), pages_before);
    EXPECT_EQ(heap_live_allocations(), heap_before);
}

/* Stamp the boot's time line where each suite (the part of a test's name
 * before the dot) begins; a suite's tests are registered together. */
static void
suite_stamp(const char *test)
{
    static char suite[32];
    const char *dot = strchr(test, '.');
    size_t n = dot ? (size_t)(dot - test) : strlen(test);

    if ( n >= sizeof(suite) || (strncmp(suite, test, n) == 0 && !suite[n]) )
        return;
    memcpy(suite, test, n);
    suite[n] = '\0';
    timeline_mark("suite", suite);
}

static const struct ktest_suite_check leak_check = {
    .name = "suite.no_leaks",
    .before = leak_before,
    .after = leak_after,
    .each = suite_stamp,
    .after_each = no_watchdog_trip,
    .before_verdict = before_verdict,
};

/*
 * bench=NAME without tests= selects benchmark NAME's tests (TEST_MANUAL,
 * so never run otherwise): bench=blk is tests/kernel/blk_bench.c. An
 * unknown name selects nothing, and a run where nothing passed fails.
 */
static bool
bench_filter(char *filter, size_t size)
{
    char name[16];

    if ( !cmdline_get(boot_info.cmdline, "bench", name, sizeof(name)) )
        return false;
    if ( strcmp(name, "blk") == 0 )
        snprintf(filter, size, "blk_bench.*");
    else
    {
        printk("selftest: bench=%s: no such benchmark (known: blk)\n", name);
        snprintf(filter, size, "bench-unknown");
    }
    return true;
}

void
selftest_run(void)
{
    static char filter[256];
    bool have = cmdline_get(boot_info.cmdline, "tests", filter, sizeof(filter));
    bool pass;

    if ( !have )
        have = bench_filter(filter, sizeof(filter));

    if ( have && strcmp(filter, "none") == 0 )
    {
        printk("selftest: tests=none: no self-tests this boot\n");
        monitor_run();
    }
    /* Fault injection for tools/test-faults.sh: the end of the run. */
    fault_shutdown_returns =
        cmdline_has(boot_info.cmdline, "fault_shutdown_returns");
    fault_exit_hangs = cmdline_has(boot_info.cmdline, "fault_exit_hangs");
    printk("selftest: running %s\n", have ? filter : "the default set");
    pass = ktest_run(have ? filter : NULL, &leak_check, NULL);
    if ( cmdline_has(boot_info.cmdline, "monitor") )
        monitor_run();
    timeline_mark("exit", pass ? "pass" : "fail");
    machine_exit(pass);
}
