/* SPDX-License-Identifier: MIT */
/*
 * printk.c - formatted output to every console, whole lines at a time.
 *
 * Each thread assembles its current line in its own buffer, and each CPU
 * has one per interrupt nesting level (interrupt, nested exception:
 * this_cpu()->line[]), so a printk from an interrupt or another thread
 * never lands in the middle of the line it interrupted.
 * A complete line is written to all consoles under console_lock with
 * interrupts off, so lines from different CPUs never interleave; only the
 * CPU that ends the run may write without it (printk_final_mode()).
 * The first BOOT_LOG_SIZE bytes of output are also kept, so a console
 * that comes up late (the PV console) can show the boot from its start.
 */
#include <kernel.h>
#include <console.h>
#include <percpu.h>
#include <sched.h>
#include <spinlock.h>
#include <arch/x86.h>

/* Protects the console list and serializes whole lines on all consoles. */
static spinlock_t console_lock = SPINLOCK_INIT("console");
static struct console *consoles; /* protected by console_lock */
/* The console whose write() runs now: written under console_lock, read
 * without it only by the CPU ending the run, if it could not take it. */
static struct console *busy_console;

/*
 * A panic or a verdict must get out even when console_lock cannot be
 * had: the CPU ending the run may hold it itself (a console's write
 * panicked) or another CPU may hold it for ever (stuck in a write,
 * interrupts off). From printk_final_mode() on, that CPU waits a bounded
 * time for the lock, then writes without it, skipping the busy console.
 */
#define FINAL_LOCK_SPINS 2000000ul /* about a second of PAUSEs under TCG */
static int final_cpu = -1;         /* set by printk_final_mode() */
static bool lock_given_up;         /* final_cpu only */

#define BOOT_LOG_SIZE 8192
static char boot_log[BOOT_LOG_SIZE]; /* protected by console_lock */
static size_t boot_log_len;          /* protected by console_lock */

void
console_register(struct console *c)
{
    unsigned long f = spin_lock_irqsave(&console_lock);

    if ( c->replay && boot_log_len )
        c->write(c, boot_log, boot_log_len);
    c->next = consoles;
    consoles = c;
    spin_unlock_irqrestore(&console_lock, f);
}

void
console_unregister(struct console *c)
{
    unsigned long f = spin_lock_irqsave(&console_lock);
    struct console **p;

    for ( p = &consoles; *p; p = &(*p)->next )
        if ( *p == c )
        {
            *p = c->next;
            break;
        }
    spin_unlock_irqrestore(&console_lock, f);
}

void
console_report(void)
{
    char names[128];
    size_t n = 0;
    unsigned long f = spin_lock_irqsave(&console_lock);
    struct console *c;

    names[0] = '\0';
    for ( c = consoles; c; c = c->next )
        n +=
            snprintf(names + MIN(n, sizeof(names) - 1),
                     sizeof(names) - MIN(n, sizeof(names) - 1), " %s", c->name);
    spin_unlock_irqrestore(&console_lock, f);
    printk("console:%s\n", names);
}

bool
printk_console_held_here(void)
{
    return spin_is_held_by_me(&console_lock);
}

void
printk_final_mode(void)
{
    __atomic_store_n(&final_cpu, (int)smp_processor_id(), __ATOMIC_SEQ_CST);
}

/*
 * Take console_lock; on the CPU ending the run give up after a bounded
 * wait (once given up, do not wait again). Interrupts are off. True if
 * taken.
 */
static bool
console_lock_take(void)
{
    unsigned long spins;

    if ( __atomic_load_n(&final_cpu, __ATOMIC_RELAXED) !=
         (int)smp_processor_id() )
    {
        spin_lock(&console_lock);
        return true;
    }
    for ( spins = 0; !lock_given_up && spins < FINAL_LOCK_SPINS; spins++ )
    {
        if ( spin_is_held_by_me(&console_lock) )
            break; /* a console's write panicked */
        if ( spin_trylock(&console_lock) )
            return true;
        cpu_relax();
    }
    lock_given_up = true;
    return false;
}

static void
emit_line(const char *s, size_t n)
{
    unsigned long f = irq_save();
    bool locked = console_lock_take();
    struct console *c, *skip = locked ? NULL : busy_console;

    if ( locked && boot_log_len + n <= BOOT_LOG_SIZE )
    {
        memcpy(boot_log + boot_log_len, s, n);
        boot_log_len += n;
    }
    for ( c = consoles; c; c = c->next )
    {
        if ( c == skip )
            continue; /* the write that broke, or never returns */
        if ( locked )
            busy_console = c;
        c->write(c, s, n);
    }
    if ( locked )
    {
        busy_console = NULL;
        spin_unlock(&console_lock);
    }
    irq_restore(f);
}

/*
 * The line buffer of the running context: its thread's own at thread
 * level (threads of one CPU each keep their partial line, so one that is
 * preempted half-way through a line cannot mix with the next thread's),
 * or the CPU's buffer for its interrupt or exception nesting level.
 * Before the scheduler starts, the CPU's level-0 buffer.
 */
static struct printk_line *
current_line(struct cpu *c)
{
    if ( c->irq_depth == 0 && c->thread )
        return &c->thread->line;
    return &c->line[MIN(c->irq_depth, 2u)];
}

void
vprintk(const char *fmt, va_list ap)
{
    char tmp[PRINTK_LINE_MAX];
    struct printk_line *ln;
    unsigned long flags;
    int n, i;

    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    if ( n >= (int)sizeof(tmp) )
        n = sizeof(tmp) - 1; /* truncated: the caller asked for too much */

    /*
     * Interrupts off while the line is built: no other context of this
     * CPU can run (and append) between the length check and the store,
     * and the buffer chosen stays the running context's.
     */
    flags = irq_save();
    ln = current_line(this_cpu());
    for ( i = 0; i < n; i++ )
    {
        ln->buf[ln->len++] = tmp[i];
        /* Emit at newline, or when full (keeping room for one '\n'). */
        if ( tmp[i] == '\n' || ln->len >= sizeof(ln->buf) - 1 )
        {
            unsigned int len;

            if ( tmp[i] != '\n' )
                ln->buf[ln->len++] = '\n';
            /* Empty before emitting: a panic inside a console's write
             * starts its own line here instead of repeating this one. */
            len = ln->len;
            ln->len = 0;
            emit_line(ln->buf, len);
        }
    }
    irq_restore(flags);
}

void
printk(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}
