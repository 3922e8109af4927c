/* SPDX-License-Identifier: MIT */
/*
 * monitor.h - the interactive monitor (kernel/monitor.c): a prompt on the
 * console that shows the kernel's state (CPUs, event channels, timers,
 * grants, xenstore, devices) and can power the domain off.
 */
#ifndef XENLING_MONITOR_H
#define XENLING_MONITOR_H

#include <lib.h>

/*
 * A command the monitor knows: `name` (the first word typed), one line of
 * help, and the function that runs it with the words typed after it.
 */
struct monitor_cmd {
    const char *name;
    const char *help;
    void (*run)(unsigned int argc, char **argv);
};

/*
 * Add commands to the monitor (a subsystem adds its own, e.g. xenstore's
 * `xs`). `cmds` must stay valid. Boot CPU, before monitor_run.
 */
void monitor_add(const struct monitor_cmd *cmds, unsigned int n);

/* Register the monitor's own commands. Boot CPU, once. */
void monitor_init(void);

/*
 * Run one command line (split in place into words). Returns 0, or
 * -XEN_ENOENT (printed) for a command nobody added. Thread context.
 */
int monitor_execute(char *line);

/*
 * Stay up: when a console takes input, show the prompt and run commands
 * until `poweroff`; otherwise idle and wait for the toolstack (xl
 * shutdown). Never returns. Thread context (the boot thread).
 */
void monitor_run(void) __noreturn;

#endif
