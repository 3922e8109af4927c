/* SPDX-License-Identifier: MIT */
/*
 * lockup.h - the rule of the hard-lockup detector: one CPU watches a
 * peer's heartbeat (a count the peer's own watchdog interrupt raises
 * about once a second) and decides when the peer has made no progress
 * for long enough to be sent an NMI, and when an NMI it sent went
 * unanswered. The peer's time is what Xen says it ran or kept it halted
 * (its runstate), so a vCPU Xen did not run is never taken for a stuck
 * one. Portable and
 * host-tested (kernel/lib/lockup.c, tests/host/test_lockup.c); the NMI
 * and its report are kernel/hardlockup.c.
 */
#ifndef XENLING_LOCKUP_H
#define XENLING_LOCKUP_H

#include <lib.h>

/* What an observer last saw of one peer. Owned by the observer. */
struct lockup_watch {
    bool seeded;     /* beat and ran_ns hold a reading */
    bool reported;   /* LOCKUP_NO_ANSWER was returned once */
    uint64_t beat;   /* the peer's heartbeat when it last moved */
    uint64_t ran_ns; /* the peer's running time at that reading */
    uint64_t nmi_ns; /* the observer's clock when the NMI went; 0: none */
};

struct lockup_limits {
    uint64_t stuck_ns;  /* peer running time without a beat: send the NMI */
    uint64_t answer_ns; /* observer time the NMI has to be answered in */
};

enum lockup_action {
    LOCKUP_FINE,      /* the peer beat, or has not run long enough */
    LOCKUP_SEND_NMI,  /* stuck: send the NMI now (once per episode) */
    LOCKUP_WAIT,      /* NMI sent, answer still awaited */
    LOCKUP_NO_ANSWER, /* NMI unanswered in answer_ns (returned once) */
};

/* Forget what was seen: the next check only takes a new reading. */
void lockup_watch_reset(struct lockup_watch *w);

/*
 * One check of a peer: `beat` its heartbeat now, `ran_ns` its running
 * time now (Xen's runstate, or any clock without one), `now_ns` the
 * observer's clock. A beat that moved, a first reading, or a running
 * time that went back (counters restarted in a new domain after a
 * restore) starts the count again. Never returns LOCKUP_SEND_NMI twice
 * for one episode of no beats.
 */
enum lockup_action lockup_check(struct lockup_watch *w, uint64_t beat,
                                uint64_t ran_ns, uint64_t now_ns,
                                const struct lockup_limits *lim);

/* How long (ns of peer running time) the peer has gone without a beat. */
uint64_t lockup_stuck_ns(const struct lockup_watch *w, uint64_t ran_ns);

#endif
