/* SPDX-License-Identifier: MIT */
/*
 * waitline.c - the block benchmark's stopwatch in dom0 (tools/blk/
 * bench-dom0.sh): started just before `xl create`, it watches a guest's
 * console log, without starting a process per look (a fork costs dom0
 * tens of milliseconds under QEMU TCG, and steals time from the guest
 * being measured), until a line holds MARKER, then prints the seconds
 * since it started ("12.345") and exits 0. Exits 1, printing nothing,
 * when LIMIT seconds pass first. Built on the host, statically, by
 * tools/blk/bench.sh.
 *
 * Usage: waitline LOGFILE MARKER LIMIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POLL_NS 10000000L /* 10 ms between looks */

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Whether the file holds marker, read from *off on (the file only grows;
 * a line cut by the end of what was written so far is read again).
 */
static int
file_has(const char *path, const char *marker, long *off)
{
    char line[4096];
    FILE *f = fopen(path, "r");
    int found = 0;

    if ( !f )
        return 0;
    if ( fseek(f, *off, SEEK_SET) == 0 )
        while ( !found && fgets(line, sizeof(line), f) )
        {
            size_t n = strlen(line);

            found = strstr(line, marker) != NULL;
            if ( n && line[n - 1] == '\n' )
                *off = ftell(f);
        }
    fclose(f);
    return found;
}

int
main(int argc, char **argv)
{
    struct timespec poll = { 0, POLL_NS };
    double t0 = now(), limit;
    long off = 0;

    if ( argc != 4 || (limit = atof(argv[3])) <= 0 )
    {
        fprintf(stderr, "usage: waitline LOGFILE MARKER LIMIT\n");
        return 2;
    }
    while ( now() - t0 < limit )
    {
        if ( file_has(argv[1], argv[2], &off) )
        {
            printf("%.3f\n", now() - t0);
            return 0;
        }
        nanosleep(&poll, NULL);
    }
    return 1;
}
