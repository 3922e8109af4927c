/* SPDX-License-Identifier: MIT */
/*
 * xencons_ring.c - producer and consumer for the PV console rings
 * (include/xencons_ring.h). The indices the backend controls (out_cons,
 * in_prod) are read once into locals and validated before use: a backend
 * that writes nonsense gets -1, never an out-of-bounds copy.
 */
#include <xencons_ring.h>

#define OUT_SIZE sizeof(((struct xencons_interface *)0)->out)
#define IN_SIZE  sizeof(((struct xencons_interface *)0)->in)

BUILD_BUG_ON(OUT_SIZE &(OUT_SIZE - 1));
BUILD_BUG_ON(IN_SIZE &(IN_SIZE - 1));

int
xencons_ring_write(struct xencons_interface *r, const char *s, size_t n,
                   const struct xencons_barriers *b)
{
    XENCONS_RING_IDX cons, prod, used;
    size_t done = 0;

    cons = *(volatile XENCONS_RING_IDX *)&r->out_cons;
    prod = r->out_prod; /* ours: only we write it */
    /* Read out_cons before reusing the slots it frees. */
    b->mb();
    used = prod - cons;
    if ( used > OUT_SIZE )
        return -1;
    while ( done < n && used < OUT_SIZE )
    {
        r->out[prod % OUT_SIZE] = s[done++];
        prod++;
        used++;
    }
    /* The bytes are in the ring before the backend sees the new out_prod. */
    b->wmb();
    *(volatile XENCONS_RING_IDX *)&r->out_prod = prod;
    return (int)done;
}

int
xencons_ring_read(struct xencons_interface *r, char *buf, size_t n,
                  const struct xencons_barriers *b)
{
    XENCONS_RING_IDX cons, prod;
    size_t done = 0;

    prod = *(volatile XENCONS_RING_IDX *)&r->in_prod;
    cons = r->in_cons; /* ours: only we write it */
    if ( prod - cons > IN_SIZE )
        return -1;
    /* Read in_prod before the bytes it covers. */
    b->rmb();
    while ( done < n && cons != prod )
        buf[done++] = r->in[cons++ % IN_SIZE];
    /* Finish reading the bytes before handing their slots back. */
    b->mb();
    *(volatile XENCONS_RING_IDX *)&r->in_cons = cons;
    return (int)done;
}
