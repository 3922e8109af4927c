/* SPDX-License-Identifier: MIT */
/*
 * blk_fake.h - the host tests' stand-ins around one disk's I/O engine
 * (drivers/blk/blkif_engine.c): a fake driver that grants pages from
 * malloc, and a fake backend that serves the shared ring from a disk in
 * memory (reads, writes, indirect requests, flushes, barriers,
 * discards), plus the callers' helpers. tests/host/blk_fake.c;
 * used by test_blkif_engine.c and test_blkif_perf.c.
 */
#ifndef XENLING_TESTS_BLK_FAKE_H
#define XENLING_TESTS_BLK_FAKE_H

#include <ktest.h>
#include "drivers/blk/blkif_engine.h"
#include "drivers/blk/blkif_pool.h"

#define DISK_SECTORS 4096
#define MAX_GREFS    1024

/* The fake driver: pages and grants. */
struct fake_drv {
    void *page[MAX_GREFS]; /* granted page, NULL when ended */
    bool readonly[MAX_GREFS];
    unsigned int maps, unmaps, notifies;
    unsigned int fail_maps; /* seg_map fails while > 0 */
    unsigned int fail_nth;  /* the nth seg_map from now fails (0: none) */
    grant_ref_t next;
    bool others_busy; /* what others_busy answers */
    unsigned int others_asked;
    /*
     * Persistent grants, with blk_grants.c's rules (blkif_pool_take,
     * blkif_grant_readonly): pages from this pool; NULL: none.
     */
    struct blkif_pool *pool;
    unsigned int grants; /* grants made (not reused from the pool) */
};
extern struct fake_drv drv;
extern const struct blkif_engine_ops ops;

/* The fake backend. */
struct fake_be {
    union {
        struct blkif_sring s;
        unsigned char bytes[8 * 4096];
    } page;
    uint32_t slots; /* the ring's (32 for one page) */
    unsigned char disk[DISK_SECTORS * 512];
    RING_IDX req_cons;
    char log[256];        /* the operations it saw: R W B F D I */
    int16_t flush_status; /* its answer to every flush */
    int16_t barrier_status;
    int16_t discard_status;
    unsigned int max_seen; /* most requests in flight at once */
    uint64_t discarded;    /* sectors it was asked to discard */
    uint64_t last_discard; /* the first of them, last time */
    /*
     * It keeps grants mapped (feature-persistent) and so, like Linux's
     * blkback, maps every grant writable: a read-only one fails the map.
     */
    bool persistent;
};
extern struct fake_be be;
extern blkif_request_t pending[512]; /* taken, not answered, oldest first */
extern unsigned int npending;
extern struct blkif_params params;

/* A fresh disk, driver and backend; offers: f flush, b barrier,
 * r read-only, d discard. */
void setup(struct blkif_engine *e, const char *offers);
/* The same with a ring of `pages` pages (1..8). */
void setup_ring(struct blkif_engine *e, const char *offers, unsigned int pages);
union blkif_sring_entry *be_slot(RING_IDX i);
void be_take(void);
void be_answer(unsigned int n);
void be_serve(struct blkif_engine *e, struct blk_req **done);

/* Callers. */
extern unsigned int completions;
void req(struct blk_req *r, unsigned int op, uint64_t sector, uint32_t count,
         void *buf, int *calls);
void submit(struct blkif_engine *e, struct blk_req *r);
void serve(struct blkif_engine *e);
void poll(struct blkif_engine *e);
void fill(unsigned char *b, size_t n, unsigned int seed);

#endif
