/* SPDX-License-Identifier: MIT */
/*
 * xenstore.c - self-tests of the xenstore client (kernel/xen/xenstore/)
 * against the real xenstored of tier 2's dom0: our own name and domid,
 * write/read/rm round trips, directories, permissions, the errors for a
 * missing key and a forbidden one, watches, and requests from several
 * threads at once. Transactions and the round-trip benchmark are in
 * xenstore_tx.c. Everything lives below data/xenling-test/ of our domain
 * (a guest may write its data/ directory) and is removed afterwards.
 * SKIP where there is no xenstore (plain QEMU, and tier 1, where we are
 * dom0).
 */
#include <kernel.h>
#include <clock.h>
#include <ktest.h>
#include <mm.h>
#include <sched.h>
#include <smp.h>
#include <wait.h>
#include <xen_errno.h>
#include <xenstore.h>
#include "tests/kernel/xs_test.h"

#define T_DIR "data/xenling-test"

TEST(xenstore, read_own_name_and_domid)
{
    char *name, *abs_name, path[64];
    uint64_t domid;
    size_t len;

    XS_REQUIRE();
    ASSERT_EQ(xs_read(XS_TX_NONE, "name", &name, &len), 0);
    EXPECT_GT(len, 0u);
    EXPECT_EQ(strlen(name), len); /* a name has no NUL inside */
    printk("    # our name is \"%s\"\n", name);
    ASSERT_EQ(xs_read_uint(XS_TX_NONE, "domid", 0x7fef, &domid), 0);
    EXPECT_GT(domid, 0u); /* a domU */
    EXPECT_EQ(domid, (uint64_t)xs_domid());
    /* The same key through its absolute path. */
    snprintf(path, sizeof(path), "/local/domain/%u/name", xs_domid());
    ASSERT_EQ(xs_read(XS_TX_NONE, path, &abs_name, NULL), 0);
    EXPECT_STREQ(abs_name, name);
    kfree(name);
    kfree(abs_name);
}

TEST(xenstore, write_read_rm_round_trip)
{
    const char *key = T_DIR "/round-trip";
    char *v, big[1001];
    uint64_t n;
    size_t len;

    XS_REQUIRE();
    ASSERT_EQ(xs_write(XS_TX_NONE, key, "hello"), 0);
    ASSERT_EQ(xs_read(XS_TX_NONE, key, &v, &len), 0);
    EXPECT_EQ(len, 5u);
    EXPECT_STREQ(v, "hello");
    kfree(v);
    /* Overwrite with a number, read it back typed. */
    ASSERT_EQ(xs_printf(XS_TX_NONE, key, "%u", 51712u), 0);
    ASSERT_EQ(xs_read_uint(XS_TX_NONE, key, UINT32_MAX, &n), 0);
    EXPECT_EQ(n, 51712u);
    /* A longer value than the ring (1024 bytes) crosses it in pieces. */
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    big[0] = 'A';
    big[999] = 'Z';
    ASSERT_EQ(xs_write(XS_TX_NONE, key, big), 0);
    ASSERT_EQ(xs_read(XS_TX_NONE, key, &v, &len), 0);
    EXPECT_EQ(len, 1000u);
    EXPECT_TRUE(memcmp(v, big, 1000) == 0);
    kfree(v);
    /* Removed: reading fails with ENOENT; removing again is fine. */
    EXPECT_EQ(xs_rm(XS_TX_NONE, key), 0);
    EXPECT_EQ(xs_read(XS_TX_NONE, key, &v, NULL), -XEN_ENOENT);
    EXPECT_EQ(xs_rm(XS_TX_NONE, key), 0);
}

TEST(xenstore, typed_read_rejects_garbage)
{
    const char *key = T_DIR "/not-a-number";
    uint64_t n = 7;

    XS_REQUIRE();
    ASSERT_EQ(xs_write(XS_TX_NONE, key, "12abc"), 0);
    EXPECT_EQ(xs_read_uint(XS_TX_NONE, key, UINT32_MAX, &n), -XEN_EINVAL);
    ASSERT_EQ(xs_write(XS_TX_NONE, key, "70000"), 0);
    EXPECT_EQ(xs_read_uint(XS_TX_NONE, key, 65535, &n), -XEN_ERANGE);
    EXPECT_EQ(n, 7u);
    EXPECT_EQ(xs_rm(XS_TX_NONE, key), 0);
}

TEST(xenstore, directory_listing)
{
#define DIR T_DIR "/dir"
    const char *dir = DIR;
    char **names;
    unsigned int count, i, seen = 0;

    XS_REQUIRE();
    ASSERT_EQ(xs_mkdir(XS_TX_NONE, dir), 0);
    ASSERT_EQ(xs_directory(XS_TX_NONE, dir, &names, &count), 0);
    EXPECT_EQ(count, 0u);
    EXPECT_TRUE(names[0] == NULL);
    kfree(names);
    ASSERT_EQ(xs_write(XS_TX_NONE, DIR "/alpha", "1"), 0);
    ASSERT_EQ(xs_write(XS_TX_NONE, DIR "/beta", "2"), 0);
    ASSERT_EQ(xs_mkdir(XS_TX_NONE, DIR "/gamma-3_x"), 0);
    ASSERT_EQ(xs_directory(XS_TX_NONE, dir, &names, &count), 0);
    EXPECT_EQ(count, 3u);
    for ( i = 0; i < count; i++ )
    {
        if ( strcmp(names[i], "alpha") == 0 )
            seen |= 1;
        else if ( strcmp(names[i], "beta") == 0 )
            seen |= 2;
        else if ( strcmp(names[i], "gamma-3_x") == 0 )
            seen |= 4;
        else
            printk("    # unexpected entry \"%s\"\n", names[i]);
    }
    EXPECT_EQ(seen, 7u);
    EXPECT_TRUE(names[count] == NULL);
    kfree(names);
    EXPECT_EQ(xs_rm(XS_TX_NONE, dir), 0);
    EXPECT_EQ(xs_directory(XS_TX_NONE, dir, &names, &count), -XEN_ENOENT);
#undef DIR
}

TEST(xenstore, missing_key_is_enoent)
{
    char *v;

    XS_REQUIRE();
    EXPECT_EQ(xs_read(XS_TX_NONE, T_DIR "/no/such/key", &v, NULL), -XEN_ENOENT);
    EXPECT_EQ(xs_read(XS_TX_NONE, "data/xenling-no-such-key", &v, NULL),
              -XEN_ENOENT);
}

TEST(xenstore, forbidden_path_is_eacces)
{
    XS_REQUIRE();
    /* dom0's directory is not ours to write, nor the root, nor /vm. */
    EXPECT_EQ(xs_write(XS_TX_NONE, "/local/domain/0/xenling-was-here", "x"),
              -XEN_EACCES);
    EXPECT_EQ(xs_mkdir(XS_TX_NONE, "/xenling-was-here"), -XEN_EACCES);
    EXPECT_EQ(xs_write(XS_TX_NONE, "/vm/xenling-was-here", "x"), -XEN_EACCES);
}

TEST(xenstore, bad_paths_refused_before_sending)
{
    struct xenstore_stats before, after;
    char *v;

    XS_REQUIRE();
    xenstore_get_stats(&before);
    EXPECT_EQ(xs_read(XS_TX_NONE, "a//b", &v, NULL), -XEN_EINVAL);
    EXPECT_EQ(xs_write(XS_TX_NONE, T_DIR "/", "x"), -XEN_EINVAL);
    EXPECT_EQ(xs_rm(XS_TX_NONE, "bad path"), -XEN_EINVAL);
    EXPECT_EQ(xs_read(XS_TX_NONE, "", &v, NULL), -XEN_EINVAL);
    xenstore_get_stats(&after);
    EXPECT_EQ(after.requests, before.requests);
}

TEST(xenstore, permissions_round_trip)
{
    const char *key = T_DIR "/perms";
    struct xs_perm *p, want[2];
    unsigned int n;

    XS_REQUIRE();
    ASSERT_EQ(xs_write(XS_TX_NONE, key, "p"), 0);
    ASSERT_EQ(xs_get_perms(XS_TX_NONE, key, &p, &n), 0);
    ASSERT_GE(n, 1u);
    EXPECT_EQ(p[0].domid, xs_domid()); /* we created it: we own it */
    kfree(p);
    want[0] = (struct xs_perm){ 'n', (uint16_t)xs_domid() };
    want[1] = (struct xs_perm){ 'r', 0 };
    ASSERT_EQ(xs_set_perms(XS_TX_NONE, key, want, 2), 0);
    ASSERT_EQ(xs_get_perms(XS_TX_NONE, key, &p, &n), 0);
    ASSERT_EQ(n, 2u);
    EXPECT_EQ(p[0].mode, 'n');
    EXPECT_EQ(p[0].domid, xs_domid());
    EXPECT_EQ(p[1].mode, 'r');
    EXPECT_EQ(p[1].domid, 0u);
    kfree(p);
    want[0].mode = 'q';
    EXPECT_EQ(xs_set_perms(XS_TX_NONE, key, want, 2), -XEN_EINVAL);
    EXPECT_EQ(xs_rm(XS_TX_NONE, key), 0);
}

/* What a test watch saw: its callback runs in the xenstore thread. */
struct seen {
    unsigned int events;
    unsigned int matches; /* events whose path was `want` */
    const char *want;
    bool in_thread; /* every callback ran in the xenstore thread */
};

static struct waitq seen_wq = WAITQ_INIT("xs-test-watch");

static void
seen_fn(struct xs_watch *w, const char *path)
{
    struct seen *s = w->arg;

    if ( !xs_in_watch_thread() )
        s->in_thread = false;
    if ( s->want && strcmp(path, s->want) == 0 )
        __atomic_fetch_add(&s->matches, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&s->events, 1, __ATOMIC_RELEASE);
    waitq_wake_all(&seen_wq);
}

static bool
seen_match(void *arg)
{
    return __atomic_load_n(&((struct seen *)arg)->matches, __ATOMIC_ACQUIRE);
}

TEST(xenstore, watch_fires_on_own_write)
{
    static struct xs_watch w;
    struct seen s = { .want = T_DIR "/watched", .in_thread = true };
    unsigned int after;

    XS_REQUIRE();
    ASSERT_EQ(xs_mkdir(XS_TX_NONE, T_DIR "/watched"), 0);
    ASSERT_EQ(xs_watch(&w, T_DIR "/watched", seen_fn, &s), 0);
    /* xenstored fires a new watch once, on its own path. */
    EXPECT_TRUE(wait_event_timeout(&seen_wq, seen_match, &s, XS_TEST_WAIT));
    s.want = T_DIR "/watched/key";
    s.matches = 0;
    ASSERT_EQ(xs_write(XS_TX_NONE, T_DIR "/watched/key", "v"), 0);
    EXPECT_TRUE(wait_event_timeout(&seen_wq, seen_match, &s, XS_TEST_WAIT));
    EXPECT_EQ(xs_unwatch(&w), 0);
    /* After unwatch: no callback, even for a change made right away. */
    after = __atomic_load_n(&s.events, __ATOMIC_ACQUIRE);
    EXPECT_EQ(xs_write(XS_TX_NONE, T_DIR "/watched/key", "w"), 0);
    EXPECT_EQ(xs_rm(XS_TX_NONE, T_DIR "/watched"), 0);
    EXPECT_EQ(__atomic_load_n(&s.events, __ATOMIC_ACQUIRE), after);
    EXPECT_TRUE(s.in_thread);
}

/*
 * A write made by another domain fires our watch: dom0's agent in the
 * tier-2 harness writes the key when asked (XENLING-DOM0-REQUEST). SKIP
 * when no agent answers (a Xen host without the harness).
 */
TEST(xenstore, watch_fires_on_dom0_write)
{
    static struct xs_watch w;
    char key[64], *v;
    struct seen s = { .in_thread = true };
    unsigned int token = (unsigned int)(clock_now_ns() & 0xffffff);
    int rc;

    XS_REQUIRE();
    snprintf(key, sizeof(key), T_DIR "/from-dom0/%x", token);
    ASSERT_EQ(xs_watch(&w, T_DIR "/from-dom0", seen_fn, &s), 0);
    s.want = key;
    rc = xs_test_dom0_request("xs-write %s hello-from-dom0", key);
    if ( rc == -XEN_ETIMEDOUT )
    {
        xs_unwatch(&w);
        KTEST_SKIP("no dom0 agent answered (tier 2 harness has one)");
    }
    EXPECT_EQ(rc, 0);
    EXPECT_TRUE(wait_event_timeout(&seen_wq, seen_match, &s, XS_TEST_WAIT));
    EXPECT_EQ(xs_unwatch(&w), 0);
    ASSERT_EQ(xs_read(XS_TX_NONE, key, &v, NULL), 0);
    EXPECT_STREQ(v, "hello-from-dom0");
    kfree(v);
    EXPECT_TRUE(s.in_thread);
    EXPECT_EQ(xs_rm(XS_TX_NONE, T_DIR "/from-dom0"), 0);
}

#define READERS    4
#define READS_EACH 40
struct reader {
    unsigned int ok, bad;
};

static void
reader_fn(void *arg)
{
    struct reader *r = arg;
    uint64_t domid;
    unsigned int i;

    for ( i = 0; i < READS_EACH; i++ )
        if ( xs_read_uint(XS_TX_NONE, "domid", 0x7fef, &domid) == 0 &&
             domid == xs_domid() )
            r->ok++;
        else
            r->bad++;
}

/* Threads on every vCPU read at once: their requests overlap in flight
 * and every reply reaches the thread that asked. */
TEST(xenstore, requests_in_flight_from_many_threads)
{
    struct reader r[READERS];
    struct thread *th[READERS];
    struct xenstore_stats st;
    unsigned int i;
    int code;

    XS_REQUIRE();
    memset(r, 0, sizeof(r));
    for ( i = 0; i < READERS; i++ )
    {
        th[i] = thread_create("xs-reader", reader_fn, &r[i], i % cpus_online());
        ASSERT_TRUE(th[i] != NULL);
    }
    for ( i = 0; i < READERS; i++ )
    {
        EXPECT_EQ(thread_join_timeout(th[i], 60 * NSEC_PER_SEC, &code), 0);
        EXPECT_EQ(r[i].ok, (unsigned int)READS_EACH);
        EXPECT_EQ(r[i].bad, 0u);
    }
    xenstore_get_stats(&st);
    printk("    # most requests in flight at once: %llu\n",
           (unsigned long long)st.peak);
    EXPECT_GE(st.peak, 2u);
    EXPECT_EQ(st.dropped, 0u);
    EXPECT_EQ(st.timeouts, 0u);
}
