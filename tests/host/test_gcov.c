/* SPDX-License-Identifier: MIT */
/*
 * test_gcov.c - host tests of the coverage runtime's portable half
 * (kernel/lib/gcov_gcda.c, kernel/lib/crc32.c): our gcda stream must be
 * byte for byte what the host's libgcov (gcc 12's __gcov_info_to_gcda)
 * writes for the same records; records we cannot write are refused with
 * a reason; the console framing decodes back to the same bytes; CRC-32
 * matches zlib's check values.
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>

#include <ktest.h>
#include <crc32.h>
#include <gcov.h>
#include "gcov_sample.h"
#include "host.h"

/* libgcov's own writer (gcc's <gcov.h>, whose name ours shadows). */
void __gcov_info_to_gcda(const struct gcov_info *info,
                         void (*filename_fn)(const char *, void *),
                         void (*dump_fn)(const void *, unsigned, void *),
                         void *(*allocate_fn)(unsigned, void *), void *arg);

/* gcov_sample.c's records (the only object built with the section). */
extern const struct gcov_info *const __start_gcov_info[];
extern const struct gcov_info *const __stop_gcov_info[];

struct buf {
    uint8_t *p;
    size_t len, size;
};

static void
buf_put(void *ctx, const void *bytes, size_t n)
{
    struct buf *b = ctx;

    if ( b->len + n > b->size )
    {
        b->size = (b->len + n) * 2;
        b->p = realloc(b->p, b->size);
    }
    memcpy(b->p + b->len, bytes, n);
    b->len += n;
}

static void
oracle_dump(const void *bytes, unsigned n, void *ctx)
{
    buf_put(ctx, bytes, n);
}

static void
oracle_name(const char *name, void *ctx)
{}

static void *
oracle_alloc(unsigned n, void *ctx)
{
    return malloc(n);
}

static const struct gcov_info *
sample_info(void)
{
    return __stop_gcov_info - __start_gcov_info == 1 ? __start_gcov_info[0]
                                                     : NULL;
}

/* Both writers on the sample's current counters: equal bytes? */
static void
expect_same_as_libgcov(struct ktest_ctx *t, const struct gcov_info *info)
{
    struct buf ours = { 0 }, theirs = { 0 };

    EXPECT_EQ(gcov_gcda_write(info, buf_put, &ours), ours.len);
    __gcov_info_to_gcda(info, oracle_name, oracle_dump, oracle_alloc, &theirs);
    EXPECT_EQ(ours.len, theirs.len);
    EXPECT_TRUE(ours.len == theirs.len &&
                memcmp(ours.p, theirs.p, ours.len) == 0);
    free(ours.p);
    free(theirs.p);
}

TEST(gcov, sample_gcda_matches_libgcov)
{
    const struct gcov_info *info = sample_info();
    int i;

    ASSERT_TRUE(info != NULL);
    EXPECT_TRUE(gcov_info_problem(info) == NULL);
    EXPECT_TRUE(strstr(info->filename, "gcov_sample.gcda") != NULL);
    /* Before any call (all arrays compact), then after some. */
    expect_same_as_libgcov(t, info);
    for ( i = -6; i < 7; i++ )
        gcov_sample_branchy(i);
    gcov_sample_loop(100);
    expect_same_as_libgcov(t, info);
}

TEST(gcov, counter_high_words_and_zero_arrays)
{
    const struct gcov_info *info = sample_info();
    struct buf ours = { 0 };
    uint32_t f, compact = 0;
    gcov_type saved;

    ASSERT_TRUE(info != NULL && info->n_functions > 0);
    gcov_sample_loop(3);
    /* A count past 2^32 must keep its high word (low word first). */
    for ( f = 0; f < info->n_functions; f++ )
        if ( info->functions[f]->ctrs[0].num &&
             info->functions[f]->ctrs[0].values[0] )
            break;
    ASSERT_TRUE(f < info->n_functions);
    saved = info->functions[f]->ctrs[0].values[0];
    info->functions[f]->ctrs[0].values[0] = 0x123456789aull;
    expect_same_as_libgcov(t, info);
    gcov_gcda_write(info, buf_put, &ours);
    EXPECT_TRUE(memmem(ours.p, ours.len, "\x9a\x78\x56\x34\x12\0\0\0", 8) !=
                NULL);
    info->functions[f]->ctrs[0].values[0] = saved;
    /* gcov_sample_never: an arcs tag followed by a negative length. */
    for ( size_t i = 0; i + 8 <= ours.len; i += 4 )
    {
        uint32_t tag, len;

        memcpy(&tag, ours.p + i, 4);
        memcpy(&len, ours.p + i + 4, 4);
        if ( tag == GCOV_TAG_FOR_COUNTER(GCOV_COUNTER_ARCS) &&
             (int32_t)len < 0 )
            compact++;
    }
    EXPECT_GE(compact, 1u);
    free(ours.p);
}

TEST(gcov, records_we_cannot_write_are_refused)
{
    const struct gcov_info *sample = sample_info();
    struct gcov_info bad;

    ASSERT_TRUE(sample != NULL);
    bad = *sample;
    bad.version = 0x4231342au; /* "B14*": gcc 14's layout differs */
    EXPECT_TRUE(gcov_info_problem(&bad) != NULL &&
                strstr(gcov_info_problem(&bad), "gcc 12"));
    bad = *sample;
    bad.merge[1] = bad.merge[0]; /* value profiling (-fprofile-generate) */
    EXPECT_TRUE(gcov_info_problem(&bad) != NULL &&
                strstr(gcov_info_problem(&bad), "--coverage only"));
    bad = *sample;
    bad.filename = "";
    EXPECT_TRUE(gcov_info_problem(&bad) != NULL);
    bad = *sample;
    bad.merge[0] = NULL;
    EXPECT_TRUE(gcov_info_problem(&bad) != NULL);
    bad = *sample;
    bad.functions = NULL;
    EXPECT_TRUE(gcov_info_problem(&bad) != NULL);

    /* One function with more arcs than the writer's snapshot holds. */
    {
        static gcov_type values[GCOV_FN_COUNTERS_MAX + 1];
        struct gcov_fn_info *big =
            calloc(1, sizeof(*big) + sizeof(struct gcov_ctr_info));
        const struct gcov_fn_info *table[1] = { big };

        ASSERT_TRUE(big != NULL);
        bad = *sample;
        bad.n_functions = 1;
        bad.functions = table;
        big->key = &bad;
        big->ctrs[0].values = values;
        big->ctrs[0].num = GCOV_FN_COUNTERS_MAX;
        EXPECT_TRUE(gcov_info_problem(&bad) == NULL);
        big->ctrs[0].num = GCOV_FN_COUNTERS_MAX + 1;
        EXPECT_TRUE(gcov_info_problem(&bad) != NULL &&
                    strstr(gcov_info_problem(&bad), "256 arcs"));
        free(big);
    }
}

/* --- framing ------------------------------------------------------------ */

struct lines {
    char text[64][256];
    unsigned int n;
    bool too_long;
};

static void
collect_line(void *ctx, const char *text)
{
    struct lines *l = ctx;

    if ( strlen(text) >= sizeof(l->text[0]) || l->n == ARRAY_SIZE(l->text) )
    {
        l->too_long = true;
        return;
    }
    strcpy(l->text[l->n++], text);
}

/* Decode one gcov-data payload (an independent reading of gcov.h's rule). */
static size_t
decode_payload(const char *p, uint8_t *out)
{
    size_t n = 0;

    for ( ; *p && *p != ' '; p++ )
        if ( *p >= 'g' && *p <= 'z' )
        {
            for ( int k = 0; k < *p - 'g' + 2; k++ )
                out[n++] = 0;
        }
        else
        {
            unsigned int b;

            sscanf(p, "%2x", &b);
            out[n++] = b;
            p++;
        }
    return n;
}

TEST(gcov, frames_decode_to_the_same_bytes)
{
    static struct lines l;
    static uint8_t in[700], out[700];
    struct gcov_frame f;
    size_t i, got = 0;
    unsigned int file, size, crc, offset, line_crc;
    uint32_t s = 7;

    /* Zero runs of every length up to 30, then mixed bytes. */
    for ( i = 0; i < 300; i++ )
        in[i] = (i * (i + 1) / 2) % 31 == 0 ? (uint8_t)i | 1 : 0;
    for ( ; i < sizeof(in); i++ )
    {
        s = s * 1103515245u + 12345u;
        in[i] = (s >> 16) % 3 ? 0 : (uint8_t)(s >> 8);
    }
    l.n = 0;
    gcov_frame_begin(&f, 5, "/b/k/kernel/x.gcda", collect_line, &l);
    gcov_frame_put(&f, in, 100);
    gcov_frame_put(&f, in + 100, sizeof(in) - 100);
    gcov_frame_end(&f);

    EXPECT_FALSE(l.too_long);
    ASSERT_GE(l.n, 3u);
    EXPECT_EQ(strcmp(l.text[0], "gcov-file 5 /b/k/kernel/x.gcda\n"), 0);
    for ( i = 1; i + 1 < l.n; i++ )
    {
        char payload[256];
        size_t n;

        ASSERT_EQ(sscanf(l.text[i], "gcov-data %u %u %255s %x", &file, &offset,
                         payload, &line_crc),
                  4);
        EXPECT_EQ(file, 5u);
        EXPECT_EQ(offset, got);
        n = decode_payload(payload, out + got);
        EXPECT_LE(n, (size_t)GCOV_LINE_BYTES);
        EXPECT_EQ(crc32_update(0, out + got, n), line_crc);
        got += n;
    }
    EXPECT_EQ(got, sizeof(in));
    EXPECT_EQ(memcmp(in, out, sizeof(in)), 0);
    ASSERT_EQ(sscanf(l.text[l.n - 1], "gcov-done %u %u %x", &file, &size, &crc),
              3);
    EXPECT_EQ(size, sizeof(in));
    EXPECT_EQ(crc, crc32_update(0, in, sizeof(in)));
}

TEST(crc32, zlib_check_values)
{
    EXPECT_EQ(crc32_update(0, "", 0), 0u);
    EXPECT_EQ(crc32_update(0, "123456789", 9), 0xcbf43926u);
    EXPECT_EQ(
        crc32_update(0, "The quick brown fox jumps over the lazy dog", 43),
        0x414fa339u);
    /* Chained updates equal one pass. */
    EXPECT_EQ(crc32_update(crc32_update(0, "12345", 5), "6789", 4),
              0xcbf43926u);
}
