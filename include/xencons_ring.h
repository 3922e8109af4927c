/* SPDX-License-Identifier: MIT */
/*
 * xencons_ring.h - the PV console's shared rings (xen/io/console.h): the
 * guest produces into `out` and consumes from `in`; xenconsoled does the
 * opposite. Indices are free-running 32-bit counters; a slot is
 * index % ring size. Portable (kernel/lib/xencons_ring.c): the memory
 * barriers are passed in, so host tests can run it.
 *
 *        out[2048]                           in[1024]
 *   +--------------------+             +--------------------+
 *   |....XXXXXXXXX.......|             |......YYYY..........|
 *   +--------------------+             +--------------------+
 *        ^cons    ^prod                       ^cons ^prod
 *   guest writes at prod,              backend writes at prod,
 *   backend reads at cons              guest reads at cons
 */
#ifndef XENLING_XENCONS_RING_H
#define XENLING_XENCONS_RING_H

#include <lib.h>
#include <xen/xen.h>
#include <xen/io/console.h>

struct xencons_barriers {
    void (*rmb)(void); /* loads before it complete before loads after */
    void (*wmb)(void); /* stores before it are visible before stores after */
    void (*mb)(void);  /* full fence */
};

/*
 * Copy up to n bytes of s into the out ring, as space allows. Returns the
 * number of bytes queued (0 when full), or -1 if the backend's out_cons is
 * bogus (more than a ring ahead or behind of out_prod): then nothing is
 * written. Caller notifies the backend afterwards if it queued anything.
 */
int xencons_ring_write(struct xencons_interface *r, const char *s, size_t n,
                       const struct xencons_barriers *b);

/*
 * Move up to n bytes from the in ring into buf. Returns the number of
 * bytes read, or -1 if the backend's in_prod is bogus (claims more than
 * the ring holds): then nothing is consumed.
 */
int xencons_ring_read(struct xencons_interface *r, char *buf, size_t n,
                      const struct xencons_barriers *b);

#endif
