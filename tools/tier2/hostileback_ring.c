/* SPDX-License-Identifier: MIT */
/*
 * hostileback_ring.c - the hostile block backend's ring
 * (tools/tier2/hostileback.h): map the frontend's ring and bind its
 * event channel, take its requests (each copied once), and answer them
 * as a well-behaved backend would, except the one its scenario breaks.
 * The device's life and the xenstore side are hostileback.c.
 */
#define _GNU_SOURCE
#include "hostileback.h"

/* --- the ring ------------------------------------------------------------ */

/* Read the frontend's transport keys, map its ring, bind its channel. */
int
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

void
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
void
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
