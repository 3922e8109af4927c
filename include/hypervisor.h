/* SPDX-License-Identifier: MIT */
/*
 * hypervisor.h - finding Xen at run time and calling it. Hypercalls go
 * through the hypercall page Xen fills in (kernel/xen/hypervisor/hypervisor.c);
 * the typed wrappers below take the structures from Xen's public headers
 * (Debian's libxen-dev, /usr/include/xen).
 */
#ifndef XENLING_HYPERVISOR_H
#define XENLING_HYPERVISOR_H

#include <lib.h>
#include <xen/xen.h>
#include <xen/version.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/event_channel.h>
#include <xen/vcpu.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/arch-x86/cpuid.h>

struct xen_info {
    bool present;        /* Xen's CPUID leaves were found */
    bool hypercalls;     /* the hypercall page is installed */
    bool initial_domain; /* we are dom0 (SIF_INITDOMAIN) */
    uint32_t cpuid_base; /* 0x40000000 + n * 0x100 */
    uint16_t major, minor;
    uint32_t hvm_features; /* CPUID base+4 EAX: XEN_HVM_CPUID_* */
    uint32_t features;     /* XENVER_get_features submap 0 */
};

extern struct xen_info xen;
extern char hypercall_page[4096];

/*
 * Look for Xen's CPUID signature and, if found, install the hypercall page
 * and read the version. Safe without Xen (xen.present stays false).
 */
void xen_detect(void);

/*
 * Record whether we are dom0: from the start info's SIF_INITDOMAIN when
 * the start info was valid, else by probing CONSOLEIO_write.
 */
void xen_set_domain_flags(bool start_info_valid, uint32_t sif_flags);

/*
 * Read the HVM params that name pages Xen or the toolstack write (the PV
 * console and xenstore rings) and note each with page_foreign_add(), so
 * the page allocator never hands them out. Boot CPU, after xen_detect,
 * before page_alloc_init. Nothing without Xen.
 */
void xen_note_foreign_frames(void);

/* Print what was found (version, features) on the console. */
void xen_report(void);

static inline long
hypercall5(unsigned int nr, unsigned long a1, unsigned long a2,
           unsigned long a3, unsigned long a4, unsigned long a5)
{
    register unsigned long r10 asm("r10") = a4;
    register unsigned long r8 asm("r8") = a5;
    long ret;

    /* 64-bit hypercall ABI: rdi rsi rdx r10 r8, result in rax; Xen may
     * clobber the argument registers and rcx/r11. "memory": Xen reads and
     * writes our buffers. */
    asm volatile("call *%[fn]"
                 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                 : [fn] "r"(hypercall_page + nr * 32)
                 : "memory", "rcx", "r11");
    return ret;
}

#define hypercall1(nr, a) hypercall5(nr, (unsigned long)(a), 0, 0, 0, 0)
#define hypercall2(nr, a, b) \
    hypercall5(nr, (unsigned long)(a), (unsigned long)(b), 0, 0, 0)
#define hypercall3(nr, a, b, c) \
    hypercall5(nr, (unsigned long)(a), (unsigned long)(b), (unsigned long)(c), \
               0, 0)

static inline long
hypercall_console_write(const char *s, size_t n)
{
    return hypercall3(__HYPERVISOR_console_io, CONSOLEIO_write, n, s);
}

static inline long
hypercall_xen_version(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_xen_version, cmd, arg);
}

static inline long
hypercall_memory_op(unsigned int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_memory_op, cmd, arg);
}

static inline long
hypercall_sched_op(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_sched_op, cmd, arg);
}

static inline long
hypercall_event_channel_op(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_event_channel_op, cmd, arg);
}

static inline long
hypercall_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
    return hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpu, arg);
}

static inline long
hypercall_hvm_op(unsigned long cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_hvm_op, cmd, arg);
}

/* HVM_PARAM get/set for our own domain. Returns 0 or a negative errno. */
long hvm_get_param(unsigned int index, uint64_t *value);
long hvm_set_param(unsigned int index, uint64_t value);

/*
 * The machine's memory map from XENMEM_memory_map: up to `max` e820
 * entries of 20 bytes each into e820, their number in *n. Returns 0, or a
 * negative Xen errno (printed; -XEN_E2BIG if Xen claims more than max).
 * Boot CPU, before the page allocator.
 */
int xen_memory_map(void *e820, unsigned int max, unsigned int *n);

/* SCHEDOP_shutdown with the given SHUTDOWN_* reason. For SHUTDOWN_suspend
 * it returns when the domain runs again: 0 in a new domain (restored or
 * migrated), 1 when the toolstack cancelled (the same domain goes on). */
long xen_shutdown(unsigned int reason);

/*
 * Xen's domain watchdog (SCHEDOP_watchdog): unless the domain ends first
 * (or the watchdog is poked again), Xen shuts it down with
 * SHUTDOWN_watchdog `seconds` from now. id 0 sets up a new watchdog and
 * returns its id (> 0); a watchdog's id pokes it (returns 0). A negative
 * Xen errno on refusal. Any context.
 */
long xen_watchdog(unsigned int id, unsigned int seconds);

/* Take every running vCPU but `self` down (VCPUOP_down); for the last
 * resort of ending the domain. Any context. */
void xen_vcpus_down_but(unsigned int self);

/*
 * After SCHEDOP_shutdown(SHUTDOWN_suspend) returns: have Xen fill the
 * hypercall page again (a new host may want another instruction; in the
 * same domain it rewrites the same bytes). Boot CPU, before any other
 * hypercall, interrupts off.
 */
void xen_resume(void);

#endif
