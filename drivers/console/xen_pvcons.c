/* SPDX-License-Identifier: MIT */
/*
 * xen_pvcons.c - the PV console of a domU: a page of two rings shared
 * with xenconsoled in dom0 (layout: xen/io/console.h; ring code:
 * kernel/lib/byte_ring.c), found through HVM_PARAM_CONSOLE_PFN, with an event
 * channel (HVM_PARAM_CONSOLE_EVTCHN) to kick the backend after writing.
 * `xl console` and xenconsoled's guest log show what is written here.
 * Output is synchronous (printk waits for ring space, boundedly); input
 * arrives by interrupt (the same event channel) and goes to the console
 * input buffer (drivers/console/input.c).
 */
#include <kernel.h>
#include <console.h>
#include <evtchn.h>
#include <xen_errno.h>
#include <hypervisor.h>
#include <mm.h>
#include <byte_ring.h>
#include <xen/io/console.h>
#include <arch/x86.h>

/*
 * How long a full ring may stall printk (console lock held, interrupts
 * off) before the rest of the line is dropped: about a second of PAUSEs
 * under TCG. The backend is kicked again every KICK_EVERY spins, not on
 * every one: each kick is a hypercall, which costs tens of microseconds
 * under TCG, and a kick per spin once stalled a run for minutes.
 */
#define FULL_RING_SPINS 2000000ul
#define KICK_EVERY      4096ul

static struct xencons_interface *ring;     /* NULL until init succeeds */
static struct byte_ring out_ring, in_ring; /* its two directions */
static evtchn_port_t port;     /* changes only at a resume, all vCPUs parked */
static bool input_bound;       /* xen_pvcons_input_init bound the port */
static bool broken;            /* backend misbehaved: stop using */
static unsigned long dropped;  /* bytes lost to a stuck backend */
static unsigned long reported; /* of those, already told in the ring */

static void
kick(void)
{
    struct evtchn_send s = { .port = port };

    hypercall_event_channel_op(EVTCHNOP_send, &s);
}

/* Runs under the console lock, so it must not printk: errors go to 0xE9. */
static void
e9_say(const char *msg)
{
    size_t n = strlen(msg);

    asm volatile("rep outsb" : "+S"(msg), "+c"(n) : "d"(0xe9) : "memory");
}

static void
put(const char *s, size_t n)
{
    unsigned long spins = 0;

    while ( n && !broken )
    {
        int w = byte_ring_write(&out_ring, s, n, &smp_ring_barriers);

        if ( w < 0 )
        {
            broken = true;
            e9_say("xen-pvcons: backend's out_cons is bogus; console off\n");
            return;
        }
        s += w;
        n -= w;
        if ( w > 0 )
        {
            spins = 0;
            continue;
        }
        if ( spins % KICK_EVERY == 0 )
            kick(); /* full: make sure it is draining */
        if ( ++spins > FULL_RING_SPINS )
        {
            dropped += n;
            return;
        }
        cpu_relax();
    }
}

static void
pvcons_write(struct console *c, const char *s, size_t n)
{
    size_t i, start = 0;

    if ( broken )
        return;
    /* Output lost to a stalled backend is said, not hidden: the first line
     * that finds room again starts with how much is missing. */
    if ( dropped != reported )
    {
        char note[64];
        int len =
            snprintf(note, sizeof(note), "[xen-pvcons: %lu bytes dropped]\r\n",
                     dropped - reported);

        reported = dropped;
        put(note, (size_t)len);
    }
    /* Terminals attached through xl console want CR LF. */
    for ( i = 0; i < n; i++ )
        if ( s[i] == '\n' )
        {
            put(s + start, i - start);
            put("\r\n", 2);
            start = i + 1;
        }
    put(s + start, n - start);
    kick();
}

static struct console pvcons = { .name = "xen-pvcons",
                                 .write = pvcons_write,
                                 .replay = true };

bool
xen_pvcons_init(void)
{
    uint64_t pfn = 0, evtchn = 0;

    if ( !xen.hypercalls || xen.initial_domain )
        return false;
    if ( hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn) != 0 ||
         hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &evtchn) != 0 )
    {
        printk("xen-pvcons: no PV console parameters from Xen\n");
        return false;
    }
    /* Validate before use: the page must be one we map (below 4 GiB, not
     * page 0, not the kernel image) and the port a possible port. */
    if ( pfn == 0 || pfn >= (1ull << (32 - PAGE_SHIFT)) ||
         (pfn << PAGE_SHIFT >= virt_to_phys(__kernel_start) &&
          pfn << PAGE_SHIFT < virt_to_phys(__kernel_end)) )
    {
        printk("xen-pvcons: rejected console page frame 0x%llx\n",
               (unsigned long long)pfn);
        return false;
    }
    if ( evtchn == 0 || evtchn >= (1u << 17) )
    {
        printk("xen-pvcons: rejected console event channel %llu\n",
               (unsigned long long)evtchn);
        return false;
    }
    /* Kept out of the allocator since boot (xen_note_foreign_frames);
     * panics if the frame was ever handed out. */
    page_foreign_add(pfn << PAGE_SHIFT, PAGE_SIZE,
                     "PV console ring (HVM_PARAM_CONSOLE_PFN)");
    ring = phys_to_virt(pfn << PAGE_SHIFT);
    out_ring = (struct byte_ring){ ring->out, sizeof(ring->out),
                                   &ring->out_prod, &ring->out_cons };
    in_ring = (struct byte_ring){ ring->in, sizeof(ring->in), &ring->in_prod,
                                  &ring->in_cons };
    port = evtchn;
    console_register(&pvcons);
    printk("xen-pvcons: console ring at frame 0x%llx, event channel %u\n",
           (unsigned long long)pfn, port);
    return true;
}

/*
 * The console's event: xenconsoled wrote input, or read output. Move all
 * queued input into the console input buffer (drivers/console/input.c).
 * Interrupt context, on the vCPU the port is bound to.
 */
static void
pvcons_event(evtchn_port_t p, void *arg)
{
    char buf[64];
    int r;

    if ( broken )
        return;
    while ( (r = byte_ring_read(&in_ring, buf, sizeof(buf),
                                &smp_ring_barriers)) > 0 )
    {
        kick(); /* tell the backend there is room */
        console_input(buf, (size_t)r);
    }
    if ( r < 0 )
    {
        broken = true;
        printk("xen-pvcons: backend's in_prod is bogus; console off\n");
    }
}

int
xen_pvcons_input_init(void)
{
    int rc;

    if ( !ring || broken )
        return -XEN_ENODEV;
    rc = evtchn_bind_existing(port, 0, pvcons_event, NULL);
    if ( rc )
    {
        printk("xen-pvcons: no input: cannot bind event channel %u\n", port);
        return rc;
    }
    input_bound = true;
    console_input_source();
    /* Input typed before now is in the ring already: take it. */
    pvcons_event(port, NULL);
    printk("xen-pvcons: input by interrupt on event channel %u\n", port);
    return 0;
}

int
xen_pvcons_resume(void)
{
    uint64_t evtchn = 0;
    int rc;

    if ( !ring || broken )
        return 0;
    /* The same ring page (the toolstack restores it with our memory), a
     * new event channel. Until here kicks went to the old number: Xen
     * refused them, and xenconsoled polls the ring anyway. */
    if ( hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &evtchn) != 0 || evtchn == 0 ||
         evtchn >= (1u << 17) )
    {
        broken = true;
        printk(
            "xen-pvcons: rejected console event channel %llu after resume; console off\n",
            (unsigned long long)evtchn);
        return -XEN_EINVAL;
    }
    port = evtchn;
    kick();
    if ( !input_bound )
        return 0;
    rc = evtchn_bind_existing(port, 0, pvcons_event, NULL);
    if ( rc )
        printk(
            "xen-pvcons: no input after resume: cannot bind event channel %u\n",
            port);
    else
        pvcons_event(port, NULL);
    return rc;
}
