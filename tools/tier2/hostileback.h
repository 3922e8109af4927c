/* SPDX-License-Identifier: MIT */
/*
 * hostileback.h - what the two halves of the hostile block backend
 * share (tools/tier2/hostileback.c: the toolstack's part, the xenstore
 * layout and the device's life, and main; hostileback_ring.c: the ring,
 * served as the scenario says). One device, one process, one thread.
 */
#ifndef XENLING_HOSTILEBACK_H
#define XENLING_HOSTILEBACK_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include <xen/xen.h>
#include <xen/io/blkif.h>
#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>

/* Barriers between the shared ring's indices and its entries (each use
 * says what it orders); the frontend runs on other CPUs. */
#define hb_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define hb_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define hb_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

#define HB_PAGE     4096u
#define HB_SECTORS  2048u       /* the disk: 1 MiB of 512-byte sectors */
#define HB_SEED     0x4057113ul /* what its sectors read as */
#define HB_RING     ((unsigned int)__CONST_RING_SIZE(blkif, HB_PAGE))
#define HB_POLL_MS  100   /* how often to look when nothing wakes us */
#define HB_CLOSE_MS 10000 /* how long the frontend gets to close */
#define HB_RECHECK  3     /* polls between looks at the frontend's state */
#define DOMID_LIMIT 0x7ff0u

enum scen {
    S_GOOD,
    S_BAD_ID,
    S_DUP_ID,
    S_BAD_STATUS,
    S_WRONG_OP,
    S_PROD_JUMP,
    S_NEVER_MADE,
    S_CLOSE_MID_IO,
    S_NEVER,
    S_SS0,
    S_SS3,
    S_OVERFLOW,
    S_NO_INFO,
    S_NO_SECTORS,
};

extern const char *const scen_names[];

struct hb {
    struct xs_handle *xs;
    xengnttab_handle *gt;
    xenevtchn_handle *ev;
    unsigned int domid, vdev;
    enum scen scen;
    const char *notes;
    char name[32];        /* "vbd 51728" for the notes */
    char be[128];         /* the backend's directory */
    char fe[128];         /* the frontend's directory */
    blkif_sring_t *sring; /* mapped while connected */
    evtchn_port_t lport;  /* bound while connected */
    bool connected;
    RING_IDX req_cons, rsp_pvt;
    unsigned int served; /* requests taken off the ring */
    uint64_t first_id;   /* dup-id: the first request's id */
};

/* One line to the notes, stamped with dom0's uptime; also to stderr. */
void note(struct hb *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Sleep ms milliseconds. */
void sleep_ms(unsigned int ms);
/* Decimal number s up to max, or -1 (also for NULL or empty). */
long long parse_dec(const char *s, unsigned long long max);
/* Write the backend's state node (noted); false if the write failed. */
bool set_state(struct hb *h, int state);

/*
 * Read the frontend's transport keys, map its ring, bind its channel.
 * Returns 0, or a negative errno (noted; nothing is left mapped).
 */
int connect_ring(struct hb *h);
/* Unbind and unmap, if connected (noted). */
void disconnect_ring(struct hb *h);
/* Take every request on the ring and answer each as the scenario says,
 * then ask the frontend for an event for the next. */
void take_requests(struct hb *h);

#endif
