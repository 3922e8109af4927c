/* SPDX-License-Identifier: MIT */
/*
 * test_pvclock.c - host tests of the PV clock arithmetic
 * (kernel/xen/time/pvclock_math.c): TSC scaling against 128-bit arithmetic,
 * the seqlock retry when a fake Xen rewrites the record mid-read, the
 * monotonic clamp, the wall-clock base, and calendar conversion checked
 * against the C library's gmtime_r.
 */
#include <time.h>

#include <ktest.h>
#include "kernel/xen/time/pvclock.h"

/* A deterministic pseudo-random sequence (64-bit LCG, Knuth's MMIX). */
static uint64_t
lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s;
}

/* The definition from xen.h, evaluated with a 128-bit product. */
static uint64_t
ref_scale(uint64_t delta, uint32_t mul, int8_t shift)
{
    if ( shift < 0 )
        delta = shift > -64 ? delta >> -shift : 0;
    else
        delta = shift < 64 ? delta << shift : 0;
    return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

TEST(pvclock, scale_worked_example)
{
    /* A 2.4 GHz TSC: Xen halves the ticks (shift -1) so they fit under
     * 2 * 10^9 per second, then mul = (10^9 << 32) / 1.2e9. */
    uint32_t mul = (uint32_t)((NSEC_PER_SEC << 32) / 1200000000u);

    EXPECT_EQ(mul, 3579139413u);
    /* One second of ticks is 10^9 ns, less one for rounding mul down. */
    EXPECT_EQ(pvclock_scale_delta(2400000000ull, mul, -1), 999999999ull);
    EXPECT_EQ(pvclock_scale_delta(0, mul, -1), 0ull);
    EXPECT_EQ(pvclock_tsc_hz(mul, -1), 2400000000ull);
    /* mul = 2^31 is exactly one half: a 2 GHz TSC with shift 0. */
    EXPECT_EQ(pvclock_scale_delta(2000, 0x80000000u, 0), 1000ull);
    EXPECT_EQ(pvclock_tsc_hz(0x80000000u, 0), 2000000000ull);
    /* A positive shift: a slow 500 MHz TSC, 2 ns a tick. */
    EXPECT_EQ(pvclock_scale_delta(5, 0x80000000u, 2), 10ull);
}

TEST(pvclock, scale_matches_128bit_product)
{
    uint64_t s = 1;
    unsigned int i, bad = 0;

    for ( i = 0; i < 100000; i++ )
    {
        uint64_t delta = lcg(&s);
        uint32_t mul = lcg(&s) >> 32;
        int8_t shift = (int8_t)(lcg(&s) >> 56) % 40;

        /* Also small deltas, the common case. */
        if ( i & 1 )
            delta >>= lcg(&s) >> 58;
        if ( pvclock_scale_delta(delta, mul, shift) !=
             ref_scale(delta, mul, shift) )
            bad++;
    }
    EXPECT_EQ(bad, 0u);
}

TEST(pvclock, scale_extremes)
{
    EXPECT_EQ(pvclock_scale_delta(UINT64_MAX, UINT32_MAX, 0),
              ref_scale(UINT64_MAX, UINT32_MAX, 0));
    EXPECT_EQ(pvclock_scale_delta(UINT64_MAX, UINT32_MAX, 0),
              UINT64_MAX - UINT32_MAX - 1);
    EXPECT_EQ(pvclock_scale_delta(UINT64_MAX, 0, 0), 0ull);
    EXPECT_EQ(pvclock_scale_delta(1ull << 63, 0x80000000u, -63), 0ull);
    EXPECT_EQ(pvclock_scale_delta(1ull << 63, 0x80000000u, -64), 0ull);
    EXPECT_EQ(pvclock_scale_delta(1, 0x80000000u, 64), 0ull);
    EXPECT_EQ(pvclock_scale_delta(1, 0x80000000u, 127), 0ull);
    EXPECT_EQ(pvclock_scale_delta(~0ull, 0x80000000u, -128), 0ull);
    EXPECT_EQ(pvclock_scale_delta(1, 0x80000000u, 63), 1ull << 62);
}

TEST(pvclock, scale_valid_and_hz)
{
    EXPECT_FALSE(pvclock_scale_valid(0, 0));
    EXPECT_FALSE(pvclock_scale_valid(1, 33));
    EXPECT_FALSE(pvclock_scale_valid(1, -33));
    EXPECT_TRUE(pvclock_scale_valid(1, -32));
    EXPECT_TRUE(pvclock_scale_valid(1, 32));
    EXPECT_EQ(pvclock_tsc_hz(0, 0), 0ull);
    /* mul = 1 with shift -32 would be 2^62 * 2^32 ticks: saturates. */
    EXPECT_EQ(pvclock_tsc_hz(1, -32), UINT64_MAX);
}

TEST(pvclock, snapshot_ns_adds_scaled_delta)
{
    struct pvclock_snapshot s = {
        .tsc_timestamp = 1000,
        .system_time = 5000000,
        .mul = 0x80000000u,
        .shift = 0,
        .tsc = 3000,
    };

    EXPECT_EQ(pvclock_snapshot_ns(&s), 5001000ull);
    /* A TSC behind the record's stamp counts as no time at all. */
    s.tsc = 999;
    EXPECT_EQ(pvclock_snapshot_ns(&s), 5000000ull);
    s.tsc = 0;
    s.tsc_timestamp = UINT64_MAX;
    EXPECT_EQ(pvclock_snapshot_ns(&s), 5000000ull);
}

/*
 * A fake Xen for the seqlock tests. read_tsc() is called once per
 * attempt, between the two version reads, so it plays the writer: on its
 * k-th call it performs script[k], a step of Xen's update protocol
 * (version made odd, fields rewritten, version made even again).
 */
enum writer_step {
    W_NONE,  /* leave the record alone */
    W_BEGIN, /* version odd, then rewrite the fields */
    W_END,   /* version even: the update is complete */
    W_FULL,  /* a whole update: W_BEGIN then W_END */
};

static struct vcpu_time_info fake;
static const enum writer_step *script;
static unsigned int script_len, tsc_calls;

static void
fake_start(uint32_t version, const enum writer_step *steps, unsigned int n)
{
    memset(&fake, 0, sizeof(fake));
    fake.version = version;
    fake.tsc_timestamp = 100;
    fake.system_time = 7000;
    fake.tsc_to_system_mul = 0x80000000u;
    fake.tsc_shift = 0;
    script = steps;
    script_len = n;
    tsc_calls = 0;
}

static uint64_t
fake_tsc(void)
{
    enum writer_step step = tsc_calls < script_len ? script[tsc_calls] : W_NONE;

    tsc_calls++;
    if ( step == W_BEGIN || step == W_FULL )
    {
        fake.version++;
        fake.system_time += 1000000;
        fake.tsc_timestamp += 10;
    }
    if ( step == W_END || step == W_FULL )
        fake.version++;
    return 300;
}

TEST(pvclock, seqlock_consistent_read)
{
    struct pvclock_snapshot s;

    fake_start(2, NULL, 0);
    pvclock_snapshot(&fake, fake_tsc, &s);
    EXPECT_EQ(tsc_calls, 1u);
    EXPECT_EQ(s.version, 2u);
    EXPECT_EQ(s.tsc, 300ull);
    EXPECT_EQ(pvclock_snapshot_ns(&s), 7100ull);
}

TEST(pvclock, seqlock_retries_when_record_changes)
{
    static const enum writer_step steps[] = { W_FULL, W_FULL };
    struct pvclock_snapshot s;

    /* Xen rewrites the record during the first two attempts: both copies
     * must be thrown away because the version moved under them. */
    fake_start(4, steps, ARRAY_SIZE(steps));
    pvclock_snapshot(&fake, fake_tsc, &s);
    EXPECT_EQ(tsc_calls, 3u);
    EXPECT_EQ(s.version, 8u);
    EXPECT_EQ(s.system_time, 2007000ull);
    EXPECT_EQ(s.tsc_timestamp, 120ull);
}

TEST(pvclock, seqlock_retries_while_version_odd)
{
    static const enum writer_step stalled[] = { W_NONE, W_END };
    static const enum writer_step spans[] = { W_BEGIN, W_NONE, W_END };
    struct pvclock_snapshot s;

    /* Xen is half-way through an update when we start and stays there
     * for a whole attempt: the version does not change, but it is odd,
     * so the copy may be torn and must be retried. */
    fake_start(5, stalled, ARRAY_SIZE(stalled));
    pvclock_snapshot(&fake, fake_tsc, &s);
    EXPECT_EQ(tsc_calls, 3u);
    EXPECT_EQ(s.version, 6u);

    /* An update that spans several of our attempts. */
    fake_start(6, spans, ARRAY_SIZE(spans));
    pvclock_snapshot(&fake, fake_tsc, &s);
    EXPECT_EQ(tsc_calls, 4u);
    EXPECT_EQ(s.version, 8u);
    EXPECT_EQ(s.system_time, 1007000ull);
}

TEST(pvclock, clamp_never_goes_back)
{
    uint64_t last = 0, s = 7, prev = 0;
    unsigned int i, back = 0;

    EXPECT_EQ(pvclock_clamp(&last, 100), 100ull);
    EXPECT_EQ(last, 100ull);
    EXPECT_EQ(pvclock_clamp(&last, 50), 100ull);
    EXPECT_EQ(last, 100ull);
    EXPECT_EQ(pvclock_clamp(&last, 100), 100ull);
    EXPECT_EQ(pvclock_clamp(&last, 101), 101ull);
    EXPECT_EQ(last, 101ull);

    /* A raw clock that jitters backwards by up to 1 us. */
    last = 0;
    for ( i = 0; i < 10000; i++ )
    {
        uint64_t raw = 1000 + i * 1000ull - lcg(&s) % 1000;
        uint64_t now = pvclock_clamp(&last, raw);

        if ( now < prev || now < raw )
            back++;
        prev = now;
    }
    EXPECT_EQ(back, 0u);
}

TEST(pvclock, wallclock_base)
{
    static struct shared_info si;
    struct wall_time w;

    memset(&si, 0, sizeof(si));
    si.wc_version = 2;
    si.wc_sec = 1700000000;
    si.wc_nsec = 123456789;
    pvclock_read_wallclock(&si, &w);
    EXPECT_EQ(w.sec, 1700000000ull);
    EXPECT_EQ(w.nsec, 123456789u);

    /* Past 2106 the seconds need wc_sec_hi. */
    si.xen_wc_sec_hi = 1;
    si.wc_sec = 5;
    pvclock_read_wallclock(&si, &w);
    EXPECT_EQ(w.sec, (1ull << 32) + 5);

    /* Nanoseconds of a second or more are carried, never passed on. */
    si.xen_wc_sec_hi = 0;
    si.wc_nsec = 2500000000u;
    pvclock_read_wallclock(&si, &w);
    EXPECT_EQ(w.sec, 7ull);
    EXPECT_EQ(w.nsec, 500000000u);
}

TEST(pvclock, wall_add_carries)
{
    struct wall_time base = { 100, 900000000 }, out;

    pvclock_wall_add(&base, 0, &out);
    EXPECT_EQ(out.sec, 100ull);
    EXPECT_EQ(out.nsec, 900000000u);
    pvclock_wall_add(&base, 100000000, &out);
    EXPECT_EQ(out.sec, 101ull);
    EXPECT_EQ(out.nsec, 0u);
    pvclock_wall_add(&base, 3 * NSEC_PER_SEC + 200000001, &out);
    EXPECT_EQ(out.sec, 104ull);
    EXPECT_EQ(out.nsec, 100000001u);
}

TEST(pvclock, civil_known_dates)
{
    struct civil_time c;

    wall_to_civil(0, &c);
    EXPECT_EQ(c.year, 1970ull);
    EXPECT_EQ(c.month, 1);
    EXPECT_EQ(c.day, 1);
    EXPECT_EQ(c.hour, 0);
    wall_to_civil(951782400, &c); /* a leap day */
    EXPECT_EQ(c.year, 2000ull);
    EXPECT_EQ(c.month, 2);
    EXPECT_EQ(c.day, 29);
    wall_to_civil(1700000000, &c);
    EXPECT_EQ(c.year, 2023ull);
    EXPECT_EQ(c.month, 11);
    EXPECT_EQ(c.day, 14);
    EXPECT_EQ(c.hour, 22);
    EXPECT_EQ(c.min, 13);
    EXPECT_EQ(c.sec, 20);
    wall_to_civil(4102444800ull, &c); /* 2100: not a leap year */
    EXPECT_EQ(c.year, 2100ull);
    EXPECT_EQ(c.month, 1);
    EXPECT_EQ(c.day, 1);
    wall_to_civil(253402300799ull, &c);
    EXPECT_EQ(c.year, 9999ull);
    EXPECT_EQ(c.month, 12);
    EXPECT_EQ(c.day, 31);
    EXPECT_EQ(c.sec, 59);
    /* The far future takes whole 400-year cycles, not a year-by-year
     * walk: this must return at once, and stay consistent. */
    wall_to_civil(UINT64_MAX, &c);
    EXPECT_GT(c.year, 500000000000ull);
    EXPECT_LE(c.month, 12);
}

TEST(pvclock, civil_matches_gmtime)
{
    uint64_t s = 42;
    unsigned int i, bad = 0;

    for ( i = 0; i < 20000; i++ )
    {
        /* Up to the year 9999. */
        time_t sec = (time_t)(lcg(&s) % 253402300800ull);
        struct tm tm;
        struct civil_time c;

        if ( !gmtime_r(&sec, &tm) )
            continue;
        wall_to_civil((uint64_t)sec, &c);
        if ( c.year != (uint64_t)tm.tm_year + 1900 ||
             c.month != tm.tm_mon + 1 || c.day != tm.tm_mday ||
             c.hour != tm.tm_hour || c.min != tm.tm_min || c.sec != tm.tm_sec )
            bad++;
    }
    EXPECT_EQ(bad, 0u);
}

TEST(pvclock, resume_offset_continues_by_the_downtime)
{
    /* Saved at monotonic 100 s; the new host has been up 5000 s; the wall
     * clock says 3 s passed: the clock goes on at 103 s, not 5000. */
    struct pvclock_resume r = {
        .mono_before = 100 * NSEC_PER_SEC,
        .wall_before_ns = 1700000000ull * NSEC_PER_SEC,
        .raw_after = 5000 * NSEC_PER_SEC,
        .wall_after_ns = 1700000003ull * NSEC_PER_SEC,
    };
    uint64_t down;
    int64_t off = pvclock_resume_offset(&r, &down);

    EXPECT_EQ(down, 3 * NSEC_PER_SEC);
    EXPECT_EQ(r.raw_after + (uint64_t)off, 103 * NSEC_PER_SEC);
    EXPECT_TRUE(off < 0);
}

TEST(pvclock, resume_offset_new_host_younger)
{
    /* The new host booted 2 s ago: the offset is positive. */
    struct pvclock_resume r = {
        .mono_before = 7200 * NSEC_PER_SEC,
        .wall_before_ns = 50 * NSEC_PER_SEC,
        .raw_after = 2 * NSEC_PER_SEC,
        .wall_after_ns = 51 * NSEC_PER_SEC,
    };
    uint64_t down;
    int64_t off = pvclock_resume_offset(&r, &down);

    EXPECT_EQ(down, NSEC_PER_SEC);
    EXPECT_EQ(r.raw_after + (uint64_t)off, 7201 * NSEC_PER_SEC);
    EXPECT_TRUE(off > 0);
}

TEST(pvclock, resume_offset_wall_clock_backwards_counts_no_time)
{
    struct pvclock_resume r = {
        .mono_before = 10 * NSEC_PER_SEC,
        .wall_before_ns = 90 * NSEC_PER_SEC,
        .raw_after = 3 * NSEC_PER_SEC,
        .wall_after_ns = 80 * NSEC_PER_SEC,
    };
    uint64_t down = 1;
    int64_t off = pvclock_resume_offset(&r, &down);

    EXPECT_EQ(down, 0u);
    EXPECT_EQ(r.raw_after + (uint64_t)off, 10 * NSEC_PER_SEC);
}

TEST(pvclock, resume_offset_same_host_is_small)
{
    /* Same host: Xen's time went on as the wall clock did; the offset
     * is only the gap between the two clocks' readings. */
    struct pvclock_resume r = {
        .mono_before = 30 * NSEC_PER_SEC,
        .wall_before_ns = 1000 * NSEC_PER_SEC,
        .raw_after = 34 * NSEC_PER_SEC + 5000,
        .wall_after_ns = 1004 * NSEC_PER_SEC,
    };
    uint64_t down;
    int64_t off = pvclock_resume_offset(&r, &down);

    EXPECT_EQ(off, -5000);
    EXPECT_EQ(down, 4 * NSEC_PER_SEC);
}
