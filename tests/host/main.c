/* SPDX-License-Identifier: MIT */
/*
 * main.c - the host unit-test runner: the kernel's own ktest runner
 * (kernel/lib/ktest.c) over the tests in tests/host/, plus the host's
 * printk and the printk capture declared in host.h. The tests register
 * through the "ktests" section exactly as in the kernel: GNU ld defines
 * __start_ktests/__stop_ktests for any section named like a C identifier.
 *
 *   build/host/unit-tests [tests=GLOB[,GLOB...]]
 *
 * Exit status: 0 if no test failed, 1 if one did, 2 on a usage error.
 */
#include <stdlib.h>
#include <unistd.h>

#include <lib.h>
#include <cmdline.h>
#include <ktest.h>
#include "host.h"

/* Collected printk output while capturing (see host.h). */
static bool capturing;
static char *cap_buf;
static size_t cap_len, cap_size;

/*
 * Write all of buf to fd. Unbuffered, so that output stays in order with
 * what the sanitizers print on stderr.
 */
static void
write_fd(int fd, const char *buf, size_t len)
{
    while ( len )
    {
        ssize_t n = write(fd, buf, len);

        if ( n <= 0 )
            return; /* the output is gone: nothing better to do */
        buf += n;
        len -= (size_t)n;
    }
}

static void
write_out(const char *buf, size_t len)
{
    write_fd(STDOUT_FILENO, buf, len);
}

static void
write_str(const char *s)
{
    write_out(s, strlen(s));
}

static void
cap_append(const char *s, size_t len)
{
    if ( cap_len + len + 1 > cap_size )
    {
        size_t want = MAX(cap_size * 2, cap_len + len + 1);
        char *p = realloc(cap_buf, want);

        if ( !p )
        {
            write_str("host: out of memory for printk capture\n");
            abort();
        }
        cap_buf = p;
        cap_size = want;
    }
    memcpy(cap_buf + cap_len, s, len);
    cap_len += len;
    cap_buf[cap_len] = '\0';
}

void
vprintk(const char *fmt, va_list ap)
{
    char small[256], *buf = small;
    va_list aq;
    int n;

    /* Our own vsnprintf (xl_vsnprintf, see lib.h), as in the kernel. */
    va_copy(aq, ap);
    n = vsnprintf(small, sizeof(small), fmt, aq);
    va_end(aq);
    if ( n < 0 )
        return;
    if ( (size_t)n >= sizeof(small) )
    {
        buf = malloc((size_t)n + 1);
        if ( !buf )
            abort();
        vsnprintf(buf, (size_t)n + 1, fmt, ap);
    }
    if ( capturing )
        cap_append(buf, (size_t)n);
    else
        write_out(buf, (size_t)n);
    if ( buf != small )
        free(buf);
}

void
printk(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}

void
host_capture_begin(void)
{
    cap_len = 0;
    if ( cap_buf )
        cap_buf[0] = '\0';
    capturing = true;
}

void
host_capture_end(void)
{
    capturing = false;
}

const char *
host_capture_text(void)
{
    return cap_buf ? cap_buf : "";
}

unsigned int
host_capture_count(const char *needle)
{
    const char *p = host_capture_text();
    size_t n = strlen(needle);
    unsigned int count = 0;

    if ( n == 0 )
        return 0;
    while ( (p = strstr(p, needle)) != NULL )
    {
        count++;
        p += n;
    }
    return count;
}

/* Print the captured text as KTAP diagnostics, bypassing the capture. */
static void
dump_capture(void)
{
    const char *p = host_capture_text();

    while ( *p )
    {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);

        write_str("    #   | ");
        write_out(p, len);
        write_str("\n");
        p += len + (nl ? 1 : 0);
    }
}

bool
host_capture_contains(const char *needle)
{
    if ( strstr(host_capture_text(), needle) )
        return true;
    write_str("    # captured output lacks \"");
    for ( ; *needle; needle++ ) /* keep the diagnostic on one line */
        if ( *needle == '\n' )
            write_str("\\n");
        else
            write_out(needle, 1);
    write_str("\"; it was:\n");
    dump_capture();
    return false;
}

static int
usage(void)
{
    static const char msg[] = "usage: unit-tests [tests=GLOB[,GLOB...]]\n";

    write_fd(STDERR_FILENO, msg, sizeof(msg) - 1);
    return 2;
}

int
main(int argc, char **argv)
{
    char filter[256];
    struct ktest_summary s;
    bool have = false;

    if ( argc > 2 )
        return usage();
    if ( argc == 2 )
    {
        /* The kernel's own parser: tests= means the same on both sides. */
        have = cmdline_get(argv[1], "tests", filter, sizeof(filter));
        if ( !have )
            return usage();
    }

    ktest_run(have ? filter : NULL, NULL, &s);

    if ( capturing )
    {
        host_capture_end();
        printk("host: a test left printk capture on; its output was:\n");
        dump_capture();
        return 1;
    }
    return s.failed ? 1 : 0;
}
