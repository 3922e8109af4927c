/* SPDX-License-Identifier: MIT */
/*
 * test_cmdline.c - host tests of cmdline_get() and cmdline_has()
 * (kernel/lib/cmdline.c): key=value lookup, last occurrence wins, quoted
 * values, keys that are prefixes of other keys, bare flags, and values
 * too long for the caller's buffer.
 */
#include <ktest.h>
#include <cmdline.h>
#include "host.h"

TEST(cmdline, get_simple)
{
    char buf[32];

    EXPECT_TRUE(
        cmdline_get("console=hvc0 tests=mm.*", "tests", buf, sizeof(buf)));
    EXPECT_STREQ(buf, "mm.*");
    EXPECT_TRUE(
        cmdline_get("console=hvc0 tests=mm.*", "console", buf, sizeof(buf)));
    EXPECT_STREQ(buf, "hvc0");
    EXPECT_TRUE(cmdline_get("  a=1   b=2  ", "b", buf, sizeof(buf)));
    EXPECT_STREQ(buf, "2");
    EXPECT_TRUE(cmdline_get("a= b=2", "a", buf, sizeof(buf)));
    EXPECT_STREQ(buf, "");
    /* Only the first '=' separates key and value. */
    EXPECT_TRUE(cmdline_get("opt=k=v", "opt", buf, sizeof(buf)));
    EXPECT_STREQ(buf, "k=v");
}

TEST(cmdline, get_missing)
{
    char buf[8];

    memcpy(buf, "garbage", 8);
    EXPECT_FALSE(cmdline_get("a=1 b=2", "c", buf, sizeof(buf)));
    EXPECT_STREQ(buf, "");
    memcpy(buf, "garbage", 8);
    EXPECT_FALSE(cmdline_get("", "c", buf, sizeof(buf)));
    EXPECT_STREQ(buf, "");
    memcpy(buf, "garbage", 8);
    EXPECT_FALSE(cmdline_get(NULL, "c", buf, sizeof(buf)));
    EXPECT_STREQ(buf, "");
    /* A bare word is not a key=value. */
    EXPECT_FALSE(cmdline_get("c", "c", buf, sizeof(buf)));
    EXPECT_STREQ(buf, "");
}

TEST(cmdline, last_occurrence_wins)
{
    char buf[16];

    EXPECT_TRUE(cmdline_get("v=1 x=0 v=2 v=3", "v", buf, sizeof(buf)));
    EXPECT_STREQ(buf, "3");
    /* A later bare word does not cancel an earlier value. */
    EXPECT_TRUE(cmdline_get("v=1 v", "v", buf, sizeof(buf)));
    EXPECT_STREQ(buf, "1");
}

TEST(cmdline, key_must_match_whole_word)
{
    char buf[16];

    /* "test" is a prefix of "tests=": it must not match. */
    EXPECT_FALSE(cmdline_get("tests=all", "test", buf, sizeof(buf)));
    EXPECT_TRUE(cmdline_get("tests=all test=one", "test", buf, sizeof(buf)));
    EXPECT_STREQ(buf, "one");
    EXPECT_TRUE(cmdline_get("test=one tests=all", "tests", buf, sizeof(buf)));
    EXPECT_STREQ(buf, "all");
    /* Nor may the key match the end of a longer word. */
    EXPECT_FALSE(cmdline_get("mytests=all", "tests", buf, sizeof(buf)));
    EXPECT_FALSE(cmdline_get("tests", "tests=", buf, sizeof(buf)));
}

TEST(cmdline, quotes)
{
    char buf[32];

    EXPECT_TRUE(cmdline_get("a=1 msg=\"hello big world\" b=2", "msg", buf,
                            sizeof(buf)));
    EXPECT_STREQ(buf, "hello big world");
    EXPECT_TRUE(
        cmdline_get("a=1 msg=\"hello big world\" b=2", "b", buf, sizeof(buf)));
    EXPECT_STREQ(buf, "2");
    /* Quotes may sit anywhere in the value and are all removed. */
    EXPECT_TRUE(cmdline_get("p=a\" \"b\"\"c", "p", buf, sizeof(buf)));
    EXPECT_STREQ(buf, "a bc");
    EXPECT_TRUE(cmdline_get("e=\"\"", "e", buf, sizeof(buf)));
    EXPECT_STREQ(buf, "");
    /* An unterminated quote runs to the end of the line. */
    EXPECT_TRUE(cmdline_get("u=\"x y=1", "u", buf, sizeof(buf)));
    EXPECT_STREQ(buf, "x y=1");
    EXPECT_FALSE(cmdline_get("u=\"x y=1", "y", buf, sizeof(buf)));
    /* A key=value inside a quoted value is not a word of its own. */
    EXPECT_FALSE(cmdline_get("m=\"k=v\"", "k", buf, sizeof(buf)));
}

TEST(cmdline, value_too_long)
{
    char buf[8];

    /* 7 characters fit in 8 bytes. */
    EXPECT_TRUE(cmdline_get("k=1234567", "k", buf, sizeof(buf)));
    EXPECT_STREQ(buf, "1234567");

    memcpy(buf, "garbage", 8);
    host_capture_begin();
    EXPECT_FALSE(cmdline_get("k=12345678", "k", buf, sizeof(buf)));
    host_capture_end();
    EXPECT_STREQ(buf, "");
    EXPECT_TRUE(
        host_capture_contains("cmdline: value of k= is too long (max 7)\n"));

    /* Quotes do not count against the limit. */
    EXPECT_TRUE(cmdline_get("k=\"123 567\"", "k", buf, sizeof(buf)));
    EXPECT_STREQ(buf, "123 567");

    /* The last occurrence decides, even when it is the one too long. */
    host_capture_begin();
    EXPECT_FALSE(cmdline_get("k=1 k=12345678", "k", buf, sizeof(buf)));
    host_capture_end();
    EXPECT_STREQ(buf, "");
    EXPECT_EQ(host_capture_count("too long"), 1u);
}

TEST(cmdline, tiny_buffers)
{
    char buf[2] = { 'x', 'x' };

    /* One byte holds only the terminator: any value is too long. */
    host_capture_begin();
    EXPECT_FALSE(cmdline_get("k=v", "k", buf, 1));
    host_capture_end();
    EXPECT_EQ(buf[0], '\0');
    EXPECT_EQ(buf[1], 'x');
    EXPECT_TRUE(host_capture_contains("(max 0)"));
    EXPECT_TRUE(cmdline_get("k=", "k", buf, 1));
    EXPECT_EQ(buf[0], '\0');

    /* Size 0: nothing is written at all. */
    buf[0] = 'x';
    host_capture_begin();
    EXPECT_FALSE(cmdline_get("k=v", "k", buf, 0));
    EXPECT_FALSE(cmdline_get("j=v", "k", buf, 0));
    host_capture_end();
    EXPECT_EQ(buf[0], 'x');
    EXPECT_EQ(host_capture_count("too long (max 0)"), 1u);
}

TEST(cmdline, has)
{
    EXPECT_TRUE(cmdline_has("quiet debug", "debug"));
    EXPECT_TRUE(cmdline_has("quiet debug", "quiet"));
    EXPECT_TRUE(cmdline_has("debug=2", "debug"));
    EXPECT_FALSE(cmdline_has("debugging", "debug"));
    EXPECT_FALSE(cmdline_has("nodebug", "debug"));
    EXPECT_FALSE(cmdline_has("", "debug"));
    EXPECT_FALSE(cmdline_has(NULL, "debug"));
    EXPECT_FALSE(cmdline_has("   ", "debug"));
    EXPECT_TRUE(cmdline_has("  a   debug  ", "debug"));
    EXPECT_FALSE(cmdline_has("msg=\"x debug\"", "debug"));
    EXPECT_FALSE(cmdline_has("tests=all", "test"));
    EXPECT_TRUE(cmdline_has("tests=all", "tests"));
}

TEST(cmdline, get_number)
{
    uint64_t v = 7;

    EXPECT_TRUE(cmdline_get_number("a=1 s=42", "s", 1, 100, &v));
    EXPECT_EQ(v, 42u);
    v = 7;
    EXPECT_FALSE(cmdline_get_number("a=1", "s", 1, 100, &v));
    EXPECT_EQ(v, 7u); /* absent: the default stands, silently */
    host_capture_begin();
    EXPECT_FALSE(cmdline_get_number("s=0", "s", 1, 100, &v));
    EXPECT_FALSE(cmdline_get_number("s=101", "s", 1, 100, &v));
    EXPECT_FALSE(cmdline_get_number("s=4x", "s", 1, 100, &v));
    EXPECT_FALSE(cmdline_get_number("s=", "s", 1, 100, &v));
    EXPECT_FALSE(cmdline_get_number("s=-3", "s", 0, 100, &v));
    EXPECT_FALSE(
        cmdline_get_number("s=18446744073709551616", "s", 0, UINT64_MAX, &v));
    host_capture_end();
    EXPECT_EQ(v, 7u);
    EXPECT_EQ(host_capture_count("is not a number from"), 6u);
    EXPECT_TRUE(host_capture_contains("s=4x is not a number from 1 to 100"));
    EXPECT_TRUE(
        cmdline_get_number("s=18446744073709551615", "s", 0, UINT64_MAX, &v));
    EXPECT_EQ(v, UINT64_MAX);
    EXPECT_TRUE(cmdline_get_number("s=100", "s", 1, 100, &v));
    EXPECT_EQ(v, 100u);
}
