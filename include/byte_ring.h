/* SPDX-License-Identifier: MIT */
/*
 * byte_ring.h - the one helper for Xen's shared byte rings: the PV
 * console's two rings (xen/io/console.h) and xenstore's request and reply
 * rings (xen/io/xs_wire.h) use the same algorithm. One direction of a ring
 * is a power-of-two array and two free-running 32-bit indices in shared
 * memory: the producer writes at prod, the consumer reads at cons, a slot
 * is index % size, and prod - cons (mod 2^32) bytes are in flight.
 * Portable (kernel/lib/byte_ring.c): the memory barriers are passed in, so
 * host tests can run it.
 *
 *        a ring of 16 bytes, 9 in flight
 *   +--------------------------------+
 *   |....XXXXXXXXX...................|
 *   +--------------------------------+
 *        ^cons    ^prod
 *   the producer writes at prod and then publishes prod;
 *   the consumer reads at cons and then publishes cons
 *
 * The index the other side controls is read once into a local and
 * validated before use: a peer that writes nonsense gets -1, never an
 * out-of-bounds copy.
 */
#ifndef XENLING_BYTE_RING_H
#define XENLING_BYTE_RING_H

#include <lib.h>

struct ring_barriers {
    void (*rmb)(void); /* loads before it complete before loads after */
    void (*wmb)(void); /* stores before it are visible before stores after */
    void (*mb)(void);  /* full fence */
};

/* The CPU's own barriers, for the kernel's rings (kernel/arch/x86/
 * ring_barriers.c); host tests pass theirs. */
extern const struct ring_barriers smp_ring_barriers;

/*
 * One direction of a shared ring, seen from one side. `data` has `size`
 * bytes (a power of two); `prod` and `cons` point at the shared indices.
 */
struct byte_ring {
    char *data;
    uint32_t size;
    uint32_t *prod;
    uint32_t *cons;
};

/*
 * As the producer: copy up to n bytes of src into the ring, as space
 * allows. Returns the number of bytes queued (0 when full), or -1 if the
 * consumer's index is bogus (more than a ring away from ours): then nothing
 * is written. The caller notifies the other side if it queued anything.
 */
int byte_ring_write(const struct byte_ring *r, const void *src, size_t n,
                    const struct ring_barriers *b);

/*
 * As the consumer: move up to n bytes from the ring into dst. Returns the
 * number of bytes read, or -1 if the producer's index is bogus (claims more
 * than the ring holds): then nothing is consumed.
 */
int byte_ring_read(const struct byte_ring *r, void *dst, size_t n,
                   const struct ring_barriers *b);

/*
 * As the consumer: how many bytes wait to be read, or -1 if the
 * producer's index is bogus. Issues the read barrier that orders the
 * index before the bytes, so a byte_ring_read of that many follows.
 */
int byte_ring_pending(const struct byte_ring *r, const struct ring_barriers *b);

#endif
