/* SPDX-License-Identifier: MIT */
/*
 * xs_values.c - libFuzzer harness for what the kernel parses out of
 * xenstore values and paths (kernel/xen/xenstore/xs_wire.c and
 * kernel/xen/xenbus/xenbus_state.c): decimal values, permissions, watch
 * tokens, paths, device paths under "device/", backend paths, and the
 * frontend state machine fed any backend state. Input: a byte choosing
 * the parser and a number, then the string (copied into a buffer of
 * exactly its size plus the NUL). Checked against oracles and round
 * trips: an accepted number is the string's value and within the limit,
 * a plain in-range number is accepted; an accepted permission or token
 * formats back to a string that parses to the same; a split device path
 * gives terminated names; a state step only ever names a real state and
 * a switch a driver may make, and a refused one stays put.
 */
#include <stdlib.h>

#include "kernel/xen/xenbus/xenbus_state.h"
#include "kernel/xen/xenstore/xs_wire.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_uint(const char *s, size_t len, uint64_t max)
{
    uint64_t out = 0, v = 0;
    bool digits = len > 0, overflow = false;
    size_t i;
    int rc = xs_value_uint("key", s, len, max, &out);

    for ( i = 0; i < len; i++ )
    {
        if ( s[i] < '0' || s[i] > '9' )
        {
            digits = false;
            break;
        }
        if ( v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10 )
            overflow = true;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if ( rc == 0 )
        FUZZ_CHECK(digits && !overflow && out == v && out <= max,
                   "accepted \"%.*s\" as %llu (max %llu)", (int)MIN(len, 40), s,
                   (unsigned long long)out, (unsigned long long)max);
    else
    {
        FUZZ_CHECK(rc == -XEN_EINVAL || rc == -XEN_ERANGE, "returned %d", rc);
        FUZZ_CHECK(!digits || overflow || v > max || (len > 1 && s[0] == '0'),
                   "refused the plain number \"%.*s\" (max %llu)",
                   (int)MIN(len, 40), s, (unsigned long long)max);
    }
}

static void
check_perm(const char *s)
{
    struct xs_perm p, q;
    char buf[16];

    if ( xs_perm_parse(s, &p) != 0 )
        return;
    FUZZ_CHECK(xs_perm_format(buf, sizeof(buf), &p) > 0,
               "accepted permission does not format");
    FUZZ_CHECK(xs_perm_parse(buf, &q) == 0 && q.mode == p.mode &&
                   q.domid == p.domid,
               "permission \"%s\" does not round-trip", buf);
}

static void
check_token(const char *s)
{
    char buf[XS_TOKEN_MAX];
    uint32_t id;

    if ( xs_token_parse(s, &id) != 0 )
        return;
    FUZZ_CHECK(xs_token_make(buf, sizeof(buf), id) > 0 && strcmp(buf, s) == 0,
               "token \"%s\" is not the canonical one for %u", s, id);
}

static void
check_device_path(const char *s)
{
    char class[XB_NAME_MAX], id[XB_NAME_MAX];
    int n = xb_device_path_split(s, class, id);

    if ( n < 0 )
        return;
    FUZZ_CHECK(n <= 2, "split returned %d", n);
    FUZZ_CHECK(memchr(class, '\0', sizeof(class)) &&
                   memchr(id, '\0', sizeof(id)),
               "split names not terminated");
    FUZZ_CHECK(n < 1 || class[0], "class found but empty");
    FUZZ_CHECK(n < 2 || id[0], "id found but empty");
}

static void
check_step(uint64_t seed)
{
    struct xb_view v = {
        .front = (XenbusState)(seed & 0xff),
        .back = (XenbusState)((seed >> 8) & 0xff),
        .back_gone = (seed >> 16) & 1,
        .driver = (seed >> 17) & 1,
    };
    struct xb_step out;
    int rc = xb_front_step(&v, &out);

    FUZZ_CHECK(rc == 0 || rc == -XEN_EINVAL, "step returned %d", rc);
    if ( rc )
    {
        /* Refused (a value that is no state): stay, do nothing. */
        FUZZ_CHECK(out.front == v.front && out.actions == 0,
                   "refused step still moves");
        return;
    }
    FUZZ_CHECK(out.front <= XenbusStateReconfigured, "step to state %u",
               (unsigned int)out.front);
    if ( out.front != v.front )
        FUZZ_CHECK(xb_front_may_switch(v.front, out.front),
                   "step from %u to %u is not a switch allowed",
                   (unsigned int)v.front, (unsigned int)out.front);
    FUZZ_CHECK(xb_state_name((unsigned int)v.back) != NULL, "no state name");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    unsigned int which = (unsigned int)fuzz_take(&in, 1);
    uint64_t num = fuzz_take(&in, 8);
    char *s = malloc(in.left + 1); /* exactly the string and its NUL */

    if ( !s )
        fuzz_fail("out of memory");
    memcpy(s, in.p, in.left);
    s[in.left] = '\0';
    switch ( which % 7 )
    {
    case 0:
        check_uint(s, in.left, num);
        break;
    case 1:
        check_perm(s);
        break;
    case 2:
        check_token(s);
        break;
    case 3:
        xs_path_check(s, (unsigned int)num & XS_PATH_WATCH);
        xs_path_is_child(s, num & 2 ? "/local/domain/1" : "/");
        break;
    case 4:
        check_device_path(s);
        break;
    case 5:
        xb_backend_path_check("backend", s, (unsigned int)(num & 0xffff), "vbd",
                              (unsigned int)((num >> 16) & 0xffff), "51712");
        break;
    default:
        check_step(num);
        break;
    }
    free(s);
    return 0;
}
