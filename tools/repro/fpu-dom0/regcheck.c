/* SPDX-License-Identifier: MIT */
/*
 * regcheck.c - a dom0 process that checks what the lazy-FPU quirk breaks
 * (tools/repro/fpu-dom0.sh runs it in the tier-2 dom0). Each of its
 * threads loads a pattern into YMM7 (XMM7 without AVX), yields the CPU
 * with sched_yield so that Linux switches tasks (XSAVE/XRSTOR), and
 * compares the register with the pattern; between the yields it checks
 * that %fs:0, glibc's thread pointer, equals the FS base the kernel
 * reports. Usage: regcheck SECONDS THREADS. Exit 0 when every check held,
 * 1 on the first mismatch (printed on stderr), 3 on SIGSEGV or SIGBUS.
 * Built statically on the host; it is a reproducer, not a test of
 * Xenling.
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define PATTERN 0x1122334455667788ull

static volatile int bad;
static __thread uint64_t tvar = PATTERN;

static void
fault(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    uint64_t fsb = 0;

    syscall(SYS_arch_prctl, ARCH_GET_FS, &fsb);
    dprintf(
        2, "regcheck: signal %d at address %p, rip %llx, kernel FS base %llx\n",
        sig, si->si_addr, (unsigned long long)uc->uc_mcontext.gregs[REG_RIP],
        (unsigned long long)fsb);
    _exit(3);
}

/* Load in[] into the vector register, let Linux switch tasks, store it. */
static void
yield_with_pattern(const uint64_t in[4], uint64_t out[4])
{
    if ( __builtin_cpu_supports("avx") )
    {
        /* 24 is __NR_sched_yield; the register must live across it. */
        asm volatile("vmovdqu %1, %%ymm7\n\t"
                     "mov $24, %%eax\n\t"
                     "syscall\n\t"
                     "vmovdqu %%ymm7, %0"
                     : "=m"(*(uint64_t(*)[4])out)
                     : "m"(*(const uint64_t(*)[4])in)
                     : "rax", "rcx", "r11", "xmm7", "memory");
        return;
    }
    asm volatile("movdqu %1, %%xmm7\n\t"
                 "mov $24, %%eax\n\t"
                 "syscall\n\t"
                 "movdqu %%xmm7, %0"
                 : "=m"(*(uint64_t(*)[2])out)
                 : "m"(*(const uint64_t(*)[2])in)
                 : "rax", "rcx", "r11", "xmm7", "memory");
    out[2] = in[2];
    out[3] = in[3];
}

static void *
worker(void *arg)
{
    time_t end = time(NULL) + (long)arg;
    uint64_t fsb = 0, self, n = 0;

    syscall(SYS_arch_prctl, ARCH_GET_FS, &fsb);
    while ( time(NULL) < end && !bad )
    {
        uint64_t in[4], out[4] = { 0 };
        int i;

        for ( i = 0; i < 100000; i++, n++ )
        {
            asm volatile("mov %%fs:0, %0" : "=r"(self));
            if ( self != fsb || tvar != PATTERN )
            {
                dprintf(
                    2,
                    "regcheck: FS mismatch: %%fs:0 is %llx, the kernel's FS base %llx, a TLS variable %llx\n",
                    (unsigned long long)self, (unsigned long long)fsb,
                    (unsigned long long)tvar);
                bad = 1;
                return NULL;
            }
        }
        in[0] = 0xdeadbeefcafef00dull ^ n;
        in[1] = 0x0123456789abcdefull;
        in[2] = fsb;
        in[3] = ~n;
        yield_with_pattern(in, out);
        if ( memcmp(in, out, sizeof(in)) )
        {
            dprintf(
                2,
                "regcheck: vector register changed across a task switch: wrote %llx %llx %llx %llx, read %llx %llx %llx %llx\n",
                (unsigned long long)in[0], (unsigned long long)in[1],
                (unsigned long long)in[2], (unsigned long long)in[3],
                (unsigned long long)out[0], (unsigned long long)out[1],
                (unsigned long long)out[2], (unsigned long long)out[3]);
            bad = 1;
        }
    }
    return NULL;
}

int
main(int argc, char **argv)
{
    struct sigaction sa = { .sa_sigaction = fault, .sa_flags = SA_SIGINFO };
    long secs = argc > 1 ? atol(argv[1]) : 1;
    int nthr = argc > 2 ? atoi(argv[2]) : 2, i;
    pthread_t t[16];

    if ( nthr < 1 || nthr > 16 || secs < 1 )
    {
        fprintf(stderr, "usage: regcheck SECONDS THREADS (1 to 16 threads)\n");
        return 2;
    }
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    for ( i = 0; i < nthr; i++ )
        pthread_create(&t[i], NULL, worker, (void *)secs);
    for ( i = 0; i < nthr; i++ )
        pthread_join(t[i], NULL);
    return bad ? 1 : 0;
}
