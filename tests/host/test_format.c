/* SPDX-License-Identifier: MIT */
/*
 * test_format.c - host tests of our vsnprintf (kernel/lib/format.c), with
 * the C library's as the oracle (tests/host/libc_oracle.c): every
 * combination of flags, width, precision and length modifier over the
 * integer conversions, then %p %s %c %%, truncation, and what we print for
 * conversions we do not know (where libc is no oracle).
 */
#include <ktest.h>
#include "host.h"

/*
 * Format with both implementations; on a difference print both and return
 * false. Compares the return values and every byte written (so %c of a
 * NUL is compared too).
 */
static bool __printf(2, 3) same_as_libc(int line, const char *fmt, ...)
{
    char ours[1024], libc[1024];
    va_list ap, aq;
    int a, b;

    memset(ours, 0x55, sizeof(ours));
    memset(libc, 0x55, sizeof(libc));
    va_start(ap, fmt);
    va_copy(aq, ap);
    a = vsnprintf(ours, sizeof(ours), fmt, ap);
    b = libc_vsnprintf(libc, sizeof(libc), fmt, aq);
    va_end(aq);
    va_end(ap);
    if ( a == b && a >= 0 && (size_t)a < sizeof(ours) &&
         memcmp(ours, libc, (size_t)a + 1) == 0 )
        return true;
    printk("    # line %d: format \"%s\": ours \"%s\" (%d), libc \"%s\" (%d)\n",
           line, fmt, ours, a, libc, b);
    return false;
}

#define SAME(...) EXPECT_TRUE(same_as_libc(__LINE__, __VA_ARGS__))

/* Our snprintf without the compiler's format check, for odd formats. */
static int
unchecked_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* The table: flags x width x precision x length x conversion x value. */
static const char *const flag_sets[] = {
    "",   "-",  "0",  "#",  "+",  " ",   "-0",   "-#",
    "0#", "+ ", "-+", "0+", "0 ", "#0+", "-#+ ", "-0#+ ",
};
/* "*" and ".*" take an argument from star_widths / star_precs. */
static const char *const widths[] = { "", "1", "6", "20", "*" };
static const char *const precs[] = { "", ".", ".0", ".1", ".5", ".*" };
static const int star_widths[] = { 8, -8, 0 };
static const int star_precs[] = { 3, -1, 0 };
static const char *const lengths[] = { "hh", "h", "", "l", "ll", "z", "t" };
static const char convs[] = "diuxXo";
static const long long values[] = {
    0,
    1,
    -1,
    7,
    8,
    -8,
    42,
    -42,
    127,
    128,
    255,
    256,
    -129,
    32767,
    32768,
    65535,
    65536,
    0x7fffffffLL,
    -0x80000000LL,
    0xffffffffLL,
    0x123456789abcdefLL,
    0x7fffffffffffffffLL,
    -0x7fffffffffffffffLL - 1,
};

/* One call with the arguments the format's stars and length ask for. */
static bool
same_one(const char *fmt, const char *len, bool wstar, bool pstar, int w, int p,
         long long v)
{
    bool big = strcmp(len, "ll") == 0;
    bool lng = !big && (len[0] == 'l' || len[0] == 'z' || len[0] == 't');

    /* hh and h still take an int (the value is converted on output). */
    if ( wstar && pstar )
        return big   ? same_as_libc(__LINE__, fmt, w, p, v)
               : lng ? same_as_libc(__LINE__, fmt, w, p, (long)v)
                     : same_as_libc(__LINE__, fmt, w, p, (int)v);
    if ( wstar || pstar )
        return big   ? same_as_libc(__LINE__, fmt, wstar ? w : p, v)
               : lng ? same_as_libc(__LINE__, fmt, wstar ? w : p, (long)v)
                     : same_as_libc(__LINE__, fmt, wstar ? w : p, (int)v);
    return big   ? same_as_libc(__LINE__, fmt, v)
           : lng ? same_as_libc(__LINE__, fmt, (long)v)
                 : same_as_libc(__LINE__, fmt, (int)v);
}

/* Take the next digit off a mixed-radix counter. */
static size_t
digit(size_t *k, size_t radix)
{
    size_t d = *k % radix;

    *k /= radix;
    return d;
}

/* One format with every value and every star argument it can take. */
static unsigned int
differences(const char *fmt, const char *len, bool wstar, bool pstar,
            unsigned int *tried)
{
    size_t nw = wstar ? ARRAY_SIZE(star_widths) : 1;
    size_t np = pstar ? ARRAY_SIZE(star_precs) : 1;
    unsigned int bad = 0;

    for ( size_t i = 0; i < nw * np * ARRAY_SIZE(values); i++ )
    {
        size_t k = i;
        long long v = values[digit(&k, ARRAY_SIZE(values))];
        int w = star_widths[digit(&k, nw)];
        int p = star_precs[digit(&k, np)];

        (*tried)++;
        bad += !same_one(fmt, len, wstar, pstar, w, p, v);
    }
    return bad;
}

TEST(format, integers_match_libc)
{
    size_t combos = ARRAY_SIZE(flag_sets) * ARRAY_SIZE(widths) *
                    ARRAY_SIZE(precs) * ARRAY_SIZE(lengths) *
                    (sizeof(convs) - 1);
    unsigned int tried = 0, bad = 0;

    for ( size_t i = 0; i < combos && bad < 20; i++ )
    {
        size_t k = i;
        const char *flags = flag_sets[digit(&k, ARRAY_SIZE(flag_sets))];
        const char *width = widths[digit(&k, ARRAY_SIZE(widths))];
        const char *prec = precs[digit(&k, ARRAY_SIZE(precs))];
        const char *len = lengths[digit(&k, ARRAY_SIZE(lengths))];
        char conv = convs[digit(&k, sizeof(convs) - 1)];
        char fmt[32];

        snprintf(fmt, sizeof(fmt), "<%%%s%s%s%s%c>", flags, width, prec, len,
                 conv);
        bad += differences(fmt, len, width[0] == '*', strcmp(prec, ".*") == 0,
                           &tried);
    }
    if ( bad >= 20 )
        printk("    # stopped after %u differences\n", bad);
    EXPECT_EQ(bad, 0u);
    EXPECT_GT(tried, 100000u);
}

TEST(format, mixed_conversions_match_libc)
{
    int x = 0;

    SAME("plain text");
    SAME("%d %i %u %x %X %o", -5, 6, 7u, 0xabcu, 0xabcu, 8u);
    SAME("%s=%d%c%%", "key", 12, '!');
    SAME("%zu %zd %td %zx", (size_t)-1, -3l, (ptrdiff_t)-4, (size_t)0xfeed);
    SAME("%llu %lld %llx", ~0ull, -1ll, 0xdeadbeefcafef00dull);
    SAME("%lu %ld %lx %lo", ~0ul, -2l, 0x1234ul, 0777ul);
    SAME("%hhu %hhd %hhx %hu %hd %hx", 300, 200, 511, 70000, 40000, 65537);
    SAME("%5s|%-5s|%.2s|%5.1s|%-6.3s|", "abc", "abc", "abc", "abc", "abc");
    SAME("%*s|%-*s|%.*s|%*.*s|", 6, "ab", 6, "ab", 1, "ab", 5, 1, "ab");
    SAME("%*s|%.*s|", -6, "ab", -1, "abcdef");
    SAME("%.0s|%.10s|%s|", "abc", "abc", "");
    SAME("%c%c%c|%3c|%-3c|%*c|", 'a', 'b', 'c', 'x', 'y', 4, 'z');
    SAME("%c", 0); /* a NUL character is output and counted */
    SAME("a%cb", 0);
    SAME("%%|%%%d%%|100%%", 5);
    SAME("%p %20p %-20p|", (void *)&x, (void *)0x1234, (void *)0xffff);
    SAME("%p", (void *)~0ul);
}

TEST(format, null_string_and_pointer)
{
    char buf[32];
    const char *null = NULL;

    /* Ours prints "(null)" like glibc; precision cuts it (glibc differs). */
    EXPECT_EQ(snprintf(buf, sizeof(buf), "%s", null), 6);
    EXPECT_STREQ(buf, "(null)");
    EXPECT_EQ(snprintf(buf, sizeof(buf), "[%8s]", null), 10);
    EXPECT_STREQ(buf, "[  (null)]");
    EXPECT_EQ(snprintf(buf, sizeof(buf), "%.3s", null), 3);
    EXPECT_STREQ(buf, "(nu");
    /* A NULL pointer is 0, like %#x of 0 (glibc says "(nil)"). */
    EXPECT_EQ(snprintf(buf, sizeof(buf), "%p|%5p", (void *)0, (void *)0), 7);
    EXPECT_STREQ(buf, "0|    0");
}

TEST(format, unknown_conversions_print_literally)
{
    static const struct {
        const char *fmt, *out;
    } cases[] = {
        { "%q", "%q" },       { "a%qb", "a%qb" },
        { "%5q|", "%5q|" },   { "%-08.3lq", "%-08.3lq" },
        { "%", "%" },         { "abc%", "abc%" },
        { "%-", "%-" },       { "%5", "%5" },
        { "%.", "%." },       { "%l", "%l" },
        { "%hh", "%hh" },     { "%zz", "%zz" },
        { "100%!", "100%!" }, { "%y%%", "%y%" },
    };
    char buf[32];

    for ( size_t i = 0; i < ARRAY_SIZE(cases); i++ )
    {
        int n = unchecked_snprintf(buf, sizeof(buf), cases[i].fmt, 0);

        if ( !EXPECT_STREQ(buf, cases[i].out) )
            printk("    # format \"%s\" gave \"%s\"\n", cases[i].fmt, buf);
        EXPECT_EQ(n, (int)strlen(cases[i].out));
    }
    /* A * width is consumed even when the conversion is unknown. */
    EXPECT_EQ(unchecked_snprintf(buf, sizeof(buf), "%*q %d", 3, 9), 5);
    EXPECT_STREQ(buf, "%*q 9");
}

TEST(format, truncation)
{
    const char *fmt = "%s-%05d-%x";
    char full[64], buf[64], ref[64];
    int len = libc_snprintf(full, sizeof(full), fmt, "abcdef", 42, 0xbeefu);

    ASSERT_EQ(len, 17);
    /* Every size from 0 to past the end: same bytes as libc, no overrun. */
    for ( size_t size = 0; size <= (size_t)len + 2; size++ )
    {
        int a, b;

        memset(buf, '#', sizeof(buf));
        memset(ref, '#', sizeof(ref));
        a = snprintf(buf, size, fmt, "abcdef", 42, 0xbeefu);
        b = libc_snprintf(ref, size, fmt, "abcdef", 42, 0xbeefu);
        EXPECT_EQ(a, len);
        EXPECT_EQ(b, len);
        EXPECT_EQ(memcmp(buf, ref, sizeof(buf)), 0);
        if ( size )
        {
            EXPECT_EQ(buf[MIN(size, (size_t)len + 1) - 1], '\0');
            EXPECT_EQ(strlen(buf), MIN(size - 1, (size_t)len));
        }
        EXPECT_EQ(buf[size], '#');
    }
    /* Size 0 writes nothing, so the buffer may be NULL. */
    EXPECT_EQ(snprintf(NULL, 0, fmt, "abcdef", 42, 0xbeefu), len);
    EXPECT_EQ(unchecked_snprintf(NULL, 0, ""), 0);
    memset(buf, '#', sizeof(buf));
    EXPECT_EQ(unchecked_snprintf(buf, sizeof(buf), ""), 0);
    EXPECT_EQ(buf[0], '\0');
}

TEST(format, long_output)
{
    /* Output longer than any internal buffer, and a long pad. */
    char buf[400], ref[400];
    static char s[300];

    memset(s, 'q', sizeof(s) - 1);
    EXPECT_EQ(snprintf(buf, sizeof(buf), "%s%s", s, s), 598);
    EXPECT_EQ(libc_snprintf(ref, sizeof(ref), "%s%s", s, s), 598);
    EXPECT_STREQ(buf, ref);
    EXPECT_EQ(snprintf(buf, sizeof(buf), "%350d|", -1), 351);
    EXPECT_EQ(libc_snprintf(ref, sizeof(ref), "%350d|", -1), 351);
    EXPECT_STREQ(buf, ref);
    SAME("%-300d|%0300x|", 5, 0xabcu);
}
