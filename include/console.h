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
/*
 * Console input (drivers/console/input.c). A driver whose input arrives by
 * interrupt calls console_input_source() once it can deliver, then
 * console_input() from its handler (any context; bytes beyond the 1 KiB
 * buffer are dropped and counted).
 */
void console_input_source(void);
void console_input(const char *s, size_t n);
/* Whether some console delivers input. Any context. */
bool console_takes_input(void);
/* Forget input received so far (a stale keystroke must not answer a
 * question asked later). */
void console_input_flush(void);
/*
 * Wait up to timeout_ns for one byte of input. Returns 0, -XEN_ETIMEDOUT,
 * -XEN_ENODEV if no console takes input, or -XEN_EAGAIN if another reader
 * took the byte. Thread context.
 */
int console_getc(char *c, uint64_t timeout_ns);
/*
 * Read one non-empty line, ended by CR or LF (either, or both), into line
 * (NUL-terminated, the ending dropped); backspace edits; with `echo` the
 * typed characters are printed back. Each byte may take up to timeout_ns.
 * Returns the length, -XEN_E2BIG if the line does not fit (what fitted is
 * in line), or console_getc()'s error. Thread context.
 */
int console_read_line(char *line, size_t size, uint64_t timeout_ns, bool echo);

/*
 * PV console input by interrupt: bind the console's event channel, whose
 * handler moves what xenconsoled wrote into the input buffer. After
 * evtchn_init, boot CPU. Returns 0 or a negative errno (printed); -ENODEV
 * without a PV console.
 */
int xen_pvcons_input_init(void);

/*
 * After a resume in a new domain: the console's new event channel
 * (HVM_PARAM_CONSOLE_EVTCHN, checked), and input bound to it again if it
 * was. 0 or a negative errno (printed; a bad port turns the console off).
 */
int xen_pvcons_resume(void);

/* Pick the consoles for where we run (drivers/console/select.c): early,
 * before anything else, and final, once dom0-ness is known. */
void console_early_init(void);
void console_init(void);

#endif
