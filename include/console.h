/* SPDX-License-Identifier: MIT */
/*
 * console.h - output devices printk writes to. A console's write() is
 * called with the console lock held and interrupts off, one whole line at
 * a time (ending in '\n'), so it needs no locking of its own.
 */
#ifndef XENLING_CONSOLE_H
#define XENLING_CONSOLE_H

#include <lib.h>

struct console {
    const char *name;
    void (*write)(struct console *c, const char *s, size_t n);
    bool replay;          /* on register, first write the boot log */
    struct console *next; /* protected by the console lock */
};

/* Add or remove a console. Safe at any time; takes the console lock. */
void console_register(struct console *c);
void console_unregister(struct console *c);

/* Print the registered consoles' names, e.g. "console: e9 uart". */
void console_report(void);

/* Drivers (drivers/console/). Each init registers if its device exists. */
void e9_console_init(void);
void e9_console_disable(void);
bool uart_console_init(void);
bool xen_consoleio_init(void);
bool xen_pvcons_init(void);

/* Polled input from the PV console: bytes read (0 if none), or -1 when
 * there is no PV console or its backend broke the ring protocol. */
int xen_pvcons_read(char *buf, size_t n);

/* Pick the consoles for where we run (drivers/console/select.c): early,
 * before anything else, and final, once dom0-ness is known. */
void console_early_init(void);
void console_init(void);

#endif
