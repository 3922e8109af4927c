/* SPDX-License-Identifier: MIT */
/*
 * string.c - the C string and memory functions the kernel needs (gcc may
 * also emit calls to memcpy/memset/memmove/memcmp on its own). Kernel
 * only: host builds use the C library's.
 */
#include <lib.h>

void *
memcpy(void *dst, const void *src, size_t n)
{
    void *d = dst;

    /* "rep movsb" is fast on modern CPUs and obviously correct. */
    asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
    return dst;
}

void *
memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if ( d <= s || d >= s + n )
        return memcpy(dst, src, n);
    while ( n-- ) /* overlap with dst above src: copy down */
        d[n] = s[n];
    return dst;
}

void *
memset(void *dst, int c, size_t n)
{
    void *d = dst;

    asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return dst;
}

int
memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for ( size_t i = 0; i < n; i++ )
        if ( x[i] != y[i] )
            return x[i] - y[i];
    return 0;
}

size_t
strlen(const char *s)
{
    size_t n = 0;

    while ( s[n] )
        n++;
    return n;
}

size_t
strnlen(const char *s, size_t max)
{
    size_t n = 0;

    while ( n < max && s[n] )
        n++;
    return n;
}

int
strcmp(const char *a, const char *b)
{
    while ( *a && *a == *b )
    {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

int
strncmp(const char *a, const char *b, size_t n)
{
    for ( ; n; n--, a++, b++ )
    {
        if ( *a != *b )
            return (unsigned char)*a - (unsigned char)*b;
        if ( !*a )
            break;
    }
    return 0;
}

char *
strchr(const char *s, int c)
{
    for ( ;; s++ )
    {
        if ( *s == (char)c )
            return (char *)s;
        if ( !*s )
            return NULL;
    }
}
