/* SPDX-License-Identifier: MIT */
/*
 * pvclock_math.c - the portable half of the PV clock (kernel/xen/time/pvclock.h):
 * the version seqlock read of a vcpu_time_info record, TSC-to-nanosecond
 * scaling, the monotonic clamp, the wall-clock base, and converting wall
 * time to calendar fields. No hypercalls and no instructions: the Xen
 * glue is kernel/xen/time/pvclock.c. Unit-tested in tests/host/test_pvclock.c.
 */
#include "kernel/xen/time/pvclock.h"

/*
 * Order the loads of a seqlock read: the first version load before the
 * field loads, and the field loads before the second version load. An
 * acquire fence keeps earlier loads before later ones; on x86 (TSO) it
 * only stops the compiler, which is all that is needed there.
 */
#define seq_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)

void
pvclock_snapshot(const volatile struct vcpu_time_info *ti,
                 uint64_t (*read_tsc)(void), struct pvclock_snapshot *s)
{
    uint32_t again;

    do
    {
        s->version = ti->version;
        seq_rmb(); /* version before the fields */
        s->tsc_timestamp = ti->tsc_timestamp;
        s->system_time = ti->system_time;
        s->mul = ti->tsc_to_system_mul;
        s->shift = ti->tsc_shift;
        s->flags = ti->flags;
        /* The TSC belongs to this attempt: if Xen rewrites the record
         * after this read, the version check below sends us round. */
        s->tsc = read_tsc();
        seq_rmb(); /* fields (and TSC) before the re-read */
        again = ti->version;
        /* Odd: Xen was half-way through an update when we started.
         * Changed: it updated the record while we copied it. */
    } while ( (s->version & 1) || s->version != again );
}

uint64_t
pvclock_scale_delta(uint64_t delta, uint32_t mul, int8_t shift)
{
    uint64_t hi, lo;

    /* Xen picks the shift so that the shifted delta times mul keeps the
     * most precision: shift first, multiply second. */
    if ( shift < 0 )
        delta = shift > -64 ? delta >> -shift : 0;
    else
        delta = shift < 64 ? delta << shift : 0;

    /*
     * (delta * mul) >> 32 without a 128-bit type. Split delta into its
     * 32-bit halves: delta * mul = hi * mul * 2^32 + lo * mul. The first
     * term shifted right by 32 is exactly hi * mul (at most 64 bits as
     * both factors are 32-bit); the second contributes its top 32 bits.
     * No bits that survive the shift are lost, so the sum is exact.
     */
    hi = delta >> 32;
    lo = delta & 0xffffffffu;
    return hi * mul + ((lo * mul) >> 32);
}

uint64_t
pvclock_snapshot_ns(const struct pvclock_snapshot *s)
{
    uint64_t delta = s->tsc - s->tsc_timestamp;

    /* A wrapped (negative) delta means the record is newer than our TSC
     * read: treat it as "no time since the record", not as ~584 years. */
    if ( (int64_t)delta < 0 )
        delta = 0;
    return s->system_time + pvclock_scale_delta(delta, s->mul, s->shift);
}

uint64_t
pvclock_clamp(uint64_t *last, uint64_t now)
{
    uint64_t seen = __atomic_load_n(last, __ATOMIC_RELAXED);

    /*
     * Relaxed ordering is enough: the clamp protects one memory location,
     * and the coherence order of a single location already guarantees
     * that a read which happens after another CPU's update sees it (or a
     * later value). On failure the CAS reloads `seen` for the next try.
     */
    do
    {
        if ( now <= seen )
            return seen;
    } while ( !__atomic_compare_exchange_n(
        last, &seen, now, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED) );
    return now;
}

int64_t
pvclock_resume_offset(const struct pvclock_resume *r, uint64_t *downtime)
{
    uint64_t gap = 0;

    /* A wall clock that went backwards (a host set back, or a new host
     * behind the old one) says nothing: count no time then. */
    if ( r->wall_after_ns > r->wall_before_ns )
        gap = r->wall_after_ns - r->wall_before_ns;
    *downtime = gap;
    /* Two's complement: the offset is negative when the new host has been
     * up longer than our monotonic clock says. */
    return (int64_t)(r->mono_before + gap - r->raw_after);
}

bool
pvclock_scale_valid(uint32_t mul, int8_t shift)
{
    return mul != 0 && shift >= -32 && shift <= 32;
}

uint64_t
pvclock_tsc_hz(uint32_t mul, int8_t shift)
{
    /* ns = ((ticks << shift) * mul) >> 32, so one second (10^9 ns) is
     * ticks = ((10^9 << 32) / mul) >> shift. 10^9 << 32 < 2^62: no
     * overflow before the division. */
    uint64_t hz;

    if ( !pvclock_scale_valid(mul, shift) )
        return 0;
    hz = (NSEC_PER_SEC << 32) / mul;
    if ( shift >= 0 )
        return hz >> shift;
    /* A negative shift means ticks are halved before scaling: there are
     * 2^-shift times as many of them. Saturate rather than overflow. */
    if ( hz > (UINT64_MAX >> -shift) )
        return UINT64_MAX;
    return hz << -shift;
}

void
pvclock_read_wallclock(const volatile struct shared_info *si,
                       struct wall_time *base)
{
    uint32_t version, again, sec_lo, sec_hi, nsec;

    /* The same seqlock protocol as vcpu_time_info, on wc_version. */
    do
    {
        version = si->wc_version;
        seq_rmb(); /* wc_version before the fields */
        sec_lo = si->wc_sec;
        sec_hi = si->xen_wc_sec_hi;
        nsec = si->wc_nsec;
        seq_rmb(); /* fields before the re-read */
        again = si->wc_version;
    } while ( (version & 1) || version != again );

    base->sec = ((uint64_t)sec_hi << 32 | sec_lo) + nsec / NSEC_PER_SEC;
    base->nsec = nsec % NSEC_PER_SEC;
}

void
pvclock_wall_add(const struct wall_time *base, uint64_t system_ns,
                 struct wall_time *out)
{
    uint64_t nsec = base->nsec + system_ns % NSEC_PER_SEC;

    out->sec = base->sec + system_ns / NSEC_PER_SEC + nsec / NSEC_PER_SEC;
    out->nsec = nsec % NSEC_PER_SEC;
}

static bool
is_leap(uint64_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

void
wall_to_civil(uint64_t sec, struct civil_time *out)
{
    static const uint8_t month_days[12] = { 31, 28, 31, 30, 31, 30,
                                            31, 31, 30, 31, 30, 31 };
    /* Every 400 consecutive Gregorian years hold 97 leap days. */
    const uint64_t days_per_400y = 400 * 365 + 97;
    uint64_t days = sec / 86400, rem = sec % 86400;
    uint64_t year = 1970 + 400 * (days / days_per_400y);
    unsigned int month;

    out->hour = rem / 3600;
    out->min = rem / 60 % 60;
    out->sec = rem % 60;

    /* At most 400 steps left after taking whole 400-year cycles. */
    days %= days_per_400y;
    while ( days >= (is_leap(year) ? 366u : 365u) )
    {
        days -= is_leap(year) ? 366 : 365;
        year++;
    }
    for ( month = 0; month < 11; month++ )
    {
        unsigned int len = month_days[month] + (month == 1 && is_leap(year));

        if ( days < len )
            break;
        days -= len;
    }
    out->year = year;
    out->month = month + 1;
    out->day = days + 1;
}
