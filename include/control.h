/* SPDX-License-Identifier: MIT */
/*
 * control.h - the toolstack's control requests: `xl shutdown`, `xl
 * reboot`, `xl sysrq`, `xl save` and `xl migrate` reach us through xenstore's control/ directory
 * (kernel/xen/control/control.c; docs/xenstore.md).
 */
#ifndef XENLING_CONTROL_H
#define XENLING_CONTROL_H

/*
 * Watch control/shutdown and control/sysrq, then advertise what we handle
 * (control/feature-poweroff, -reboot and -suspend = 1). poweroff and halt
 * end the domain with SHUTDOWN_poweroff, reboot with SHUTDOWN_reboot,
 * after clearing the node (the acknowledgement libxl waits for); suspend
 * is kernel_suspend() (<resume.h>); anything else is acknowledged and
 * refused. After xenstore_init, boot CPU. Returns 0, or a negative errno
 * (printed) without xenstore.
 */
int control_init(void);

/* After a resume in a new domain, whose control/ is new: advertise the
 * feature keys again. Thread context, after xenstore_resume. */
void control_resume(void);

#endif
