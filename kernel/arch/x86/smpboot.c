/* SPDX-License-Identifier: MIT */
/*
 * smpboot.c - start the application vCPUs. Xen starts a PVH vCPU directly
 * in 64-bit mode with the registers we give in a vcpu_hvm_context: our
 * page tables (CR3), long mode (EFER), a stack, and RIP at ap_entry().
 * It arrives with null selectors and an empty GDTR, so the first thing
 * ap_entry does is load this CPU's own GDT and reload its segments
 * (percpu_init), before anything can take an interrupt. For a suspend,
 * every other vCPU parks here in a thread of its own with interrupts
 * off, and on release rebuilds its own per-vCPU state (ap_resume).
 */
#include <kernel.h>
#include <evtchn.h>
#include <fault.h>
#include <hypervisor.h>
#include <ipi.h>
#include <mm.h>
#include <percpu.h>
#include <sched.h>
#include <shared_info.h>
#include <smp.h>
#include <timeline.h>
#include <timer.h>
#include <traps.h>
#include <watchdog.h>
#include <xen_errno.h>
#include <arch/x86.h>
#include <xen/hvm/hvm_vcpu.h>

#define AP_STACK_PAGES SMP_AP_STACK_PAGES

unsigned int nr_cpus = 1;

/* Bit per CPU, set by the CPU itself when it is up; read by anyone. */
static volatile uint64_t online_mask = 1;
BUILD_BUG_ON(MAX_CPUS > 64);

bool
cpu_online(unsigned int cpu)
{
    return cpu < MAX_CPUS && (online_mask >> cpu) & 1;
}

unsigned int
cpus_online(void)
{
    return __builtin_popcountll(online_mask);
}

/* First C code on an AP: no valid GDT yet, interrupts off, our stack. */
static void __noreturn
ap_entry(unsigned int id)
{
    percpu_init(id);  /* GDT, segments, TSS, GS base */
    traps_init_cpu(); /* the shared IDT */
    if ( evtchn_available() && evtchn_init_cpu(id) == 0 &&
         timer_init_cpu() == 0 ) /* its VIRQ_TIMER and timer queue */
        watchdog_init_cpu();     /* the backstop of its waits */
    timeline_mark("cpu-up", ""); /* for the boot's picture */
    /* Publish "online" after this CPU's set-up is complete. */
    __atomic_fetch_or(&online_mask, 1ull << id, __ATOMIC_RELEASE);
    /* This context becomes the CPU's idle thread: it runs threads when
     * there are any, else halts with interrupts on (Xen takes a vCPU that
     * halts with interrupts off as powered down). */
    sched_idle_loop();
}

/* VCPUOP_initialise and VCPUOP_up, or a test's stand-in for them. */
static long
vcpu_op(int cmd, unsigned int id, void *arg)
{
    if ( fault_vcpu_op )
        return fault_vcpu_op(cmd, id, arg);
    return hypercall_vcpu_op(cmd, id, arg);
}

int
smp_start_cpu(unsigned int id)
{
    static vcpu_hvm_context_t ctx; /* Xen copies it at initialise */
    /* The stack, above an unmapped guard page (paging_guard_page). */
    char *guard = page_alloc_n(AP_STACK_PAGES + 1);
    uint64_t *top;
    long rc;

    if ( !guard )
        return -1;
    paging_guard_page(guard);
    top = (uint64_t *)(guard + (AP_STACK_PAGES + 1) * PAGE_SIZE);
    /* A zero return address ends backtraces; RSP + 8 is 16-byte aligned
     * at function entry, as the ABI expects after a call. */
    *--top = 0;

    memset(&ctx, 0, sizeof(ctx));
    ctx.mode = VCPU_HVM_MODE_64B;
    ctx.cpu_regs.x86_64.rip = (uint64_t)(uintptr_t)ap_entry;
    ctx.cpu_regs.x86_64.rsp = (uint64_t)(uintptr_t)top;
    ctx.cpu_regs.x86_64.rdi = id;     /* ap_entry's argument */
    ctx.cpu_regs.x86_64.rflags = 0x2; /* reserved bit 1; IF off */
    ctx.cpu_regs.x86_64.cr0 = read_cr0();
    ctx.cpu_regs.x86_64.cr3 = read_cr3();
    ctx.cpu_regs.x86_64.cr4 = read_cr4();
    ctx.cpu_regs.x86_64.efer = rdmsr(MSR_EFER);

    /*
     * Place its vcpu_info first, while the vCPU is down (the only time Xen
     * lets another vCPU do it): every vCPU gets its own, and past vCPU 31
     * there is no slot in shared_info, and Xen refuses VCPUOP_initialise
     * (-EINVAL) for a vCPU whose vcpu_info is still its internal dummy.
     */
    if ( shared_info && !fault_vcpu_op ) /* not for a test's stand-in */
        vcpu_info_register(id);
    rc = vcpu_op(VCPUOP_initialise, id, &ctx);
    if ( rc != 0 )
    {
        printk("smp: vCPU %u: VCPUOP_initialise refused: %ld (%s)\n", id, rc,
               xen_errno_name(rc));
        paging_unguard_page(guard);
        page_free_n(guard, AP_STACK_PAGES + 1);
        return -1;
    }
    rc = vcpu_op(VCPUOP_up, id, NULL);
    if ( rc != 0 )
    {
        /* Xen keeps the context it took, RSP pointing into the stack,
         * and anyone may still VCPUOP_up the vCPU: the stack stays. */
        printk(
            "smp: vCPU %u: VCPUOP_up refused: %ld (%s); its stack stays allocated, as Xen holds a context on it\n",
            id, rc, xen_errno_name(rc));
        return -1;
    }
    return 0;
}

unsigned int
smp_init(void)
{
    unsigned int id;

    if ( !xen.hypercalls )
    {
        printk("smp: not on Xen: 1 CPU\n");
        return 1;
    }
    /* VCPUOP_is_up answers 0 or 1 for every vCPU the domain has and an
     * error past the last one. */
    for ( nr_cpus = 1; nr_cpus < MAX_CPUS; nr_cpus++ )
        if ( hypercall_vcpu_op(VCPUOP_is_up, nr_cpus, NULL) < 0 )
            break;

    for ( id = 1; id < nr_cpus; id++ )
    {
        unsigned long spins = 0;

        if ( smp_start_cpu(id) != 0 )
            continue;
        /* Acquire: this CPU's set-up is visible once we see its bit. */
        while (
            !(__atomic_load_n(&online_mask, __ATOMIC_ACQUIRE) & (1ull << id)) )
        {
            if ( ++spins == 2000000000ul )
            {
                printk("smp: vCPU %u started but never reported in\n", id);
                break;
            }
            cpu_relax();
        }
    }
    printk("smp: %u of %u vCPUs online\n", cpus_online(), nr_cpus);
    return cpus_online();
}

/*
 * Parking for a suspend. Bit per CPU: set by the CPU once it spins with
 * interrupts off, cleared by it once it has resumed. park_release is
 * 0 while they must stay, then 1 (resume in place) or 2 (rebuild: a new
 * domain). Written by the boot CPU, read by the parked ones (atomics).
 */
static uint64_t parked_mask;
static unsigned int park_release;
static struct thread *park_threads[MAX_CPUS];

/* On an AP released into a new domain: its own vcpu_info, upcall vector
 * and timer again, in the order ap_entry set them up (Xen lets only the
 * vCPU itself register its vcpu_info while it runs). */
static void
ap_resume(unsigned int id)
{
    vcpu_info_register(id);
    if ( evtchn_init_cpu(id) == 0 )
        timer_resume_cpu();
}

static void
park_thread(void *arg)
{
    unsigned int id = smp_processor_id();
    unsigned long flags = irq_save();
    unsigned int how;

    /* Release: pairs with the boot CPU's acquire in smp_park_others. */
    __atomic_fetch_or(&parked_mask, 1ull << id, __ATOMIC_RELEASE);
    /* Spin, not halt: Xen takes a vCPU halted with interrupts off as
     * down, and it would stay down in the new domain. The domain is
     * paused while it is saved, so this costs only the moments before
     * and after. */
    while ( (how = __atomic_load_n(&park_release, __ATOMIC_ACQUIRE)) == 0 )
        cpu_relax();
    if ( how == 2 )
        ap_resume(id);
    __atomic_fetch_and(&parked_mask, ~(1ull << id), __ATOMIC_RELEASE);
    irq_restore(flags);
}

int
smp_park_others(void)
{
    uint64_t want = 0;
    unsigned int id;

    __atomic_store_n(&park_release, 0, __ATOMIC_RELAXED);
    for ( id = 0; id < nr_cpus; id++ )
    {
        if ( id == smp_processor_id() || !cpu_online(id) )
            continue;
        park_threads[id] = thread_create("park", park_thread, NULL, id);
        if ( !park_threads[id] )
        {
            smp_resume(false);
            smp_join_parked();
            return -XEN_ENOMEM;
        }
        want |= 1ull << id;
    }
    /* Interrupts stay on here meanwhile: a CPU on its way to its park
     * thread may wait for a call to this one. Acquire: pairs with the
     * parked CPU's release. */
    while ( (__atomic_load_n(&parked_mask, __ATOMIC_ACQUIRE) & want) != want )
        thread_yield();
    return 0;
}

void
smp_resume(bool rebuild)
{
    /* Release: whatever the boot CPU rebuilt is visible to each AP once
     * it sees park_release. */
    __atomic_store_n(&park_release, rebuild ? 2 : 1, __ATOMIC_RELEASE);
    while ( __atomic_load_n(&parked_mask, __ATOMIC_ACQUIRE) )
        cpu_relax();
}

void
smp_join_parked(void)
{
    unsigned int id;

    for ( id = 0; id < MAX_CPUS; id++ )
        if ( park_threads[id] )
        {
            thread_join(park_threads[id]);
            park_threads[id] = NULL;
        }
}
