/* SPDX-License-Identifier: MIT */
/*
 * input.c - console input: drivers whose input arrives by interrupt (the
 * PV console's event channel) push bytes here with console_input(), and
 * readers wait for them with console_getc() or console_read_line(). The
 * buffer is a byte ring of our own (kernel/lib/byte_ring.c): the handler
 * produces, readers consume under input_lock.
 */
#include <kernel.h>
#include <byte_ring.h>
#include <console.h>
#include <spinlock.h>
#include <wait.h>
#include <xen_errno.h>
#include <arch/x86.h>

#define INPUT_SIZE 1024 /* a power of two */

static char input_data[INPUT_SIZE];
static uint32_t input_prod, input_cons; /* the ring's indices */
static const struct byte_ring input_ring = { input_data, INPUT_SIZE,
                                             &input_prod, &input_cons };
static spinlock_t input_lock = SPINLOCK_INIT("console-input"); /* all of it */
static struct waitq input_wq = WAITQ_INIT("console-input");
static unsigned long input_dropped; /* input_lock: bytes lost to a full ring */
static bool have_source;            /* set once a source is registered */

static void
fence(void)
{
    smp_mb();
}

static const struct ring_barriers input_barriers = { fence, fence, fence };

void
console_input_source(void)
{
    __atomic_store_n(&have_source, true, __ATOMIC_RELEASE);
}

bool
console_takes_input(void)
{
    return __atomic_load_n(&have_source, __ATOMIC_ACQUIRE);
}

void
console_input(const char *s, size_t n)
{
    unsigned long flags = spin_lock_irqsave(&input_lock);
    int w = byte_ring_write(&input_ring, s, n, &input_barriers);

    if ( w < (int)n )
        input_dropped += n - (w < 0 ? 0 : w);
    spin_unlock_irqrestore(&input_lock, flags);
    if ( w > 0 )
        waitq_wake_all(&input_wq);
}

static bool
input_ready(void *arg)
{
    return byte_ring_pending(&input_ring, &input_barriers) != 0;
}

int
console_getc(char *c, uint64_t timeout_ns)
{
    unsigned long flags;
    int r;

    if ( !console_takes_input() )
        return -XEN_ENODEV;
    if ( !wait_event_timeout(&input_wq, input_ready, NULL, timeout_ns) )
        return -XEN_ETIMEDOUT;
    flags = spin_lock_irqsave(&input_lock);
    r = byte_ring_read(&input_ring, c, 1, &input_barriers);
    spin_unlock_irqrestore(&input_lock, flags);
    return r == 1 ? 0 : -XEN_EAGAIN; /* another reader took it */
}

void
console_input_flush(void)
{
    unsigned long flags = spin_lock_irqsave(&input_lock);

    input_cons = input_prod;
    spin_unlock_irqrestore(&input_lock, flags);
}

int
console_read_line(char *line, size_t size, uint64_t timeout_ns, bool echo)
{
    size_t len = 0;
    char c;
    int rc;

    for ( ;; )
    {
        rc = console_getc(&c, timeout_ns);
        if ( rc == -XEN_EAGAIN )
            continue;
        if ( rc )
            break;
        if ( c == '\r' || c == '\n' )
        {
            if ( len == 0 )
                continue; /* the other half of a CR LF */
            if ( echo )
                printk("\n");
            line[len] = '\0';
            return (int)len;
        }
        if ( (c == '\b' || c == 0x7f) && len > 0 )
        {
            len--;
            if ( echo )
                printk("\b \b");
            continue;
        }
        if ( len + 1 >= size )
        {
            line[len] = '\0';
            return -XEN_E2BIG;
        }
        if ( echo && c >= 0x20 && c < 0x7f )
            printk("%c", c);
        line[len++] = c;
    }
    line[len] = '\0';
    return rc;
}
