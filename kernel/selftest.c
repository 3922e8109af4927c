/* SPDX-License-Identifier: MIT */
/*
 * selftest.c - run the kernel's self-tests (tests/kernel/) as the last
 * step of boot: pick them with tests= from the command line, wrap the
 * suite in a page- and heap-leak check, and end the run with the verdict.
 */
#include <kernel.h>
#include <bootinfo.h>
#include <cmdline.h>
#include <grant.h>
#include <ktest.h>
#include <mm.h>
#include <monitor.h>
#include <xenstore.h>
#include <timeline.h>

extern struct boot_info boot_info;

static size_t pages_before, heap_before;

static size_t
pages_accounted(void)
{
    struct gnttab_info g;

    /* Pages the heap keeps for reuse are not leaks, nor are the frames
     * the grant table grew by (given to Xen for good). */
    gnttab_get_info(&g);
    return page_free_count() + heap_pages() + g.frames;
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

static void
leak_before(void)
{
    quiesce();
    pages_before = pages_accounted();
    heap_before = heap_live_allocations();
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
};

void
selftest_run(void)
{
    static char filter[256];
    bool have = cmdline_get(boot_info.cmdline, "tests", filter, sizeof(filter));
    bool pass;

    if ( have && strcmp(filter, "none") == 0 )
    {
        printk("selftest: tests=none: no self-tests this boot\n");
        monitor_run();
    }
    printk("selftest: running %s\n", have ? filter : "the default set");
    pass = ktest_run(have ? filter : NULL, &leak_check, NULL);
    if ( cmdline_has(boot_info.cmdline, "monitor") )
        monitor_run();
    timeline_mark("exit", pass ? "pass" : "fail");
    machine_exit(pass);
}
