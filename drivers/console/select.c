/* SPDX-License-Identifier: MIT */
/*
 * select.c - choose the consoles for where we run. console_early_init()
 * turns on what needs no other subsystem (port 0xE9, and a 16550 if one
 * answers: under Xen the port reads back 0xff, so the probe is safe);
 * console_init() settles the rest once we know whether we are dom0:
 *   Xen dom0      CONSOLEIO_write (raw on Xen's serial); e9 off, else
 *                 every line would appear twice.
 *   Xen domU      the PV console ring (what `xl console` shows); e9 stays
 *                 too, since Xen prints it as "(dN) ..." on its own
 *                 console, which keeps early and panic output visible.
 *   no Xen        a 16550 at COM1 if present; e9 off then.
 */
#include <console.h>
#include <hypervisor.h>

static bool have_uart;

void
console_early_init(void)
{
    e9_console_init();
    have_uart = uart_console_init();
}

void
console_init(void)
{
    if ( xen.initial_domain && xen_consoleio_init() )
        e9_console_disable();
    else if ( xen.present && !xen.initial_domain )
        xen_pvcons_init();
    else if ( !xen.present && have_uart )
        e9_console_disable();
    console_report();
}
