/* SPDX-License-Identifier: MIT */
/*
 * test_xs_reply.c - host tests of reply and watch-event validation
 * (xs_msg_check in kernel/xen/xenstore/xs_wire.c): every malformed reply
 * we know of is refused with a message naming what was wrong, the
 * request it answers (if any) fails with a named error, and the checks
 * accept what xenstored really sends.
 */
#include <ktest.h>
#include "host.h"
#include "kernel/xen/xenstore/xs_wire.h"

/* A table with one request of `type` in flight, in slot 0, req_id 1. */
static void
one_request(struct xs_inflight *f, uint32_t type)
{
    uint32_t id;

    memset(f, 0, sizeof(*f));
    f->next_id = 1;
    xs_inflight_add(f, type, &id);
}

/*
 * Check a message of `type`, req_id, body[0..len) as the ring would give
 * it (a NUL after the body, as xs_rx adds). Printed output is captured.
 */
static int
check(const struct xs_inflight *f, uint32_t type, uint32_t req_id,
      const char *body, uint32_t len, struct xs_msg *m)
{
    static char copy[XENSTORE_PAYLOAD_MAX + 1];
    struct xsd_sockmsg h = { type, req_id, 0, len };
    int rc;

    memcpy(copy, body, len);
    copy[len] = '\0';
    host_capture_begin();
    rc = xs_msg_check(f, &h, copy, len, m);
    host_capture_end();
    return rc;
}

/* The outcome of a reply to a lone request of req_type. */
static int
reply_err(uint32_t req_type, uint32_t type, const char *body, uint32_t len,
          struct xs_msg *m)
{
    struct xs_inflight f;

    one_request(&f, req_type);
    if ( check(&f, type, 1, body, len, m) != 0 )
        return 1; /* dropped: not what these tests expect */
    return m->err;
}

TEST(xs_reply, read_reply_accepted)
{
    struct xs_inflight f;
    struct xs_msg m;

    one_request(&f, XS_READ);
    ASSERT_EQ(check(&f, XS_READ, 1, "Xenling", 7, &m), 0);
    EXPECT_EQ(m.kind, XS_MSG_REPLY);
    EXPECT_EQ(m.slot, 0);
    EXPECT_EQ(m.err, 0);
    EXPECT_EQ(m.len, 7u);
    EXPECT_STREQ(m.payload, "Xenling");
    /* Values are bytes: NULs inside are kept, an empty value is fine. */
    EXPECT_EQ(reply_err(XS_READ, XS_READ, "a\0b", 3, &m), 0);
    EXPECT_EQ(m.len, 3u);
    EXPECT_EQ(reply_err(XS_READ, XS_READ, "", 0, &m), 0);
}

TEST(xs_reply, truncated_or_overlong_body_dropped)
{
    struct xs_inflight f;
    struct xsd_sockmsg h = { XS_READ, 1, 0, 10 };
    struct xs_msg m;

    one_request(&f, XS_READ);
    host_capture_begin();
    EXPECT_EQ(xs_msg_check(&f, &h, "abc", 3, &m), -XEN_EBADMSG);
    h.len = 2;
    EXPECT_EQ(xs_msg_check(&f, &h, "abc", 3, &m), -XEN_EBADMSG);
    h.len = XENSTORE_PAYLOAD_MAX + 1;
    EXPECT_EQ(xs_msg_check(&f, &h, "", XENSTORE_PAYLOAD_MAX + 1, &m),
              -XEN_EBADMSG);
    host_capture_end();
    EXPECT_TRUE(host_capture_contains("3 body bytes for a header saying 10"));
    EXPECT_TRUE(host_capture_contains("3 body bytes for a header saying 2"));
    EXPECT_TRUE(host_capture_contains("4097 body bytes for a header"));
    EXPECT_EQ(m.slot, -1);
}

TEST(xs_reply, unknown_req_id_dropped)
{
    struct xs_inflight f;
    struct xs_msg m;

    one_request(&f, XS_READ);
    EXPECT_EQ(check(&f, XS_READ, 2, "x", 1, &m), -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains(
        "req_id 2 len 1: req_id matches no request in flight"));
    EXPECT_EQ(m.slot, -1);
    /* A request whose sender gave up is no longer in flight either. */
    xs_inflight_del(&f, 0);
    EXPECT_EQ(check(&f, XS_READ, 1, "x", 1, &m), -XEN_EBADMSG);
}

TEST(xs_reply, unknown_type_dropped_or_fails_its_request)
{
    struct xs_inflight f;
    struct xs_msg m;

    one_request(&f, XS_READ);
    EXPECT_EQ(check(&f, 999, 7, "x", 1, &m), -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("type 999 req_id 7 len 1: unknown type"));
    EXPECT_EQ(check(&f, XS_TYPE_COUNT, 1, "x", 1, &m), 0);
    EXPECT_EQ(m.slot, 0);
    EXPECT_EQ(m.err, -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains(
        "malformed reply to READ (req_id 1, len 1): reply has type"));
    EXPECT_EQ(check(&f, XS_INVALID, 1, "", 0, &m), 0);
    EXPECT_EQ(m.err, -XEN_EBADMSG);
}

TEST(xs_reply, wrong_reply_type_fails_request)
{
    struct xs_msg m;

    EXPECT_EQ(reply_err(XS_READ, XS_WRITE, "OK", 3, &m), -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("reply has type 11 (WRITE)"));
    EXPECT_EQ(m.payload, NULL);
}

/* The whole name table is checked in test_xs_wire.c; here, that an
 * ERROR reply carries its name through to the request's outcome. */
TEST(xs_reply, error_replies_map_to_named_errors)
{
    struct xs_msg m;

    EXPECT_EQ(reply_err(XS_READ, XS_ERROR, "ENOENT", 7, &m), -XEN_ENOENT);
    EXPECT_EQ(m.slot, 0);
    EXPECT_EQ(m.payload, NULL);
    EXPECT_EQ(reply_err(XS_WRITE, XS_ERROR, "EACCES", 7, &m), -XEN_EACCES);
    EXPECT_EQ(reply_err(XS_TRANSACTION_END, XS_ERROR, "EAGAIN", 7, &m),
              -XEN_EAGAIN);
    EXPECT_EQ(reply_err(XS_MKDIR, XS_ERROR, "EQUOTA", 7, &m), -XEN_EIO);
}

TEST(xs_reply, error_name_not_in_table_is_eio)
{
    struct xs_msg m;

    EXPECT_EQ(reply_err(XS_WRITE, XS_ERROR, "EQUOTA", 7, &m), -XEN_EIO);
    EXPECT_TRUE(host_capture_contains(
        "reply to WRITE (req_id 1): unknown error \"EQUOTA\", taken as EIO"));
    EXPECT_EQ(reply_err(XS_READ, XS_ERROR, "E\x7f\n", 4, &m), -XEN_EIO);
    EXPECT_TRUE(host_capture_contains("unknown error \"E??\""));
}

TEST(xs_reply, malformed_error_replies)
{
    struct xs_msg m;

    EXPECT_EQ(reply_err(XS_READ, XS_ERROR, "ENOENT", 6, &m), -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("last string has no NUL"));
    EXPECT_EQ(reply_err(XS_READ, XS_ERROR, "ENOENT\0EIO", 11, &m),
              -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("exactly one name"));
    EXPECT_EQ(reply_err(XS_READ, XS_ERROR, "", 0, &m), -XEN_EBADMSG);
    EXPECT_EQ(reply_err(XS_READ, XS_ERROR, "", 1, &m), -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("empty string"));
}

TEST(xs_reply, ok_replies_must_be_exactly_ok)
{
    static const uint32_t types[] = {
        XS_WRITE,           XS_MKDIR,         XS_RM,
        XS_SET_PERMS,       XS_WATCH,         XS_UNWATCH,
        XS_TRANSACTION_END, XS_RESET_WATCHES,
    };
    struct xs_msg m;
    size_t i;

    for ( i = 0; i < ARRAY_SIZE(types); i++ )
    {
        EXPECT_EQ(reply_err(types[i], types[i], "OK", 3, &m), 0);
        EXPECT_EQ(reply_err(types[i], types[i], "OK", 2, &m), -XEN_EBADMSG);
        EXPECT_EQ(reply_err(types[i], types[i], "OKAY", 5, &m), -XEN_EBADMSG);
        EXPECT_EQ(reply_err(types[i], types[i], "", 0, &m), -XEN_EBADMSG);
    }
    EXPECT_TRUE(host_capture_contains("expected \"OK\""));
}

TEST(xs_reply, directory_entries_counted_and_split)
{
    struct xs_msg m;
    const char *names[3];

    ASSERT_EQ(
        reply_err(XS_DIRECTORY, XS_DIRECTORY, "vbd\0vif\0con-sole_1@", 20, &m),
        0);
    ASSERT_EQ(m.count, 3u);
    xs_list_split(m.payload, m.len, names, m.count);
    EXPECT_STREQ(names[0], "vbd");
    EXPECT_STREQ(names[1], "vif");
    EXPECT_STREQ(names[2], "con-sole_1@");
    ASSERT_EQ(reply_err(XS_DIRECTORY, XS_DIRECTORY, "", 0, &m), 0);
    EXPECT_EQ(m.count, 0u);
}

TEST(xs_reply, bad_directory_payloads)
{
    struct xs_msg m;

    EXPECT_EQ(reply_err(XS_DIRECTORY, XS_DIRECTORY, "a\0b", 3, &m),
              -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("malformed reply to DIRECTORY"));
    EXPECT_TRUE(host_capture_contains("last string has no NUL"));
    EXPECT_EQ(reply_err(XS_DIRECTORY, XS_DIRECTORY, "a\0\0", 3, &m),
              -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("empty string"));
    EXPECT_EQ(reply_err(XS_DIRECTORY, XS_DIRECTORY, "\0", 1, &m), -XEN_EBADMSG);
    EXPECT_EQ(reply_err(XS_DIRECTORY, XS_DIRECTORY, "a/b", 4, &m),
              -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("bad character in a name"));
    EXPECT_EQ(reply_err(XS_DIRECTORY, XS_DIRECTORY, "a\x01", 3, &m),
              -XEN_EBADMSG);
    EXPECT_EQ(reply_err(XS_DIRECTORY, XS_DIRECTORY, "a.b", 4, &m),
              -XEN_EBADMSG);
}

TEST(xs_reply, get_perms_payloads)
{
    struct xs_msg m;
    const char *perms[2];

    ASSERT_EQ(reply_err(XS_GET_PERMS, XS_GET_PERMS, "n1\0r0", 6, &m), 0);
    ASSERT_EQ(m.count, 2u);
    xs_list_split(m.payload, m.len, perms, m.count);
    EXPECT_STREQ(perms[1], "r0");
    EXPECT_EQ(reply_err(XS_GET_PERMS, XS_GET_PERMS, "", 0, &m), -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("no permission (needs an owner)"));
    EXPECT_EQ(reply_err(XS_GET_PERMS, XS_GET_PERMS, "x0", 3, &m), -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("bad permission string"));
    EXPECT_EQ(reply_err(XS_GET_PERMS, XS_GET_PERMS, "r70000", 7, &m),
              -XEN_EBADMSG);
    EXPECT_EQ(reply_err(XS_GET_PERMS, XS_GET_PERMS, "r1", 2, &m), -XEN_EBADMSG);
}

TEST(xs_reply, transaction_start_id)
{
    static const char two[] = { '1', '\0', '2', '\0' };
    struct xs_msg m;

    ASSERT_EQ(
        reply_err(XS_TRANSACTION_START, XS_TRANSACTION_START, "17", 3, &m), 0);
    EXPECT_EQ(m.tx_id, 17u);
    ASSERT_EQ(reply_err(XS_TRANSACTION_START, XS_TRANSACTION_START,
                        "4294967295", 11, &m),
              0);
    EXPECT_EQ(m.tx_id, UINT32_MAX);
    EXPECT_EQ(reply_err(XS_TRANSACTION_START, XS_TRANSACTION_START, "0", 2, &m),
              -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("not a nonzero 32-bit number"));
    EXPECT_EQ(reply_err(XS_TRANSACTION_START, XS_TRANSACTION_START,
                        "4294967296", 11, &m),
              -XEN_EBADMSG);
    EXPECT_EQ(
        reply_err(XS_TRANSACTION_START, XS_TRANSACTION_START, "1x", 3, &m),
        -XEN_EBADMSG);
    EXPECT_EQ(
        reply_err(XS_TRANSACTION_START, XS_TRANSACTION_START, "17", 2, &m),
        -XEN_EBADMSG);
    EXPECT_EQ(reply_err(XS_TRANSACTION_START, XS_TRANSACTION_START, two, 4, &m),
              -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("needs one string"));
}

TEST(xs_reply, domain_path_must_be_absolute)
{
    struct xs_msg m;

    EXPECT_EQ(reply_err(XS_GET_DOMAIN_PATH, XS_GET_DOMAIN_PATH,
                        "/local/domain/3", 16, &m),
              0);
    EXPECT_EQ(reply_err(XS_GET_DOMAIN_PATH, XS_GET_DOMAIN_PATH,
                        "local/domain/3", 15, &m),
              -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("not an absolute path"));
    EXPECT_EQ(reply_err(XS_GET_DOMAIN_PATH, XS_GET_DOMAIN_PATH, "/a//b", 6, &m),
              -XEN_EBADMSG);
}

TEST(xs_reply, watch_event_accepted)
{
    struct xs_inflight f;
    struct xs_msg m;

    one_request(&f, XS_READ);
    ASSERT_EQ(check(&f, XS_WATCH_EVENT, 0, "device/vbd\0xlw3", 16, &m), 0);
    EXPECT_EQ(m.kind, XS_MSG_WATCH_EVENT);
    EXPECT_EQ(m.watch_id, 3u);
    EXPECT_STREQ(m.path, "device/vbd");
    EXPECT_EQ(m.slot, -1);
    ASSERT_EQ(check(&f, XS_WATCH_EVENT, 0, "@releaseDomain\0xlw0", 20, &m), 0);
    EXPECT_EQ(m.watch_id, 0u);
    /* An event never answers a request, whatever its req_id says. */
    ASSERT_EQ(check(&f, XS_WATCH_EVENT, 1, "/a\0xlw9", 8, &m), 0);
    EXPECT_EQ(m.kind, XS_MSG_WATCH_EVENT);
}

TEST(xs_reply, malformed_watch_events_dropped)
{
    struct xs_inflight f;
    struct xs_msg m;

    one_request(&f, XS_READ);
    EXPECT_EQ(check(&f, XS_WATCH_EVENT, 0, "device", 7, &m), -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("watch event is not <path>"));
    EXPECT_EQ(check(&f, XS_WATCH_EVENT, 0, "device\0xlw1", 11, &m),
              -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("last string has no NUL"));
    EXPECT_EQ(check(&f, XS_WATCH_EVENT, 0, "device\0", 8, &m), -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("empty string"));
    EXPECT_EQ(check(&f, XS_WATCH_EVENT, 0, "a\0xlw1\0extra", 13, &m),
              -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("watch event is not <path>"));
    EXPECT_EQ(check(&f, XS_WATCH_EVENT, 0, "a\0foo", 6, &m), -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("watch token \"foo\" is not ours"));
    EXPECT_EQ(check(&f, XS_WATCH_EVENT, 0, "a//b\0xlw1", 10, &m), -XEN_EBADMSG);
    EXPECT_TRUE(
        host_capture_contains("watch event path: doubled '/' (byte 1)"));
    EXPECT_EQ(check(&f, XS_WATCH_EVENT, 0, "", 0, &m), -XEN_EBADMSG);
}

TEST(xs_reply, stream_with_garbage_keeps_going)
{
    static char stream[4 * 64];
    static struct xs_rx rx;
    struct xs_inflight f = { 0 };
    struct xsd_sockmsg h;
    uint32_t read_id, write_id;
    size_t n = 0, off = 0;
    int outcomes[8], nout = 0;

    ASSERT_EQ(xs_inflight_add(&f, XS_READ, &read_id), 0);
    ASSERT_EQ(xs_inflight_add(&f, XS_WRITE, &write_id), 1);
    /* Reply to nobody, a bad reply to the WRITE, an event, the READ's. */
    h = (struct xsd_sockmsg){ XS_READ, 999, 0, 2 };
    memcpy(stream + n, &h, sizeof(h));
    memcpy(stream + n + sizeof(h), "zz", 2);
    n += sizeof(h) + 2;
    h = (struct xsd_sockmsg){ XS_WRITE, write_id, 0, 2 };
    memcpy(stream + n, &h, sizeof(h));
    memcpy(stream + n + sizeof(h), "OK", 2);
    n += sizeof(h) + 2;
    h = (struct xsd_sockmsg){ XS_WATCH_EVENT, 0, 0, 7 };
    memcpy(stream + n, &h, sizeof(h));
    memcpy(stream + n + sizeof(h), "p\0xlw4\0", 7);
    n += sizeof(h) + 7;
    h = (struct xsd_sockmsg){ XS_READ, read_id, 0, 3 };
    memcpy(stream + n, &h, sizeof(h));
    memcpy(stream + n + sizeof(h), "abc", 3);
    n += sizeof(h) + 3;
    xs_rx_init(&rx);
    host_capture_begin();
    while ( off < n )
    {
        char *dst;
        uint32_t k = MIN(xs_rx_space(&rx, &dst), (uint32_t)(n - off));
        struct xs_msg m;

        k = MIN(k, 5u);
        memcpy(dst, stream + off, k);
        off += k;
        if ( xs_rx_commit(&rx, k) != XS_RX_DONE || nout >= 8 )
            continue;
        if ( xs_msg_check(&f, &rx.hdr, rx.body, rx.hdr.len, &m) != 0 )
            outcomes[nout++] = 1000;
        else if ( m.kind == XS_MSG_WATCH_EVENT )
            outcomes[nout++] = 2000 + (int)m.watch_id;
        else
            outcomes[nout++] = m.slot * 100 + m.err;
    }
    host_capture_end();
    ASSERT_EQ(nout, 4);
    EXPECT_EQ(outcomes[0], 1000);              /* dropped */
    EXPECT_EQ(outcomes[1], 100 - XEN_EBADMSG); /* WRITE failed */
    EXPECT_EQ(outcomes[2], 2004);              /* event for watch 4 */
    EXPECT_EQ(outcomes[3], 0);                 /* READ answered */
    EXPECT_STREQ(rx.body, "abc");
}

TEST(xs_reply, odd_corners)
{
    static const char two[] = { '/', 'a', '\0', '/', 'b', '\0' };
    struct xs_msg m;

    /* A long unknown error name is shown cut, with "...". */
    EXPECT_EQ(reply_err(XS_READ, XS_ERROR, "EWHATEVERTHISISITISLONGER", 26, &m),
              -XEN_EIO);
    EXPECT_TRUE(host_capture_contains("\"EWHATEVERTHISISITISL...\""));
    EXPECT_EQ(reply_err(XS_GET_DOMAIN_PATH, XS_GET_DOMAIN_PATH, two, 6, &m),
              -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("needs one string"));
    /* A request type the client never sends has no reply format. */
    EXPECT_EQ(reply_err(XS_INTRODUCE, XS_INTRODUCE, "OK", 3, &m), -XEN_EBADMSG);
    EXPECT_TRUE(host_capture_contains("the client never sends this type"));
}
