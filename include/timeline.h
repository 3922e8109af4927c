/* SPDX-License-Identifier: MIT */
/*
 * timeline.h - stamps on the boot's time line, for the picture of a boot
 * (build/boot-timeline.png, drawn by tools/timeline.py). Each stamp is
 * printed as one line
 *   timeline: START END cpuN KIND LABEL
 * with START and END in seconds of Xen system time, the PV clock's time
 * since Xen booted, which is also the clock of Xen's console timestamps.
 * KIND is step (a line of kernel_main), cpu-up, suite (a test suite
 * begins), tests-end or exit; a mark has START == END. Stamps taken
 * before the PV clock exists are kept as TSC readings and printed once
 * it does (kernel/timeline.c). Without Xen nothing is printed.
 */
#ifndef XENLING_TIMELINE_H
#define XENLING_TIMELINE_H

#include <lib.h>

/*
 * Run one boot step and stamp its start and end, labelled with the call's
 * text:   STEP(timer_init());
 */
#define STEP(call) \
    do \
    { \
        uint64_t step_t0_ = timeline_tsc(); \
        call; \
        timeline_step(#call, step_t0_); \
    } while ( 0 )

/* The TSC now. Out of line, so that a debugger's `break kernel_main`
 * stops on kernel_main's first line, not in an inlined rdtsc. */
uint64_t timeline_tsc(void);

/* The end of a step that began when the TSC read start_tsc (STEP).
 * `what` must be a string literal. Any CPU, any context. */
void timeline_step(const char *what, uint64_t start_tsc);

/*
 * A mark: something happened now on this CPU. label may be "". Before
 * the PV clock works, stamps wait in a table, so label must then stay
 * valid until it does; after that it is printed at once. Any CPU, any
 * context; takes the timeline lock (interrupts off) and prints.
 */
void timeline_mark(const char *kind, const char *label);

#endif
