/* SPDX-License-Identifier: MIT */
/*
 * gntpeer.c - the tier-2 dom0's grant-table peer, a Linux program built on
 * the host against libxengnttab (libxen-dev) and run inside the dom0. It
 * either maps one page that a domain granted (gntdev) or grants one page
 * of its own (gntalloc), and then a holder process keeps that page while
 * it answers "read", "write" and "end" commands sent through a FIFO, so
 * the mapping really stays held between requests. The dom0 agent
 * (tools/tier2/agent) runs it for the guest's gnt-* requests; the command
 * grammar and the replies are in tools/tier2/README.md. Every command
 * prints exactly one line, "ok [RESULT]" or "err MESSAGE", and exits 0
 * (ok), 1 (err) or 2 (usage). Internal functions return 0 or a negative
 * Linux errno, or fill in an "err ..." message for the caller.
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
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xengnttab.h>

#define GNT_PAGE_SIZE 4096u   /* a grant always covers one 4 KiB frame */
#define DOMID_LIMIT   0x7ff0u /* DOMID_FIRST_RESERVED in xen/xen.h */
#define LINE_MAX_LEN  512     /* a command or reply line, '\n' included */
#define REPLY_WAIT_MS 10000   /* how long "ctl" waits for the holder */
#define CTL_PATH_MAX  200     /* so CTL + ".reply.PID" fits a line */

static const char usage_text[] =
    "usage: gntpeer map DOMID REF OFFSET CTL | share DOMID CTL |\n"
    "       ctl CTL read OFFSET | ctl CTL write OFFSET VALUE | ctl CTL end\n";

/* The one page a holder keeps, and how it got it. */
struct holder {
    xengnttab_handle *gt;    /* "map": the gntdev handle, else NULL */
    xengntshr_handle *gs;    /* "share": the gntalloc handle, else NULL */
    volatile uint64_t *page; /* the page, mapped read-write */
    uint32_t domid;          /* the granting (map) or grantee (share) domain */
    uint32_t ref;            /* the grant reference */
};

/* Format "err ..." (or "ok ...") into msg, a LINE_MAX_LEN buffer. */
static void __attribute__((format(printf, 2, 3)))
say(char *msg, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, LINE_MAX_LEN - 1, fmt, ap);
    va_end(ap);
}

/*
 * Parse s as an unsigned number no larger than max: decimal digits, or
 * "0x" and hex digits (no sign, no spaces, no octal). Returns 0 and sets
 * *out, -EINVAL if s is not such a number, -ERANGE if it exceeds max.
 */
static int
parse_num(const char *s, uint64_t max, uint64_t *out)
{
    unsigned int base = 10;
    uint64_t v = 0;
    const char *p = s;

    if ( p[0] == '0' && (p[1] == 'x' || p[1] == 'X') )
    {
        base = 16;
        p += 2;
    }
    if ( *p == '\0' )
        return -EINVAL;
    for ( ; *p; p++ )
    {
        unsigned int d;

        if ( *p >= '0' && *p <= '9' )
            d = *p - '0';
        else if ( base == 16 && *p >= 'a' && *p <= 'f' )
            d = *p - 'a' + 10;
        else if ( base == 16 && *p >= 'A' && *p <= 'F' )
            d = *p - 'A' + 10;
        else
            return -EINVAL;
        if ( v > (UINT64_MAX - d) / base )
            return -ERANGE;
        v = v * base + d;
    }
    if ( v > max )
        return -ERANGE;
    *out = v;
    return 0;
}

/*
 * Parse argument `what` (its name, for the message) into *out, at most
 * max. Returns 0, or -EINVAL with an "err ..." message in msg.
 */
static int
parse_arg(const char *what, const char *s, uint64_t max, uint64_t *out,
          char *msg)
{
    int rc = parse_num(s, max, out);

    if ( rc == -EINVAL )
        say(msg, "err %s '%.40s' is not a decimal or 0x-hex number", what, s);
    else if ( rc == -ERANGE )
        say(msg, "err %s '%.40s' is larger than %llu", what, s,
            (unsigned long long)max);
    return rc ? -EINVAL : 0;
}

/*
 * Parse a word offset: a multiple of 8 inside the page, so that every
 * read and write is one aligned 64-bit access (atomic on x86, so the
 * guest never sees half a word). Returns 0 or -EINVAL with msg set.
 */
static int
parse_offset(const char *s, uint64_t *out, char *msg)
{
    if ( parse_arg("OFFSET", s, GNT_PAGE_SIZE - 8, out, msg) )
        return -EINVAL;
    if ( *out % 8 )
    {
        say(msg, "err OFFSET %llu is not a multiple of 8",
            (unsigned long long)*out);
        return -EINVAL;
    }
    return 0;
}

/* Return 0 if path is usable as a FIFO path here, else -EINVAL + msg. */
static int
check_ctl_path(const char *path, char *msg)
{
    if ( path[0] != '/' || strlen(path) > CTL_PATH_MAX ||
         strpbrk(path, " \t\n") )
    {
        say(msg,
            "err CTL must be an absolute path of at most %d characters without spaces",
            CTL_PATH_MAX);
        return -EINVAL;
    }
    return 0;
}

/*
 * Make the holder's control FIFO at ctl. A FIFO left behind by a holder
 * that died (nobody reads it) is replaced; one with a live holder means
 * the page is already held. Returns 0 or -EEXIST/-errno with msg set.
 */
static int
make_ctl_fifo(const char *ctl, char *msg)
{
    struct stat st;

    if ( lstat(ctl, &st) == 0 )
    {
        int fd;

        if ( !S_ISFIFO(st.st_mode) )
        {
            say(msg, "err %s exists and is not a FIFO", ctl);
            return -EEXIST;
        }
        /* Opening a FIFO to write without blocking fails with ENXIO
         * exactly when no process has it open for reading. */
        fd = open(ctl, O_WRONLY | O_NONBLOCK);
        if ( fd >= 0 )
        {
            close(fd);
            say(msg, "err %s already has a holder", ctl);
            return -EEXIST;
        }
        unlink(ctl);
    }
    if ( mkfifo(ctl, 0600) )
    {
        int e = errno;

        say(msg, "err cannot make FIFO %s: %s", ctl, strerror(e));
        return -e;
    }
    return 0;
}

/*
 * Map grant ref of domain domid read-write into h (gntdev). Returns 0 or
 * -errno with an "err ..." message; a grant the domain never made fails
 * here, with Xen's refusal reported by gntdev as the errno.
 */
static int
holder_map(struct holder *h, char *msg)
{
    void *p;
    int e;

    h->gt = xengnttab_open(NULL, 0);
    if ( !h->gt )
    {
        e = errno;
        say(msg, "err cannot open gntdev (is xen-gntdev loaded?): %s",
            strerror(e));
        return -e;
    }
    p = xengnttab_map_grant_ref(h->gt, h->domid, h->ref,
                                PROT_READ | PROT_WRITE);
    if ( !p )
    {
        e = errno;
        say(msg, "err cannot map grant %u of domain %u: %s", h->ref, h->domid,
            strerror(e));
        xengnttab_close(h->gt);
        h->gt = NULL;
        return -e;
    }
    h->page = p;
    return 0;
}

/*
 * Allocate one zeroed page and grant it read-write to domain h->domid
 * (gntalloc); sets h->ref. Returns 0 or -errno with an "err ..." message.
 */
static int
holder_share(struct holder *h, char *msg)
{
    void *p;
    int e;

    h->gs = xengntshr_open(NULL, 0);
    if ( !h->gs )
    {
        e = errno;
        say(msg, "err cannot open gntalloc (is xen-gntalloc loaded?): %s",
            strerror(e));
        return -e;
    }
    p = xengntshr_share_pages(h->gs, h->domid, 1, &h->ref, 1);
    if ( !p )
    {
        e = errno;
        say(msg, "err cannot grant a page to domain %u: %s", h->domid,
            strerror(e));
        xengntshr_close(h->gs);
        h->gs = NULL;
        return -e;
    }
    h->page = p;
    return 0;
}

/* Give the page back: unmap the grant, or end our own grant. */
static void
holder_release(struct holder *h)
{
    if ( h->gt )
    {
        xengnttab_unmap(h->gt, (void *)h->page, 1);
        xengnttab_close(h->gt);
    }
    if ( h->gs )
    {
        xengntshr_unshare(h->gs, (void *)h->page, 1);
        xengntshr_close(h->gs);
    }
    h->gt = NULL;
    h->gs = NULL;
    h->page = NULL;
}

/*
 * Run one command line "read OFFSET", "write OFFSET VALUE" or "end" on
 * the held page; the reply goes to msg. Returns true when the holder
 * must stop (after "end").
 */
static bool
holder_command(struct holder *h, char *cmd, char *msg)
{
    char *argv[4];
    int argc = 0;
    uint64_t off, val;
    char *save = NULL, *w;

    for ( w = strtok_r(cmd, " ", &save); w && argc < 4;
          w = strtok_r(NULL, " ", &save) )
        argv[argc++] = w;
    if ( argc == 2 && !strcmp(argv[0], "read") )
    {
        if ( parse_offset(argv[1], &off, msg) )
            return false;
        /* One aligned 64-bit load: the peer's word is never torn. */
        say(msg, "ok 0x%016llx", (unsigned long long)h->page[off / 8]);
    }
    else if ( argc == 3 && !strcmp(argv[0], "write") )
    {
        if ( parse_offset(argv[1], &off, msg) ||
             parse_arg("VALUE", argv[2], UINT64_MAX, &val, msg) )
            return false;
        h->page[off / 8] = val;
        say(msg, "ok");
    }
    else if ( argc == 1 && !strcmp(argv[0], "end") )
    {
        holder_release(h);
        say(msg, "ok");
        return true;
    }
    else
        say(msg,
            "err unknown command (want: read OFFSET, write OFFSET VALUE, end)");
    return false;
}

/* Write reply line msg into the client's reply FIFO at path, if any. */
static void
send_reply(const char *path, const char *msg)
{
    struct stat st;
    char line[LINE_MAX_LEN + 1];
    int fd, n;

    if ( path[0] != '/' )
        return;
    fd = open(path, O_WRONLY | O_NONBLOCK);
    if ( fd < 0 )
        return;
    /* Only ever write into a FIFO, never into a file someone named. */
    if ( fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) )
    {
        n = snprintf(line, sizeof(line), "%s\n", msg);
        /* Below PIPE_BUF: the line arrives whole or not at all. */
        if ( write(fd, line, n) != n )
            fprintf(stderr, "gntpeer: reply to %s lost\n", path);
    }
    close(fd);
}

/*
 * The holder's loop: read "REPLY-FIFO COMMAND..." lines from the FIFO
 * ctl and answer each into REPLY-FIFO, until "end". The FIFO is opened
 * read-write so that clients coming and going never make it read EOF.
 */
static void
holder_serve(struct holder *h, const char *ctl)
{
    char buf[LINE_MAX_LEN], msg[LINE_MAX_LEN];
    size_t len = 0;
    bool stop = false, skipping = false;
    int fd = open(ctl, O_RDWR);

    if ( fd < 0 )
    {
        fprintf(stderr, "gntpeer: cannot open %s: %s\n", ctl, strerror(errno));
        holder_release(h);
        return;
    }
    while ( !stop )
    {
        ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
        char *nl;

        if ( n < 0 && errno == EINTR )
            continue;
        if ( n <= 0 )
            break;
        len += n;
        buf[len] = '\0';
        while ( !stop && (nl = memchr(buf, '\n', len)) )
        {
            char *sp;

            *nl = '\0';
            sp = strchr(buf, ' ');
            if ( !skipping && sp )
            {
                *sp = '\0';
                stop = holder_command(h, sp + 1, msg);
                send_reply(buf, msg);
            }
            else if ( !skipping )
                fprintf(stderr, "gntpeer: line without a reply path ignored\n");
            skipping = false;
            len -= nl + 1 - buf;
            memmove(buf, nl + 1, len);
        }
        if ( len == sizeof(buf) - 1 )
        {
            /* A line longer than any valid command: drop it. */
            fprintf(stderr, "gntpeer: overlong command line dropped\n");
            len = 0;
            skipping = true;
        }
    }
    close(fd);
    unlink(ctl);
    if ( !stop )
        holder_release(h);
}

/*
 * Start a holder for h ("map" when share is false, else "share") that
 * serves FIFO ctl. The holder is a child process (a gntdev mapping is not
 * inherited across fork, so the child makes it); it reports "ok ..." or
 * "err ..." through a pipe, and this parent prints that and returns the
 * exit status. With offset set, "map" reads the word there as its result.
 */
static int
start_holder(struct holder *h, bool share, uint64_t offset, const char *ctl)
{
    char msg[LINE_MAX_LEN] = "";
    int pfd[2], status = 0;
    ssize_t n, got = 0;
    pid_t pid;

    if ( pipe(pfd) )
    {
        printf("err pipe: %s\n", strerror(errno));
        return 1;
    }
    pid = fork();
    if ( pid < 0 )
    {
        printf("err fork: %s\n", strerror(errno));
        return 1;
    }
    if ( pid == 0 )
    {
        int rc, fd;

        close(pfd[0]);
        setsid();
        rc = make_ctl_fifo(ctl, msg);
        if ( !rc )
        {
            rc = share ? holder_share(h, msg) : holder_map(h, msg);
            if ( rc )
                unlink(ctl);
        }
        if ( !rc && share )
            say(msg, "ok %u", h->ref);
        else if ( !rc )
            /* One aligned 64-bit load (offset checked by the caller). */
            say(msg, "ok 0x%016llx", (unsigned long long)h->page[offset / 8]);
        /* Leave the caller's output: its reader waits for every writer
         * to close it. The holder's own messages go to CTL.log. */
        if ( !rc )
        {
            char log[CTL_PATH_MAX + 8];

            snprintf(log, sizeof(log), "%s.log", ctl);
            fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
            if ( fd < 0 )
                fd = open("/dev/null", O_WRONLY);
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
            fd = open("/dev/null", O_RDONLY);
            dup2(fd, 0);
            close(fd);
        }
        if ( write(pfd[1], msg, strlen(msg)) < 0 )
            rc = -EPIPE;
        close(pfd[1]);
        if ( rc )
            _exit(1);
        holder_serve(h, ctl);
        _exit(0);
    }
    close(pfd[1]);
    while ( got < LINE_MAX_LEN - 1 &&
            (n = read(pfd[0], msg + got, LINE_MAX_LEN - 1 - got)) != 0 )
    {
        if ( n < 0 && errno == EINTR )
            continue;
        if ( n < 0 )
            break;
        got += n;
    }
    msg[got] = '\0';
    close(pfd[0]);
    if ( got == 0 )
    {
        waitpid(pid, &status, 0);
        printf("err the holder process died before reporting (status %d)\n",
               status);
        return 1;
    }
    printf("%s\n", msg);
    if ( strncmp(msg, "ok", 2) )
    {
        waitpid(pid, &status, 0);
        return 1;
    }
    return 0;
}

/*
 * "ctl CTL COMMAND...": send one command to the holder serving FIFO ctl
 * and print its reply. Returns the exit status (0 ok, 1 err).
 */
static int
ctl_command(const char *ctl, int argc, char **argv)
{
    char reply[CTL_PATH_MAX + 32], line[LINE_MAX_LEN], msg[LINE_MAX_LEN];
    struct pollfd pfd;
    struct stat st;
    size_t len, got = 0;
    int rfd, cfd, i;

    snprintf(reply, sizeof(reply), "%s.reply.%d", ctl, (int)getpid());
    len = snprintf(line, sizeof(line), "%s", reply);
    for ( i = 0; i < argc; i++ )
    {
        if ( strpbrk(argv[i], " \t\n") || !argv[i][0] )
        {
            printf("err empty argument or argument with spaces\n");
            return 1;
        }
        len += snprintf(line + len, sizeof(line) - len, " %s", argv[i]);
        if ( len >= sizeof(line) - 1 )
        {
            printf("err command too long\n");
            return 1;
        }
    }
    line[len++] = '\n';
    /* The FIFO must exist and have a reader: the holder. */
    if ( lstat(ctl, &st) || !S_ISFIFO(st.st_mode) )
    {
        printf("err %s is not held (no FIFO)\n", ctl);
        return 1;
    }
    unlink(reply);
    if ( mkfifo(reply, 0600) )
    {
        printf("err cannot make FIFO %s: %s\n", reply, strerror(errno));
        return 1;
    }
    /* Read-write, so the holder's open for writing never blocks and our
     * poll waits for data, not for a writer to come and go. */
    rfd = open(reply, O_RDWR | O_NONBLOCK);
    cfd = open(ctl, O_WRONLY | O_NONBLOCK);
    if ( rfd < 0 || cfd < 0 )
    {
        if ( cfd < 0 && errno == ENXIO )
            printf("err %s has no holder (it died?)\n", ctl);
        else
            printf("err cannot open FIFOs: %s\n", strerror(errno));
        unlink(reply);
        return 1;
    }
    /* Below PIPE_BUF: concurrent clients' lines never interleave. */
    if ( write(cfd, line, len) != (ssize_t)len )
    {
        printf("err cannot send to %s: %s\n", ctl, strerror(errno));
        unlink(reply);
        return 1;
    }
    close(cfd);
    pfd.fd = rfd;
    pfd.events = POLLIN;
    while ( got < sizeof(msg) - 1 && !memchr(msg, '\n', got) )
    {
        ssize_t n;

        if ( poll(&pfd, 1, REPLY_WAIT_MS) <= 0 )
        {
            printf("err no reply from the holder of %s within %d ms\n", ctl,
                   REPLY_WAIT_MS);
            unlink(reply);
            return 1;
        }
        n = read(rfd, msg + got, sizeof(msg) - 1 - got);
        if ( n > 0 )
            got += n;
    }
    unlink(reply);
    msg[got] = '\0';
    msg[strcspn(msg, "\n")] = '\0';
    printf("%s\n", msg);
    return strncmp(msg, "ok", 2) ? 1 : 0;
}

int
main(int argc, char **argv)
{
    struct holder h = { 0 };
    char msg[LINE_MAX_LEN];
    uint64_t v, offset = 0;

    /* A client that gave up must not kill the holder that answers it. */
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if ( argc == 6 && !strcmp(argv[1], "map") )
    {
        if ( parse_arg("DOMID", argv[2], DOMID_LIMIT - 1, &v, msg) )
            goto bad;
        h.domid = v;
        if ( parse_arg("REF", argv[3], UINT32_MAX, &v, msg) )
            goto bad;
        h.ref = v;
        if ( parse_offset(argv[4], &offset, msg) ||
             check_ctl_path(argv[5], msg) )
            goto bad;
        return start_holder(&h, false, offset, argv[5]);
    }
    if ( argc == 4 && !strcmp(argv[1], "share") )
    {
        if ( parse_arg("DOMID", argv[2], DOMID_LIMIT - 1, &v, msg) )
            goto bad;
        h.domid = v;
        if ( check_ctl_path(argv[3], msg) )
            goto bad;
        return start_holder(&h, true, 0, argv[3]);
    }
    if ( argc >= 4 && !strcmp(argv[1], "ctl") )
    {
        if ( check_ctl_path(argv[2], msg) )
            goto bad;
        return ctl_command(argv[2], argc - 3, argv + 3);
    }
    printf("err bad arguments\n");
    fputs(usage_text, stderr);
    return 2;

bad:
    printf("%s\n", msg);
    return 1;
}
