/* SPDX-License-Identifier: MIT */
/*
 * sched.h - kernel threads and the per-CPU round-robin scheduler. A
 * thread belongs to one CPU for its whole life and runs only there; each
 * CPU has its own run queue, its own idle thread, and a time slice on its
 * own Xen single-shot timer, armed only while another thread waits for
 * that CPU. Sleep and wake-up work across CPUs: waking a thread of
 * another CPU queues it there and rings that CPU's reschedule IPI.
 * kernel/sched.c; the stack switch is kernel/arch/x86/switch.asm; the
 * preemption point is at the end of trap_dispatch (traps.c);
 * docs/sched.md explains the design.
 *
 * Rules:
 * - Threads run with interrupts enabled and may be preempted whenever
 *   they are. Code that must not be preempted disables interrupts, and
 *   a thread takes every spinlock with spin_lock_irqsave(): a thread
 *   preempted while holding a plain spin_lock() would make the next
 *   thread of its CPU that wants the lock panic (the lock records the
 *   CPU, not the thread, as its holder).
 * - Functions that may switch threads (thread_yield, thread_sleep*,
 *   thread_join*, thread_exit) are for thread context only: never in an
 *   interrupt handler or a timer callback (they panic there).
 * - Every thread created must be joined once; joining frees its stack
 *   and struct.
 */
#ifndef XENLING_SCHED_H
#define XENLING_SCHED_H

#include <lib.h>
#include <percpu.h>
#include <spinlock.h>

#define THREAD_NAME_MAX    16
#define THREAD_STACK_PAGES 4          /* 16 KiB, as an AP's boot stack */
#define SCHED_SLICE_NS     10000000ul /* 10 ms */

enum thread_state {
    THREAD_RUNNABLE, /* in its CPU's run queue */
    THREAD_RUNNING,  /* its CPU runs it now */
    THREAD_SLEEPING, /* off every queue until thread_wake() */
    THREAD_DEAD,     /* exited and off its stack: may be freed by join */
};

struct thread {
    /*
     * The stack pointer saved by the context switch while the thread is
     * not running. Written and read only by the thread's own CPU, in
     * sched_switch(), with interrupts off.
     */
    uint64_t rsp;
    unsigned int id;  /* unique, never reused; read-only */
    unsigned int cpu; /* the CPU it belongs to; read-only */
    char name[THREAD_NAME_MAX];
    void (*fn)(void *arg); /* entry point and its argument; read-only */
    void *arg;
    /* THREAD_STACK_PAGES pages above an unmapped guard page, NULL for
     * boot contexts */
    void *stack;
    /* state: its CPU's run-queue lock; only DEAD is set under join_lock
     * (with the run-queue lock not held, once the thread is off its
     * stack), and read there by the joiner. */
    enum thread_state state;
    struct thread *rq_next; /* link in the run queue: run-queue lock */
    bool exiting;           /* thread_exit ran: its CPU's run-queue lock */
    int exit_code;          /* set before `exiting`, read after DEAD */
    struct thread *joiner;  /* who waits in thread_join: join_lock */
    /* printk's partial line (kernel/printk.c): this thread's only. */
    struct printk_line line;
};

/* Per-CPU counters for tests and benchmarks (written by their CPU). */
struct sched_stats {
    uint64_t switches;    /* context switches */
    uint64_t preemptions; /* of those, at the end of an interrupt */
    uint64_t slices;      /* time slices that ran out */
    uint64_t wakeups;     /* sleeping threads made runnable here */
};

/*
 * Make the running contexts threads: on the boot CPU, the caller (it
 * becomes thread "main", on the boot stack) plus a new idle thread; on
 * every other CPU with IPIs, the context in sched_idle_loop(), which
 * becomes that CPU's idle thread. Installs the reschedule-IPI hook and
 * each CPU's time-slice timer (when it has timers). Boot CPU, once, after
 * ipi_init() and timer_init(), interrupts on; panics if it cannot
 * allocate the boot CPU's idle thread.
 */
void sched_init(void);

/*
 * The idle loop of a CPU: run threads while any are runnable, else halt
 * until an event (interrupts enabled while halted, as Xen takes a vCPU
 * halting with interrupts off as powered down). An AP enters it at the
 * end of its start-up, before sched_init() too: until then it only
 * halts. Never returns.
 */
void sched_idle_loop(void) __noreturn;

/*
 * Create a thread that runs fn(arg) on CPU `cpu`, RUNNABLE at the tail
 * of that CPU's run queue; a CPU other than the caller's gets a
 * reschedule IPI. Returning from fn is thread_exit(0). name is copied
 * (truncated to THREAD_NAME_MAX - 1 characters). Returns the thread, or
 * NULL (printed) for a NULL fn, a CPU that does not exist or cannot run
 * threads (offline, no IPIs), or no memory. Thread context after
 * sched_init(), any CPU.
 */
struct thread *thread_create(const char *name, void (*fn)(void *arg), void *arg,
                             unsigned int cpu);

/* The calling thread (NULL before sched_init). Any context. */
struct thread *thread_self(void);

/*
 * For diagnostics (the watchdog's dump), each line prefixed `pfx`: this
 * CPU's running thread, need_resched, the run queue (thread names, at
 * most 8), and its switch, preemption and slice counts. A snapshot: read
 * without the run-queue lock if another context holds it. Any context
 * on the CPU itself.
 */
void sched_dump(const char *pfx);

/* Whether t is CPU cpu's idle thread. Any context. */
bool thread_is_idle(const struct thread *t, unsigned int cpu);

/*
 * Let the other runnable threads of this CPU run first: the caller goes
 * to the tail of the run queue. Returns at once if no other thread is
 * runnable. Thread context; interrupts are restored as they were.
 */
void thread_yield(void);

/*
 * End the calling thread with `code` for thread_join(). Never returns.
 * Thread context, never an idle or boot context (panics).
 */
void thread_exit(int code) __noreturn;

/*
 * Wait until t has exited, free its stack and struct, and return its
 * exit code. Exactly one join per thread; t must not be the caller or a
 * boot context (panics). Thread context, any CPU.
 */
int thread_join(struct thread *t);

/*
 * thread_join() with a bound: returns 0 (and *code, t freed) if t exited
 * within timeout_ns, else -1 and t stays unjoined (join it again later).
 * Without timers on this CPU it does not wait: -1 unless t is already
 * dead.
 */
int thread_join_timeout(struct thread *t, uint64_t timeout_ns, int *code);

/*
 * Sleep on a condition guarded by `held`: mark the caller SLEEPING,
 * release `held`, switch away, and on thread_wake() take `held` again
 * and return. The caller holds `held`, taken with spin_lock_irqsave();
 * interrupts stay off on return. The usual loop:
 *
 *     flags = spin_lock_irqsave(&lock);
 *     while ( !cond )
 *         thread_sleep(&lock);
 *     spin_unlock_irqrestore(&lock, flags);
 *
 * A waker that sets cond with `held` held and then calls thread_wake()
 * cannot be missed: the sleeper is already SLEEPING when `held` becomes
 * free. Thread context, not the idle thread (panics).
 */
void thread_sleep(spinlock_t *held);

/*
 * thread_sleep(), also woken at deadline_ns (clock_now_ns() time), never
 * before. Returns false if the deadline's timer fired before the caller
 * ran again, true if only thread_wake() woke it; the caller re-checks its
 * condition either way. Should the timer's event be lost, the sleep's
 * watchdog (include/watchdog.h) trips a margin past the deadline, dumps
 * the state and wakes it: that also returns false. Without timers on this CPU it returns false at
 * once, without sleeping (and without letting `held` go).
 */
bool thread_sleep_until(spinlock_t *held, uint64_t deadline_ns);

/*
 * Whether the caller may sleep with thread_sleep*(): a thread (not an
 * interrupt handler, not the idle thread) on a CPU whose timers work.
 * <wait.h> uses it to choose between sleeping and halting. Any context.
 */
bool sched_can_sleep(void);

/*
 * Make a SLEEPING thread runnable on its own CPU, sending that CPU a
 * reschedule IPI if it is not the caller's. Returns true if t was
 * sleeping, false if it was not (running, runnable, exiting: nothing
 * changes). Any context, any CPU, interrupts on or off; takes t's run-
 * queue lock, so the caller must not hold a run-queue lock.
 */
bool thread_wake(struct thread *t);

/*
 * Whether t's stack guard word is intact (always true for a boot context,
 * which has none). Checked at every switch; a broken guard panics there,
 * naming the thread. Any context.
 */
bool thread_stack_intact(const struct thread *t);

/* Copy CPU cpu's counters into *out (zeros for an unused CPU). */
void sched_get_stats(unsigned int cpu, struct sched_stats *out);

/* The preemption point, called by trap_dispatch (see traps.c). */
void sched_preempt(void);

#endif
