/* SPDX-License-Identifier: MIT */
/*
 * test_glob.c - host tests of glob_match() and glob_match_list()
 * (kernel/lib/glob.c), the matching behind tests=: literals, '?', '*',
 * backtracking, empty list items, the pattern length limit of the list
 * form, and patterns that would take exponential time if matched naively.
 */
#include <ktest.h>
#include <glob.h>
#include "host.h"

TEST(glob, literals_and_question_marks)
{
    EXPECT_TRUE(glob_match("", ""));
    EXPECT_FALSE(glob_match("", "a"));
    EXPECT_FALSE(glob_match("a", ""));
    EXPECT_TRUE(glob_match("mm.alloc", "mm.alloc"));
    EXPECT_FALSE(glob_match("mm.alloc", "mm.allocx"));
    EXPECT_FALSE(glob_match("mm.allocx", "mm.alloc"));
    EXPECT_FALSE(glob_match("mm.Alloc", "mm.alloc"));
    EXPECT_TRUE(glob_match("mm.a?loc", "mm.alloc"));
    EXPECT_TRUE(glob_match("???", "abc"));
    EXPECT_FALSE(glob_match("???", "ab"));
    EXPECT_FALSE(glob_match("??", "abc"));
    EXPECT_FALSE(glob_match("?", ""));
}

TEST(glob, stars)
{
    EXPECT_TRUE(glob_match("*", ""));
    EXPECT_TRUE(glob_match("*", "anything"));
    EXPECT_TRUE(glob_match("***", ""));
    EXPECT_TRUE(glob_match("mm.*", "mm."));
    EXPECT_TRUE(glob_match("mm.*", "mm.alloc"));
    EXPECT_FALSE(glob_match("mm.*", "mm"));
    EXPECT_FALSE(glob_match("mm.*", "xen.mm.alloc"));
    EXPECT_TRUE(glob_match("*.alloc", "mm.alloc"));
    EXPECT_FALSE(glob_match("*.alloc", "mm.alloc2"));
    EXPECT_TRUE(glob_match("*a*", "bab"));
    EXPECT_TRUE(glob_match("a*b*c", "abc"));
    EXPECT_TRUE(glob_match("a*b*c", "aXbYbZc"));
    EXPECT_FALSE(glob_match("a*b*c", "aXbYbZ"));
    EXPECT_TRUE(glob_match("*?", "x"));
    EXPECT_FALSE(glob_match("*?", ""));
    EXPECT_TRUE(glob_match("?*?", "xy"));
    EXPECT_FALSE(glob_match("?*?", "x"));
    EXPECT_TRUE(glob_match("a*", "a"));
    EXPECT_FALSE(glob_match("a*", ""));
}

TEST(glob, backtracking)
{
    /* The star must give back characters to let the rest match. */
    EXPECT_TRUE(glob_match("*ab", "aab"));
    EXPECT_TRUE(glob_match("*aab", "aaab"));
    EXPECT_TRUE(glob_match("a*ab", "aabab"));
    EXPECT_TRUE(glob_match("*abc*abd", "abcabcabd"));
    EXPECT_FALSE(glob_match("*abc*abd", "abcabcabe"));
    EXPECT_TRUE(glob_match("*?b", "ab"));
    EXPECT_TRUE(glob_match("x*y*z", "xyyzzz"));
}

TEST(glob, pathological_patterns_finish)
{
    /* Exponential for a naive recursive matcher; linear-ish here. */
    static char s[4097];

    memset(s, 'a', sizeof(s) - 1);
    EXPECT_FALSE(glob_match("a*a*a*a*b", s));
    EXPECT_FALSE(glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*b", s));
    EXPECT_TRUE(glob_match("a*a*a*a*a", s));
    EXPECT_TRUE(glob_match("*a*a*a*a*?", s));
    s[sizeof(s) - 2] = 'b';
    EXPECT_TRUE(glob_match("a*a*a*a*b", s));
    EXPECT_FALSE(glob_match("a*a*a*a*bb", s));
}

TEST(glob, list)
{
    EXPECT_TRUE(glob_match_list("mm.*", "mm.alloc"));
    EXPECT_TRUE(glob_match_list("xen.*,mm.*", "mm.alloc"));
    EXPECT_TRUE(glob_match_list("mm.*,xen.*", "xen.evtchn"));
    EXPECT_FALSE(glob_match_list("mm.*,xen.*", "glob.list"));
    /* The list form matches whole names too, not prefixes. */
    EXPECT_FALSE(glob_match_list("mm", "mm.alloc"));
    EXPECT_FALSE(glob_match_list("mm.alloc,", "mm.alloc2"));
}

TEST(glob, list_empty_items)
{
    /* Empty items match nothing, not even the empty name. */
    EXPECT_FALSE(glob_match_list("", "a"));
    EXPECT_FALSE(glob_match_list("", ""));
    EXPECT_FALSE(glob_match_list(",", ""));
    EXPECT_FALSE(glob_match_list(",,,", "a"));
    EXPECT_TRUE(glob_match_list(",,a", "a"));
    EXPECT_TRUE(glob_match_list("a,,", "a"));
    EXPECT_TRUE(glob_match_list("b,,a", "a"));
    EXPECT_TRUE(glob_match_list(",*", ""));
}

TEST(glob, list_long_patterns)
{
    /*
     * Items are copied into a 128-byte buffer: up to 127 characters work,
     * a longer item is skipped (matches nothing) while the others still do.
     */
    char name[200], list[400];

    memset(name, 'n', sizeof(name));
    name[127] = '\0';
    snprintf(list, sizeof(list), "%s", name);
    EXPECT_TRUE(glob_match_list(list, name));
    snprintf(list, sizeof(list), "x,%s,y", name);
    EXPECT_TRUE(glob_match_list(list, name));

    name[127] = 'n';
    name[128] = '\0';
    snprintf(list, sizeof(list), "%s", name);
    EXPECT_FALSE(glob_match_list(list, name));
    snprintf(list, sizeof(list), "%s,n*", name);
    EXPECT_TRUE(glob_match_list(list, name));
    snprintf(list, sizeof(list), "%s,m*", name);
    EXPECT_FALSE(glob_match_list(list, name));
}
