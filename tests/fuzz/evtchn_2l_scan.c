/* SPDX-License-Identifier: MIT */
/*
 * evtchn_2l_scan.c - libFuzzer harness for the 2-level ABI's fair scan
 * (kernel/xen/evtchn/evtchn_2l_scan.c) over bitmaps in any state shared memory
 * can hold. Input: the number of words, the resume point, the selector
 * and the pending, mask and bound-here words, then a script: each byte
 * either runs the scan once or has "Xen" raise a port (pending bit, and
 * the selector bit if unmasked). Checked: every port delivered was
 * pending, unmasked and bound here, and exactly its bit was claimed; the
 * resume point stays in range; and the scan never answers "nothing"
 * while a port it was told about (through the selector) is deliverable.
 */
#include <stdlib.h>

#include <bitmap.h>
#include "kernel/xen/evtchn/evtchn_2l_scan.h"
#include "fuzz.h"

#define MAX_WORDS BITS_PER_LONG

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct model {
    unsigned long sel;
    unsigned long pending[MAX_WORDS], mask[MAX_WORDS], mine[MAX_WORDS];
    unsigned long owed[MAX_WORDS]; /* raised through the selector */
    struct evtchn_2l_bitmaps b;
    struct evtchn_2l_scan s;
};

static bool
deliverable(const struct model *m, unsigned int port)
{
    return bitmap_test(m->pending, port) && !bitmap_test(m->mask, port) &&
           bitmap_test(m->mine, port);
}

/* Xen marks `port` pending, and flags its word if it is unmasked. */
static void
xen_raise(struct model *m, unsigned int port)
{
    bitmap_set(m->pending, port);
    if ( !bitmap_test(m->mask, port) )
    {
        m->sel |= 1ul << (port / BITS_PER_LONG);
        if ( bitmap_test(m->mine, port) )
            bitmap_set(m->owed, port);
    }
}

/* One scan step; returns false when the scan said "nothing". */
static bool
scan_once(struct model *m)
{
    unsigned int nports = m->b.nwords * BITS_PER_LONG, p;
    unsigned long before[MAX_WORDS];
    long port;

    memcpy(before, m->pending, sizeof(before));
    port = evtchn_2l_scan_next(&m->s, &m->b);
    FUZZ_CHECK(m->s.word < m->b.nwords && m->s.bit < BITS_PER_LONG,
               "resume point %u:%u out of range", m->s.word, m->s.bit);
    if ( port < 0 )
    {
        FUZZ_CHECK(port == -1, "scan returned %ld", port);
        FUZZ_CHECK(memcmp(before, m->pending, sizeof(before)) == 0,
                   "an empty scan changed pending bits");
        for ( p = 0; p < nports; p++ )
            FUZZ_CHECK(
                !bitmap_test(m->owed, p) || !deliverable(m, p),
                "port %u was flagged and is deliverable, but the scan found nothing",
                p);
        return false;
    }
    FUZZ_CHECK((unsigned long)port < nports, "port %ld out of range", port);
    p = (unsigned int)port;
    FUZZ_CHECK(bitmap_test(before, p) && !bitmap_test(m->mask, p) &&
                   bitmap_test(m->mine, p),
               "port %u delivered but not deliverable", p);
    bitmap_set(m->pending, p);
    FUZZ_CHECK(memcmp(before, m->pending, sizeof(before)) == 0,
               "claiming port %u changed other pending bits", p);
    bitmap_clear(m->pending, p);
    bitmap_clear(m->owed, p);
    return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    static struct model m;
    unsigned int w, p, nports, budget;

    memset(&m, 0, sizeof(m));
    m.b.nwords = 1 + (unsigned int)fuzz_take(&in, 1) % MAX_WORDS;
    m.s.word = (unsigned int)fuzz_take(&in, 1) % m.b.nwords;
    m.s.bit = (unsigned int)fuzz_take(&in, 1) % BITS_PER_LONG;
    m.s.sel = fuzz_take(&in, 8);
    m.sel = fuzz_take(&in, 8);
    for ( w = 0; w < m.b.nwords; w++ )
    {
        m.pending[w] = fuzz_take(&in, 8);
        m.mask[w] = fuzz_take(&in, 8);
        m.mine[w] = fuzz_take(&in, 8);
    }
    m.b.sel = &m.sel;
    m.b.pending = m.pending;
    m.b.mask = m.mask;
    m.b.mine = m.mine;
    nports = m.b.nwords * BITS_PER_LONG;
    for ( p = 0; p < nports; p++ )
        if ( deliverable(&m, p) &&
             ((m.sel | m.s.sel) & (1ul << (p / BITS_PER_LONG))) )
            bitmap_set(m.owed, p);

    /* Each delivery clears one pending bit: a scan that goes on longer
     * than there are bits to clear is looping. */
    budget = nports + 1;
    while ( fuzz_more(&in) )
    {
        uint64_t op = fuzz_take(&in, 2);

        if ( op & 1 )
        {
            xen_raise(&m, (unsigned int)(op >> 1) % nports);
            budget++;
        }
        else if ( scan_once(&m) )
            FUZZ_CHECK(budget-- > 0, "scan delivers without end");
    }
    while ( scan_once(&m) )
        FUZZ_CHECK(budget-- > 0, "scan delivers without end");
    return 0;
}
