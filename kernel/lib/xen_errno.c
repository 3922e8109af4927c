/* SPDX-License-Identifier: MIT */
/*
 * xen_errno.c - names of Xen's errno values and the hypercall-result
 * helper (include/xen_errno.h). The table is built from Xen's own list
 * (XEN_ERRNO in <xen/errno.h>), so every errno Xen defines has its name.
 */
#include <xen_errno.h>

struct errno_name {
    int value;
    const char *name;
};

static const struct errno_name names[] = {
#define XEN_ERRNO(name, value) { value, #name },
#include <xen/errno.h>
#undef XEN_ERRNO
};

const char *
xen_errno_name(long rc)
{
    long v = rc < 0 ? -rc : rc;
    size_t i;

    if ( v == 0 )
        return "OK";
    for ( i = 0; i < ARRAY_SIZE(names); i++ )
        if ( names[i].value == v )
            return names[i].name;
    return "E?";
}

long
xen_check(long rc, const char *what, ...)
{
    char buf[160];
    va_list ap;

    if ( rc >= 0 )
        return rc;
    va_start(ap, what);
    vsnprintf(buf, sizeof(buf), what, ap);
    va_end(ap);
    printk("%s: Xen refused: %ld (%s)\n", buf, rc, xen_errno_name(rc));
    return rc;
}
