/* SPDX-License-Identifier: MIT */
/*
 * pic.c - silence the legacy 8259 interrupt controllers. Firmware leaves
 * them delivering the PIT's IRQ 0 on vector 8, which the CPU cannot tell
 * from a double fault. Xenling takes no legacy interrupts, so it moves
 * them to vectors 0x20-0x2f (out of the exception range, in case one is
 * already latched) and masks every line. PVH guests have no 8259, and Xen
 * keeps dom0 away from its ports, so this is for plain QEMU and GRUB boots.
 */
#include <kernel.h>
#include <hypervisor.h>
#include <arch/x86.h>

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1
#define ICW1_INIT 0x11 /* edge triggered, cascade, ICW4 follows */
#define ICW4_8086 0x01

void
pic_disable(void)
{
    if ( xen.present )
        return;
    /* The initialization sequence: ICW1, then vector base, cascade wiring
     * and mode on the data port, in this order, for each controller. */
    outb(PIC1_CMD, ICW1_INIT);
    outb(PIC2_CMD, ICW1_INIT);
    outb(PIC1_DATA, 0x20);   /* IRQ 0-7 -> vectors 0x20-0x27 */
    outb(PIC2_DATA, 0x28);   /* IRQ 8-15 -> vectors 0x28-0x2f */
    outb(PIC1_DATA, 1 << 2); /* the slave hangs off IRQ 2 */
    outb(PIC2_DATA, 2);      /* ... and knows it is number 2 */
    outb(PIC1_DATA, ICW4_8086);
    outb(PIC2_DATA, ICW4_8086);
    outb(PIC1_DATA, 0xff); /* mask every line */
    outb(PIC2_DATA, 0xff);
}
