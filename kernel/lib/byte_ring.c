/* SPDX-License-Identifier: MIT */
/*
 * byte_ring.c - producer and consumer of Xen's shared byte rings
 * (include/byte_ring.h), used by the PV console and by xenstore.
 */
#include <byte_ring.h>

static uint32_t
load_index(const uint32_t *p)
{
    return *(const volatile uint32_t *)p;
}

static void
store_index(uint32_t *p, uint32_t v)
{
    *(volatile uint32_t *)p = v;
}

int
byte_ring_write(const struct byte_ring *r, const void *src, size_t n,
                const struct ring_barriers *b)
{
    const char *s = src;
    uint32_t cons, prod, used;
    size_t done = 0;

    cons = load_index(r->cons);
    prod = *r->prod; /* ours: only we write it */
    /* Read the consumer's index before reusing the slots it frees. */
    b->mb();
    used = prod - cons;
    if ( used > r->size )
        return -1;
    while ( done < n && used < r->size )
    {
        r->data[prod & (r->size - 1)] = s[done++];
        prod++;
        used++;
    }
    /* The bytes are in the ring before the consumer sees the new prod. */
    b->wmb();
    store_index(r->prod, prod);
    return (int)done;
}

int
byte_ring_pending(const struct byte_ring *r, const struct ring_barriers *b)
{
    uint32_t prod = load_index(r->prod);
    uint32_t cons = *r->cons; /* ours: only we write it */

    if ( prod - cons > r->size )
        return -1;
    /* Read prod before the bytes it covers. */
    b->rmb();
    return (int)(prod - cons);
}

int
byte_ring_read(const struct byte_ring *r, void *dst, size_t n,
               const struct ring_barriers *b)
{
    char *d = dst;
    uint32_t cons = *r->cons;
    size_t done = 0;
    int avail = byte_ring_pending(r, b);

    if ( avail < 0 )
        return -1;
    while ( done < n && done < (size_t)avail )
        d[done++] = r->data[cons++ & (r->size - 1)];
    /* Finish reading the bytes before handing their slots back. */
    b->mb();
    store_index(r->cons, cons);
    return (int)done;
}
