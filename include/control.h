/* SPDX-License-Identifier: MIT */
/*
 * control.h - the toolstack's control requests: `xl shutdown`, `xl
 * reboot` and `xl sysrq` reach us through xenstore's control/ directory
 * (kernel/xen/control/control.c; docs/xenstore.md).
 */
#ifndef XENLING_CONTROL_H
#define XENLING_CONTROL_H

/*
 * Watch control/shutdown and control/sysrq, then advertise what we handle
 * (control/feature-poweroff and -reboot = 1). poweroff and halt end the
 * domain with SHUTDOWN_poweroff, reboot with SHUTDOWN_reboot, after
 * clearing the node (the acknowledgement libxl waits for); anything else
 * (suspend too, until save/restore exists) is acknowledged and refused.
 * After xenstore_init, boot CPU. Returns 0, or a negative errno (printed)
 * without xenstore.
 */
int control_init(void);

#endif
