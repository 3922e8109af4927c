/* SPDX-License-Identifier: MIT */
/*
 * hardlockup.c - the hard-lockup detector (include/hardlockup.h): each
 * CPU's heartbeat, raised by its watchdog interrupt (kernel/watchdog.c);
 * the check of the next CPU in the ring, by the rule of
 * kernel/lib/lockup.c on Xen's runstate of that CPU (its time running
 * or blocked); the NMI sent to a
 * stuck CPU through its local APIC; and the NMI's report on that CPU,
 * which ends in a panic.
 */
#define __XEN_TOOLS__ 1 /* xen/sysctl.h: XEN_SYSCTL_debug_keys */
#include <kernel.h>
#include <bootinfo.h>
#include <clock.h>
#include <cmdline.h>
#include <evtchn.h>
#include <hardlockup.h>
#include <hypervisor.h>
#include <lockup.h>
#include <mm.h>
#include <percpu.h>
#include <sched.h>
#include <shared_info.h>
#include <traps.h>
#include <watchdog.h>
#include <xen_errno.h>
#include <arch/lapic.h>
#include <arch/x86.h>
#include <xen/sysctl.h>

extern struct boot_info boot_info;

#define STACK_WORDS   64 /* stack words scanned for return addresses */
#define STACK_RETURNS 8  /* of which printed */

struct hl_cpu {
    uint64_t beat;     /* raised by this CPU's watchdog interrupt: atomic */
    uint32_t apic_id;  /* set once, before ready */
    bool ready;        /* set once (release), after apic_id */
    unsigned int peer; /* the CPU watched: this CPU's tick only */
    struct lockup_watch watch; /* of peer: this CPU's tick only */
    /* The upcall stall check of peer: this CPU's tick only. */
    uint64_t st_beat, st_upcalls; /* the peer's at the last tick */
    unsigned int stall;           /* ticks it looked stalled in a row */
    /* The upcall vector's IRR and ISR bits at this CPU's last beat:
     * written by this CPU's watchdog interrupt, read by its watcher. */
    bool irr_at_beat, isr_at_beat;
    /* The soft-lockup check of this CPU: its tick only. */
    const struct thread *sl_thread; /* interrupted at the last beat */
    uint64_t sl_switches;           /* this CPU's switches then */
    unsigned int sl_beats;          /* beats since, without a switch */
    /* A request for an NMI to this CPU: the sender writes it (release)
     * before the NMI; the NMI handler takes it (exchange). -1: none. */
    int nmi_from;
    uint64_t nmi_stuck_ms; /* written by the sender before nmi_from */
    /* A request for this CPU's state, by the CPU reporting a lockup:
     * set (release) before the NMI, cleared by the handler when done. */
    int dump_from;
    /* A test's NMI: armed by the test, recorded here by the handler. */
    bool nmi_expected; /* atomic */
    bool nmi_seen;     /* atomic, set after rip and rflags */
    uint64_t nmi_rip, nmi_rflags;
};

static struct hl_cpu hl[MAX_CPUS];
static void print_stack_returns(unsigned int me, uint64_t rsp);
static void dump_others(unsigned int me);
static void dump_for_report(unsigned int me, const struct trap_frame *f);
static bool stood_down;     /* atomic: the run is ending */
static bool stall_reported; /* atomic: the upcall stall said once */
/* Soft lockup limit in beats: boot CPU, once, before any beat. */
static unsigned int softlockup_beats; /* 0: report only, never panic */
static const struct lockup_limits limits = {
    .stuck_ns = HARDLOCKUP_STUCK_NS,
    .answer_ns = HARDLOCKUP_ANSWER_NS,
};

/* softlockup_s=N from the command line (3 or more), else 0 (no panic). */
static unsigned int
softlockup_limit(void)
{
    uint64_t s = 0; /* absent or refused: soft lockups reported only */

    cmdline_get_number(boot_info.cmdline, "softlockup_s", 3, 100000, &s);
    return (unsigned int)s;
}

int
hardlockup_init_cpu(void)
{
    struct hl_cpu *h = &hl[smp_processor_id()];

    if ( cmdline_has(boot_info.cmdline, "nohardlockup") )
    {
        if ( smp_processor_id() == 0 )
            printk("hardlockup: off (nohardlockup)\n");
        return -1;
    }
    if ( smp_processor_id() == 0 )
        softlockup_beats = softlockup_limit();
    h->apic_id = lapic_id();
    h->peer = smp_processor_id();
    h->nmi_from = -1;
    h->dump_from = -1;
    /* Release: the APIC id is written before a peer may use it. */
    __atomic_store_n(&h->ready, true, __ATOMIC_RELEASE);
    if ( smp_processor_id() == 0 )
        printk(
            "hardlockup: a heartbeat every %llu ms; a CPU without one for %llu ms running or halted gets an NMI; a thread running %u s without a switch is reported%s\n",
            HARDLOCKUP_BEAT_NS / NSEC_PER_MSEC,
            HARDLOCKUP_STUCK_NS / NSEC_PER_MSEC,
            softlockup_beats ? softlockup_beats / 3 : SOFTLOCKUP_REPORT_BEATS,
            softlockup_beats ? ", and ends the run at the softlockup_s limit"
                             : " (every 20 s; softlockup_s=N ends the run)");
    return 0;
}

/* The next CPU after `me` in the ring whose detector is up, or me. */
static unsigned int
next_peer(unsigned int me)
{
    unsigned int i, p;

    for ( i = 1; i < MAX_CPUS; i++ )
    {
        p = (me + i) % MAX_CPUS;
        if ( __atomic_load_n(&hl[p].ready, __ATOMIC_ACQUIRE) )
            return p;
    }
    return me;
}

/*
 * The time CPU cpu should have beaten in, by Xen's account: running, or
 * blocked (a halted vCPU's APIC timer still fires and wakes it, so a
 * vCPU left blocked with no beat has lost its timers: a silent hang
 * too). Not the time it was runnable without a physical CPU, nor
 * offline (down, or paused). Our clock without a runstate area.
 */
static uint64_t
ran_ns(unsigned int cpu)
{
    uint64_t t[4];

    watchdog_runstate(cpu, t);
    if ( !t[RUNSTATE_running] )
        return clock_now_ns();
    return t[RUNSTATE_running] + t[RUNSTATE_blocked];
}

int
hardlockup_send_nmi(unsigned int cpu)
{
    if ( cpu >= MAX_CPUS || !__atomic_load_n(&hl[cpu].ready, __ATOMIC_ACQUIRE) )
        return -XEN_EINVAL;
    lapic_send_nmi(hl[cpu].apic_id);
    return 0;
}

/*
 * On an NMI from the CPU reporting a lockup: print where this CPU is
 * (RIP, thread, stack, the watchdog dump with its timer and upcall
 * state), then go on. Not when this CPU holds the console lock (the NMI
 * came in the middle of a line): it says so in one word instead.
 */
static void
dump_for_report(unsigned int me, const struct trap_frame *f)
{
    const struct thread *t = thread_self();
    int from = __atomic_load_n(&hl[me].dump_from, __ATOMIC_ACQUIRE);

    if ( !printk_console_held_here() )
    {
        printk(
            "hardlockup: CPU %u (asked by CPU %d): rip %016llx rflags %016llx (interrupts %s), thread %u (%s), %u interrupt(s) deep\n",
            me, from, (unsigned long long)f->rip, (unsigned long long)f->rflags,
            f->rflags & X86_FLAGS_IF ? "on" : "off", t ? t->id : 0,
            t ? t->name : "none", this_cpu()->irq_depth - 1);
        print_stack_returns(me, f->rsp);
        backtrace(f->rbp);
        watchdog_dump("asked for the hard-lockup report");
    }
    /* Release: our lines are out before the reporter goes on. */
    __atomic_store_n(&hl[me].dump_from, -1, __ATOMIC_RELEASE);
}

/*
 * The reporter's side: ask every other CPU with the detector, one at a
 * time, for its state (dump_for_report), waiting at most a second for
 * each (a CPU that cannot take the NMI is named and skipped).
 */
static void
dump_others(unsigned int me)
{
    unsigned int c;
    uint64_t end;

    for ( c = 0; c < MAX_CPUS; c++ )
    {
        if ( c == me || !__atomic_load_n(&hl[c].ready, __ATOMIC_ACQUIRE) )
            continue;
        __atomic_store_n(&hl[c].dump_from, (int)me, __ATOMIC_RELEASE);
        lapic_send_nmi(hl[c].apic_id);
        end = clock_now_ns() + NSEC_PER_SEC;
        while ( __atomic_load_n(&hl[c].dump_from, __ATOMIC_ACQUIRE) >= 0 &&
                clock_now_ns() < end )
            cpu_relax();
        if ( __atomic_load_n(&hl[c].dump_from, __ATOMIC_ACQUIRE) >= 0 )
            printk(
                "hardlockup: CPU %u did not answer the NMI for its state within 1 s\n",
                c);
    }
}

/* The NMI went unanswered: say so from here (this CPU takes the console
 * over, as the stuck CPU may hold its lock) and end the run. */
static void __noreturn
no_answer(unsigned int me, unsigned int p)
{
    const struct thread *t = cpus[p].thread; /* a snapshot */
    uint64_t rs[4];

    printk_final_mode();
    dump_others(me);
    watchdog_runstate(p, rs);
    printk(
        "hardlockup: CPU %u: the NMI sent to CPU %u %llu ms ago went unanswered; its thread %s; Xen ran it %llu ms in all, left it runnable %llu ms, blocked %llu ms\n",
        me, p, HARDLOCKUP_ANSWER_NS / NSEC_PER_MSEC, t ? t->name : "(none)",
        (unsigned long long)(rs[RUNSTATE_running] / NSEC_PER_MSEC),
        (unsigned long long)(rs[RUNSTATE_runnable] / NSEC_PER_MSEC),
        (unsigned long long)(rs[RUNSTATE_blocked] / NSEC_PER_MSEC));
    panic("hard lockup: CPU %u made no progress and did not answer an NMI", p);
}

/* Ask Xen to run debug keys (dom0 only): its dump goes to its console,
 * the same serial line as ours. */
static long
xen_debug_keys(const char *keys)
{
    struct xen_sysctl s = {
        .cmd = XEN_SYSCTL_debug_keys,
        .interface_version = XEN_SYSCTL_INTERFACE_VERSION,
    };

    set_xen_guest_handle(s.u.debug_keys.keys, keys);
    s.u.debug_keys.nr_keys = strlen(keys);
    return hypercall1(__HYPERVISOR_sysctl, &s);
}

/*
 * Peer p's evtchn_upcall_pending stayed set over HARDLOCKUP_STALL_BEATS
 * of our ticks with no upcall taken, while p beat in each (it took its
 * watchdog vector, 0xf1, below the upcall vector): the upcall is
 * requested but not injected (tools/README.md, "Open: two tier-1
 * flakes"). Say so once, with Xen's view of the vCPU.
 */
static void
check_upcall_stall(struct hl_cpu *h, unsigned int me, unsigned int p,
                   uint64_t beat)
{
    struct vcpu_info *vi = vcpu_info(p);
    struct evtchn_stats st;
    bool pending;
    long rc;

    if ( !vi || !evtchn_available() )
        return;
    evtchn_get_stats(p, &st);
    pending = __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_RELAXED);
    if ( pending && st.upcalls == h->st_upcalls && beat != h->st_beat )
        h->stall++;
    else
        h->stall = 0;
    h->st_upcalls = st.upcalls;
    h->st_beat = beat;
    if ( h->stall < HARDLOCKUP_STALL_BEATS ||
         __atomic_exchange_n(&stall_reported, true, __ATOMIC_RELAXED) )
        return;
    printk(
        "hardlockup: CPU %u: CPU %u has had evtchn_upcall_pending set for %u beats without taking an upcall (%llu taken so far), though it takes its watchdog interrupts: an upcall requested, not injected; at its last beat the upcall vector had IRR %d ISR %d\n",
        me, p, h->stall, (unsigned long long)st.upcalls,
        __atomic_load_n(&hl[p].irr_at_beat, __ATOMIC_RELAXED),
        __atomic_load_n(&hl[p].isr_at_beat, __ATOMIC_RELAXED));
    if ( !xen.initial_domain )
        return;
    printk(
        "hardlockup: CPU %u: asking Xen for its VMCBs and domains (debug keys v, q)\n",
        me);
    rc = xen_debug_keys("vq");
    if ( rc )
        printk("hardlockup: CPU %u: XEN_SYSCTL_debug_keys refused: %ld\n", me,
               rc);
}

/*
 * The thread f interrupted has run without a switch since our last
 * beats: a loop with interrupts on that no wait bounds (a wait sleeps,
 * and its watchdog covers it). Say where it is, then end the run.
 */
static void
check_soft_lockup(struct hl_cpu *h, unsigned int me, const struct trap_frame *f)
{
    const struct thread *t = thread_self();
    struct sched_stats st;

    sched_get_stats(me, &st);
    if ( this_cpu()->irq_depth != 1 || !t || thread_is_idle(t, me) ||
         t != h->sl_thread || st.switches != h->sl_switches )
    {
        h->sl_thread = t;
        h->sl_switches = st.switches;
        h->sl_beats = 0;
        return;
    }
    ++h->sl_beats;
    if ( softlockup_beats ? h->sl_beats != softlockup_beats / 3 &&
                                h->sl_beats != softlockup_beats
                          : h->sl_beats % SOFTLOCKUP_REPORT_BEATS != 0 )
        return;
    printk(
        "softlockup: CPU %u: thread %u (%s) has run %u s without a context switch, interrupts on: rip %016llx rflags %016llx rsp %016llx\n",
        me, t->id, t->name, h->sl_beats, (unsigned long long)f->rip,
        (unsigned long long)f->rflags, (unsigned long long)f->rsp);
    print_stack_returns(me, f->rsp);
    backtrace(f->rbp);
    if ( softlockup_beats && h->sl_beats == softlockup_beats )
        panic(
            "soft lockup: thread %s on CPU %u ran %u s without a switch, at rip %llx",
            t->name, me, h->sl_beats, (unsigned long long)f->rip);
}

void
hardlockup_tick(const struct trap_frame *f, bool upcall_irr, bool upcall_isr)
{
    unsigned int me = smp_processor_id(), p;
    struct hl_cpu *h = &hl[me];
    uint64_t beat, ran;

    if ( !__atomic_load_n(&h->ready, __ATOMIC_RELAXED) ||
         __atomic_load_n(&stood_down, __ATOMIC_RELAXED) )
        return;
    __atomic_store_n(&h->irr_at_beat, upcall_irr, __ATOMIC_RELAXED);
    __atomic_store_n(&h->isr_at_beat, upcall_isr, __ATOMIC_RELAXED);
    __atomic_fetch_add(&h->beat, 1, __ATOMIC_RELAXED);
    check_soft_lockup(h, me, f);
    p = next_peer(me);
    if ( p == me )
        return; /* nobody to watch */
    if ( p != h->peer )
    {
        h->peer = p;
        lockup_watch_reset(&h->watch);
        h->stall = 0;
    }
    beat = __atomic_load_n(&hl[p].beat, __ATOMIC_RELAXED);
    ran = ran_ns(p);
    switch ( lockup_check(&h->watch, beat, ran, clock_now_ns(), &limits) )
    {
    case LOCKUP_SEND_NMI:
        /* No printk here: the stuck CPU may hold the console lock, and
         * this CPU would spin on it with interrupts off. The report is
         * the NMI handler's. */
        hl[p].nmi_stuck_ms = lockup_stuck_ns(&h->watch, ran) / NSEC_PER_MSEC;
        /* In dom0, Xen's view of the stuck vCPU first (its VMCB: the
         * pending injection, the interrupt shadow, V_TPR, RFLAGS), before
         * the NMI changes it; the dump goes to Xen's console. */
        if ( xen.initial_domain )
            xen_debug_keys("v");
        /* Release: the duration is written before the request. */
        __atomic_store_n(&hl[p].nmi_from, (int)me, __ATOMIC_RELEASE);
        lapic_send_nmi(hl[p].apic_id);
        break;
    case LOCKUP_NO_ANSWER:
        no_answer(me, p);
    case LOCKUP_FINE:
        check_upcall_stall(h, me, p, beat);
        break;
    case LOCKUP_WAIT:
        break;
    }
}

/* Return addresses (words pointing into the kernel's text) on the
 * stack at rsp, up to the end of its page (which is mapped: rsp is in
 * it), innermost first. */
static void
print_stack_returns(unsigned int me, uint64_t rsp)
{
    const uint64_t *w = (const uint64_t *)(uintptr_t)rsp;
    uint64_t end = ALIGN_DOWN(rsp, PAGE_SIZE) + PAGE_SIZE;
    char line[160];
    size_t n = 0;
    unsigned int i, found = 0;

    if ( rsp & 7 )
        return;
    line[0] = '\0';
    for ( i = 0; i < STACK_WORDS && (uint64_t)(uintptr_t)&w[i] < end &&
                 found < STACK_RETURNS;
          i++ )
        if ( w[i] >= (uintptr_t)__text_start && w[i] < (uintptr_t)__text_end )
        {
            n += snprintf(line + n, sizeof(line) - n, " %llx",
                          (unsigned long long)w[i]);
            found++;
            if ( n >= sizeof(line) )
                break;
        }
    printk("hardlockup: CPU %u: text addresses on its stack:%s\n", me,
           found ? line : " none");
}

bool
hardlockup_nmi(struct trap_frame *f)
{
    unsigned int me = smp_processor_id();
    struct hl_cpu *h = &hl[me];
    const struct thread *t = thread_self();
    int from;

    if ( __atomic_exchange_n(&h->nmi_expected, false, __ATOMIC_ACQUIRE) )
    {
        h->nmi_rip = f->rip;
        h->nmi_rflags = f->rflags;
        /* Release: rip and rflags are written before the flag. */
        __atomic_store_n(&h->nmi_seen, true, __ATOMIC_RELEASE);
        return true;
    }
    if ( !__atomic_load_n(&h->ready, __ATOMIC_ACQUIRE) )
        return false; /* we sent none here */
    if ( __atomic_load_n(&h->dump_from, __ATOMIC_ACQUIRE) >= 0 )
    {
        dump_for_report(me, f);
        return true;
    }
    from = __atomic_exchange_n(&h->nmi_from, -1, __ATOMIC_ACQUIRE);
    if ( __atomic_load_n(&stood_down, __ATOMIC_RELAXED) )
        return true; /* the run is ending anyway: let it end */
    if ( from < 0 )
        return false;
    /* This CPU may hold the console lock itself: take the console over. */
    printk_final_mode();
    printk(
        "hardlockup: CPU %u made no progress for %llu ms running or halted by Xen's account (no watchdog interrupt: interrupts off, stuck in a handler, or its timers lost); NMI from CPU %d:\n",
        me, (unsigned long long)h->nmi_stuck_ms, from);
    printk(
        "hardlockup: CPU %u: rip %016llx rflags %016llx (interrupts %s) rsp %016llx\n",
        me, (unsigned long long)f->rip, (unsigned long long)f->rflags,
        f->rflags & X86_FLAGS_IF ? "on" : "off", (unsigned long long)f->rsp);
    printk(
        "hardlockup: CPU %u: interrupted thread %u (%s), %u interrupt(s) deep\n",
        me, t ? t->id : 0, t ? t->name : "none", this_cpu()->irq_depth - 1);
    trap_dump(f);
    print_stack_returns(me, f->rsp);
    backtrace(f->rbp);
    watchdog_dump("hard lockup");
    dump_others(me);
    panic(
        "hard lockup: CPU %u made no progress for %llu ms (interrupts %s at rip %llx)",
        me, (unsigned long long)h->nmi_stuck_ms,
        f->rflags & X86_FLAGS_IF ? "on" : "off", (unsigned long long)f->rip);
}

void
hardlockup_stand_down(void)
{
    __atomic_store_n(&stood_down, true, __ATOMIC_RELAXED);
}

void
hardlockup_resume(void)
{
    unsigned int i;

    for ( i = 0; i < MAX_CPUS; i++ )
        lockup_watch_reset(&hl[i].watch);
}

void
hardlockup_expect_nmi(unsigned int cpu)
{
    if ( cpu >= MAX_CPUS )
        return;
    __atomic_store_n(&hl[cpu].nmi_seen, false, __ATOMIC_RELAXED);
    __atomic_store_n(&hl[cpu].nmi_expected, true, __ATOMIC_RELEASE);
}

bool
hardlockup_nmi_seen(unsigned int cpu, uint64_t *rip, uint64_t *rflags)
{
    if ( cpu >= MAX_CPUS ||
         !__atomic_load_n(&hl[cpu].nmi_seen, __ATOMIC_ACQUIRE) )
        return false;
    *rip = hl[cpu].nmi_rip;
    *rflags = hl[cpu].nmi_rflags;
    return true;
}

uint64_t
hardlockup_beats(unsigned int cpu)
{
    return cpu < MAX_CPUS ? __atomic_load_n(&hl[cpu].beat, __ATOMIC_RELAXED)
                          : 0;
}

bool
hardlockup_ready(unsigned int cpu)
{
    return cpu < MAX_CPUS && __atomic_load_n(&hl[cpu].ready, __ATOMIC_ACQUIRE);
}

unsigned int
hardlockup_stall_reports(void)
{
    return __atomic_load_n(&stall_reported, __ATOMIC_RELAXED);
}
