/* SPDX-License-Identifier: MIT */
/*
 * xs_wire.c - libFuzzer harness for the xenstore client's handling of
 * what xenstored sends (kernel/xen/xenstore/xs_wire.c): reassembly of
 * messages from the response ring's bytes, then validation of each reply
 * and watch event against the requests in flight. Input: how many
 * requests are in flight and of which types, then the response stream in
 * chunks of any size (as the ring hands them over). Each whole message
 * goes through xs_msg_check (or xs_msg_oversized) as the client does it,
 * and what was accepted is checked the way the client will use it: the
 * slot is one in flight with the reply's req_id, the payload ends in a
 * NUL inside the body, directory and permission lists split into that
 * many strings, each permission parses, a transaction id is nonzero, and
 * a watch event's path is a valid path.
 */
#include <stdlib.h>

#include "kernel/xen/xenstore/xs_wire.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t types[] = {
    XS_READ,
    XS_DIRECTORY,
    XS_GET_PERMS,
    XS_TRANSACTION_START,
    XS_WRITE,
    XS_MKDIR,
    XS_RM,
    XS_SET_PERMS,
    XS_WATCH,
    XS_UNWATCH,
    XS_TRANSACTION_END,
    XS_GET_DOMAIN_PATH,
    XS_RESET_WATCHES,
};

static void
check_reply(struct xs_inflight *f, const struct xs_rx *rx,
            const struct xs_msg *m)
{
    unsigned int slot = (unsigned int)m->slot, i;

    FUZZ_CHECK(m->slot >= 0 && m->slot < XS_INFLIGHT_MAX &&
                   (f->busy & (1u << slot)),
               "reply for slot %d, not in flight", m->slot);
    FUZZ_CHECK(f->req_id[slot] == rx->hdr.req_id,
               "reply with req_id %u matched slot %u (req_id %u)",
               rx->hdr.req_id, slot, f->req_id[slot]);
    if ( m->err == 0 )
    {
        FUZZ_CHECK(m->payload >= rx->body &&
                       m->payload + m->len <= rx->body + XENSTORE_PAYLOAD_MAX &&
                       m->payload[m->len] == '\0',
                   "payload of %u bytes not a terminated part of the body",
                   m->len);
        if ( f->type[slot] == XS_DIRECTORY || f->type[slot] == XS_GET_PERMS )
        {
            const char **v;

            FUZZ_CHECK(m->count <= m->len, "%u entries in %u bytes", m->count,
                       m->len);
            v = malloc((m->count ? m->count : 1) * sizeof(*v));
            if ( !v )
                fuzz_fail("out of memory");
            xs_list_split(m->payload, m->len, v, m->count);
            for ( i = 0; i < m->count; i++ )
            {
                struct xs_perm p;

                FUZZ_CHECK(v[i] >= m->payload &&
                               v[i] + strlen(v[i]) < m->payload + m->len,
                           "entry %u outside the payload", i);
                if ( f->type[slot] == XS_GET_PERMS )
                    FUZZ_CHECK(xs_perm_parse(v[i], &p) == 0,
                               "accepted permission %u does not parse", i);
            }
            free(v);
        }
        if ( f->type[slot] == XS_TRANSACTION_START )
            FUZZ_CHECK(m->tx_id != 0, "transaction id 0 accepted");
    }
    else
        FUZZ_CHECK(m->err < 0, "reply outcome %d", m->err);
    /* The reply came: the client frees the slot. */
    xs_inflight_del(f, slot);
}

static void
deliver(struct xs_inflight *f, struct xs_rx *rx, enum xs_rx_status st)
{
    struct xs_msg m;
    int rc;

    memset(&m, 0, sizeof(m));
    if ( st == XS_RX_OVERSIZED )
    {
        rc = xs_msg_oversized(f, &rx->hdr, &m);
        if ( rc == 0 )
            FUZZ_CHECK(m.err == -XEN_EMSGSIZE, "oversized reply gave %d",
                       m.err);
    }
    else
    {
        FUZZ_CHECK(rx->body[rx->hdr.len] == '\0', "body not terminated");
        rc = xs_msg_check(f, &rx->hdr, rx->body, rx->hdr.len, &m);
    }
    if ( rc )
    {
        FUZZ_CHECK(rc == -XEN_EBADMSG, "dropped message gave %d", rc);
        return;
    }
    if ( m.kind == XS_MSG_WATCH_EVENT )
        FUZZ_CHECK(xs_path_check(m.path, XS_PATH_WATCH) == 0,
                   "watch event with a bad path accepted");
    else
        check_reply(f, rx, &m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    static struct xs_inflight f;
    static struct xs_rx rx;
    unsigned int n = (unsigned int)fuzz_take(&in, 1) % (XS_INFLIGHT_MAX + 1);
    uint32_t id;

    memset(&f, 0, sizeof(f));
    f.next_id = (uint32_t)fuzz_take(&in, 4); /* start anywhere, 0 too */
    xs_rx_init(&rx);
    while ( n-- )
        xs_inflight_add(&f, types[fuzz_take(&in, 1) % ARRAY_SIZE(types)], &id);
    while ( fuzz_more(&in) )
    {
        /* One ring's worth of bytes, as the event handler reads them. */
        size_t chunk = 1 + (size_t)fuzz_take(&in, 2) % 2048;

        chunk = MIN(chunk, in.left);
        while ( chunk )
        {
            char *dst;
            uint32_t room = xs_rx_space(&rx, &dst);
            uint32_t k = (uint32_t)MIN((size_t)room, chunk);
            enum xs_rx_status st;

            FUZZ_CHECK(room > 0, "no room for the stream");
            memcpy(dst, in.p, k);
            in.p += k;
            in.left -= k;
            chunk -= k;
            st = xs_rx_commit(&rx, k);
            if ( st != XS_RX_MORE )
                deliver(&f, &rx, st);
        }
    }
    return 0;
}
