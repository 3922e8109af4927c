/* SPDX-License-Identifier: MIT */
/*
 * lib.h - what portable code may use: fixed-width types, string helpers,
 * printk and a few macros. Portable code (kernel/lib/) includes only this
 * and compiles both into the kernel and into host unit tests
 * (XENLING_HOST defined), where libc supplies the string functions.
 */
#ifndef XENLING_LIB_H
#define XENLING_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef XENLING_HOST
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
#endif

#define ARRAY_SIZE(a)      (sizeof(a) / sizeof((a)[0]))
#define BUILD_BUG_ON(cond) _Static_assert(!(cond), #cond)
#define MIN(a, b)          ((a) < (b) ? (a) : (b))
#define MAX(a, b)          ((a) > (b) ? (a) : (b))
#define ALIGN_UP(x, a)     (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a)   ((x) & ~((__typeof__(x))(a)-1))
#define container_of(p, type, member) \
    ((type *)((char *)(p)-offsetof(type, member)))
#define likely(x)      __builtin_expect(!!(x), 1)
#define unlikely(x)    __builtin_expect(!!(x), 0)
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __noreturn     __attribute__((noreturn))

#ifdef XENLING_HOST
/*
 * On the host, libc has its own snprintf: ours builds under a private
 * name, and host tests reach libc's through tests/host/libc_oracle.c.
 */
#define vsnprintf xl_vsnprintf
#define snprintf  xl_snprintf
#endif

/*
 * Format into buf (always NUL-terminated when size > 0). Returns the length
 * the full output would have had, like C99 vsnprintf. Supports %d %i %u %x
 * %X %o %p %s %c %% with the flags '-' '0' '#' '+' ' ', width and
 * precision (both also as '*'), and the length modifiers hh h l ll z t, as
 * C does (tests/host/test_format.c compares with the C library). Unknown
 * conversions print literally.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/*
 * Print to every console. Lines never interleave with other CPUs' lines:
 * see kernel/printk.c. Safe from any context, including exceptions.
 */
void printk(const char *fmt, ...) __printf(1, 2);
void vprintk(const char *fmt, va_list ap);

#endif
