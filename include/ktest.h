/* SPDX-License-Identifier: MIT */
/*
 * ktest.h - the one test vocabulary, in the kernel and in host unit tests.
 *
 *   TEST(suite, name) { EXPECT_EQ(1 + 1, 2); ASSERT_TRUE(p != NULL); }
 *
 * A test is registered in the "ktests" linker section (the kernel's linker
 * script and the host's ld both provide __start_ktests/__stop_ktests), so
 * defining it is enough to run it. EXPECT_* records a failure and goes on;
 * ASSERT_* records it and returns from the test function (so use ASSERT
 * only in the test body itself). KTEST_SKIP() ends the test as skipped.
 * Results are printed as KTAP v1 by ktest_run() (kernel/lib/ktest.c).
 */
#ifndef XENLING_KTEST_H
#define XENLING_KTEST_H

#include <lib.h>

enum ktest_result {
    KTEST_PASS,
    KTEST_SKIP,
    KTEST_FAIL,
};

struct ktest_ctx {
    const char *name;
    enum ktest_result result;
    const char *skip_reason;
    unsigned int checks; /* EXPECT/ASSERT evaluated */
};

/* A test that runs only when a tests= pattern selects it explicitly. */
#define KTEST_MANUAL (1u << 0)

struct ktest {
    const char *name; /* "suite.name" */
    void (*fn)(struct ktest_ctx *t);
    unsigned int flags;
};

#define TEST_FLAGS(suite, nm, fl) \
    static void suite##__##nm(struct ktest_ctx *t); \
    static const struct ktest suite##__##nm##__desc = { #suite "." #nm, \
                                                        suite##__##nm, (fl) }; \
    static const struct ktest *suite##__##nm##__ptr \
        __attribute__((used, section("ktests"))) = &suite##__##nm##__desc; \
    static void suite##__##nm(struct ktest_ctx *t __attribute__((unused)))

#define TEST(suite, nm)        TEST_FLAGS(suite, nm, 0)
#define TEST_MANUAL(suite, nm) TEST_FLAGS(suite, nm, KTEST_MANUAL)

/* Record one check; returns ok. Prints a KTAP diagnostic on failure. */
bool ktest_check(struct ktest_ctx *t, bool ok, const char *file, int line,
                 const char *expr);
bool ktest_check_eq(struct ktest_ctx *t, bool ok, unsigned long long a,
                    unsigned long long b, const char *file, int line,
                    const char *ea, const char *op, const char *eb);
void ktest_skip(struct ktest_ctx *t, const char *reason);

#define EXPECT_TRUE(c)  ktest_check(t, !!(c), __FILE__, __LINE__, #c)
#define EXPECT_FALSE(c) ktest_check(t, !(c), __FILE__, __LINE__, "!(" #c ")")
/* Compares in the operands' own types (so signed values compare as
 * signed); -Wsign-compare is silenced here only, so a test may write
 * EXPECT_EQ(count, 0) without casts. */
#define KTEST_CMP_(a, op, b) \
    ({ \
        __typeof__(a) a_ = (a); \
        __typeof__(b) b_ = (b); \
        _Pragma("GCC diagnostic push") \
            _Pragma("GCC diagnostic ignored \"-Wsign-compare\"") bool ok_ = \
                a_ op b_; \
        _Pragma("GCC diagnostic pop") ktest_check_eq( \
            t, ok_, (unsigned long long)a_, (unsigned long long)b_, __FILE__, \
            __LINE__, #a, #op, #b); \
    })
#define EXPECT_EQ(a, b) KTEST_CMP_(a, ==, b)
#define EXPECT_NE(a, b) KTEST_CMP_(a, !=, b)
#define EXPECT_LT(a, b) KTEST_CMP_(a, <, b)
#define EXPECT_LE(a, b) KTEST_CMP_(a, <=, b)
#define EXPECT_GT(a, b) KTEST_CMP_(a, >, b)
#define EXPECT_GE(a, b) KTEST_CMP_(a, >=, b)
#define EXPECT_STREQ(a, b) \
    ktest_check(t, strcmp((a), (b)) == 0, __FILE__, __LINE__, #a " == " #b)

#define ASSERT_TRUE(c) \
    do \
    { \
        if ( !EXPECT_TRUE(c) ) \
            return; \
    } while ( 0 )
#define ASSERT_FALSE(c) \
    do \
    { \
        if ( !EXPECT_FALSE(c) ) \
            return; \
    } while ( 0 )
#define ASSERT_EQ(a, b) \
    do \
    { \
        if ( !EXPECT_EQ(a, b) ) \
            return; \
    } while ( 0 )
#define ASSERT_NE(a, b) \
    do \
    { \
        if ( !EXPECT_NE(a, b) ) \
            return; \
    } while ( 0 )
#define ASSERT_LT(a, b) \
    do \
    { \
        if ( !EXPECT_LT(a, b) ) \
            return; \
    } while ( 0 )
#define ASSERT_LE(a, b) \
    do \
    { \
        if ( !EXPECT_LE(a, b) ) \
            return; \
    } while ( 0 )
#define ASSERT_GE(a, b) \
    do \
    { \
        if ( !EXPECT_GE(a, b) ) \
            return; \
    } while ( 0 )

#define KTEST_SKIP(reason) \
    do \
    { \
        ktest_skip(t, (reason)); \
        return; \
    } while ( 0 )

struct ktest_summary {
    unsigned int passed, failed, skipped;
};

/*
 * A check run after the whole suite (e.g. "no pages leaked"), reported as
 * one more KTAP test. before() runs before the first test; each(), if
 * set, before every selected test, with its name (for timestamps). The
 * optional after_each() runs after every test, before its result line,
 * and may fail it (e.g. "a watchdog tripped during this test"); the
 * optional before_verdict() runs after the last test and the suite check,
 * just before the summary and marker lines.
 */
struct ktest_suite_check {
    const char *name;
    void (*before)(void);
    void (*after)(struct ktest_ctx *t);
    void (*each)(const char *test_name);
    void (*after_each)(struct ktest_ctx *t);
    void (*before_verdict)(void);
};

/*
 * Run every registered test whose name matches the comma-separated glob
 * list `filter` (NULL: every test not flagged KTEST_MANUAL). Prints KTAP v1,
 * then "N passed, N failed, N skipped", then exactly one marker line:
 * KTEST_PASS_MARKER if nothing failed, KTEST_FAIL_MARKER otherwise.
 * `check` may be NULL. Returns true when nothing failed.
 */
bool ktest_run(const char *filter, const struct ktest_suite_check *check,
               struct ktest_summary *out);

/* Would `filter` select this test? (See ktest_run for NULL.) */
bool ktest_selected(const struct ktest *k, const char *filter);

#define KTEST_PASS_MARKER "XENLING: ALL TESTS PASSED"
#define KTEST_FAIL_MARKER "XENLING: TESTS FAILED"

#endif
