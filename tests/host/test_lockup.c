/* SPDX-License-Identifier: MIT */
/*
 * test_lockup.c - host tests of the hard-lockup rule (kernel/lib/lockup.c):
 * a peer whose heartbeat stops while Xen runs it gets one NMI after the
 * limit; one that Xen does not run, one that beats, or one whose counters
 * restart never does; an unanswered NMI is reported once.
 */
#include <ktest.h>
#include <lockup.h>

#define MS 1000000ull

static const struct lockup_limits lim = { .stuck_ns = 5000 * MS,
                                          .answer_ns = 3000 * MS };

TEST(lockup, stopped_beat_while_running_gets_one_nmi)
{
    struct lockup_watch w;
    unsigned int sends = 0, s;

    lockup_watch_reset(&w);
    EXPECT_EQ(lockup_check(&w, 7, 1000 * MS, 1000 * MS, &lim), LOCKUP_FINE);
    /* The beat stays at 7 while the peer runs: 4.9 s is not enough. */
    EXPECT_EQ(lockup_check(&w, 7, 5900 * MS, 5900 * MS, &lim), LOCKUP_FINE);
    EXPECT_EQ(lockup_stuck_ns(&w, 5900 * MS), 4900 * MS);
    EXPECT_EQ(lockup_check(&w, 7, 6000 * MS, 6000 * MS, &lim), LOCKUP_SEND_NMI);
    for ( s = 6001; s < 8999; s += 500 )
        if ( lockup_check(&w, 7, s * MS, s * MS, &lim) == LOCKUP_SEND_NMI )
            sends++;
    EXPECT_EQ(sends, 0u);
}

TEST(lockup, peer_not_run_by_xen_is_not_stuck)
{
    struct lockup_watch w;
    unsigned int s;

    lockup_watch_reset(&w);
    /* A minute of wall time, but Xen ran the peer only 1 s of it. */
    for ( s = 0; s <= 60; s++ )
        EXPECT_EQ(
            lockup_check(&w, 3, 2000 * MS + s * 16 * MS, s * 1000 * MS, &lim),
            LOCKUP_FINE);
}

TEST(lockup, a_beat_starts_the_count_again)
{
    struct lockup_watch w;
    uint64_t beat = 1, s;

    lockup_watch_reset(&w);
    /* It beats every 4 s of running: never 5 s without one. */
    for ( s = 0; s < 100; s++ )
    {
        if ( s % 4 == 0 )
            beat++;
        EXPECT_EQ(lockup_check(&w, beat, s * 1000 * MS, s * 1000 * MS, &lim),
                  LOCKUP_FINE);
    }
}

TEST(lockup, counters_going_back_start_again)
{
    struct lockup_watch w;

    lockup_watch_reset(&w);
    EXPECT_EQ(lockup_check(&w, 9, 90000 * MS, 1000 * MS, &lim), LOCKUP_FINE);
    /* A new domain after a restore: Xen's runstate counts from 0. */
    EXPECT_EQ(lockup_check(&w, 9, 10 * MS, 2000 * MS, &lim), LOCKUP_FINE);
    EXPECT_EQ(lockup_check(&w, 9, 5000 * MS, 7000 * MS, &lim), LOCKUP_FINE);
    EXPECT_EQ(lockup_check(&w, 9, 5010 * MS, 7010 * MS, &lim), LOCKUP_SEND_NMI);
}

TEST(lockup, unanswered_nmi_is_reported_once)
{
    struct lockup_watch w;

    lockup_watch_reset(&w);
    lockup_check(&w, 1, 0, 0, &lim);
    EXPECT_EQ(lockup_check(&w, 1, 5000 * MS, 5000 * MS, &lim), LOCKUP_SEND_NMI);
    EXPECT_EQ(lockup_check(&w, 1, 6000 * MS, 6000 * MS, &lim), LOCKUP_WAIT);
    /* The observer's clock going back is no reason to give up. */
    EXPECT_EQ(lockup_check(&w, 1, 6500 * MS, 4000 * MS, &lim), LOCKUP_WAIT);
    EXPECT_EQ(lockup_check(&w, 1, 8000 * MS, 8000 * MS, &lim),
              LOCKUP_NO_ANSWER);
    EXPECT_EQ(lockup_check(&w, 1, 9000 * MS, 9000 * MS, &lim), LOCKUP_WAIT);
    /* It beat after all (the NMI got it out): a new episode. */
    EXPECT_EQ(lockup_check(&w, 2, 9500 * MS, 9500 * MS, &lim), LOCKUP_FINE);
    EXPECT_EQ(lockup_check(&w, 2, 14500 * MS, 14500 * MS, &lim),
              LOCKUP_SEND_NMI);
}
