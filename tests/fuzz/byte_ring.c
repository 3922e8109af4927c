/* SPDX-License-Identifier: MIT */
/*
 * byte_ring.c - libFuzzer harness for the shared byte rings
 * (kernel/lib/byte_ring.c: the PV console's and xenstore's) against a
 * peer that writes any index it likes. One ring of a size the input picks
 * (a power of two, 1 to 4096 bytes) is written by us and read by the
 * peer, another is written by the peer and read by us. Input: the size,
 * the start indices, then a script of steps, each a byte choosing what
 * the peer or we do next, then that step's operands. After every step of
 * ours the result is checked against what the indices allowed: the exact
 * byte count, the index moved by it, the bytes in the right slots, -1
 * exactly when the peer's index is bogus.
 */
#include <stdlib.h>

#include <byte_ring.h>
#include "fuzz.h"

#define MAX_IO 8192

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
no_barrier(void)
{}

static const struct ring_barriers barriers = {
    .rmb = no_barrier,
    .wmb = no_barrier,
    .mb = no_barrier,
};

/* A ring with its data in a heap block of exactly `size` bytes. */
struct ring {
    struct byte_ring r;
    uint32_t prod, cons;
};

static void
ring_init(struct ring *x, uint32_t size, uint32_t start)
{
    x->r.data = malloc(size);
    if ( !x->r.data )
        fuzz_fail("out of memory");
    memset(x->r.data, 0, size);
    x->r.size = size;
    x->prod = x->cons = start;
    x->r.prod = &x->prod;
    x->r.cons = &x->cons;
}

static void
our_write(struct ring *x, struct fuzz_in *in)
{
    size_t n = (size_t)fuzz_take(in, 2) % MAX_IO, i;
    uint32_t cons = x->cons, prod = x->prod, used = prod - cons;
    char *s = malloc(n ? n : 1); /* exactly n: ASan guards the end */
    int rc;

    if ( !s )
        fuzz_fail("out of memory");
    for ( i = 0; i < n; i++ )
        s[i] = (char)(prod + i);
    rc = byte_ring_write(&x->r, s, n, &barriers);
    if ( used > x->r.size )
        FUZZ_CHECK(rc == -1 && x->prod == prod,
                   "write with bogus cons returned %d", rc);
    else
    {
        FUZZ_CHECK(rc == (int)MIN(n, (size_t)(x->r.size - used)),
                   "write of %zu with %u of %u used returned %d", n, used,
                   x->r.size, rc);
        FUZZ_CHECK(x->prod == prod + (uint32_t)rc, "prod moved by %u, not %d",
                   x->prod - prod, rc);
        for ( i = 0; i < (size_t)rc; i++ )
            FUZZ_CHECK(x->r.data[(prod + i) % x->r.size] == s[i],
                       "byte %zu of a write in the wrong slot", i);
    }
    free(s);
}

static void
our_read(struct ring *x, struct fuzz_in *in)
{
    size_t n = (size_t)fuzz_take(in, 2) % MAX_IO, i;
    uint32_t cons = x->cons, prod = x->prod;
    char *buf = malloc(n ? n : 1);
    int pending = byte_ring_pending(&x->r, &barriers), rc;

    if ( !buf )
        fuzz_fail("out of memory");
    rc = byte_ring_read(&x->r, buf, n, &barriers);
    if ( prod - cons > x->r.size )
        FUZZ_CHECK(rc == -1 && pending == -1 && x->cons == cons,
                   "read with bogus prod returned %d (pending %d)", rc,
                   pending);
    else
    {
        FUZZ_CHECK(pending == (int)(prod - cons), "pending %d, not %u", pending,
                   prod - cons);
        FUZZ_CHECK(rc == (int)MIN(n, (size_t)(prod - cons)),
                   "read of %zu with %u queued returned %d", n, prod - cons,
                   rc);
        FUZZ_CHECK(x->cons == cons + (uint32_t)rc, "cons moved by %u, not %d",
                   x->cons - cons, rc);
        for ( i = 0; i < (size_t)rc; i++ )
            FUZZ_CHECK(buf[i] == x->r.data[(cons + i) % x->r.size],
                       "byte %zu of a read from the wrong slot", i);
    }
    free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    uint32_t rsize = 1u << (fuzz_take(&in, 1) % 13);
    struct ring out, inr;
    unsigned int steps = 0;

    /* Start anywhere: the indices are free-running counters. */
    ring_init(&out, rsize, (uint32_t)fuzz_take(&in, 4));
    ring_init(&inr, rsize, (uint32_t)fuzz_take(&in, 4));
    while ( fuzz_more(&in) && steps++ < 256 )
    {
        switch ( fuzz_take(&in, 1) % 6 )
        {
        case 0: /* peer: any cons at all on the ring we write */
            out.cons = (uint32_t)fuzz_take(&in, 4);
            break;
        case 1: /* peer: any prod at all on the ring we read */
            inr.prod = (uint32_t)fuzz_take(&in, 4);
            break;
        case 2: /* peer: consume some of our output, honestly */
            out.cons += (uint32_t)MIN(fuzz_take(&in, 2),
                                      (uint64_t)(out.prod - out.cons));
            break;
        case 3: /* peer: produce input bytes, honestly */
        {
            unsigned int k = (unsigned int)fuzz_take(&in, 1);

            while ( k-- && inr.prod - inr.cons < rsize )
                inr.r.data[inr.prod++ % rsize] = (char)fuzz_take(&in, 1);
            break;
        }
        case 4:
            our_write(&out, &in);
            break;
        default:
            our_read(&inr, &in);
            break;
        }
    }
    free(out.r.data);
    free(inr.r.data);
    return 0;
}
