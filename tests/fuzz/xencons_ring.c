/* SPDX-License-Identifier: MIT */
/*
 * xencons_ring.c - libFuzzer harness for the PV console rings
 * (kernel/lib/xencons_ring.c) against a backend that writes any index it
 * likes. Input: a script of steps, each a byte choosing what the backend
 * or the guest does next, then that step's operands. After every guest
 * step the result is checked against what the indices allowed: the exact
 * byte count, the index moved by it, the bytes in the right slots, -1
 * exactly when the backend's index is bogus.
 */
#include <stdlib.h>

#include <xencons_ring.h>
#include "fuzz.h"

#define OUT_SIZE sizeof(((struct xencons_interface *)0)->out)
#define IN_SIZE  sizeof(((struct xencons_interface *)0)->in)
#define MAX_IO   (2 * OUT_SIZE)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
no_barrier(void)
{}

static const struct xencons_barriers barriers = {
    .rmb = no_barrier,
    .wmb = no_barrier,
    .mb = no_barrier,
};

static void
guest_write(struct xencons_interface *r, struct fuzz_in *in)
{
    size_t n = (size_t)fuzz_take(in, 2) % MAX_IO, i;
    XENCONS_RING_IDX cons = r->out_cons, prod = r->out_prod, used;
    char *s = malloc(n ? n : 1); /* exactly n: ASan guards the end */
    int rc;

    if ( !s )
        fuzz_fail("out of memory");
    for ( i = 0; i < n; i++ )
        s[i] = (char)(prod + i);
    rc = xencons_ring_write(r, s, n, &barriers);
    used = prod - cons;
    if ( used > OUT_SIZE )
        FUZZ_CHECK(rc == -1 && r->out_prod == prod,
                   "write with bogus out_cons returned %d", rc);
    else
    {
        FUZZ_CHECK(rc == (int)MIN(n, OUT_SIZE - used),
                   "write of %zu with %u used returned %d", n, used, rc);
        FUZZ_CHECK(r->out_prod == prod + (XENCONS_RING_IDX)rc,
                   "out_prod moved by %u, not %d", r->out_prod - prod, rc);
        for ( i = 0; i < (size_t)rc; i++ )
            FUZZ_CHECK(r->out[(prod + i) % OUT_SIZE] == s[i],
                       "byte %zu of a write in the wrong slot", i);
    }
    free(s);
}

static void
guest_read(struct xencons_interface *r, struct fuzz_in *in)
{
    size_t n = (size_t)fuzz_take(in, 2) % MAX_IO, i;
    XENCONS_RING_IDX cons = r->in_cons, prod = r->in_prod;
    char *buf = malloc(n ? n : 1);
    int rc;

    if ( !buf )
        fuzz_fail("out of memory");
    rc = xencons_ring_read(r, buf, n, &barriers);
    if ( prod - cons > IN_SIZE )
        FUZZ_CHECK(rc == -1 && r->in_cons == cons,
                   "read with bogus in_prod returned %d", rc);
    else
    {
        FUZZ_CHECK(rc == (int)MIN(n, (size_t)(prod - cons)),
                   "read of %zu with %u queued returned %d", n, prod - cons,
                   rc);
        FUZZ_CHECK(r->in_cons == cons + (XENCONS_RING_IDX)rc,
                   "in_cons moved by %u, not %d", r->in_cons - cons, rc);
        for ( i = 0; i < (size_t)rc; i++ )
            FUZZ_CHECK(buf[i] == r->in[(cons + i) % IN_SIZE],
                       "byte %zu of a read from the wrong slot", i);
    }
    free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    struct xencons_interface *r = calloc(1, sizeof(*r));
    unsigned int steps = 0;

    if ( !r )
        fuzz_fail("out of memory");
    /* Start anywhere: the indices are free-running counters. */
    r->out_prod = r->out_cons = (XENCONS_RING_IDX)fuzz_take(&in, 4);
    r->in_prod = r->in_cons = (XENCONS_RING_IDX)fuzz_take(&in, 4);
    while ( fuzz_more(&in) && steps++ < 256 )
    {
        switch ( fuzz_take(&in, 1) % 6 )
        {
        case 0: /* backend: any out_cons at all */
            r->out_cons = (XENCONS_RING_IDX)fuzz_take(&in, 4);
            break;
        case 1: /* backend: any in_prod at all */
            r->in_prod = (XENCONS_RING_IDX)fuzz_take(&in, 4);
            break;
        case 2: /* backend: consume some output, honestly */
            r->out_cons += (XENCONS_RING_IDX)MIN(
                fuzz_take(&in, 2), (uint64_t)(r->out_prod - r->out_cons));
            break;
        case 3: /* backend: produce input bytes, honestly */
        {
            unsigned int k = (unsigned int)fuzz_take(&in, 1);

            while ( k-- && r->in_prod - r->in_cons < IN_SIZE )
                r->in[r->in_prod++ % IN_SIZE] = (char)fuzz_take(&in, 1);
            break;
        }
        case 4:
            guest_write(r, &in);
            break;
        default:
            guest_read(r, &in);
            break;
        }
    }
    free(r);
    return 0;
}
