/* SPDX-License-Identifier: MIT */
/*
 * gcov.c - the kernel's own coverage runtime, for the build in build/cov/
 * (make coverage, docs/ch0-getting-started.md). gcc's --coverage makes
 * every function count its arcs; -fprofile-info-section puts a pointer to
 * each object's records in the gcov_info section (kernel/kernel.ld). At
 * the end of a run gcov_dump() prints every object's gcda stream on the
 * console, framed and checksummed (kernel/lib/gcov_gcda.c), and
 * tools/gcov-collect.py writes the .gcda files back on the host. In the
 * ordinary build the section is empty and gcov_dump() does nothing.
 */
#include <kernel.h>
#include <gcov.h>

extern const struct gcov_info *const __start_gcov_info[];
extern const struct gcov_info *const __stop_gcov_info[];

/*
 * gcc stores the address of the arc counters' merge function in every
 * gcov_info. Only libgcov merging two runs' files calls it; here the host
 * merges runs (lcov), so it is never called.
 */
void __gcov_merge_add(gcov_type *values, uint32_t n);
void
__gcov_merge_add(gcov_type *values, uint32_t n)
{}

static void
print_line(void *ctx, const char *text)
{
    printk("%s", text);
}

void
gcov_dump(void)
{
    static int dumped;
    unsigned int n = __stop_gcov_info - __start_gcov_info, i, written = 0;
    size_t bytes = 0;

    if ( n == 0 || __atomic_exchange_n(&dumped, 1, __ATOMIC_SEQ_CST) )
        return;
    printk("gcov: dump begin, %u objects\n", n);
    for ( i = 0; i < n; i++ )
    {
        const struct gcov_info *info = __start_gcov_info[i];
        const char *why = gcov_info_problem(info);
        struct gcov_frame f;

        if ( why )
        {
            printk("gcov: object %u not written: %s\n", i, why);
            continue;
        }
        gcov_frame_begin(&f, i, info->filename, print_line, NULL);
        bytes += gcov_gcda_write(info, gcov_frame_put, &f);
        gcov_frame_end(&f);
        written++;
    }
    printk("gcov: dump end, %u of %u objects, %zu bytes\n", written, n, bytes);
}
