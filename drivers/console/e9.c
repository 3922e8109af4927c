/* SPDX-License-Identifier: MIT */
/*
 * e9.c - the port 0xE9 console. Works from the first instruction: Xen
 * traps the writes and prints each line as "(dN) ..." on its own console;
 * QEMU prints them only with -debugcon; elsewhere they go nowhere. It is
 * the early console and the console of last resort.
 */
#include <console.h>
#include <arch/x86.h>

static void
e9_write(struct console *c, const char *s, size_t n)
{
    (void)c;
    /* "rep outsb": one instruction for the line (one trap under Xen per
     * byte anyway, but fewer instructions to emulate under TCG). */
    asm volatile("rep outsb" : "+S"(s), "+c"(n) : "d"(0xe9) : "memory");
}

static struct console e9 = { .name = "e9", .write = e9_write };
static bool e9_on;

void
e9_console_init(void)
{
    if ( !e9_on )
        console_register(&e9);
    e9_on = true;
}

void
e9_console_disable(void)
{
    if ( e9_on )
        console_unregister(&e9);
    e9_on = false;
}
