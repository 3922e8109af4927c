/* SPDX-License-Identifier: MIT */
/*
 * gcov.h - coverage counters of a kernel built with gcc 12's --coverage
 * -fprofile-info-section=gcov_info: the records gcc emits for each object
 * (struct gcov_info, one pointer to each in the gcov_info section), the
 * gcda byte stream the gcov tools read, and the console framing that
 * carries those bytes out of a running kernel. Layouts and tags are gcc's
 * (its gcov-io.h documents the gcda format); tests/host/test_gcov.c checks
 * them against the host's own libgcov. Portable: kernel/lib/gcov_gcda.c;
 * the kernel's runtime is kernel/gcov.c; docs/ch0-getting-started.md
 * shows the report.
 */
#ifndef XENLING_GCOV_H
#define XENLING_GCOV_H

#include <lib.h>

typedef int64_t gcov_type;

/* gcc 12 has eight counter kinds; --coverage uses only the first, the
 * arc (edge) counters. */
#define GCOV_COUNTERS     8
#define GCOV_COUNTER_ARCS 0

/* One counter array of one function. */
struct gcov_ctr_info {
    uint32_t num;      /* number of counters */
    gcov_type *values; /* incremented by the instrumented code */
};

/* One function: one ctrs[] entry per counter kind in use (merge != NULL). */
struct gcov_fn_info {
    const struct gcov_info *key; /* the object that owns it (COMDAT) */
    uint32_t ident;              /* these three identify the function */
    uint32_t lineno_checksum;    /* to gcov against the .gcno file */
    uint32_t cfg_checksum;
    struct gcov_ctr_info ctrs[];
};

typedef void (*gcov_merge_fn)(gcov_type *values, uint32_t n);

/* One object file. Written by gcc, read-only to us. */
struct gcov_info {
    uint32_t version;       /* gcc's gcov version, e.g. "B22*" for 12.2 */
    struct gcov_info *next; /* libgcov's list; unused here */
    uint32_t stamp;         /* compilation stamp, also in the .gcno */
    uint32_t checksum;      /* object checksum (new in gcc 12) */
    const char *filename;   /* where the .gcda belongs, absolute */
    gcov_merge_fn merge[GCOV_COUNTERS]; /* NULL: counter kind unused */
    uint32_t n_functions;
    const struct gcov_fn_info *const *functions;
};

/* The layout the compiler uses (x86-64, gcc 12: see the assembly of any
 * object built with -fprofile-info-section). */
BUILD_BUG_ON(__builtin_offsetof(struct gcov_info, filename) != 24);
BUILD_BUG_ON(__builtin_offsetof(struct gcov_info, n_functions) != 96);
BUILD_BUG_ON(sizeof(struct gcov_info) != 112);
BUILD_BUG_ON(__builtin_offsetof(struct gcov_fn_info, ctrs) != 24);
BUILD_BUG_ON(sizeof(struct gcov_ctr_info) != 16);

/* The gcda stream: little-endian 32-bit words; lengths in bytes. */
#define GCOV_DATA_MAGIC          0x67636461u /* "gcda" */
#define GCOV_TAG_FUNCTION        0x01000000u
#define GCOV_TAG_FUNCTION_LENGTH 12u /* ident and two checksums */
#define GCOV_TAG_COUNTER_BASE    0x01a10000u
#define GCOV_TAG_FOR_COUNTER(k)  (GCOV_TAG_COUNTER_BASE + ((uint32_t)(k) << 17))

/* The most arcs one function may have (the writer copies them to its
 * stack, 8 bytes each; the kernel's largest has 64). */
#define GCOV_FN_COUNTERS_MAX 256

/*
 * Whether we can write a gcda stream for *info: NULL if so, else what is
 * wrong with it (made by another gcc than 12, a counter kind other than
 * arcs, no file name or one too long for a console line, a function
 * with more than GCOV_FN_COUNTERS_MAX arcs). Reads only *info and what
 * it points to.
 */
const char *gcov_info_problem(const struct gcov_info *info);

/* Where a gcda stream goes: called with consecutive pieces of it. */
typedef void (*gcov_sink_fn)(void *ctx, const void *bytes, size_t n);

/*
 * Write the gcda stream of *info (which gcov_info_problem accepted) to
 * sink, the same bytes gcc 12's libgcov writes for one run: header, for
 * each function its record and its arc counters (an all-zero array as a
 * negative length with no values), and a final zero word; no object
 * summary. Each function's counters are copied before any of them is
 * written, so sink may run instrumented code. Returns the number of
 * bytes written. Uses 2 KiB of stack.
 */
size_t gcov_gcda_write(const struct gcov_info *info, gcov_sink_fn sink,
                       void *ctx);

/*
 * The console framing. One object's stream is printed as
 *   gcov-file F PATH
 *   gcov-data F OFFSET PAYLOAD CRC     (at most GCOV_LINE_BYTES bytes each)
 *   gcov-done F SIZE CRC
 * where F numbers the objects of one dump from 0, OFFSET and SIZE are
 * decimal, CRC is the CRC-32 (zlib's) in 8 hex digits, of the line's
 * bytes or of the whole stream. PAYLOAD is lowercase hex, two digits a
 * byte, except that a run of k zero bytes (2 <= k <= 21) is the single
 * letter 'g' + (k - 2). tools/gcov-collect.py reads it back.
 */
#define GCOV_LINE_BYTES 48

struct gcov_frame {
    void (*line)(void *ctx, const char *text); /* one line, with '\n' */
    void *ctx;
    unsigned int file; /* F */
    uint32_t offset;   /* bytes of this stream already framed */
    uint32_t crc;      /* CRC-32 state of the whole stream so far */
    size_t len;        /* bytes waiting in buf */
    uint8_t buf[GCOV_LINE_BYTES];
};

/* Start framing object `file` whose .gcda is `path`: prints gcov-file. */
void gcov_frame_begin(struct gcov_frame *f, unsigned int file, const char *path,
                      void (*line)(void *ctx, const char *text), void *ctx);

/* A gcov_sink_fn: add bytes to the stream, printing each full line. */
void gcov_frame_put(void *frame, const void *bytes, size_t n);

/* Print what is left, then gcov-done. */
void gcov_frame_end(struct gcov_frame *f);

/*
 * The kernel's runtime (kernel/gcov.c): print every object's counters,
 * framed as above, between "gcov: dump begin" and "gcov: dump end"
 * lines. Once per boot (later calls return at once); does nothing in a
 * kernel built without --coverage. Called by machine_exit(), so a run's
 * counters leave with its verdict, also after a panic.
 */
void gcov_dump(void);

#endif
