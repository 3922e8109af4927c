/* SPDX-License-Identifier: MIT */
/*
 * hardlockup.h - the hard-lockup detector. A wait's watchdog (watchdog.h)
 * runs on the waiting CPU's own local APIC timer, so a CPU spinning with
 * interrupts off (a lock, a loop in a queue) never trips it, and the run
 * would hang without a word. So each CPU's watchdog interrupt also beats a
 * heartbeat about once a second and checks one peer (the next CPU in a
 * ring): a peer whose heartbeat has not moved while Xen ran it or left it
 * halted (blocked) for HARDLOCKUP_STUCK_NS gets an NMI, which arrives with
 * interrupts off or wakes a halt; its handler prints where that CPU was
 * (RIP, RFLAGS, the interrupted thread, the registers, the return addresses
 * on its stack, the timer state) and panics: a failing verdict, never
 * silence; before its own panic it asks every other CPU for the same by NMI,
 * and in dom0 the sender first has Xen dump its VMCBs (debug key v). An NMI
 * unanswered in HARDLOCKUP_ANSWER_NS is reported by the sender, which then
 * panics. A thread that loops with interrupts on for a minute without a
 * context switch is a soft lockup: reported every 20 s, and a panic at
 * softlockup_s=N if given. The rule is kernel/lib/lockup.c (portable, host-tested);
 * the rest kernel/hardlockup.c. `nohardlockup` on the command line turns it
 * off; `nowatchdog` does too (no heartbeats).
 */
#ifndef XENLING_HARDLOCKUP_H
#define XENLING_HARDLOCKUP_H

#include <lib.h>

struct trap_frame;

#define HARDLOCKUP_BEAT_NS      (1000 * 1000 * 1000ull) /* heartbeat period */
#define HARDLOCKUP_STUCK_NS     (5 * 1000 * 1000 * 1000ull) /* no beat: NMI */
#define HARDLOCKUP_ANSWER_NS    (3 * 1000 * 1000 * 1000ull) /* NMI answer */
#define HARDLOCKUP_STALL_BEATS  3 /* upcall pending, not taken: report */
/* A thread running this many beats without a switch (interrupts on) is
 * reported, and again at each multiple. With `softlockup_s=N` on the
 * command line it is reported at N/3 and the run ends in a panic at N
 * (tools/test-faults.sh uses 6); not by default: a slow but legitimate
 * busy wait under a loaded host (smp_call_on's wait for a free request,
 * seen at 20 s at 8 vCPUs) must not fail a run. */
#define SOFTLOCKUP_REPORT_BEATS 20

/*
 * Per CPU, from watchdog_init_cpu once this CPU's watchdog works:
 * note this CPU's local APIC id (where NMIs reach it) and let peers
 * watch it. Returns 0, or -1 when turned off (it then never beats, and
 * no peer watches it).
 */
int hardlockup_init_cpu(void);

/*
 * From this CPU's watchdog interrupt, every HARDLOCKUP_BEAT_NS or so:
 * beat, then check the peer this CPU watches. `upcall_irr` and
 * `upcall_isr`: the upcall vector's local APIC bits as this interrupt
 * found them. Besides a hard lockup, the check notices a peer whose
 * evtchn_upcall_pending stays set for HARDLOCKUP_STALL_BEATS beats
 * without an upcall taken while it still takes its watchdog interrupts
 * (the upcall is not being injected): it says so once per run and, in
 * dom0, asks Xen to dump its VMCBs and domains (debug keys v and q).
 * And on this CPU it notices a soft lockup: the thread `f` interrupted
 * has run SOFTLOCKUP_REPORT_BEATS beats without a context switch (a
 * loop with interrupts on that no wait bounds): where it is gets
 * printed (and with softlockup_s=N, the run ends in a panic at N).
 * Interrupts off.
 */
void hardlockup_tick(const struct trap_frame *f, bool upcall_irr,
                     bool upcall_isr);

/*
 * From trap_dispatch, for an NMI on this CPU. An NMI the detector sent
 * prints its report and panics (never returns); a test's expected NMI is
 * recorded. Returns true when the NMI is dealt with and the interrupted
 * code may go on, false for an NMI nobody sent (the caller reports it
 * as an unexpected exception).
 */
bool hardlockup_nmi(struct trap_frame *f);

/* The run is ending (panic, machine_exit, shutdown), perhaps with
 * interrupts off for long: stop checking, and ignore NMIs. Any context. */
void hardlockup_stand_down(void);

/* After a suspend (watchdog_resume), CPU 0, others parked: forget what
 * was seen of every peer, so the time away counts for nothing. */
void hardlockup_resume(void);

/*
 * For tests: make CPU cpu's next NMI an expected one, send it one
 * (hardlockup_send_nmi: 0, or -XEN_EINVAL when cpu has no detector),
 * and see whether it came (true) and where it found that CPU.
 */
void hardlockup_expect_nmi(unsigned int cpu);
int hardlockup_send_nmi(unsigned int cpu);
bool hardlockup_nmi_seen(unsigned int cpu, uint64_t *rip, uint64_t *rflags);
/* Whether CPU cpu has the detector (it beats, a peer watches it), and
 * how many times it has beat so far. Any context. */
bool hardlockup_ready(unsigned int cpu);
/* Upcall stalls reported so far (0 or 1: once per run). */
unsigned int hardlockup_stall_reports(void);
uint64_t hardlockup_beats(unsigned int cpu);

#endif
