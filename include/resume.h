/* SPDX-License-Identifier: MIT */
/*
 * resume.h - suspend for xl save / xl migrate / xl save -c, and the
 * rebuild after it (kernel/resume.c; docs/resume.md).
 */
#ifndef XENLING_RESUME_H
#define XENLING_RESUME_H
#include <lib.h>

/*
 * Suspend the domain for the toolstack and return once it runs again:
 * xenstore quiesced, every other vCPU parked with interrupts off, then
 * SCHEDOP_shutdown(SHUTDOWN_suspend) on vCPU 0 (from a thread made there
 * if the caller runs elsewhere). In a new domain everything is rebuilt
 * (kernel_resume); after a cancel, things are let go as they were.
 * Returns 0 once running again either way (resume_get_stats says which),
 * or a negative Xen errno (printed) when it did not suspend. Thread
 * context, interrupts on, no lock held; one caller at a time (the
 * control watch).
 */
int kernel_suspend(void);

struct resume_stats {
    unsigned int resumed;   /* in a new domain */
    unsigned int cancelled; /* resumed in place (or Xen refused) */
    bool last_cancelled;
};
void resume_get_stats(struct resume_stats *out);

/*
 * Suspends that have come back so far, either way (resumed + cancelled):
 * a wait that sees it change was interrupted by one. Any context.
 */
unsigned int resume_count(void);

#endif
