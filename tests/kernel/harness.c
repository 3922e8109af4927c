/* SPDX-License-Identifier: MIT */
/*
 * harness.c - a test that always fails, on purpose. It never runs by
 * default (TEST_MANUAL); tools/test-harness.sh selects it with
 * tests=harness.must_fail on every tier to prove the harness reports a
 * failure with a non-zero status.
 */
#include <ktest.h>

TEST_MANUAL(harness, must_fail)
{
    unsigned int two = 2;

    EXPECT_EQ(two + 2, 5u); /* wrong on purpose */
}
