/* SPDX-License-Identifier: MIT */
/*
 * xen_errno.h - the one error convention: every Xenling function that can
 * fail returns 0 (or a count) on success and a negative Xen errno on
 * failure, -XEN_EINVAL, -XEN_ENOENT, ... from Xen's <xen/errno.h>, the
 * same numbers hypercalls return, so a hypercall's result passes through
 * unchanged. Portable (kernel/lib/xen_errno.c).
 */
#ifndef XENLING_XEN_ERRNO_H
#define XENLING_XEN_ERRNO_H

#include <lib.h>
#include <xen/errno.h>

/*
 * The name of a negative (or positive) Xen errno, "ENOENT"; "E?" for a
 * number Xen does not define, "OK" for 0. Never NULL; any context.
 */
const char *xen_errno_name(long rc);

/*
 * The hypercall-result helper: return rc unchanged, and if it is negative
 * print "<what>: Xen refused: <rc> (<NAME>)" first, what formatted like
 * printk. Use it on every hypercall whose failure the caller reports:
 *     rc = xen_check(hypercall_vcpu_op(VCPUOP_up, id, NULL),
 *                    "smp: VCPUOP_up for vCPU %u", id);
 */
long xen_check(long rc, const char *what, ...) __printf(2, 3);

#endif
