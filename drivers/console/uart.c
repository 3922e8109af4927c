/* SPDX-License-Identifier: MIT */
/*
 * uart.c - a 16550 UART at COM1 (I/O port 0x3f8), polled, 115200 8n1.
 * Used on plain QEMU; under Xen the serial port belongs to Xen.
 */
#include <console.h>
#include <arch/x86.h>

#define COM1     0x3f8
#define REG_DATA 0 /* DLAB=0: data; DLAB=1: divisor low */
#define REG_IER  1 /* DLAB=0: irq enable; DLAB=1: divisor hi */
#define REG_FCR  2
#define REG_LCR  3
#define REG_MCR  4
#define REG_LSR  5
#define REG_SCR  7
#define LSR_THRE 0x20 /* transmit holding register empty */

static void
uart_putc(char c)
{
    unsigned int spins = 100000;

    while ( !(inb(COM1 + REG_LSR) & LSR_THRE) && --spins )
        cpu_relax();
    outb(COM1 + REG_DATA, c);
}

static void
uart_write(struct console *c, const char *s, size_t n)
{
    (void)c;
    while ( n-- )
    {
        if ( *s == '\n' )
            uart_putc('\r');
        uart_putc(*s++);
    }
}

static struct console uart = { .name = "uart", .write = uart_write };

bool
uart_console_init(void)
{
    /* A 16550 has a scratch register that keeps what we write; nothing
     * at all on the port reads back 0xff. */
    outb(COM1 + REG_SCR, 0x5a);
    if ( inb(COM1 + REG_SCR) != 0x5a )
        return false;
    outb(COM1 + REG_IER, 0x00); /* polled: no interrupts */
    outb(COM1 + REG_LCR, 0x80); /* DLAB on to set the divisor */
    outb(COM1 + REG_DATA, 1);   /* 115200 baud */
    outb(COM1 + REG_IER, 0);
    outb(COM1 + REG_LCR, 0x03); /* 8 bits, no parity, 1 stop, DLAB off */
    outb(COM1 + REG_FCR, 0xc7); /* FIFOs on and cleared */
    outb(COM1 + REG_MCR, 0x03); /* DTR, RTS */
    console_register(&uart);
    return true;
}
