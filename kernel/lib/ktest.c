/* SPDX-License-Identifier: MIT */
/*
 * ktest.c - the test runner shared by the kernel and the host unit tests:
 * selection by glob, KTAP v1 output, the summary line and the verdict
 * marker. Tests themselves live in tests/kernel/ and tests/host/.
 */
#include <ktest.h>
#include <glob.h>

extern const struct ktest *__start_ktests[], *__stop_ktests[];

bool
ktest_check(struct ktest_ctx *t, bool ok, const char *file, int line,
            const char *expr)
{
    t->checks++;
    if ( !ok )
    {
        t->result = KTEST_FAIL;
        printk("    # %s:%d: expected %s\n", file, line, expr);
    }
    return ok;
}

bool
ktest_check_eq(struct ktest_ctx *t, bool ok, unsigned long long a,
               unsigned long long b, const char *file, int line, const char *ea,
               const char *op, const char *eb)
{
    t->checks++;
    if ( !ok )
    {
        t->result = KTEST_FAIL;
        printk(
            "    # %s:%d: expected %s %s %s, got %llu (%#llx) and %llu (%#llx)\n",
            file, line, ea, op, eb, a, a, b, b);
    }
    return ok;
}

void
ktest_skip(struct ktest_ctx *t, const char *reason)
{
    /* A failure already recorded wins over a later skip. */
    if ( t->result != KTEST_FAIL )
        t->result = KTEST_SKIP;
    t->skip_reason = reason;
}

bool
ktest_selected(const struct ktest *k, const char *filter)
{
    if ( !filter )
        return !(k->flags & KTEST_MANUAL);
    return glob_match_list(filter, k->name);
}

static void
report(unsigned int n, const struct ktest_ctx *t, struct ktest_summary *s)
{
    switch ( t->result )
    {
    case KTEST_PASS:
        s->passed++;
        printk("ok %u %s\n", n, t->name);
        break;
    case KTEST_SKIP:
        s->skipped++;
        printk("ok %u %s # SKIP %s\n", n, t->name,
               t->skip_reason ? t->skip_reason : "");
        break;
    case KTEST_FAIL:
        s->failed++;
        printk("not ok %u %s\n", n, t->name);
        break;
    }
}

bool
ktest_run(const char *filter, const struct ktest_suite_check *check,
          struct ktest_summary *out)
{
    const struct ktest **k;
    struct ktest_summary s = { 0, 0, 0 };
    unsigned int planned = 0, n = 0;

    for ( k = __start_ktests; k < __stop_ktests; k++ )
        if ( ktest_selected(*k, filter) )
            planned++;
    if ( check )
        planned++;

    printk("KTAP version 1\n");
    printk("1..%u\n", planned);
    if ( check && check->before )
        check->before();

    for ( k = __start_ktests; k < __stop_ktests; k++ )
    {
        struct ktest_ctx t = { (*k)->name, KTEST_PASS, NULL, 0 };

        if ( !ktest_selected(*k, filter) )
            continue;
        if ( check && check->each )
            check->each((*k)->name);
        (*k)->fn(&t);
        if ( check && check->after_each )
            check->after_each(&t);
        /* A test that checked nothing and did not skip proves nothing. */
        if ( t.result == KTEST_PASS && t.checks == 0 )
        {
            printk("    # %s made no checks\n", t.name);
            t.result = KTEST_FAIL;
        }
        report(++n, &t, &s);
    }

    if ( check )
    {
        struct ktest_ctx t = { check->name, KTEST_PASS, NULL, 0 };

        check->after(&t);
        report(++n, &t, &s);
    }

    /* A filter that selects no test is a typo, not a pass. */
    if ( filter && n == (check ? 1u : 0u) )
    {
        printk("# tests=%s selects no test\n", filter);
        s.failed++;
    }

    if ( check && check->before_verdict )
        check->before_verdict();
    printk("%u passed, %u failed, %u skipped\n", s.passed, s.failed, s.skipped);
    printk("%s\n", s.failed ? KTEST_FAIL_MARKER : KTEST_PASS_MARKER);
    if ( out )
        *out = s;
    return s.failed == 0;
}
