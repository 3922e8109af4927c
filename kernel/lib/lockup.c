/* SPDX-License-Identifier: MIT */
/*
 * lockup.c - the hard-lockup detector's rule (include/lockup.h): from a
 * peer's heartbeat and its running time, when to send it an NMI and when
 * to give up waiting for the answer. Portable; kernel/hardlockup.c reads
 * the heartbeats and runstates and acts on the result.
 */
#include <lockup.h>

void
lockup_watch_reset(struct lockup_watch *w)
{
    memset(w, 0, sizeof(*w));
}

uint64_t
lockup_stuck_ns(const struct lockup_watch *w, uint64_t ran_ns)
{
    return w->seeded && ran_ns > w->ran_ns ? ran_ns - w->ran_ns : 0;
}

enum lockup_action
lockup_check(struct lockup_watch *w, uint64_t beat, uint64_t ran_ns,
             uint64_t now_ns, const struct lockup_limits *lim)
{
    if ( !w->seeded || beat != w->beat || ran_ns < w->ran_ns )
    {
        /* Progress (or a first look): count from here. */
        lockup_watch_reset(w);
        w->seeded = true;
        w->beat = beat;
        w->ran_ns = ran_ns;
        return LOCKUP_FINE;
    }
    if ( w->nmi_ns )
    {
        if ( w->reported || now_ns < w->nmi_ns ||
             now_ns - w->nmi_ns < lim->answer_ns )
            return LOCKUP_WAIT;
        w->reported = true;
        return LOCKUP_NO_ANSWER;
    }
    if ( ran_ns - w->ran_ns < lim->stuck_ns )
        return LOCKUP_FINE;
    w->nmi_ns = MAX(now_ns, 1ull);
    return LOCKUP_SEND_NMI;
}
