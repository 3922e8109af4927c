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
 * stamped with dom0's uptime (the agent's notes file). Here: main, the
 * xenstore side and the device's life; the ring is hostileback_ring.c.
 */
#define _GNU_SOURCE
#include "hostileback.h"

static const char usage_text[] =
    "usage: hostileback DOMID VDEV SCENARIO NOTES READY [tame]\n"
    "  SCENARIO: good bad-id dup-id bad-status wrong-op prod-jump\n"
    "            never-made close-mid-io never sector-size-0\n"
    "            sector-size-3 sectors-overflow no-info no-sectors\n"
    "  tame: behave well whatever the scenario (proves the checks fail)\n";

const char *const scen_names[] = {
    "good",     "bad-id",        "dup-id",        "bad-status",
    "wrong-op", "prod-jump",     "never-made",    "close-mid-io",
    "never",    "sector-size-0", "sector-size-3", "sectors-overflow",
    "no-info",  "no-sectors",
};

static volatile sig_atomic_t stop_asked;

static void
on_term(int sig)
{
    (void)sig;
    stop_asked = 1;
}

/* One line to NOTES, stamped with dom0's uptime; also to stderr. */
void
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

void
sleep_ms(unsigned int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

    nanosleep(&ts, NULL);
}

/* Decimal number up to max, or -1. */
long long
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

bool
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
 * The frontend's state at creation: Initialising, unless the node is
 * there already. It is when an earlier hostileback for this disk laid
 * the device out and died before it was ready (dom0's faults; the agent
 * then starts another): the guest may have seen that device and written
 * Initialised, and overwriting that would leave it waiting for a backend
 * that waits for it (the "never connected" flake, docs/blkfront.md).
 */
static bool
keep_or_init_fe_state(struct hb *h, xs_transaction_t t)
{
    char path[192], *v;
    unsigned int len;

    snprintf(path, sizeof(path), "%s/state", h->fe);
    v = xs_read(h->xs, t, path, &len);
    if ( v )
    {
        note(h,
             "frontend state already %.8s (an earlier backend made it): kept",
             v);
        free(v);
        return true;
    }
    return xs_put(h, t, h->fe, "state", "%d", XenbusStateInitialising);
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
             keep_or_init_fe_state(h, t);
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

/* --- the device's life --------------------------------------------------- */

/*
 * Wait for an event or HB_POLL_MS. There is no xenstore watch: with one,
 * libxenstore runs a reader thread the main thread shares its handle
 * with; the frontend's state is polled instead (HB_RECHECK).
 */
static void
wait_something(struct hb *h)
{
    struct pollfd p = { xenevtchn_fd(h->ev), POLLIN, 0 };

    if ( poll(&p, 1, HB_POLL_MS) > 0 && (p.revents & POLLIN) )
    {
        xenevtchn_port_or_error_t port = xenevtchn_pending(h->ev);

        if ( port >= 0 )
            xenevtchn_unmask(h->ev, (evtchn_port_t)port);
    }
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
    note(&h, "created %s and %s", h.be, h.fe);
    /* Tell the agent we are there: it answers the guest after this. */
    fd = open(argv[5], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if ( fd >= 0 )
        close(fd);
    /* The frontend's state is read every HB_RECHECK polls (no watch). */
    idle = HB_RECHECK;
    while ( !stop_asked )
    {
        if ( idle >= HB_RECHECK )
        {
            follow_frontend(&h);
            idle = 0;
        }
        take_requests(&h);
        wait_something(&h);
        idle++;
    }
    detach(&h);
    xs_close(h.xs);
    xengnttab_close(h.gt);
    xenevtchn_close(h.ev);
    return 0;
}
