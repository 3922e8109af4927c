/* SPDX-License-Identifier: MIT */
/*
 * xs_wire.h - the portable half of the xenstore client: request messages
 * in the format of xen/io/xs_wire.h, reassembly of messages from the
 * bytes of the response ring, and validation of every reply and watch
 * event before the client uses it; also the syntax of paths, watch
 * tokens, numbers and permissions. Nothing here touches the ring, takes
 * a lock or sleeps: the client (xenstore.c in this folder) does, and
 * tests/host/test_xs_wire.c feeds this code malformed replies. Private to
 * kernel/xen/xenstore/; the public API is include/xenstore.h.
 *
 * Everything coming from xenstored is untrusted: it is copied once (into
 * struct xs_rx), validated once (xs_msg_check), and a reply that breaks
 * the protocol is refused with a printed message naming what was wrong.
 */
#ifndef XENLING_XS_WIRE_H
#define XENLING_XS_WIRE_H

#include <lib.h>
#include <xenstore.h>
#include <xen/errno.h>
#include <xen/io/xs_wire.h>

#define XS_HDR_SIZE ((uint32_t)sizeof(struct xsd_sockmsg))
#define XS_MSG_MAX  (XS_HDR_SIZE + XENSTORE_PAYLOAD_MAX)

/* --- Requests ------------------------------------------------------- */

/* One piece of a request payload; strings carry their NUL (XS_STR). */
struct xs_part {
    const void *data;
    uint32_t len;
};

#define XS_STR(s) ((struct xs_part){ (s), (uint32_t)strlen(s) + 1 })

/*
 * Write a request into buf[size]: the header (type, req_id, tx_id, and
 * len = the parts' total) then the n parts back to back. Returns the
 * message's length, or -XEN_E2BIG (printed) when the payload would pass
 * XENSTORE_PAYLOAD_MAX (xenstored drops a connection that does that) or
 * buf is too small. Nothing is validated beyond sizes: check paths first.
 */
int xs_msg_build(void *buf, size_t size, uint32_t type, uint32_t req_id,
                 uint32_t tx_id, const struct xs_part *parts, unsigned int n);

/* --- Paths, tokens, numbers, permissions ----------------------------- */

#define XS_PATH_WATCH (1u << 0) /* "@name" special watch paths allowed */

/*
 * Check a path by docs/misc/xenstore.txt: not empty; only ASCII letters,
 * digits and "-/_@"; no "//" and no trailing '/' except the root "/";
 * '@' only as the first character of a special watch path
 * (XS_PATH_WATCH in flags); absolute paths at most XENSTORE_ABS_PATH_MAX
 * bytes, relative ones XENSTORE_REL_PATH_MAX. Returns 0, -XEN_EINVAL or
 * -XEN_ENAMETOOLONG, printing "xenstore: bad path ...: why" on refusal.
 */
int xs_path_check(const char *path, unsigned int flags);

/*
 * Whether `path` is `parent` or below it, by xenstore's rule: equal, or
 * parent is "/" and path absolute, or path starts with parent + "/".
 */
bool xs_path_is_child(const char *path, const char *parent);

/*
 * Watch tokens are "xlw" followed by a watch id in decimal (no leading
 * zeros). xs_token_make writes one into buf[size] (XS_TOKEN_MAX is
 * enough) and returns its length, or -XEN_E2BIG if it does not fit.
 * xs_token_parse returns 0 and the id for a token of exactly that shape,
 * else -XEN_EINVAL (not printed: the caller knows the context).
 */
#define XS_TOKEN_MAX 16
int xs_token_make(char *buf, size_t size, uint32_t id);
int xs_token_parse(const char *token, uint32_t *id);

/*
 * Parse val[0..len) (val[len] is a NUL, as in every value xs_read
 * returns), an unsigned decimal value read from key `key`: one or more
 * digits and nothing else (no sign, space, newline or NUL), at most max. Returns 0 and *out, or -XEN_EINVAL (not a number) or
 * -XEN_ERANGE (above max), printing "xenstore: KEY: ..." with the value,
 * because a value from xenstore is untrusted input.
 */
int xs_value_uint(const char *key, const char *val, size_t len, uint64_t max,
                  uint64_t *out);

/*
 * Parse one permission (struct xs_perm, <xenstore.h>) written as
 * "<mode><domid>" ("r0", "b65535"). Returns 0, or
 * -XEN_EINVAL (not printed) for anything else.
 */
int xs_perm_parse(const char *s, struct xs_perm *p);

/*
 * Format p into buf[size] as "<mode><domid>" with its NUL. Returns the
 * length without the NUL, or -XEN_EINVAL for an unknown mode or
 * -XEN_E2BIG when it does not fit.
 */
int xs_perm_format(char *buf, size_t size, const struct xs_perm *p);

/*
 * The negative Xen errno for an error name of xs_wire.h's xsd_errors
 * table ("ENOENT" -> -XEN_ENOENT), or 0 for a name not in it.
 */
int xs_error_errno(const char *name);

/* --- Reassembly of the response stream ------------------------------ */

enum xs_rx_status {
    XS_RX_MORE,      /* the message is not complete yet */
    XS_RX_DONE,      /* a whole message is in rx: hdr and body */
    XS_RX_OVERSIZED, /* a header claimed more than XENSTORE_PAYLOAD_MAX */
};

/*
 * One message being received. The client reads ring bytes straight into
 * the place xs_rx_space() names, so a message is copied exactly once.
 * Owned by the ring reader (the client serializes it).
 */
struct xs_rx {
    struct xsd_sockmsg hdr; /* valid once have >= XS_HDR_SIZE */
    uint32_t have;          /* bytes of this message stored so far */
    uint32_t skip;          /* body bytes of an oversized message to drop */
    bool complete;          /* the last commit returned DONE/OVERSIZED */
    char body[XENSTORE_PAYLOAD_MAX + 1]; /* the body, then a NUL we add */
};

void xs_rx_init(struct xs_rx *rx);

/*
 * Where the next bytes of the stream go: sets *dst and returns how many
 * bytes may be stored there (always > 0). Starts a new message if the
 * last one was complete.
 */
uint32_t xs_rx_space(struct xs_rx *rx, char **dst);

/*
 * Account n bytes stored at the place xs_rx_space() gave (n no more than
 * it allowed). Returns XS_RX_MORE; XS_RX_DONE when a whole message is in
 * rx (body[hdr.len] is then a NUL we added, so string checks cannot run
 * off the end); or XS_RX_OVERSIZED (printed) when the header just
 * completed claims a body above XENSTORE_PAYLOAD_MAX: its body is then
 * dropped as it arrives, so the stream stays framed if the length was
 * honest, and rx->hdr stays readable until the next xs_rx_space() so the
 * caller can fail the request it answers (xs_msg_oversized).
 */
enum xs_rx_status xs_rx_commit(struct xs_rx *rx, uint32_t n);

/* --- Requests in flight ------------------------------------------------ */

#define XS_INFLIGHT_MAX 16

/*
 * The requests sent and not yet answered, matched to replies by req_id.
 * The client keeps its per-request state (waiter, result) in arrays
 * indexed by the same slot numbers. Owned by the client, under its lock.
 */
struct xs_inflight {
    uint32_t next_id; /* the next req_id to try; 0 is never used */
    uint32_t busy;    /* bit i set: slot i holds a request */
    uint32_t req_id[XS_INFLIGHT_MAX];
    uint32_t type[XS_INFLIGHT_MAX];
};
BUILD_BUG_ON(XS_INFLIGHT_MAX > 32);

/*
 * Take a free slot for a request of `type`, with a fresh nonzero req_id
 * that no other slot holds. Returns the slot (>= 0) and *req_id, or
 * -XEN_EBUSY when all XS_INFLIGHT_MAX slots are taken.
 */
int xs_inflight_add(struct xs_inflight *f, uint32_t type, uint32_t *req_id);

/* The slot holding req_id, or -XEN_ENOENT. */
int xs_inflight_find(const struct xs_inflight *f, uint32_t req_id);

/* Free a slot (its reply came, or its sender gave up). */
void xs_inflight_del(struct xs_inflight *f, unsigned int slot);

/* --- Validation of a received message --------------------------------- */

enum xs_msg_kind {
    XS_MSG_REPLY,
    XS_MSG_WATCH_EVENT,
};

struct xs_msg {
    enum xs_msg_kind kind;
    /* XS_MSG_REPLY: the slot it answers, and its outcome: 0, the error
     * xenstored sent (-XEN_ENOENT, ...), or -XEN_EBADMSG (malformed) or
     * -XEN_EMSGSIZE (oversized), both printed. */
    int slot;
    int err;
    const char *payload; /* err == 0: the reply's payload, NUL after it */
    uint32_t len;        /* its length */
    unsigned int count;  /* DIRECTORY and GET_PERMS: the entries */
    uint32_t tx_id;      /* TRANSACTION_START: the new transaction */
    /* XS_MSG_WATCH_EVENT: the event's path and its watch's id. */
    const char *path;
    uint32_t watch_id;
};

/*
 * Validate a whole message (header, got bytes of body, body[got] == 0)
 * against the requests in flight, and fill *m. Returns 0 for a reply to
 * a request in flight (whose outcome, m->err, may be an error, including
 * -XEN_EBADMSG for a reply that broke the protocol: the request fails,
 * the stream goes on) and for a valid watch event. Returns -XEN_EBADMSG,
 * printed, for a message that must be dropped: a body shorter or longer
 * than its header says, an unknown type, a reply whose req_id matches
 * nothing in flight, or a watch event that is not exactly
 * "<path>\0<token>\0" with a valid path and one of our tokens.
 * Reply payloads are checked by the request's type: ERROR carries a
 * NUL-terminated name from xsd_errors (another name gives -XEN_EIO,
 * printed); READ any bytes; DIRECTORY zero or more non-empty names, each
 * NUL-terminated, of path characters without '/'; GET_PERMS one or more
 * permissions; TRANSACTION_START a nonzero decimal id; GET_DOMAIN_PATH a
 * valid path; the others exactly "OK\0".
 */
int xs_msg_check(const struct xs_inflight *f, const struct xsd_sockmsg *hdr,
                 const char *body, uint32_t got, struct xs_msg *m);

/*
 * For a header xs_rx_commit() called oversized: if it answers a request
 * in flight, return 0 with m->slot and m->err = -XEN_EMSGSIZE; else
 * -XEN_EBADMSG (the message was printed by xs_rx_commit).
 */
int xs_msg_oversized(const struct xs_inflight *f, const struct xsd_sockmsg *hdr,
                     struct xs_msg *m);

/*
 * Split a validated DIRECTORY or GET_PERMS payload (m->payload, m->len,
 * m->count NUL-terminated strings) into out[0..count): pointers into the
 * payload.
 */
void xs_list_split(const char *payload, uint32_t len, const char **out,
                   unsigned int count);

#endif
