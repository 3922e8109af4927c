/* SPDX-License-Identifier: MIT */
/*
 * pvclock.c - libFuzzer harness for the PV clock arithmetic
 * (kernel/xen/time/pvclock_math.c) over any vcpu_time_info record and
 * shared_info wall clock Xen could write: scale factors Xen never
 * produces, TSC timestamps ahead of the TSC, nanoseconds of a second or
 * more. Versions are made even (an odd one means "Xen is writing": the
 * readers wait, by contract). Checked: the scaling equals a 128-bit
 * oracle, a snapshot copies the record, the clamp never goes back, and
 * wall times stay normalized.
 */
#include <clock.h>
#include "kernel/xen/time/pvclock.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t fuzz_tsc;

static uint64_t
read_tsc(void)
{
    return fuzz_tsc;
}

static uint64_t
oracle_scale(uint64_t delta, uint32_t mul, int8_t shift)
{
    if ( shift < 0 )
        delta = shift > -64 ? delta >> -shift : 0;
    else
        delta = shift < 64 ? delta << shift : 0;
    return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    static struct vcpu_time_info ti;
    static struct shared_info si;
    struct pvclock_snapshot s;
    struct wall_time base, out;
    uint64_t last, now, ns, delta;

    ti.version = (uint32_t)fuzz_take(&in, 4) & ~1u;
    ti.tsc_timestamp = fuzz_take(&in, 8);
    ti.system_time = fuzz_take(&in, 8);
    ti.tsc_to_system_mul = (uint32_t)fuzz_take(&in, 4);
    ti.tsc_shift = (int8_t)fuzz_take(&in, 1);
    ti.flags = (uint8_t)fuzz_take(&in, 1);
    fuzz_tsc = fuzz_take(&in, 8);

    pvclock_snapshot(&ti, read_tsc, &s);
    FUZZ_CHECK(s.version == ti.version && s.tsc == fuzz_tsc &&
                   s.tsc_timestamp == ti.tsc_timestamp &&
                   s.system_time == ti.system_time &&
                   s.mul == ti.tsc_to_system_mul && s.shift == ti.tsc_shift,
               "snapshot differs from the record");
    /* Modular, as TSC values are: a delta of 2^63 or more is "before". */
    delta = s.tsc - s.tsc_timestamp;
    if ( delta >> 63 )
        delta = 0;
    FUZZ_CHECK(pvclock_scale_delta(delta, s.mul, s.shift) ==
                   oracle_scale(delta, s.mul, s.shift),
               "scale of %llu by %u, %d is wrong", (unsigned long long)delta,
               s.mul, s.shift);
    ns = pvclock_snapshot_ns(&s);
    FUZZ_CHECK(ns == s.system_time + oracle_scale(delta, s.mul, s.shift),
               "snapshot_ns wrong");
    if ( !pvclock_scale_valid(s.mul, s.shift) )
        FUZZ_CHECK(pvclock_tsc_hz(s.mul, s.shift) == 0,
                   "tsc_hz of invalid scale factors not 0");
    else
        pvclock_tsc_hz(s.mul, s.shift);

    last = fuzz_take(&in, 8);
    now = pvclock_clamp(&last, ns);
    FUZZ_CHECK(now == last && now >= ns, "clamp went back");

    si.wc_version = (uint32_t)fuzz_take(&in, 4) & ~1u;
    si.wc_sec = (uint32_t)fuzz_take(&in, 4);
    si.wc_nsec = (uint32_t)fuzz_take(&in, 4);
    si.xen_wc_sec_hi = (uint32_t)fuzz_take(&in, 4);
    pvclock_read_wallclock(&si, &base);
    FUZZ_CHECK(base.nsec < NSEC_PER_SEC, "wall clock base nsec %u", base.nsec);
    pvclock_wall_add(&base, fuzz_take(&in, 8), &out);
    FUZZ_CHECK(out.nsec < NSEC_PER_SEC, "wall time nsec %u", out.nsec);
    return 0;
}
