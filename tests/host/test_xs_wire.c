/* SPDX-License-Identifier: MIT */
/*
 * test_xs_wire.c - host tests of the xenstore wire protocol's syntax and
 * framing (kernel/xen/xenstore/xs_wire.c): building requests, paths,
 * watch tokens, numbers, permissions, error names, reassembling the
 * response stream (byte by byte, chunked, oversized), and the table of
 * requests in flight. Reply and watch-event validation is in
 * test_xs_reply.c.
 */
#include <ktest.h>
#include "host.h"
#include "kernel/xen/xenstore/xs_wire.h"

TEST(xs_wire, build_read_request)
{
    char buf[XS_MSG_MAX];
    struct xs_part p[] = { XS_STR("device/vbd") };
    struct xsd_sockmsg h;
    int n;

    n = xs_msg_build(buf, sizeof(buf), XS_READ, 7, 3, p, 1);
    ASSERT_EQ(n, (int)XS_HDR_SIZE + 11);
    memcpy(&h, buf, sizeof(h));
    EXPECT_EQ(h.type, (uint32_t)XS_READ);
    EXPECT_EQ(h.req_id, 7u);
    EXPECT_EQ(h.tx_id, 3u);
    EXPECT_EQ(h.len, 11u);
    EXPECT_TRUE(memcmp(buf + XS_HDR_SIZE, "device/vbd\0", 11) == 0);
}

TEST(xs_wire, build_write_value_without_nul)
{
    char buf[XS_MSG_MAX];
    static const char want[] = { 'd', 'a', 't', 'a', '/', 'x', '\0', '4', '2' };
    struct xs_part p[] = { XS_STR("data/x"), { "42", 2 } };
    struct xsd_sockmsg h;
    int n;

    n = xs_msg_build(buf, sizeof(buf), XS_WRITE, 1, 0, p, 2);
    ASSERT_EQ(n, (int)XS_HDR_SIZE + 9);
    memcpy(&h, buf, sizeof(h));
    EXPECT_EQ(h.len, 9u);
    /* The path carries its NUL, the value does not. */
    EXPECT_TRUE(memcmp(buf + XS_HDR_SIZE, want, 9) == 0);
}

TEST(xs_wire, build_refuses_payload_over_limit)
{
    static char buf[XS_MSG_MAX + 64], big[XENSTORE_PAYLOAD_MAX + 1];
    struct xs_part p[] = { { big, XENSTORE_PAYLOAD_MAX } };
    struct xs_part q[] = { { big, XENSTORE_PAYLOAD_MAX }, { "x", 1 } };

    /* Exactly the limit fits. */
    EXPECT_EQ(xs_msg_build(buf, sizeof(buf), XS_WRITE, 1, 0, p, 1),
              (int)XS_MSG_MAX);
    host_capture_begin();
    EXPECT_EQ(xs_msg_build(buf, sizeof(buf), XS_WRITE, 1, 0, q, 2), -XEN_E2BIG);
    host_capture_end();
    EXPECT_TRUE(host_capture_contains("request of 4097 bytes refused"));
}

TEST(xs_wire, build_refuses_small_buffer)
{
    char buf[XS_HDR_SIZE + 4];
    struct xs_part p[] = { XS_STR("abcd") }; /* 5 bytes with the NUL */

    host_capture_begin();
    EXPECT_EQ(xs_msg_build(buf, sizeof(buf), XS_READ, 1, 0, p, 1), -XEN_E2BIG);
    host_capture_end();
    EXPECT_TRUE(host_capture_contains("at most 4 fit"));
}

TEST(xs_wire, path_check_accepts_valid_paths)
{
    static char abs_max[XENSTORE_ABS_PATH_MAX + 1];
    static char rel_max[XENSTORE_REL_PATH_MAX + 1];

    EXPECT_EQ(xs_path_check("/", 0), 0);
    EXPECT_EQ(xs_path_check("/local/domain/1/name", 0), 0);
    EXPECT_EQ(xs_path_check("device/vbd/51712", 0), 0);
    EXPECT_EQ(xs_path_check("data/A-z_0@9", 0), 0);
    EXPECT_EQ(xs_path_check("@releaseDomain", XS_PATH_WATCH), 0);
    memset(abs_max, 'a', XENSTORE_ABS_PATH_MAX);
    abs_max[0] = '/';
    EXPECT_EQ(xs_path_check(abs_max, 0), 0);
    memset(rel_max, 'a', XENSTORE_REL_PATH_MAX);
    EXPECT_EQ(xs_path_check(rel_max, 0), 0);
}

/* xs_path_check must refuse path with rc and print why. */
static bool
refused(struct ktest_ctx *t, const char *path, unsigned int flags, int rc,
        const char *why)
{
    bool ok;

    host_capture_begin();
    ok = EXPECT_EQ(xs_path_check(path, flags), rc);
    host_capture_end();
    return ok && EXPECT_TRUE(host_capture_contains(why));
}

TEST(xs_wire, path_check_rejects_bad_paths)
{
    static char abs_long[XENSTORE_ABS_PATH_MAX + 2];
    static char rel_long[XENSTORE_REL_PATH_MAX + 2];

    /* Each message names the whole path, then the offending byte. */
    refused(t, "", 0, -XEN_EINVAL, "bad path \"\" (0 bytes): empty");
    refused(t, "//", 0, -XEN_EINVAL, "doubled '/'");
    refused(t, "/a//b", 0, -XEN_EINVAL,
            "bad path \"/a//b\": byte 2 ('/'): doubled '/'");
    refused(t, "data/x/", 0, -XEN_EINVAL,
            "bad path \"data/x/\": byte 6 ('/'): trailing '/'");
    refused(t, "a b", 0, -XEN_EINVAL,
            "bad path \"a b\": byte 1 (' '): character not allowed");
    refused(t, "a.bc", 0, -XEN_EINVAL,
            "bad path \"a.bc\": byte 1 ('.'): character not allowed");
    refused(t, "ab\x01", 0, -XEN_EINVAL,
            "bad path \"ab?\": byte 2 (0x01): character not allowed");
    refused(t, "@releaseDomain", 0, -XEN_EINVAL,
            "\"@releaseDomain\": byte 0 ('@'): '@' names a special watch");
    memset(abs_long, 'a', XENSTORE_ABS_PATH_MAX + 1);
    abs_long[0] = '/';
    refused(t, abs_long, 0, -XEN_ENAMETOOLONG, "(3073+ bytes): too long");
    memset(rel_long, 'a', XENSTORE_REL_PATH_MAX + 1);
    refused(t, rel_long, 0, -XEN_ENAMETOOLONG, "(2049 bytes): too long");
}

TEST(xs_wire, path_is_child)
{
    EXPECT_TRUE(xs_path_is_child("device", "device"));
    EXPECT_TRUE(xs_path_is_child("device/vbd/768", "device"));
    EXPECT_FALSE(xs_path_is_child("devices", "device"));
    EXPECT_FALSE(xs_path_is_child("dev", "device"));
    EXPECT_TRUE(xs_path_is_child("/local", "/"));
    EXPECT_FALSE(xs_path_is_child("local", "/"));
}

TEST(xs_wire, token_round_trip)
{
    char buf[XS_TOKEN_MAX];
    uint32_t id = 0;

    EXPECT_EQ(xs_token_make(buf, sizeof(buf), 0), 4);
    EXPECT_STREQ(buf, "xlw0");
    EXPECT_EQ(xs_token_parse(buf, &id), 0);
    EXPECT_EQ(id, 0u);
    EXPECT_EQ(xs_token_make(buf, sizeof(buf), UINT32_MAX), 13);
    EXPECT_EQ(xs_token_parse(buf, &id), 0);
    EXPECT_EQ(id, UINT32_MAX);
    EXPECT_EQ(xs_token_make(buf, 4, 1), -XEN_E2BIG); /* "xlw1" + NUL */
}

TEST(xs_wire, token_parse_rejects_foreign_tokens)
{
    static const char *const bad[] = {
        "",
        "xlw",
        "xlw01",
        "xlw-1",
        "xlw+1",
        "xlw1a",
        "xlw 1",
        "XLW1",
        "abc1",
        "xlw4294967296",
        "xlw99999999999999999999",
    };
    uint32_t id = 77;
    size_t i;

    for ( i = 0; i < ARRAY_SIZE(bad); i++ )
        EXPECT_EQ(xs_token_parse(bad[i], &id), -XEN_EINVAL);
    EXPECT_EQ(id, 77u); /* untouched on refusal */
}

TEST(xs_wire, value_uint_accepts_plain_decimal)
{
    uint64_t v = 1;

    EXPECT_EQ(xs_value_uint("k", "0", 1, 10, &v), 0);
    EXPECT_EQ(v, 0u);
    EXPECT_EQ(xs_value_uint("k", "51712", 5, UINT32_MAX, &v), 0);
    EXPECT_EQ(v, 51712u);
    EXPECT_EQ(xs_value_uint("k", "65535", 5, 65535, &v), 0);
    EXPECT_EQ(v, 65535u);
    EXPECT_EQ(xs_value_uint("k", "18446744073709551615", 20, UINT64_MAX, &v),
              0);
    EXPECT_EQ(v, UINT64_MAX);
}

TEST(xs_wire, value_uint_rejects_garbage_naming_the_key)
{
    static const char nul_inside[] = { '4', '\0', '1', '\0' };
    static const char *const bad[] = { "",    "-1",   "+1", " 1", "1 ",
                                       "1\n", "0x10", "1a", "one" };
    uint64_t v = 5;
    size_t i;

    for ( i = 0; i < ARRAY_SIZE(bad); i++ )
    {
        host_capture_begin();
        EXPECT_EQ(xs_value_uint("device/vbd/1/backend-id", bad[i],
                                strlen(bad[i]), 100, &v),
                  -XEN_EINVAL);
        host_capture_end();
        EXPECT_TRUE(
            host_capture_contains("xenstore: device/vbd/1/backend-id: \""));
        EXPECT_TRUE(host_capture_contains("is not a decimal number"));
    }
    /* A NUL inside the value: the digits before it are not the value. */
    host_capture_begin();
    EXPECT_EQ(xs_value_uint("state", nul_inside, 3, 8, &v), -XEN_EINVAL);
    host_capture_end();
    EXPECT_TRUE(host_capture_contains("state: \"4?1\" is not a decimal"));
    host_capture_begin();
    EXPECT_EQ(xs_value_uint("state", "9", 1, 8, &v), -XEN_ERANGE);
    EXPECT_EQ(xs_value_uint("big", "18446744073709551616", 20, UINT64_MAX, &v),
              -XEN_ERANGE);
    host_capture_end();
    EXPECT_TRUE(host_capture_contains("state: \"9\" is above 8"));
    EXPECT_EQ(host_capture_count("is above"), 2u);
    EXPECT_EQ(v, 5u); /* untouched on refusal */
}

TEST(xs_wire, perms_parse_and_format)
{
    struct xs_perm p;
    char buf[16];

    EXPECT_EQ(xs_perm_parse("n0", &p), 0);
    EXPECT_EQ(p.mode, 'n');
    EXPECT_EQ(p.domid, 0u);
    EXPECT_EQ(xs_perm_parse("b65535", &p), 0);
    EXPECT_EQ(p.mode, 'b');
    EXPECT_EQ(p.domid, 65535u);
    EXPECT_EQ(xs_perm_parse("r", &p), -XEN_EINVAL);
    EXPECT_EQ(xs_perm_parse("x1", &p), -XEN_EINVAL);
    EXPECT_EQ(xs_perm_parse("r65536", &p), -XEN_EINVAL);
    EXPECT_EQ(xs_perm_parse("r1 ", &p), -XEN_EINVAL);
    EXPECT_EQ(xs_perm_parse("", &p), -XEN_EINVAL);
    p = (struct xs_perm){ 'w', 12 };
    EXPECT_EQ(xs_perm_format(buf, sizeof(buf), &p), 3);
    EXPECT_STREQ(buf, "w12");
    EXPECT_EQ(xs_perm_format(buf, 3, &p), -XEN_E2BIG);
    p.mode = 'q';
    EXPECT_EQ(xs_perm_format(buf, sizeof(buf), &p), -XEN_EINVAL);
    p.mode = '\0';
    EXPECT_EQ(xs_perm_format(buf, sizeof(buf), &p), -XEN_EINVAL);
}

TEST(xs_wire, error_names_map_to_xen_errnos)
{
    static const struct {
        const char *name;
        int rc;
    } want[] = {
        { "EINVAL", -XEN_EINVAL },       { "EACCES", -XEN_EACCES },
        { "EEXIST", -XEN_EEXIST },       { "EISDIR", -XEN_EISDIR },
        { "ENOENT", -XEN_ENOENT },       { "ENOMEM", -XEN_ENOMEM },
        { "ENOSPC", -XEN_ENOSPC },       { "EIO", -XEN_EIO },
        { "ENOTEMPTY", -XEN_ENOTEMPTY }, { "ENOSYS", -XEN_ENOSYS },
        { "EROFS", -XEN_EROFS },         { "EBUSY", -XEN_EBUSY },
        { "EAGAIN", -XEN_EAGAIN },       { "EISCONN", -XEN_EISCONN },
        { "E2BIG", -XEN_E2BIG },         { "EPERM", -XEN_EPERM },
    };
    size_t i;

    for ( i = 0; i < ARRAY_SIZE(want); i++ )
        EXPECT_EQ(xs_error_errno(want[i].name), want[i].rc);
    EXPECT_EQ(xs_error_errno("EQUOTA"), 0);
    EXPECT_EQ(xs_error_errno("enoent"), 0);
    EXPECT_EQ(xs_error_errno(""), 0);
}

/* A whole message as xenstored would put it on the ring. */
static size_t
make_msg(char *buf, uint32_t type, uint32_t req_id, const char *body,
         uint32_t len)
{
    struct xsd_sockmsg h = { type, req_id, 0, len };

    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), body, len);
    return sizeof(h) + len;
}

/*
 * Feed stream[0..n) into rx, at most `chunk` bytes per commit. Records
 * each completed message's type and the statuses; returns how many
 * messages completed (DONE or OVERSIZED).
 */
static unsigned int
feed(struct xs_rx *rx, const char *stream, size_t n, size_t chunk,
     uint32_t *types, enum xs_rx_status *st, unsigned int max)
{
    unsigned int done = 0;
    size_t off = 0;

    while ( off < n )
    {
        char *dst;
        uint32_t room = xs_rx_space(rx, &dst);
        size_t k = MIN(MIN((size_t)room, chunk), n - off);
        enum xs_rx_status s;

        memcpy(dst, stream + off, k);
        off += k;
        s = xs_rx_commit(rx, (uint32_t)k);
        if ( s != XS_RX_MORE && done < max )
        {
            types[done] = rx->hdr.type;
            st[done++] = s;
        }
    }
    return done;
}

TEST(xs_wire, rx_reassembles_in_any_chunking)
{
    static char stream[3 * XS_MSG_MAX];
    static const size_t chunks[] = { 1, 3, 16, 17, 1000, 1024, 9000 };
    size_t n = 0, i;

    n += make_msg(stream + n, XS_READ, 1, "value", 5);
    n += make_msg(stream + n, XS_WRITE, 2, "", 0); /* empty body */
    n += make_msg(stream + n, XS_WATCH_EVENT, 0, "p\0xlw1", 7);
    for ( i = 0; i < ARRAY_SIZE(chunks); i++ )
    {
        static struct xs_rx rx;
        uint32_t types[4];
        enum xs_rx_status st[4];

        xs_rx_init(&rx);
        ASSERT_EQ(feed(&rx, stream, n, chunks[i], types, st, 4), 3u);
        EXPECT_EQ(types[0], (uint32_t)XS_READ);
        EXPECT_EQ(types[1], (uint32_t)XS_WRITE);
        EXPECT_EQ(types[2], (uint32_t)XS_WATCH_EVENT);
        EXPECT_EQ(st[2], XS_RX_DONE);
        /* The last message stays readable, NUL-terminated by rx. */
        EXPECT_EQ(rx.hdr.len, 7u);
        EXPECT_TRUE(memcmp(rx.body, "p\0xlw1\0", 8) == 0);
    }
}

TEST(xs_wire, rx_full_payload_gets_a_nul_after_it)
{
    static char stream[XS_MSG_MAX], body[XENSTORE_PAYLOAD_MAX];
    static struct xs_rx rx;
    uint32_t types[2];
    enum xs_rx_status st[2];
    size_t n;

    memset(body, 'v', sizeof(body));
    n = make_msg(stream, XS_READ, 9, body, sizeof(body));
    xs_rx_init(&rx);
    ASSERT_EQ(feed(&rx, stream, n, 700, types, st, 2), 1u);
    EXPECT_EQ(st[0], XS_RX_DONE);
    EXPECT_EQ(rx.body[XENSTORE_PAYLOAD_MAX], '\0');
    EXPECT_EQ(rx.body[XENSTORE_PAYLOAD_MAX - 1], 'v');
}

TEST(xs_wire, rx_drops_oversized_body_and_goes_on)
{
    static char stream[2 * 6000];
    static struct xs_rx rx;
    struct xsd_sockmsg h = { XS_READ, 5, 0, 6000 };
    struct xs_inflight f = { 0 };
    uint32_t types[4], id;
    enum xs_rx_status st[4];
    struct xs_msg m;
    size_t n = 0;

    memcpy(stream, &h, sizeof(h));
    n = sizeof(h);
    memset(stream + n, 'x', 6000);
    n += 6000;
    n += make_msg(stream + n, XS_READ, 6, "ok", 2);
    xs_rx_init(&rx);
    host_capture_begin();
    /* Stop right after the oversized header to look at it. */
    ASSERT_EQ(feed(&rx, stream, sizeof(h), 5, types, st, 4), 1u);
    host_capture_end();
    EXPECT_EQ(st[0], XS_RX_OVERSIZED);
    EXPECT_TRUE(
        host_capture_contains("claims 6000 bytes, above the limit of 4096"));
    /* The request it answers fails with EMSGSIZE; no match: dropped. */
    ASSERT_GE(xs_inflight_add(&f, XS_READ, &id), 0);
    f.req_id[0] = 5;
    EXPECT_EQ(xs_msg_oversized(&f, &rx.hdr, &m), 0);
    EXPECT_EQ(m.slot, 0);
    EXPECT_EQ(m.err, -XEN_EMSGSIZE);
    f.req_id[0] = 4;
    EXPECT_EQ(xs_msg_oversized(&f, &rx.hdr, &m), -XEN_EBADMSG);
    EXPECT_EQ(m.slot, -1);
    /* The rest of the stream: the 6000 bytes vanish, the next message
     * arrives whole. */
    ASSERT_EQ(feed(&rx, stream + sizeof(h), n - sizeof(h), 1000, types, st, 4),
              1u);
    EXPECT_EQ(st[0], XS_RX_DONE);
    EXPECT_EQ(rx.hdr.req_id, 6u);
    EXPECT_STREQ(rx.body, "ok");
}

TEST(xs_wire, rx_oversized_watch_event_is_dropped)
{
    struct xsd_sockmsg h = { XS_WATCH_EVENT, 0, 0, 5000 };
    struct xs_inflight f = { 0 };
    struct xs_msg m;

    EXPECT_EQ(xs_msg_oversized(&f, &h, &m), -XEN_EBADMSG);
}

TEST(xs_wire, inflight_ids_unique_and_bounded)
{
    struct xs_inflight f = { 0 };
    uint32_t ids[XS_INFLIGHT_MAX], extra;
    unsigned int i, j;

    for ( i = 0; i < XS_INFLIGHT_MAX; i++ )
    {
        ASSERT_EQ(xs_inflight_add(&f, XS_READ, &ids[i]), (int)i);
        EXPECT_NE(ids[i], 0u);
        for ( j = 0; j < i; j++ )
            EXPECT_NE(ids[i], ids[j]);
    }
    EXPECT_EQ(xs_inflight_add(&f, XS_READ, &extra), -XEN_EBUSY);
    EXPECT_EQ(xs_inflight_find(&f, ids[5]), 5);
    xs_inflight_del(&f, 5);
    EXPECT_EQ(xs_inflight_find(&f, ids[5]), -XEN_ENOENT);
    EXPECT_EQ(xs_inflight_add(&f, XS_WRITE, &extra), 5);
    EXPECT_EQ(f.type[5], (uint32_t)XS_WRITE);
}

TEST(xs_wire, inflight_id_wraps_past_zero_and_busy_ids)
{
    struct xs_inflight f = { 0 };
    uint32_t a, b, c;

    f.next_id = UINT32_MAX;
    ASSERT_EQ(xs_inflight_add(&f, XS_READ, &a), 0);
    EXPECT_EQ(a, UINT32_MAX);
    ASSERT_EQ(xs_inflight_add(&f, XS_READ, &b), 1);
    EXPECT_EQ(b, 1u); /* 0 skipped */
    /* An id still in flight is never handed out twice. */
    f.next_id = UINT32_MAX;
    ASSERT_EQ(xs_inflight_add(&f, XS_READ, &c), 2);
    EXPECT_EQ(c, 2u);
}
