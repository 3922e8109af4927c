/* SPDX-License-Identifier: MIT */
/*
 * control.c - the toolstack's control requests (xl shutdown, xl reboot,
 * xl sysrq). libxl writes a word into our control/shutdown node and waits
 * for us to act; a guest acknowledges by clearing the node, and says which
 * requests it handles by writing 1 into control/feature-<request>. The
 * watch callbacks run in the xenstore thread; "suspend" (xl save, xl
 * migrate, xl save -c) is kernel/resume.c's.
 */
#include <kernel.h>
#include <hypervisor.h>
#include <mm.h>
#include <monitor.h>
#include <control.h>
#include <resume.h>
#include <xenstore.h>
#include <fault.h>
#include <xen_errno.h>

/* What a control/shutdown word asks for. */
struct request {
    const char *word;
    unsigned int reason; /* SHUTDOWN_* */
};

static const struct request requests[] = {
    { "poweroff", SHUTDOWN_poweroff },
    { "halt", SHUTDOWN_poweroff },
    { "reboot", SHUTDOWN_reboot },
};

/* The state a resume would re-register. */
static struct xs_watch shutdown_watch, sysrq_watch;

static void
shutdown_changed(struct xs_watch *w, const char *path)
{
    char *word = NULL;
    size_t len, i;
    int rc;

    rc = xs_read(XS_TX_NONE, "control/shutdown", &word, &len);
    if ( rc == -XEN_ENOENT || (rc == 0 && len == 0) )
        goto out; /* removed, or our own acknowledgement */
    if ( rc )
    {
        printk("control: cannot read control/shutdown (%s)\n",
               xen_errno_name(rc));
        goto out;
    }
    if ( strcmp(word, "suspend") == 0 )
    {
        /* Acknowledge first: libxl waits for the cleared node, then for
         * the domain to suspend. */
        printk("control: the toolstack asks us to suspend\n");
        rc = xs_write(XS_TX_NONE, "control/shutdown", "");
        if ( rc == 0 )
            rc = kernel_suspend();
        if ( rc )
            printk("control: suspend failed (%s): running on\n",
                   xen_errno_name(rc));
        goto out;
    }
    for ( i = 0; i < ARRAY_SIZE(requests); i++ )
        if ( strcmp(word, requests[i].word) == 0 )
            break;
    if ( i == ARRAY_SIZE(requests) )
    {
        /* Not a request we know. Clearing the node tells the toolstack
         * we saw it. */
        printk("control: request '%s' refused: not supported\n", word);
        xs_write(XS_TX_NONE, "control/shutdown", "");
        goto out;
    }
    printk("control: the toolstack asks for %s\n", word);
    /* Acknowledge first: libxl waits for the node to be cleared. */
    rc = xs_write(XS_TX_NONE, "control/shutdown", "");
    if ( rc )
        printk("control: acknowledging '%s' failed (%s); going on\n", word,
               xen_errno_name(rc));
    if ( fault_control_shutdown )
        fault_control_shutdown(requests[i].reason); /* a test: go on */
    else
        machine_shutdown(requests[i].reason);
out:
    kfree(word);
}

static void
sysrq_changed(struct xs_watch *w, const char *path)
{
    char *key = NULL;
    size_t len;

    if ( xs_read(XS_TX_NONE, "control/sysrq", &key, &len) != 0 || len == 0 )
        goto out;
    xs_write(XS_TX_NONE, "control/sysrq", "");
    printk("control: sysrq '%c'\n", key[0]);
    switch ( key[0] )
    {
    case 'o':
        machine_shutdown(SHUTDOWN_poweroff);
    case 'b':
        machine_shutdown(SHUTDOWN_reboot);
    default:
        printk("control: sysrq keys: o (poweroff), b (reboot)\n");
    }
out:
    kfree(key);
}

/* Tell the toolstack what we handle (the domain's control/ is new after
 * a restore or migration, so again then). */
static void
advertise(void)
{
    static const char *const features[] = { "control/feature-poweroff",
                                            "control/feature-reboot",
                                            "control/feature-suspend" };
    unsigned int i;
    int rc;

    for ( i = 0; i < ARRAY_SIZE(features); i++ )
        if ( (rc = xs_write(XS_TX_NONE, features[i], "1")) != 0 )
            printk("control: cannot write %s (%s)\n", features[i],
                   xen_errno_name(rc));
}

int
control_init(void)
{
    int rc;

    if ( !xenstore_available() )
        return -XEN_ENODEV;
    rc = xs_watch(&shutdown_watch, "control/shutdown", shutdown_changed, NULL);
    if ( rc == 0 )
        rc = xs_watch(&sysrq_watch, "control/sysrq", sysrq_changed, NULL);
    if ( rc )
    {
        printk(
            "control: cannot watch control/ (%s): xl shutdown will not work\n",
            xen_errno_name(rc));
        return rc;
    }
    /* Only now that we listen: tell the toolstack what we handle. */
    advertise();
    printk(
        "control: xl shutdown, reboot, sysrq, save and migrate are handled\n");
    return 0;
}

void
control_resume(void)
{
    /* The watches were registered again by xenstore_resume. */
    if ( xenstore_available() )
        advertise();
}
