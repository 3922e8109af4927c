/* SPDX-License-Identifier: MIT */
/*
 * xen_consoleio.c - CONSOLEIO_write: text straight onto Xen's console.
 * A release Xen allows it only to dom0 (the hardware domain).
 */
#include <console.h>
#include <hypervisor.h>

static void
consoleio_write(struct console *c, const char *s, size_t n)
{
    (void)c;
    hypercall_console_write(s, n);
}

static struct console consoleio = { .name = "xen-consoleio",
                                    .write = consoleio_write };

bool
xen_consoleio_init(void)
{
    /* Probe with an empty write: a domU gets -EPERM on a release Xen. */
    if ( !xen.hypercalls || hypercall_console_write("", 0) != 0 )
        return false;
    console_register(&consoleio);
    return true;
}
