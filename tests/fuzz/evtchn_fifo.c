/* SPDX-License-Identifier: MIT */
/*
 * evtchn_fifo.c - libFuzzer harness for the FIFO ABI's queue walk and
 * event-word rules (kernel/xen/evtchn/evtchn_fifo_queue.c) against a Xen that
 * writes anything into the control block and the event array: READY bits
 * for empty queues, HEADs and LINKs past the array, cycles of links.
 * Input: the array size, the words, the control block, then a script of
 * pops, claims, masks, unmasks and hostile writes. Checked: a pop returns
 * 0 or a port inside the array, touches only that port's word, clearing
 * exactly its LINKED bit and LINK field; pops end (each one uses up a
 * link or a READY bit); claim and unmask follow their contracts.
 */
#include <stdlib.h>

#include "kernel/xen/evtchn/evtchn_fifo_queue.h"
#include "fuzz.h"

#define MAX_PORTS 1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct model {
    event_word_t *words; /* exactly nports: ASan guards the end */
    unsigned int nports;
    struct evtchn_fifo_control_block cb;
    struct evtchn_fifo_queues q;
    unsigned long budget; /* pops left before "it loops" */
};

static event_word_t *
model_word(void *ctx, evtchn_port_t port)
{
    struct model *m = ctx;

    return port < m->nports ? &m->words[port] : NULL;
}

static void
check_pop(struct model *m)
{
    size_t bytes = m->nports * sizeof(event_word_t);
    event_word_t *before = malloc(bytes);
    evtchn_port_t port;
    unsigned int i;

    if ( !before )
        fuzz_fail("out of memory");
    memcpy(before, m->words, bytes);
    port = evtchn_fifo_pop(&m->q);
    if ( port )
    {
        FUZZ_CHECK(port < m->nports, "pop returned port %u of %u", port,
                   m->nports);
        FUZZ_CHECK(m->words[port] == (before[port] & ~(EVTCHN_FIFO_LINKED_BIT |
                                                       EVTCHN_FIFO_LINK_MASK)),
                   "pop left word %u as 0x%x (was 0x%x)", port, m->words[port],
                   before[port]);
        FUZZ_CHECK(m->budget-- > 0, "pops never end");
    }
    for ( i = 0; i < m->nports; i++ )
        FUZZ_CHECK(i == port || m->words[i] == before[i],
                   "pop of port %u changed word %u", port, i);
    free(before);
}

static void
check_claim(struct model *m, event_word_t *w)
{
    event_word_t old = *w;
    bool claimed = evtchn_fifo_word_claim(w);
    bool should = (old & (EVTCHN_FIFO_PENDING_BIT | EVTCHN_FIFO_MASKED_BIT)) ==
                  EVTCHN_FIFO_PENDING_BIT;

    FUZZ_CHECK(claimed == should, "claim of 0x%x returned %d", old, claimed);
    FUZZ_CHECK(*w == (claimed ? old & ~EVTCHN_FIFO_PENDING_BIT : old),
               "claim turned 0x%x into 0x%x", old, *w);
}

static void
check_unmask(event_word_t *w)
{
    event_word_t old = *w;
    bool unmasked;

    /* BUSY would make the unmask wait for Xen, and no Xen runs here. */
    *w &= ~EVTCHN_FIFO_BUSY_BIT;
    old = *w;
    unmasked = evtchn_fifo_word_unmask(w);
    if ( !(old & EVTCHN_FIFO_MASKED_BIT) || !(old & EVTCHN_FIFO_PENDING_BIT) )
        FUZZ_CHECK(unmasked && *w == (old & ~EVTCHN_FIFO_MASKED_BIT),
                   "unmask of 0x%x gave %d, 0x%x", old, unmasked, *w);
    else
        FUZZ_CHECK(!unmasked && *w == old,
                   "unmask of pending 0x%x gave %d, 0x%x", old, unmasked, *w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    struct model m;
    unsigned int i;

    memset(&m, 0, sizeof(m));
    m.nports = 1 + (unsigned int)fuzz_take(&in, 2) % MAX_PORTS;
    m.words = calloc(m.nports, sizeof(event_word_t));
    if ( !m.words )
        fuzz_fail("out of memory");
    m.cb.ready = (uint32_t)fuzz_take(&in, 4);
    for ( i = 0; i < EVTCHN_FIFO_MAX_QUEUES; i++ )
        m.cb.head[i] = (uint32_t)fuzz_take(&in, 2);
    /* Words from the input until a zero length byte; the rest stay 0. */
    for ( i = 0; i < m.nports && fuzz_take(&in, 1); i++ )
        m.words[i] = (event_word_t)fuzz_take(&in, 4);
    m.q.cb = &m.cb;
    m.q.word = model_word;
    m.q.ctx = &m;
    /* Every pop uses up a LINK or one of READY's 32 bits. */
    m.budget = m.nports + 32 + 1;

    while ( fuzz_more(&in) )
    {
        uint64_t op = fuzz_take(&in, 1);
        evtchn_port_t port = (evtchn_port_t)fuzz_take(&in, 2) % m.nports;

        switch ( op % 7 )
        {
        case 0:
        case 1:
            check_pop(&m);
            break;
        case 2: /* Xen writes any word */
            m.words[port] = (event_word_t)fuzz_take(&in, 4);
            m.budget++;
            break;
        case 3: /* Xen writes READY and a HEAD */
            m.cb.ready |= (uint32_t)fuzz_take(&in, 4);
            m.cb.head[port % EVTCHN_FIFO_MAX_QUEUES] =
                (uint32_t)fuzz_take(&in, 4);
            m.budget += 32;
            break;
        case 4:
            check_claim(&m, &m.words[port]);
            break;
        case 5:
            evtchn_fifo_word_mask(&m.words[port]);
            FUZZ_CHECK(m.words[port] & EVTCHN_FIFO_MASKED_BIT, "mask failed");
            break;
        default:
            check_unmask(&m.words[port]);
            break;
        }
    }
    /* Drain: the walk must come to an end. */
    while ( evtchn_fifo_pop(&m.q) )
        FUZZ_CHECK(m.budget-- > 0, "pops never end");
    free(m.words);
    return 0;
}
