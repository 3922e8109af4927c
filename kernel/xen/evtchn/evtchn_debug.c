/* SPDX-License-Identifier: MIT */
/*
 * evtchn_debug.c - one port's state as text, for diagnostics such as the
 * wait watchdog's dump (kernel/watchdog.c): what the ABI's shared memory
 * says (evtchn_2l.c, evtchn_fifo.c) and what our port table says
 * (evtchn.c). Reads only.
 */
#include <kernel.h>
#include <evtchn.h>
#include "kernel/xen/evtchn/evtchn_abi.h"

void
evtchn_describe_port(evtchn_port_t port, char *buf, size_t n)
{
    const struct evtchn_abi_ops *ops = NULL;
    size_t len;

    if ( evtchn_abi() == EVTCHN_ABI_FIFO )
        ops = &evtchn_fifo_ops;
    else if ( evtchn_abi() == EVTCHN_ABI_2L )
        ops = &evtchn_2l_ops;
    if ( !ops || port == 0 || port >= evtchn_max_ports() )
    {
        snprintf(buf, n, "port %u: none (event channels %s)", port,
                 ops ? "have no such port" : "unavailable");
        return;
    }
    len = snprintf(buf, n, "port %u: ", port);
    if ( len < n )
        ops->describe_port(port, buf + len, n - len);
    len = strlen(buf);
    if ( len < n )
        snprintf(buf + len, n - len, "; ours: %s%s",
                 evtchn_port_bound(port) ? "bound" : "not bound",
                 evtchn_port_bound(port) && evtchn_port_masked(port)
                     ? ", masked by its driver"
                     : "");
}
