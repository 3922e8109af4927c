/* SPDX-License-Identifier: MIT */
/*
 * printk.c - self-tests of printk's line atomicity: a line interrupted by
 * an interrupt handler that prints its own line comes out whole, after the
 * handler's line; two threads of one CPU that each print a line in parts
 * get their own lines; over-long lines are split, never overrun. Lines are
 * captured by a test console that records what printk emits.
 */
#include <kernel.h>
#include <console.h>
#include <ktest.h>
#include <percpu.h>
#include <sched.h>
#include <traps.h>
#include <arch/x86.h>

#define TEST_VECTOR 0xf0
#define CAP_LINES   8
#define CAP_LEN     300

static struct {
    unsigned int n;
    char line[CAP_LINES][CAP_LEN];
} cap;

/* Called under the console lock: records each whole line it is given. */
static void
capture_write(struct console *c, const char *s, size_t n)
{
    if ( cap.n < CAP_LINES )
    {
        n = MIN(n, (size_t)CAP_LEN - 1);
        memcpy(cap.line[cap.n], s, n);
        cap.line[cap.n][n] = '\0';
    }
    cap.n++;
}

static struct console capture = { .name = "test-capture",
                                  .write = capture_write };

static void
nested_printer(struct trap_frame *f, void *arg)
{
    printk("%s\n", (const char *)arg);
}

TEST(printk, interrupted_line_stays_whole)
{
    ASSERT_EQ(irq_register(TEST_VECTOR, nested_printer, "from-irq"), 0);
    memset(&cap, 0, sizeof(cap));
    console_register(&capture);
    printk("first-");
    printk("half ");
    asm volatile("int %0" : : "i"(TEST_VECTOR) : "memory");
    printk("second-half\n");
    console_unregister(&capture);
    irq_unregister(TEST_VECTOR);

    ASSERT_EQ(cap.n, 2);
    EXPECT_STREQ(cap.line[0], "from-irq\n");
    EXPECT_STREQ(cap.line[1], "first-half second-half\n");
}

/* Print a line in two printk calls, letting the CPU's other threads run
 * in between. */
static void
half_line_thread(void *arg)
{
    printk("%s-first ", (const char *)arg);
    thread_yield();
    printk("%s-second\n", (const char *)arg);
}

/* Index of the captured line that starts with `prefix`, or -1. */
static int
captured(const char *prefix)
{
    unsigned int i;

    for ( i = 0; i < MIN(cap.n, (unsigned int)CAP_LINES); i++ )
        if ( strncmp(cap.line[i], prefix, strlen(prefix)) == 0 )
            return i;
    return -1;
}

/*
 * Two threads of this CPU each print a line in two parts and yield in
 * between, so their parts alternate in time: each line must still come
 * out whole and unmixed ("A-first B-first A-second" is the bug).
 */
TEST(printk, threads_on_one_cpu_keep_their_lines)
{
    unsigned int cpu = smp_processor_id();
    struct thread *a, *b;
    int ia, ib;

    if ( !thread_self() )
        KTEST_SKIP("no scheduler");
    memset(&cap, 0, sizeof(cap));
    console_register(&capture);
    a = thread_create("printk-a", half_line_thread, "A", cpu);
    b = thread_create("printk-b", half_line_thread, "B", cpu);
    if ( a )
        thread_join(a);
    if ( b )
        thread_join(b);
    console_unregister(&capture);

    ASSERT_TRUE(a && b);
    ia = captured("A-");
    ib = captured("B-");
    ASSERT_TRUE(ia >= 0 && ib >= 0);
    EXPECT_STREQ(cap.line[ia], "A-first A-second\n");
    EXPECT_STREQ(cap.line[ib], "B-first B-second\n");
}

TEST(printk, long_line_is_split_not_overrun)
{
    static char big[600];
    unsigned int i;
    size_t total = 0;

    memset(big, 'x', sizeof(big) - 1);
    memset(&cap, 0, sizeof(cap));
    console_register(&capture);
    printk("%s\n", big);
    console_unregister(&capture);

    /* printk formats at most PRINTK_LINE_MAX-1 bytes per call. */
    ASSERT_GE(cap.n, 1);
    ASSERT_LE(cap.n, CAP_LINES);
    for ( i = 0; i < cap.n; i++ )
    {
        size_t n = strlen(cap.line[i]);

        EXPECT_TRUE(n > 0 && cap.line[i][n - 1] == '\n');
        EXPECT_LE(n, (size_t)PRINTK_LINE_MAX);
        total += n - 1;
    }
    EXPECT_GE(total, (size_t)PRINTK_LINE_MAX - 2);
}

TEST(printk, unregistered_console_gets_nothing)
{
    memset(&cap, 0, sizeof(cap));
    console_register(&capture);
    console_unregister(&capture);
    printk("not captured\n");
    EXPECT_EQ(cap.n, 0);
}
