/* SPDX-License-Identifier: MIT */
/*
 * gcov_gcda.c - turn gcc's in-memory coverage records into the gcda byte
 * stream gcov and lcov read, and frame that stream as checksummed console
 * lines (formats in include/gcov.h). The kernel's runtime (kernel/gcov.c)
 * finds the records and prints the lines; tools/gcov-collect.py turns the
 * lines back into .gcda files on the host.
 */
#include <gcov.h>
#include <crc32.h>

/* gcc's version word is four characters, most significant first: 'B' and
 * '2' are gcc 12 ("B22*" is 12.2), whose layout include/gcov.h describes. */
#define GCOV_VERSION_GCC12 0x42320000u
#define GCOV_VERSION_MAJOR 0xffff0000u

/* A gcov-file line must fit one console line (PRINTK_LINE_MAX, 256). */
#define GCOV_PATH_MAX 200

const char *
gcov_info_problem(const struct gcov_info *info)
{
    unsigned int k, f;

    if ( (info->version & GCOV_VERSION_MAJOR) != GCOV_VERSION_GCC12 )
        return "not made by gcc 12 (version word differs)";
    if ( !info->filename || !info->filename[0] )
        return "no .gcda file name";
    if ( strnlen(info->filename, GCOV_PATH_MAX + 1) > GCOV_PATH_MAX )
        return "a .gcda file name longer than 200 characters";
    if ( !info->merge[GCOV_COUNTER_ARCS] )
        return "no arc counters";
    for ( k = 0; k < GCOV_COUNTERS; k++ )
        if ( k != GCOV_COUNTER_ARCS && info->merge[k] )
            return "value-profiling counters (build with --coverage only)";
    if ( info->n_functions && !info->functions )
        return "functions but no function table";
    for ( f = 0; f < info->n_functions; f++ )
    {
        const struct gcov_fn_info *fn = info->functions[f];

        if ( !fn || fn->key != info )
            continue;
        if ( fn->ctrs[0].num && !fn->ctrs[0].values )
            return "a function with counters but no counter array";
        if ( fn->ctrs[0].num > GCOV_FN_COUNTERS_MAX )
            return "a function with more than 256 arcs (GCOV_FN_COUNTERS_MAX)";
    }
    return NULL;
}

static void
put_word(gcov_sink_fn sink, void *ctx, size_t *total, uint32_t w)
{
    uint8_t b[4] = { w, w >> 8, w >> 16, w >> 24 };

    sink(ctx, b, sizeof(b));
    *total += sizeof(b);
}

size_t
gcov_gcda_write(const struct gcov_info *info, gcov_sink_fn sink, void *ctx)
{
    gcov_type snap[GCOV_FN_COUNTERS_MAX];
    size_t total = 0;
    uint32_t f, i;

    put_word(sink, ctx, &total, GCOV_DATA_MAGIC);
    put_word(sink, ctx, &total, info->version);
    put_word(sink, ctx, &total, info->stamp);
    put_word(sink, ctx, &total, info->checksum);
    for ( f = 0; f < info->n_functions; f++ )
    {
        const struct gcov_fn_info *fn = info->functions[f];
        const struct gcov_ctr_info *arcs;
        uint32_t n;
        bool zero = true;

        put_word(sink, ctx, &total, GCOV_TAG_FUNCTION);
        /* A COMDAT function another object's copy was kept for: a record
         * of length 0 holds its place. */
        if ( !fn || fn->key != info )
        {
            put_word(sink, ctx, &total, 0);
            continue;
        }
        put_word(sink, ctx, &total, GCOV_TAG_FUNCTION_LENGTH);
        put_word(sink, ctx, &total, fn->ident);
        put_word(sink, ctx, &total, fn->lineno_checksum);
        put_word(sink, ctx, &total, fn->cfg_checksum);

        /* Copy the function's counters before writing any: the sink
         * prints, and printing runs (and counts) code whose counters may
         * be the ones being written. gcov needs each function's counts to
         * be consistent with each other. Other CPUs may still be counting:
         * the profile is a snapshot of a running kernel. */
        arcs = &fn->ctrs[0];
        n = arcs->num;
        for ( i = 0; i < n; i++ )
        {
            snap[i] = __atomic_load_n(&arcs->values[i], __ATOMIC_RELAXED);
            if ( snap[i] )
                zero = false;
        }
        put_word(sink, ctx, &total, GCOV_TAG_FOR_COUNTER(GCOV_COUNTER_ARCS));
        if ( zero )
        {
            /* gcc 12: an all-zero array is its negated length, no values. */
            put_word(sink, ctx, &total, -(n * 8u));
            continue;
        }
        put_word(sink, ctx, &total, n * 8u);
        for ( i = 0; i < n; i++ )
        {
            /* Low word first. */
            put_word(sink, ctx, &total, (uint64_t)snap[i]);
            put_word(sink, ctx, &total, (uint64_t)snap[i] >> 32);
        }
    }
    put_word(sink, ctx, &total, 0);
    return total;
}

/* --- console framing -------------------------------------------------- */

static const char hex[] = "0123456789abcdef";

static void
flush_line(struct gcov_frame *f)
{
    /* "gcov-data F OFFSET " + worst case 2 chars a byte + " CRC\n" */
    char text[32 + 2 * GCOV_LINE_BYTES + 16];
    size_t i = 0, p;
    int n;

    if ( !f->len )
        return;
    n = snprintf(text, sizeof(text), "gcov-data %u %u ", f->file,
                 (unsigned int)f->offset);
    p = (size_t)n;
    while ( i < f->len )
    {
        size_t run = 0;

        while ( i + run < f->len && f->buf[i + run] == 0 && run < 21 )
            run++;
        if ( run >= 2 )
        {
            text[p++] = 'g' + (run - 2);
            i += run;
            continue;
        }
        text[p++] = hex[f->buf[i] >> 4];
        text[p++] = hex[f->buf[i] & 15];
        i++;
    }
    snprintf(text + p, sizeof(text) - p, " %08x\n",
             (unsigned int)crc32_update(0, f->buf, f->len));
    f->line(f->ctx, text);
    f->offset += f->len;
    f->len = 0;
}

void
gcov_frame_begin(struct gcov_frame *f, unsigned int file, const char *path,
                 void (*line)(void *ctx, const char *text), void *ctx)
{
    char text[GCOV_PATH_MAX + 32];

    f->line = line;
    f->ctx = ctx;
    f->file = file;
    f->offset = 0;
    f->crc = 0;
    f->len = 0;
    snprintf(text, sizeof(text), "gcov-file %u %s\n", file, path);
    line(ctx, text);
}

void
gcov_frame_put(void *frame, const void *bytes, size_t n)
{
    struct gcov_frame *f = frame;
    const uint8_t *b = bytes;

    f->crc = crc32_update(f->crc, b, n);
    while ( n )
    {
        size_t take = MIN(n, GCOV_LINE_BYTES - f->len);

        memcpy(f->buf + f->len, b, take);
        f->len += take;
        b += take;
        n -= take;
        if ( f->len == GCOV_LINE_BYTES )
            flush_line(f);
    }
}

void
gcov_frame_end(struct gcov_frame *f)
{
    char text[64];

    flush_line(f);
    snprintf(text, sizeof(text), "gcov-done %u %u %08x\n", f->file,
             (unsigned int)f->offset, (unsigned int)f->crc);
    f->line(f->ctx, text);
}
