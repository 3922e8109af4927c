/* SPDX-License-Identifier: MIT */
/*
 * xs_wire.c - the xenstore wire protocol, portable half
 * (kernel/xen/xenstore/xs_wire.h): building requests, reassembling the
 * response stream, matching replies to requests in flight, and checking
 * every reply and watch event byte by byte before the client trusts it.
 * The client that owns the ring is xenstore.c in this folder.
 */
/*
 * xs_wire.h defines its xsd_errors table (error name -> errno) only when
 * EINVAL is defined. Naming each error it lists as the Xen errno of that
 * name makes the table map names straight to Xen's values; stringizing
 * in XSD_ERROR happens before expansion, so the names stay "EINVAL".
 */
#include <xen/errno.h>
#define EINVAL    XEN_EINVAL
#define EACCES    XEN_EACCES
#define EEXIST    XEN_EEXIST
#define EISDIR    XEN_EISDIR
#define ENOENT    XEN_ENOENT
#define ENOMEM    XEN_ENOMEM
#define ENOSPC    XEN_ENOSPC
#define EIO       XEN_EIO
#define ENOTEMPTY XEN_ENOTEMPTY
#define ENOSYS    XEN_ENOSYS
#define EROFS     XEN_EROFS
#define EBUSY     XEN_EBUSY
#define EAGAIN    XEN_EAGAIN
#define EISCONN   XEN_EISCONN
#define E2BIG     XEN_E2BIG
#define EPERM     XEN_EPERM
#include <lib.h>
#include <xen/io/xs_wire.h>
#undef EINVAL
#undef EACCES
#undef EEXIST
#undef EISDIR
#undef ENOENT
#undef ENOMEM
#undef ENOSPC
#undef EIO
#undef ENOTEMPTY
#undef ENOSYS
#undef EROFS
#undef EBUSY
#undef EAGAIN
#undef EISCONN
#undef E2BIG
#undef EPERM

#include "kernel/xen/xenstore/xs_wire.h"

BUILD_BUG_ON(sizeof(struct xsd_sockmsg) != 16);

#define TOKEN_PREFIX "xlw"

/* Copy s[0..len) into buf for a message: bytes outside 0x20..0x7e become
 * '?', and a long string ends in "...". Returns buf. */
static const char *
printable(char *buf, size_t size, const char *s, size_t len)
{
    size_t i, n = MIN(len, size - 1);

    for ( i = 0; i < n; i++ )
        buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if ( len > size - 1 && size > 4 )
        memcpy(buf + size - 4, "...", 3);
    buf[n] = '\0';
    return buf;
}

int
xs_msg_build(void *buf, size_t size, uint32_t type, uint32_t req_id,
             uint32_t tx_id, const struct xs_part *parts, unsigned int n)
{
    struct xsd_sockmsg hdr;
    uint64_t len = 0;
    char *p = buf;
    unsigned int i;

    for ( i = 0; i < n; i++ )
        len += parts[i].len;
    if ( len > XENSTORE_PAYLOAD_MAX || XS_HDR_SIZE + len > size )
    {
        printk("xenstore: request of %llu bytes refused: at most %u fit\n",
               (unsigned long long)len,
               (unsigned int)MIN(XENSTORE_PAYLOAD_MAX, size - XS_HDR_SIZE));
        return -XEN_E2BIG;
    }
    hdr.type = type;
    hdr.req_id = req_id;
    hdr.tx_id = tx_id;
    hdr.len = (uint32_t)len;
    memcpy(p, &hdr, XS_HDR_SIZE);
    p += XS_HDR_SIZE;
    for ( i = 0; i < n; i++ )
    {
        memcpy(p, parts[i].data, parts[i].len);
        p += parts[i].len;
    }
    return (int)(XS_HDR_SIZE + len);
}

/* --- Syntax ------------------------------------------------------------ */

static bool
path_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '/' || c == '_' ||
           c == '@';
}

/* Why `path` is not a valid path (NULL if it is); *at is where. */
static const char *
path_problem(const char *path, unsigned int flags, size_t *at)
{
    size_t len = strnlen(path, XENSTORE_ABS_PATH_MAX + 1);
    size_t i;

    *at = 0;
    if ( len == 0 )
        return "empty";
    if ( len >
         (path[0] == '/' ? XENSTORE_ABS_PATH_MAX : XENSTORE_REL_PATH_MAX) )
        return "too long";
    if ( path[0] == '@' && !(flags & XS_PATH_WATCH) )
        return "'@' names a special watch, not a node";
    for ( i = 0; i < len; i++ )
    {
        *at = i;
        if ( !path_char_ok(path[i]) )
            return "character not allowed";
        if ( path[i] == '/' && path[i + 1] == '/' )
            return "doubled '/'";
    }
    if ( len > 1 && path[len - 1] == '/' )
        return "trailing '/'";
    return NULL;
}

int
xs_path_check(const char *path, unsigned int flags)
{
    size_t at, len = strnlen(path, XENSTORE_ABS_PATH_MAX + 1);
    const char *why = path_problem(path, flags, &at);
    char shown[128], byte[8];

    if ( !why )
        return 0;
    /* The whole path (a long one cut, with its length), then the byte. */
    printable(shown, sizeof(shown), path, len);
    if ( len == 0 || strcmp(why, "too long") == 0 )
    {
        printk("xenstore: bad path \"%s\" (%zu%s bytes): %s\n", shown, len,
               len > XENSTORE_ABS_PATH_MAX ? "+" : "", why);
        return len ? -XEN_ENAMETOOLONG : -XEN_EINVAL;
    }
    if ( path[at] >= 0x20 && path[at] < 0x7f )
        snprintf(byte, sizeof(byte), "'%c'", path[at]);
    else
        snprintf(byte, sizeof(byte), "0x%02x", (unsigned char)path[at]);
    printk("xenstore: bad path \"%s\": byte %zu (%s): %s\n", shown, at, byte,
           why);
    return -XEN_EINVAL;
}

bool
xs_path_is_child(const char *path, const char *parent)
{
    size_t n = strlen(parent);

    if ( strcmp(parent, "/") == 0 )
        return path[0] == '/';
    return strncmp(path, parent, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/*
 * Parse the decimal digits at s: no sign, no space, at most max. Sets
 * *end after the last digit. Returns 0, -XEN_EINVAL (no digit) or
 * -XEN_ERANGE (above max).
 */
static int
parse_dec(const char *s, const char **end, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = s;

    if ( *p < '0' || *p > '9' )
        return -XEN_EINVAL;
    for ( ; *p >= '0' && *p <= '9'; p++ )
    {
        unsigned int d = (unsigned int)(*p - '0');

        if ( d > max || v > (max - d) / 10 )
        {
            *end = p;
            return -XEN_ERANGE;
        }
        v = v * 10 + d;
    }
    *end = p;
    *out = v;
    return 0;
}

int
xs_token_make(char *buf, size_t size, uint32_t id)
{
    int n = snprintf(buf, size, TOKEN_PREFIX "%u", id);

    return n < 0 || (size_t)n >= size ? -XEN_E2BIG : n;
}

int
xs_token_parse(const char *token, uint32_t *id)
{
    size_t plen = strlen(TOKEN_PREFIX);
    const char *digits = token + plen, *end;
    uint64_t v;

    if ( strncmp(token, TOKEN_PREFIX, plen) != 0 )
        return -XEN_EINVAL;
    /* Exactly what xs_token_make writes: no leading zeros. */
    if ( digits[0] == '0' && digits[1] != '\0' )
        return -XEN_EINVAL;
    if ( parse_dec(digits, &end, UINT32_MAX, &v) != 0 || *end != '\0' )
        return -XEN_EINVAL;
    *id = (uint32_t)v;
    return 0;
}

int
xs_value_uint(const char *key, const char *val, size_t len, uint64_t max,
              uint64_t *out)
{
    const char *end = val;
    char shown[32];
    uint64_t v;
    int rc = parse_dec(val, &end, max, &v);

    /* A NUL inside the value stops the digits before val + len. */
    if ( rc == 0 && end == val + len )
    {
        *out = v;
        return 0;
    }
    printable(shown, sizeof(shown), val, len);
    if ( rc == -XEN_ERANGE )
        printk("xenstore: %s: \"%s\" is above %llu\n", key, shown,
               (unsigned long long)max);
    else
        printk("xenstore: %s: \"%s\" is not a decimal number\n", key, shown);
    return rc == -XEN_ERANGE ? rc : -XEN_EINVAL;
}

int
xs_perm_parse(const char *s, struct xs_perm *p)
{
    const char *end;
    uint64_t domid;

    if ( !strchr("nrwb", s[0]) || s[0] == '\0' )
        return -XEN_EINVAL;
    if ( parse_dec(s + 1, &end, UINT16_MAX, &domid) != 0 || *end != '\0' )
        return -XEN_EINVAL;
    p->mode = s[0];
    p->domid = (uint16_t)domid;
    return 0;
}

int
xs_perm_format(char *buf, size_t size, const struct xs_perm *p)
{
    int n;

    if ( p->mode == '\0' || !strchr("nrwb", p->mode) )
        return -XEN_EINVAL;
    n = snprintf(buf, size, "%c%u", p->mode, p->domid);
    return n < 0 || (size_t)n >= size ? -XEN_E2BIG : n;
}

int
xs_error_errno(const char *name)
{
    size_t i;

    for ( i = 0; i < ARRAY_SIZE(xsd_errors); i++ )
        if ( strcmp(name, xsd_errors[i].errstring) == 0 )
            return -xsd_errors[i].errnum;
    return 0;
}

/* --- Reassembly ---------------------------------------------------------- */

void
xs_rx_init(struct xs_rx *rx)
{
    rx->have = 0;
    rx->skip = 0;
    rx->complete = false;
}

uint32_t
xs_rx_space(struct xs_rx *rx, char **dst)
{
    if ( rx->complete )
    {
        rx->have = 0;
        rx->complete = false;
    }
    if ( rx->skip )
    {
        *dst = rx->body;
        return MIN(rx->skip, (uint32_t)XENSTORE_PAYLOAD_MAX);
    }
    if ( rx->have < XS_HDR_SIZE )
    {
        *dst = (char *)&rx->hdr + rx->have;
        return XS_HDR_SIZE - rx->have;
    }
    *dst = rx->body + (rx->have - XS_HDR_SIZE);
    return rx->hdr.len - (rx->have - XS_HDR_SIZE);
}

enum xs_rx_status
xs_rx_commit(struct xs_rx *rx, uint32_t n)
{
    if ( rx->skip )
    {
        rx->skip -= MIN(n, rx->skip);
        return XS_RX_MORE;
    }
    rx->have += n;
    if ( rx->have < XS_HDR_SIZE )
        return XS_RX_MORE;
    if ( rx->have == XS_HDR_SIZE && rx->hdr.len > XENSTORE_PAYLOAD_MAX )
    {
        printk(
            "xenstore: message type %u req_id %u claims %u bytes, above the limit of %u: dropping its body\n",
            rx->hdr.type, rx->hdr.req_id, rx->hdr.len, XENSTORE_PAYLOAD_MAX);
        rx->skip = rx->hdr.len;
        rx->complete = true;
        return XS_RX_OVERSIZED;
    }
    if ( rx->have - XS_HDR_SIZE < rx->hdr.len )
        return XS_RX_MORE;
    rx->body[rx->hdr.len] = '\0';
    rx->complete = true;
    return XS_RX_DONE;
}

/* --- Requests in flight ------------------------------------------------ */

int
xs_inflight_find(const struct xs_inflight *f, uint32_t req_id)
{
    unsigned int i;

    for ( i = 0; i < XS_INFLIGHT_MAX; i++ )
        if ( (f->busy & (1u << i)) && f->req_id[i] == req_id )
            return (int)i;
    return -XEN_ENOENT;
}

int
xs_inflight_add(struct xs_inflight *f, uint32_t type, uint32_t *req_id)
{
    unsigned int i;
    uint32_t id;

    for ( i = 0; i < XS_INFLIGHT_MAX; i++ )
        if ( !(f->busy & (1u << i)) )
            break;
    if ( i == XS_INFLIGHT_MAX )
        return -XEN_EBUSY;
    /* 0 is what watch events carry; an id still in flight (after 2^32
     * requests) would make two replies ambiguous. */
    do
        id = f->next_id++;
    while ( id == 0 || xs_inflight_find(f, id) >= 0 );
    f->busy |= 1u << i;
    f->req_id[i] = id;
    f->type[i] = type;
    *req_id = id;
    return (int)i;
}

void
xs_inflight_del(struct xs_inflight *f, unsigned int slot)
{
    f->busy &= ~(1u << slot);
}

/* --- Checking messages ------------------------------------------------- */

static const char *
type_name(uint32_t type)
{
    static const char *const names[XS_TYPE_COUNT] = {
        [XS_CONTROL] = "CONTROL",
        [XS_DIRECTORY] = "DIRECTORY",
        [XS_READ] = "READ",
        [XS_GET_PERMS] = "GET_PERMS",
        [XS_WATCH] = "WATCH",
        [XS_UNWATCH] = "UNWATCH",
        [XS_TRANSACTION_START] = "TRANSACTION_START",
        [XS_TRANSACTION_END] = "TRANSACTION_END",
        [XS_INTRODUCE] = "INTRODUCE",
        [XS_RELEASE] = "RELEASE",
        [XS_GET_DOMAIN_PATH] = "GET_DOMAIN_PATH",
        [XS_WRITE] = "WRITE",
        [XS_MKDIR] = "MKDIR",
        [XS_RM] = "RM",
        [XS_SET_PERMS] = "SET_PERMS",
        [XS_WATCH_EVENT] = "WATCH_EVENT",
        [XS_ERROR] = "ERROR",
        [XS_IS_DOMAIN_INTRODUCED] = "IS_DOMAIN_INTRODUCED",
        [XS_RESUME] = "RESUME",
        [XS_SET_TARGET] = "SET_TARGET",
        [XS_RESET_WATCHES] = "RESET_WATCHES",
        [XS_DIRECTORY_PART] = "DIRECTORY_PART",
    };

    return type < XS_TYPE_COUNT && names[type] ? names[type] : NULL;
}

/*
 * Count the NUL-terminated strings that exactly fill p[0..len) (0 for an
 * empty payload). Returns -1 if the last one lacks its NUL, -2 if one is
 * empty.
 */
static int
count_strings(const char *p, uint32_t len)
{
    uint32_t i, start = 0;
    int n = 0;

    if ( len > 0 && p[len - 1] != '\0' )
        return -1;
    for ( i = 0; i < len; i++ )
    {
        if ( p[i] != '\0' )
            continue;
        if ( i == start )
            return -2;
        n++;
        start = i + 1;
    }
    return n;
}

static const char *
strings_problem(int n)
{
    return n == -1 ? "last string has no NUL" : "empty string";
}

/* Print why a message is dropped; returns -XEN_EBADMSG. */
static int
drop(const struct xsd_sockmsg *hdr, const char *why)
{
    printk("xenstore: dropped message type %u req_id %u len %u: %s\n",
           hdr->type, hdr->req_id, hdr->len, why);
    return -XEN_EBADMSG;
}

/* Print why a reply is refused; returns -XEN_EBADMSG for its request. */
static int
malformed(uint32_t req_type, const struct xsd_sockmsg *hdr, const char *why)
{
    printk("xenstore: malformed reply to %s (req_id %u, len %u): %s\n",
           type_name(req_type), hdr->req_id, hdr->len, why);
    return -XEN_EBADMSG;
}

static int
check_error_reply(uint32_t req_type, const struct xsd_sockmsg *hdr,
                  const char *body)
{
    int n = count_strings(body, hdr->len), err;
    char shown[24];

    if ( n != 1 )
        return malformed(req_type, hdr,
                         n < 0 ? strings_problem(n)
                               : "ERROR must carry exactly one name");
    err = xs_error_errno(body);
    if ( err )
        return err;
    printk(
        "xenstore: reply to %s (req_id %u): unknown error \"%s\", taken as EIO\n",
        type_name(req_type), hdr->req_id,
        printable(shown, sizeof(shown), body, hdr->len - 1));
    return -XEN_EIO;
}

/* DIRECTORY: leaf names, each of path characters and no '/'. */
static int
check_directory(const struct xsd_sockmsg *hdr, const char *body,
                struct xs_msg *m)
{
    int n = count_strings(body, hdr->len);
    uint32_t i;

    if ( n < 0 )
        return malformed(XS_DIRECTORY, hdr, strings_problem(n));
    for ( i = 0; i < hdr->len; i++ )
        if ( body[i] != '\0' && (!path_char_ok(body[i]) || body[i] == '/') )
            return malformed(XS_DIRECTORY, hdr, "bad character in a name");
    m->count = (unsigned int)n;
    return 0;
}

static int
check_perms(const struct xsd_sockmsg *hdr, const char *body, struct xs_msg *m)
{
    int n = count_strings(body, hdr->len);
    struct xs_perm p;
    const char *s;

    if ( n < 0 )
        return malformed(XS_GET_PERMS, hdr, strings_problem(n));
    if ( n == 0 )
        return malformed(XS_GET_PERMS, hdr, "no permission (needs an owner)");
    for ( s = body; s < body + hdr->len; s += strlen(s) + 1 )
        if ( xs_perm_parse(s, &p) != 0 )
            return malformed(XS_GET_PERMS, hdr, "bad permission string");
    m->count = (unsigned int)n;
    return 0;
}

static int
check_tx_start(const struct xsd_sockmsg *hdr, const char *body,
               struct xs_msg *m)
{
    int n = count_strings(body, hdr->len);
    const char *end;
    uint64_t id;

    if ( n != 1 )
        return malformed(XS_TRANSACTION_START, hdr,
                         n < 0 ? strings_problem(n) : "needs one string");
    if ( parse_dec(body, &end, UINT32_MAX, &id) != 0 || *end != '\0' ||
         id == 0 )
        return malformed(XS_TRANSACTION_START, hdr,
                         "transaction id is not a nonzero 32-bit number");
    m->tx_id = (uint32_t)id;
    return 0;
}

/* The outcome of a reply to a request of type req_type: see xs_msg. */
static int
check_reply(uint32_t req_type, const struct xsd_sockmsg *hdr, const char *body,
            struct xs_msg *m)
{
    int n;
    size_t at;

    if ( hdr->type == XS_ERROR )
        return check_error_reply(req_type, hdr, body);
    if ( hdr->type != req_type )
    {
        char why[64];

        snprintf(why, sizeof(why), "reply has type %u (%s)", hdr->type,
                 type_name(hdr->type) ? type_name(hdr->type) : "unknown");
        return malformed(req_type, hdr, why);
    }
    m->payload = body;
    m->len = hdr->len;
    switch ( req_type )
    {
    case XS_READ:
        return 0; /* any bytes; xs_rx put a NUL after them */
    case XS_DIRECTORY:
        return check_directory(hdr, body, m);
    case XS_GET_PERMS:
        return check_perms(hdr, body, m);
    case XS_TRANSACTION_START:
        return check_tx_start(hdr, body, m);
    case XS_GET_DOMAIN_PATH:
        n = count_strings(body, hdr->len);
        if ( n != 1 )
            return malformed(req_type, hdr,
                             n < 0 ? strings_problem(n) : "needs one string");
        if ( body[0] != '/' || path_problem(body, 0, &at) )
            return malformed(req_type, hdr, "not an absolute path");
        return 0;
    case XS_WRITE:
    case XS_MKDIR:
    case XS_RM:
    case XS_SET_PERMS:
    case XS_WATCH:
    case XS_UNWATCH:
    case XS_TRANSACTION_END:
    case XS_RESET_WATCHES:
        if ( hdr->len != 3 || memcmp(body, "OK", 3) != 0 )
            return malformed(req_type, hdr, "expected \"OK\"");
        return 0;
    default:
        return malformed(req_type, hdr, "the client never sends this type");
    }
}

static int
check_watch_event(const struct xsd_sockmsg *hdr, const char *body,
                  struct xs_msg *m)
{
    int n = count_strings(body, hdr->len);
    const char *token;
    char why[96], shown[24];
    size_t at;
    const char *problem;

    if ( n != 2 )
        return drop(hdr, n < 0 ? strings_problem(n)
                               : "watch event is not <path>\\0<token>\\0");
    token = body + strlen(body) + 1;
    problem = path_problem(body, XS_PATH_WATCH, &at);
    if ( problem )
    {
        snprintf(why, sizeof(why), "watch event path: %s (byte %zu)", problem,
                 at);
        return drop(hdr, why);
    }
    if ( xs_token_parse(token, &m->watch_id) != 0 )
    {
        snprintf(why, sizeof(why), "watch token \"%s\" is not ours",
                 printable(shown, sizeof(shown), token, strlen(token)));
        return drop(hdr, why);
    }
    m->kind = XS_MSG_WATCH_EVENT;
    m->path = body;
    return 0;
}

int
xs_msg_check(const struct xs_inflight *f, const struct xsd_sockmsg *hdr,
             const char *body, uint32_t got, struct xs_msg *m)
{
    char why[64];
    int slot;

    memset(m, 0, sizeof(*m));
    m->slot = -1;
    if ( got != hdr->len || got > XENSTORE_PAYLOAD_MAX )
    {
        snprintf(why, sizeof(why), "%u body bytes for a header saying %u", got,
                 hdr->len);
        return drop(hdr, why);
    }
    if ( hdr->type == XS_WATCH_EVENT )
        return check_watch_event(hdr, body, m);
    slot = xs_inflight_find(f, hdr->req_id);
    if ( slot < 0 )
        return drop(hdr, type_name(hdr->type)
                             ? "req_id matches no request in flight"
                             : "unknown type, req_id matches no request");
    m->kind = XS_MSG_REPLY;
    m->slot = slot;
    m->err = check_reply(f->type[slot], hdr, body, m);
    if ( m->err )
    {
        m->payload = NULL;
        m->len = 0;
    }
    return 0;
}

int
xs_msg_oversized(const struct xs_inflight *f, const struct xsd_sockmsg *hdr,
                 struct xs_msg *m)
{
    int slot;

    memset(m, 0, sizeof(*m));
    m->slot = -1;
    if ( hdr->type == XS_WATCH_EVENT )
        return -XEN_EBADMSG;
    slot = xs_inflight_find(f, hdr->req_id);
    if ( slot < 0 )
        return -XEN_EBADMSG;
    m->kind = XS_MSG_REPLY;
    m->slot = slot;
    m->err = -XEN_EMSGSIZE;
    return 0;
}

void
xs_list_split(const char *payload, uint32_t len, const char **out,
              unsigned int count)
{
    const char *s = payload;
    unsigned int i;

    for ( i = 0; i < count && s < payload + len; i++ )
    {
        out[i] = s;
        s += strlen(s) + 1;
    }
}
