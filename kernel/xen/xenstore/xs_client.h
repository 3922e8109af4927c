/* SPDX-License-Identifier: MIT */
/*
 * xs_client.h - between the xenstore client's core (xenstore.c: the
 * rings, requests in flight, watches) and its operations (xs_ops.c).
 * Private to kernel/xen/xenstore/.
 */
#ifndef XENLING_XS_CLIENT_H
#define XENLING_XS_CLIENT_H

#include <lib.h>
#include "kernel/xen/xenstore/xs_wire.h"

/* A validated reply (see struct xs_msg in xs_wire.h). */
struct xs_reply {
    int err;            /* 0, or the negative Xen errno the reply says */
    char *payload;      /* err == 0: kmalloc'd copy with a NUL after it */
    uint32_t len;       /* its length */
    unsigned int count; /* DIRECTORY, GET_PERMS: the entries */
    uint32_t tx_id;     /* TRANSACTION_START: the new transaction */
};

/*
 * Send a request of `type` (payload: the n parts) in transaction tx and
 * sleep until its reply, at most about 10 s. Returns 0 with *out holding
 * the reply (kfree out->payload), or a negative Xen errno with nothing to
 * free: the error xenstored sent, -XEN_EBADMSG for a malformed reply,
 * -XEN_ETIMEDOUT, -XEN_EIO once the rings are unusable, -XEN_ENODEV
 * without xenstore. Thread context.
 */
int xs_request(uint32_t type, uint32_t tx, const struct xs_part *parts,
               unsigned int n, struct xs_reply *out);

/* xs_request for a reply without data ("OK"): 0 or a negative errno. */
int xs_request_ok(uint32_t type, uint32_t tx, const struct xs_part *parts,
                  unsigned int n);

#endif
