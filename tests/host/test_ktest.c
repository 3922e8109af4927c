/* SPDX-License-Identifier: MIT */
/*
 * test_ktest.c - host tests of the test runner itself (kernel/lib/ktest.c):
 * the check functions on a private ktest_ctx, selection by glob, manual
 * tests, the "no checks means failed" rule, and the summary counts of a
 * nested ktest_run() over the ktestself suite defined here.
 *
 * ktestself holds two ordinary tests (one passes, one skips) and three
 * manual ones (one passes, one fails, one checks nothing). Manual tests run
 * only when a tests= glob names them, so the default host run stays green,
 * while `unit-tests tests=ktestself.must_fail` shows that the host runner
 * can fail.
 */
#include <ktest.h>
#include "host.h"

TEST(ktestself, passes)
{
    /* The context counts each check as it is made. */
    EXPECT_EQ(t->checks, 0u);
    EXPECT_EQ(t->checks, 1u);
}

TEST(ktestself, skips)
{
    EXPECT_EQ((int)t->result, KTEST_PASS);
    KTEST_SKIP("skipping on purpose");
}

TEST_MANUAL(ktestself, manual_pass)
{
    EXPECT_STREQ(t->name, "ktestself.manual_pass");
}

TEST_MANUAL(ktestself, must_fail)
{
    EXPECT_EQ(1 + 1, 3); /* deliberately wrong: proves failure works */
}

TEST_MANUAL(ktestself, no_checks)
{
    /* Checks nothing, so the runner must count it as failed. */
}

TEST(ktest, check_records_results)
{
    struct ktest_ctx c = { "local", KTEST_PASS, NULL, 0 };

    host_capture_begin();
    EXPECT_TRUE(ktest_check(&c, true, "f.c", 1, "yes"));
    EXPECT_EQ((int)c.result, KTEST_PASS);
    EXPECT_FALSE(ktest_check(&c, false, "f.c", 7, "x == y"));
    EXPECT_EQ((int)c.result, KTEST_FAIL);
    /* A later passing check does not undo the failure. */
    EXPECT_TRUE(ktest_check(&c, true, "f.c", 8, "yes"));
    host_capture_end();

    EXPECT_EQ((int)c.result, KTEST_FAIL);
    EXPECT_EQ(c.checks, 3u);
    EXPECT_TRUE(host_capture_contains("    # f.c:7: expected x == y\n"));
    EXPECT_EQ(host_capture_count("expected"), 1u);
}

TEST(ktest, check_eq_prints_both_values)
{
    struct ktest_ctx c = { "local", KTEST_PASS, NULL, 0 };

    host_capture_begin();
    EXPECT_TRUE(ktest_check_eq(&c, true, 5, 5, "g.c", 2, "a", "==", "b"));
    EXPECT_FALSE(ktest_check_eq(&c, false, 10, 255, "g.c", 3, "a", "==", "b"));
    host_capture_end();

    EXPECT_EQ((int)c.result, KTEST_FAIL);
    EXPECT_EQ(c.checks, 2u);
    EXPECT_TRUE(host_capture_contains(
        "    # g.c:3: expected a == b, got 10 (0xa) and 255 (0xff)\n"));
}

TEST(ktest, skip_keeps_an_earlier_failure)
{
    struct ktest_ctx ok = { "ok", KTEST_PASS, NULL, 0 };
    struct ktest_ctx bad = { "bad", KTEST_FAIL, NULL, 1 };

    ktest_skip(&ok, "why");
    EXPECT_EQ((int)ok.result, KTEST_SKIP);
    EXPECT_STREQ(ok.skip_reason, "why");
    ktest_skip(&bad, "too late");
    EXPECT_EQ((int)bad.result, KTEST_FAIL);
    EXPECT_STREQ(bad.skip_reason, "too late");
}

/* Runs the ASSERT/EXPECT macros against a private context `t`. */
static bool reached_after_assert;

static void
assert_fails(struct ktest_ctx *t)
{
    EXPECT_NE(1, 2);
    ASSERT_EQ(1, 2);
    reached_after_assert = true;
}

static void
skips_midway(struct ktest_ctx *t)
{
    EXPECT_LT(1, 2);
    KTEST_SKIP("midway");
    reached_after_assert = true;
}

TEST(ktest, assert_returns_and_skip_stops)
{
    struct ktest_ctx c = { "local", KTEST_PASS, NULL, 0 };
    struct ktest_ctx s = { "local", KTEST_PASS, NULL, 0 };

    reached_after_assert = false;
    host_capture_begin();
    assert_fails(&c);
    host_capture_end();
    EXPECT_FALSE(reached_after_assert);
    EXPECT_EQ((int)c.result, KTEST_FAIL);
    EXPECT_EQ(c.checks, 2u);
    EXPECT_TRUE(host_capture_contains("expected 1 == 2, got 1 (0x1) and 2"));

    skips_midway(&s);
    EXPECT_FALSE(reached_after_assert);
    EXPECT_EQ((int)s.result, KTEST_SKIP);
    EXPECT_EQ(s.checks, 1u);
}

TEST(ktest, selection)
{
    const struct ktest plain = { "mm.alloc", NULL, 0 };
    const struct ktest manual = { "mm.stress", NULL, KTEST_MANUAL };

    /* No filter: everything but manual tests. */
    EXPECT_TRUE(ktest_selected(&plain, NULL));
    EXPECT_FALSE(ktest_selected(&manual, NULL));
    /* A filter selects by name, manual or not. */
    EXPECT_TRUE(ktest_selected(&plain, "mm.*"));
    EXPECT_TRUE(ktest_selected(&manual, "mm.*"));
    EXPECT_TRUE(ktest_selected(&manual, "xen.*,mm.st?ess"));
    EXPECT_FALSE(ktest_selected(&plain, "mm.stress"));
    EXPECT_FALSE(ktest_selected(&plain, ""));
}

TEST(ktest, run_counts)
{
    struct ktest_summary s = { 99, 99, 99 };
    bool ok;

    host_capture_begin();
    ok = ktest_run("ktestself.*", NULL, &s);
    host_capture_end();

    EXPECT_FALSE(ok);
    EXPECT_EQ(s.passed, 2u);  /* passes, manual_pass */
    EXPECT_EQ(s.failed, 2u);  /* must_fail, no_checks */
    EXPECT_EQ(s.skipped, 1u); /* skips */
    EXPECT_TRUE(host_capture_contains("KTAP version 1\n1..5\n"));
    EXPECT_EQ(host_capture_count("not ok "), 2u);
    EXPECT_EQ(host_capture_count(" ktestself.must_fail\n"), 1u);
    EXPECT_TRUE(host_capture_contains("# ktestself.no_checks made no checks"));
    EXPECT_TRUE(
        host_capture_contains(" ktestself.skips # SKIP skipping on purpose\n"));
    EXPECT_TRUE(host_capture_contains(
        "2 passed, 2 failed, 1 skipped\n" KTEST_FAIL_MARKER "\n"));
    EXPECT_EQ(host_capture_count(KTEST_PASS_MARKER), 0u);
}

TEST(ktest, run_selects_manual_by_name)
{
    struct ktest_summary s = { 99, 99, 99 };
    bool ok;

    host_capture_begin();
    ok = ktest_run("ktestself.manual_*,nothing.matches", NULL, &s);
    host_capture_end();

    EXPECT_TRUE(ok);
    EXPECT_EQ(s.passed, 1u);
    EXPECT_EQ(s.failed, 0u);
    EXPECT_EQ(s.skipped, 0u);
    EXPECT_TRUE(host_capture_contains("1..1\nok 1 ktestself.manual_pass\n"));
    EXPECT_TRUE(host_capture_contains(
        "1 passed, 0 failed, 0 skipped\n" KTEST_PASS_MARKER "\n"));
}

TEST(ktest, run_without_summary_pointer)
{
    bool ok;

    host_capture_begin();
    ok = ktest_run("ktestself.must_fail", NULL, NULL);
    host_capture_end();
    EXPECT_FALSE(ok);
    EXPECT_TRUE(host_capture_contains("0 passed, 1 failed, 0 skipped\n"));
}

/* A suite check: before() runs first, after() is reported as a test. */
static unsigned int before_calls;
static bool after_should_fail;

static void
count_before(void)
{
    before_calls++;
}

static void
maybe_fail_after(struct ktest_ctx *t)
{
    EXPECT_EQ(before_calls, 1u);
    EXPECT_FALSE(after_should_fail);
}

TEST(ktest, run_suite_check)
{
    const struct ktest_suite_check check = { .name = "suite.check",
                                             .before = count_before,
                                             .after = maybe_fail_after };
    const struct ktest_suite_check no_before = { .name = "suite.bare",
                                                 .after = maybe_fail_after };
    struct ktest_summary s;

    before_calls = 0;
    after_should_fail = false;
    host_capture_begin();
    EXPECT_TRUE(ktest_run("ktestself.passes", &check, &s));
    host_capture_end();
    EXPECT_EQ(before_calls, 1u);
    EXPECT_EQ(s.passed, 2u);
    EXPECT_EQ(s.failed, 0u);
    EXPECT_TRUE(host_capture_contains("1..2\nok 1 ktestself.passes\n"
                                      "ok 2 suite.check\n"));

    /* A failing suite check fails the run; before() is optional. */
    after_should_fail = true;
    host_capture_begin();
    EXPECT_FALSE(ktest_run("ktestself.passes", &no_before, &s));
    host_capture_end();
    EXPECT_EQ(s.passed, 1u);
    EXPECT_EQ(s.failed, 1u);
    EXPECT_TRUE(host_capture_contains("1..2\n"));
    EXPECT_TRUE(host_capture_contains("expected !(after_should_fail)\n"
                                      "not ok 2 suite.bare\n"));
}

/* after_each() sees every test and may fail it; before_verdict() comes once,
 * after the last result line and before the summary. */
static unsigned int each_calls;
static bool each_fails;

static void
count_each(struct ktest_ctx *t)
{
    each_calls++;
    EXPECT_FALSE(each_fails);
}

static void
say_before_verdict(void)
{
    printk("before the verdict\n");
}

TEST(ktest, run_each_and_before_verdict)
{
    const struct ktest_suite_check check = {
        .name = "suite.check",
        .before = count_before,
        .after = maybe_fail_after,
        .after_each = count_each,
        .before_verdict = say_before_verdict,
    };
    struct ktest_summary s;

    before_calls = 0;
    each_calls = 0;
    each_fails = false;
    after_should_fail = false;
    host_capture_begin();
    EXPECT_TRUE(ktest_run("ktestself.passes", &check, &s));
    host_capture_end();
    EXPECT_EQ(each_calls, 1u);
    EXPECT_TRUE(host_capture_contains("ok 2 suite.check\nbefore the verdict\n"
                                      "2 passed, 0 failed, 0 skipped\n"));

    /* A test after_each() fails is reported as failed. */
    each_fails = true;
    before_calls = 0;
    host_capture_begin();
    EXPECT_FALSE(ktest_run("ktestself.passes", &check, &s));
    host_capture_end();
    EXPECT_EQ(each_calls, 2u);
    EXPECT_EQ(s.failed, 1u);
    EXPECT_TRUE(host_capture_contains("not ok 1 ktestself.passes\n"));
}

/* each() sees every selected test, in order, before it runs. */
static char each_seen[256];

static void
note_each(const char *name)
{
    strncat(each_seen, name, sizeof(each_seen) - strlen(each_seen) - 2);
    strcat(each_seen, ";");
}

TEST(ktest, run_calls_each_before_every_selected_test)
{
    const struct ktest_suite_check check = { .name = "suite.check",
                                             .before = count_before,
                                             .after = maybe_fail_after,
                                             .each = note_each };
    struct ktest_summary s;

    before_calls = 0;
    after_should_fail = false;
    each_seen[0] = '\0';
    host_capture_begin();
    EXPECT_TRUE(ktest_run("ktestself.passes,ktestself.skips", &check, &s));
    host_capture_end();
    EXPECT_EQ(strcmp(each_seen, "ktestself.passes;ktestself.skips;"), 0);
    EXPECT_EQ(s.passed, 2u);
}

TEST(ktest, filter_selecting_nothing_fails)
{
    const struct ktest_suite_check check = { .name = "suite.check",
                                             .before = count_before,
                                             .after = maybe_fail_after };
    struct ktest_summary s;

    /* A typo in tests= must not pass on the strength of the suite check. */
    before_calls = 0;
    after_should_fail = false;
    host_capture_begin();
    EXPECT_FALSE(ktest_run("no.such.test", &check, &s));
    host_capture_end();
    EXPECT_EQ(s.passed, 1u);
    EXPECT_EQ(s.failed, 1u);
    EXPECT_TRUE(host_capture_contains("# tests=no.such.test selects no test"));
    EXPECT_TRUE(host_capture_contains("XENLING: TESTS FAILED"));
}

TEST(ktest, capture_helpers)
{
    host_capture_begin();
    printk("one %s, ", "two");
    printk("%d three\n", 3);
    host_capture_end();
    printk("    # (printed after the capture ended)\n");

    EXPECT_STREQ(host_capture_text(), "one two, 3 three\n");
    EXPECT_EQ(host_capture_count("t"), 2u);
    EXPECT_EQ(host_capture_count("e"), 3u);
    EXPECT_EQ(host_capture_count(""), 0u);

    /* A message longer than printk's stack buffer arrives whole. */
    {
        char big[600];

        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        host_capture_begin();
        printk("<%s>", big);
        host_capture_end();
        EXPECT_EQ(strlen(host_capture_text()), sizeof(big) + 1);
        EXPECT_EQ(host_capture_text()[sizeof(big)], '>');
    }
}
