/* SPDX-License-Identifier: MIT */
/*
 * hostileback.c - a block backend for the tier-2 dom0 that misbehaves on
 * cue, to prove Xenling's blkfront survives a hostile backend. Built on
 * the host against libxenstore, libxengnttab and libxenevtchn
 * (libxen-dev) by tools/tier2/build-dom0.sh, run in dom0 by the agent's
 * "hostile" verb (tools/tier2/agent). It plays the toolstack and blkback
 * for one virtual block device of one domain: it lays out the backend
 * and frontend directories in xenstore as libxl does (hot plug), walks
 * the backend's side of the xenbus state machine, maps the ring, binds
 * the event channel and serves a 1 MiB disk whose sector n always reads
 * as the pattern of n XOR HB_SEED (tools/blk/README.md) - except where
 * its scenario says otherwise. Scenarios, what each does and what the
 * frontend must do about it: docs/blkfront.md ("Hostile backend").
 * On SIGTERM it closes the device as a toolstack detaching it would, and
 * removes both directories. What it does goes to NOTES, one line each,
 * stamped with dom0's uptime (the agent's notes file).
 */
#define _GNU_SOURCE
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
#define HB_RECHECK  10    /* polls between looks at the frontend's state */
#define DOMID_LIMIT 0x7ff0u

static const char usage_text[] =
    "usage: hostileback DOMID VDEV SCENARIO NOTES READY [tame]\n"
    "  SCENARIO: good bad-id dup-id bad-status wrong-op prod-jump\n"
    "            never-made close-mid-io never sector-size-0\n"
    "            sector-size-3 sectors-overflow no-info no-sectors\n"
    "  tame: behave well whatever the scenario (proves the checks fail)\n";

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

static const char *const scen_names[] = {
    "good",     "bad-id",        "dup-id",        "bad-status",
    "wrong-op", "prod-jump",     "never-made",    "close-mid-io",
    "never",    "sector-size-0", "sector-size-3", "sectors-overflow",
    "no-info",  "no-sectors",
};

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

static volatile sig_atomic_t stop_asked;

static void
on_term(int sig)
{
    (void)sig;
    stop_asked = 1;
}

/* One line to NOTES, stamped with dom0's uptime; also to stderr. */
static void __attribute__((format(printf, 2, 3)))
note(struct hb *h, const char *fmt, ...)
{
    char line[512], up[32] = "?";
    va_list ap;
    FILE *f;
    int n, fd;

    if ( (f = fopen("/proc/uptime", "r")) )
    {
        if ( fscanf(f, "%31s", up) != 1 )
            strcpy(up, "?");
        fclose(f);
    }
    n = snprintf(line, sizeof(line), "[%s] hostile %s (%s): ", up, h->name,
                 scen_names[h->scen]);
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if ( n > (int)sizeof(line) - 2 )
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    fd = open(h->notes, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if ( fd >= 0 )
    {
        if ( write(fd, line, (size_t)n) != n )
            fputs("hostileback: short write to the notes\n", stderr);
        close(fd);
    }
    fwrite(line, 1, (size_t)n, stderr);
}

static void
sleep_ms(unsigned int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

    nanosleep(&ts, NULL);
}

/* Decimal number up to max, or -1. */
static long long
parse_dec(const char *s, unsigned long long max)
{
    unsigned long long v = 0;

    if ( !s || !*s )
        return -1;
    for ( ; *s; s++ )
    {
        if ( *s < '0' || *s > '9' )
            return -1;
        v = v * 10 + (unsigned long long)(*s - '0');
        if ( v > max )
            return -1;
    }
    return (long long)v;
}

/* --- xenstore ------------------------------------------------------------ */

static bool xs_put(struct hb *h, xs_transaction_t t, const char *dir,
                   const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static bool
xs_put(struct hb *h, xs_transaction_t t, const char *dir, const char *key,
       const char *fmt, ...)
{
    char path[192], val[64];
    va_list ap;

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    va_start(ap, fmt);
    vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    return xs_write(h->xs, t, path, val, strlen(val));
}

/* The state node under dir, or -1 if it is missing or not a state. */
static int
read_state(struct hb *h, const char *dir)
{
    char path[192], *v;
    unsigned int len;
    long long s;

    snprintf(path, sizeof(path), "%s/state", dir);
    v = xs_read(h->xs, XBT_NULL, path, &len);
    s = parse_dec(v, XenbusStateReconfigured);
    free(v);
    return (int)s;
}

static bool
set_state(struct hb *h, int state)
{
    bool ok = xs_put(h, XBT_NULL, h->be, "state", "%d", state);

    note(h, "backend state %d%s", state, ok ? "" : ": write failed");
    return ok;
}

/*
 * The keys blkfront reads at connect: the disk's size and features,
 * or this scenario's nonsense.
 */
static bool
write_disk_keys(struct hb *h, xs_transaction_t t)
{
    unsigned long long sectors = HB_SECTORS;
    unsigned int ss = 512;
    bool ok = true;

    switch ( h->scen )
    {
    case S_SS0:
        ss = 0;
        break;
    case S_SS3:
        ss = 3;
        break;
    case S_OVERFLOW:
        /* 2^62 sectors of 4096 bytes: 2^74 bytes, past 64 bits. */
        sectors = 1ull << 62;
        ss = 4096;
        break;
    default:
        break;
    }
    if ( h->scen != S_NO_SECTORS )
        ok &= xs_put(h, t, h->be, "sectors", "%llu", sectors);
    ok &= xs_put(h, t, h->be, "sector-size", "%u", ss);
    if ( h->scen != S_NO_INFO )
        ok &= xs_put(h, t, h->be, "info", "0");
    ok &= xs_put(h, t, h->be, "feature-flush-cache", "1");
    ok &= xs_put(h, t, h->be, "feature-barrier", "1");
    return ok;
}

/*
 * Lay the device out as libxl would for a hot-plugged disk, in one
 * transaction: the backend's directory (dom0's, readable by the guest),
 * then the frontend's (the guest's, readable by dom0), whose appearance
 * the guest's xenbus sees.
 */
static int
create_device(struct hb *h)
{
    struct xs_permissions bp[2] = { { 0, XS_PERM_NONE },
                                    { h->domid, XS_PERM_READ } };
    struct xs_permissions fp[2] = { { h->domid, XS_PERM_NONE },
                                    { 0, XS_PERM_READ } };
    xs_transaction_t t;
    bool ok;
    int tries;

    for ( tries = 0; tries < 10; tries++ )
    {
        t = xs_transaction_start(h->xs);
        if ( t == XBT_NULL )
            return -errno;
        ok = xs_mkdir(h->xs, t, h->be) &&
             xs_set_permissions(h->xs, t, h->be, bp, 2) &&
             xs_put(h, t, h->be, "frontend", "%s", h->fe) &&
             xs_put(h, t, h->be, "frontend-id", "%u", h->domid) &&
             xs_put(h, t, h->be, "online", "1") &&
             xs_put(h, t, h->be, "type", "hostile") &&
             xs_put(h, t, h->be, "mode", "w") &&
             xs_put(h, t, h->be, "dev", "xvd-hostile") &&
             write_disk_keys(h, t) &&
             xs_put(h, t, h->be, "state", "%d", XenbusStateInitWait) &&
             xs_mkdir(h->xs, t, h->fe) &&
             xs_set_permissions(h->xs, t, h->fe, fp, 2) &&
             xs_put(h, t, h->fe, "backend", "%s", h->be) &&
             xs_put(h, t, h->fe, "backend-id", "0") &&
             xs_put(h, t, h->fe, "virtual-device", "%u", h->vdev) &&
             xs_put(h, t, h->fe, "device-type", "disk") &&
             xs_put(h, t, h->fe, "state", "%d", XenbusStateInitialising);
        if ( !ok )
        {
            int e = errno;

            xs_transaction_end(h->xs, t, true);
            return -e;
        }
        if ( xs_transaction_end(h->xs, t, false) )
            return 0;
        if ( errno != EAGAIN )
            return -errno;
    }
    return -EAGAIN;
}

/* Remove dir; one already gone (the domain was destroyed) is fine. */
static bool
rm_dir(struct hb *h, const char *dir)
{
    if ( xs_rm(h->xs, XBT_NULL, dir) || errno == ENOENT )
        return true;
    note(h, "removing %s failed: %s", dir, strerror(errno));
    return false;
}

static void
remove_device(struct hb *h)
{
    bool a = rm_dir(h, h->fe), b = rm_dir(h, h->be);

    note(h, "directories removed%s", a && b ? "" : " (not all)");
}

/* --- the ring ------------------------------------------------------------ */

/* Read the frontend's transport keys, map its ring, bind its channel. */
static int
connect_ring(struct hb *h)
{
    char path[192], *v;
    unsigned int len;
    long long ref, port;
    evtchn_port_t gport;
    int l;

    snprintf(path, sizeof(path), "%s/ring-ref", h->fe);
    v = xs_read(h->xs, XBT_NULL, path, &len);
    ref = parse_dec(v, UINT32_MAX);
    free(v);
    snprintf(path, sizeof(path), "%s/event-channel", h->fe);
    v = xs_read(h->xs, XBT_NULL, path, &len);
    port = parse_dec(v, UINT32_MAX);
    free(v);
    snprintf(path, sizeof(path), "%s/protocol", h->fe);
    v = xs_read(h->xs, XBT_NULL, path, &len);
    if ( ref < 0 || port < 0 || !v || strcmp(v, XEN_IO_PROTO_ABI_X86_64) )
    {
        note(h, "frontend's ring-ref, event-channel or protocol unusable");
        free(v);
        return -EINVAL;
    }
    free(v);
    h->sring = xengnttab_map_grant_ref(h->gt, h->domid, (uint32_t)ref,
                                       PROT_READ | PROT_WRITE);
    if ( !h->sring )
    {
        note(h, "cannot map ring-ref %lld: %s", ref, strerror(errno));
        return -errno;
    }
    gport = (evtchn_port_t)port;
    l = xenevtchn_bind_interdomain(h->ev, h->domid, gport);
    if ( l < 0 )
    {
        note(h, "cannot bind event channel %lld: %s", port, strerror(errno));
        xengnttab_unmap(h->gt, h->sring, 1);
        h->sring = NULL;
        return -errno;
    }
    h->lport = (evtchn_port_t)l;
    h->req_cons = 0;
    h->rsp_pvt = 0;
    h->connected = true;
    note(h, "ring-ref %lld mapped, event channel %lld bound", ref, port);
    return 0;
}

static void
disconnect_ring(struct hb *h)
{
    if ( !h->connected )
        return;
    xenevtchn_unbind(h->ev, h->lport);
    xengnttab_unmap(h->gt, h->sring, 1);
    h->sring = NULL;
    h->connected = false;
    note(h, "ring unmapped, event channel unbound (%u requests taken)",
         h->served);
}

/* Put one response in the next slot; published by publish(). */
static void
put_rsp(struct hb *h, uint64_t id, uint8_t op, int16_t status)
{
    blkif_response_t *r = &h->sring->ring[h->rsp_pvt % HB_RING].rsp;

    r->id = id;
    r->operation = op;
    r->status = status;
    h->rsp_pvt++;
}

/* Show responses up to `prod` to the frontend and send its event. */
static void
publish(struct hb *h, RING_IDX prod)
{
    hb_wmb(); /* the responses' contents before the index that shows them */
    h->sring->rsp_prod = prod;
    hb_mb(); /* the index before the notification */
    xenevtchn_notify(h->ev, h->lport);
}

/* Fill a read's segments with the pattern of their sectors. */
static int16_t
do_read(struct hb *h, const blkif_request_t *q)
{
    uint64_t sector = q->sector_number, v;
    unsigned int i, s, k;

    for ( i = 0; i < q->nr_segments; i++ )
    {
        const struct blkif_request_segment *g = &q->seg[i];
        uint8_t *page;

        if ( g->first_sect > g->last_sect || g->last_sect >= HB_PAGE / 512 )
            return BLKIF_RSP_ERROR;
        page = xengnttab_map_grant_ref(h->gt, h->domid, g->gref,
                                       PROT_READ | PROT_WRITE);
        if ( !page )
        {
            note(h, "cannot map segment grant %u: %s", g->gref,
                 strerror(errno));
            return BLKIF_RSP_ERROR;
        }
        for ( s = g->first_sect; s <= g->last_sect; s++, sector++ )
        {
            v = sector ^ HB_SEED;
            for ( k = 0; k < 64; k++ )
                memcpy(page + s * 512 + k * 8, &v, 8); /* little endian */
        }
        xengnttab_unmap(h->gt, page, 1);
    }
    return BLKIF_RSP_OKAY;
}

/* The answer a well-behaved backend gives (the data is not kept). */
static int16_t
serve(struct hb *h, const blkif_request_t *q)
{
    if ( q->operation == BLKIF_OP_READ )
    {
        if ( q->nr_segments == 0 ||
             q->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST ||
             q->sector_number >= HB_SECTORS )
            return BLKIF_RSP_ERROR;
        return do_read(h, q);
    }
    if ( q->operation == BLKIF_OP_WRITE ||
         q->operation == BLKIF_OP_FLUSH_DISKCACHE ||
         q->operation == BLKIF_OP_WRITE_BARRIER )
        return BLKIF_RSP_OKAY;
    return BLKIF_RSP_EOPNOTSUPP;
}

/* One request, answered (or not) as the scenario says. */
static void
handle(struct hb *h, const blkif_request_t *q)
{
    unsigned int k = h->served++;
    uint8_t op = q->operation;

    /* dup-id needs a request completed first: its id is repeated. */
    if ( h->scen == S_DUP_ID && k == 0 )
        h->first_id = q->id;
    if ( k != (h->scen == S_DUP_ID ? 1u : 0u) || h->scen == S_GOOD )
    {
        put_rsp(h, q->id, op, serve(h, q));
        publish(h, h->rsp_pvt);
        return;
    }
    switch ( h->scen )
    {
    case S_BAD_ID:
        note(h, "answering request id %#llx with id %#llx",
             (unsigned long long)q->id,
             (unsigned long long)(q->id ^ 0x5a5a000000000000ull));
        put_rsp(h, q->id ^ 0x5a5a000000000000ull, op, serve(h, q));
        publish(h, h->rsp_pvt);
        break;
    case S_DUP_ID:
        note(h, "answering request id %#llx with id %#llx, already answered",
             (unsigned long long)q->id, (unsigned long long)h->first_id);
        put_rsp(h, h->first_id, op, BLKIF_RSP_OKAY);
        publish(h, h->rsp_pvt);
        break;
    case S_BAD_STATUS:
        note(h, "answering request id %#llx with status 7",
             (unsigned long long)q->id);
        put_rsp(h, q->id, op, 7);
        publish(h, h->rsp_pvt);
        break;
    case S_WRONG_OP:
        note(h, "answering a request of operation %u as operation %u", op,
             op == BLKIF_OP_READ ? BLKIF_OP_WRITE : BLKIF_OP_READ);
        put_rsp(h, q->id, op == BLKIF_OP_READ ? BLKIF_OP_WRITE : BLKIF_OP_READ,
                BLKIF_RSP_OKAY);
        publish(h, h->rsp_pvt);
        break;
    case S_PROD_JUMP:
        note(h, "answering one request, rsp_prod moved by %u", HB_RING + 68);
        put_rsp(h, q->id, op, serve(h, q));
        publish(h, h->rsp_pvt + HB_RING + 67);
        break;
    case S_NEVER_MADE:
        put_rsp(h, q->id, op, serve(h, q));
        publish(h, h->rsp_pvt);
        sleep_ms(300);
        note(
            h,
            "answered request id %#llx, then a response for one never made (id %#llx)",
            (unsigned long long)q->id, (unsigned long long)(q->id + 0x10000));
        put_rsp(h, q->id + 0x10000, op, BLKIF_RSP_OKAY);
        publish(h, h->rsp_pvt);
        break;
    case S_CLOSE_MID_IO:
        note(h, "request id %#llx taken, not answered: closing",
             (unsigned long long)q->id);
        set_state(h, XenbusStateClosing);
        break;
    case S_NEVER:
        note(h, "request id %#llx taken, never answered",
             (unsigned long long)q->id);
        break;
    default: /* the xenstore scenarios: never connected */
        put_rsp(h, q->id, op, serve(h, q));
        publish(h, h->rsp_pvt);
        break;
    }
}

/* Take every request on the ring, then ask for an event for the next. */
static void
take_requests(struct hb *h)
{
    blkif_request_t q;
    RING_IDX prod;

    if ( !h->connected )
        return;
    for ( ;; )
    {
        prod = h->sring->req_prod;
        hb_rmb(); /* the index before the requests it shows */
        if ( prod - h->req_cons > HB_RING )
        {
            note(
                h,
                "frontend's req_prod %u is past our %u by more than the ring: ignoring the ring",
                prod, h->req_cons);
            h->req_cons = prod;
            return;
        }
        while ( h->req_cons != prod )
        {
            /* Copied once: the frontend may change the slot under us. */
            memcpy(&q, (void *)&h->sring->ring[h->req_cons % HB_RING].req,
                   sizeof(q));
            h->req_cons++;
            handle(h, &q);
            if ( !h->connected )
                return;
        }
        h->sring->req_event = h->req_cons + 1;
        hb_mb(); /* req_event before the second look at req_prod */
        if ( h->sring->req_prod == h->req_cons )
            return;
    }
}

/* --- the device's life --------------------------------------------------- */

/* Wait for an event, a watch or HB_POLL_MS; true if the watch fired. */
static bool
wait_something(struct hb *h)
{
    struct pollfd p[2] = { { xs_fileno(h->xs), POLLIN, 0 },
                           { xenevtchn_fd(h->ev), POLLIN, 0 } };
    bool watch = false;
    char **w;

    if ( poll(p, 2, HB_POLL_MS) <= 0 )
        return false;
    if ( p[0].revents & POLLIN )
    {
        while ( (w = xs_check_watch(h->xs)) )
        {
            free(w);
            watch = true;
        }
    }
    if ( p[1].revents & POLLIN )
    {
        xenevtchn_port_or_error_t port = xenevtchn_pending(h->ev);

        if ( port >= 0 )
            xenevtchn_unmask(h->ev, (evtchn_port_t)port);
    }
    return watch;
}

/*
 * React to the frontend's state: connect once it has published its ring,
 * let go once it closes.
 */
static void
follow_frontend(struct hb *h)
{
    int fs = read_state(h, h->fe), bs = read_state(h, h->be);

    if ( fs == XenbusStateInitialised && bs == XenbusStateInitWait )
    {
        if ( connect_ring(h) == 0 )
            set_state(h, XenbusStateConnected);
        else
            set_state(h, XenbusStateClosed);
    }
    else if ( (fs == XenbusStateClosing || fs == XenbusStateClosed || fs < 0) &&
              bs != XenbusStateClosed )
    {
        note(h, "frontend state %d", fs);
        disconnect_ring(h);
        set_state(h, XenbusStateClosed);
    }
}

/* SIGTERM: close as a detaching toolstack would, then remove the device. */
static void
detach(struct hb *h)
{
    unsigned int waited = 0;
    int fs;

    note(h, "detaching");
    if ( read_state(h, h->be) != XenbusStateClosed )
    {
        set_state(h, XenbusStateClosing);
        while ( waited < HB_CLOSE_MS )
        {
            fs = read_state(h, h->fe);
            if ( fs == XenbusStateClosing || fs == XenbusStateClosed || fs < 0 )
                break;
            wait_something(h);
            waited += HB_POLL_MS;
        }
        disconnect_ring(h);
        set_state(h, XenbusStateClosed);
    }
    while ( waited < HB_CLOSE_MS )
    {
        fs = read_state(h, h->fe);
        if ( fs == XenbusStateClosed || fs < 0 )
            break;
        wait_something(h);
        waited += HB_POLL_MS;
    }
    if ( waited >= HB_CLOSE_MS )
        note(h, "frontend did not close within %u ms: removing anyway",
             HB_CLOSE_MS);
    disconnect_ring(h);
    remove_device(h);
}

int
main(int argc, char **argv)
{
    struct hb h = { 0 };
    struct sigaction sa = { 0 };
    long long domid, vdev;
    unsigned int i;
    unsigned int idle;
    bool tame;
    int rc, fd;

    if ( argc < 6 || argc > 7 || (argc == 7 && strcmp(argv[6], "tame")) )
    {
        fputs(usage_text, stderr);
        return 2;
    }
    tame = argc == 7;
    domid = parse_dec(argv[1], DOMID_LIMIT - 1);
    vdev = parse_dec(argv[2], UINT32_MAX);
    for ( i = 0; i < sizeof(scen_names) / sizeof(scen_names[0]); i++ )
        if ( strcmp(argv[3], scen_names[i]) == 0 )
            break;
    if ( domid <= 0 || vdev < 0 ||
         i == sizeof(scen_names) / sizeof(scen_names[0]) )
    {
        fputs(usage_text, stderr);
        return 2;
    }
    h.domid = (unsigned int)domid;
    h.vdev = (unsigned int)vdev;
    h.scen = tame ? S_GOOD : (enum scen)i;
    h.notes = argv[4];
    snprintf(h.name, sizeof(h.name), "vbd %u", h.vdev);
    snprintf(h.be, sizeof(h.be), "/local/domain/0/backend/vbd/%u/%u", h.domid,
             h.vdev);
    snprintf(h.fe, sizeof(h.fe), "/local/domain/%u/device/vbd/%u", h.domid,
             h.vdev);
    if ( tame )
        note(&h, "tame: behaving well instead of as %s", argv[3]);

    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    h.xs = xs_open(0);
    h.gt = xengnttab_open(NULL, 0);
    h.ev = xenevtchn_open(NULL, 0);
    if ( !h.xs || !h.gt || !h.ev )
    {
        note(&h, "cannot open xenstore, gntdev or evtchn: %s", strerror(errno));
        return 1;
    }
    rc = create_device(&h);
    if ( rc )
    {
        note(&h, "cannot create the device in xenstore: %s", strerror(-rc));
        return 1;
    }
    if ( !xs_watch(h.xs, h.fe, "fe") )
    {
        note(&h, "cannot watch %s: %s", h.fe, strerror(errno));
        remove_device(&h);
        return 1;
    }
    note(&h, "created %s and %s", h.be, h.fe);
    /* Tell the agent we are there: it answers the guest after this. */
    fd = open(argv[5], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if ( fd >= 0 )
        close(fd);
    /* The frontend's directory is watched: its state is read again
     * when something under it changed, and every HB_RECHECK polls in
     * case a watch event never came (xenstored has been seen leaving a
     * request unread, tools/README.md). */
    idle = HB_RECHECK;
    while ( !stop_asked )
    {
        if ( idle >= HB_RECHECK )
        {
            follow_frontend(&h);
            idle = 0;
        }
        take_requests(&h);
        idle = wait_something(&h) ? HB_RECHECK : idle + 1;
    }
    detach(&h);
    xs_close(h.xs);
    xengnttab_close(h.gt);
    xenevtchn_close(h.ev);
    return 0;
}
