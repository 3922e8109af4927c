/* SPDX-License-Identifier: MIT */
/*
 * test_timer_core.c - host tests of the timer deadline logic
 * (kernel/xen/time/timer_core.c) against a model of Xen's single-shot timer
 * that behaves as the real one may: it fires up to its slop before the
 * deadline, while the guest's clamped PV clock reads behind Xen's; a new
 * deadline silently drops the old one; a fire while VIRQ_TIMER is still
 * pending coalesces into that one event; an event can arrive late, stale
 * (for a deadline since replaced or cancelled from another CPU) or for
 * nothing at all. Checked: no callback runs before its deadline by the
 * guest's clock, each arming fires exactly once, and whenever a timer is
 * queued Xen holds its deadline or a VIRQ is on its way, so none can
 * be stranded.
 */
#include <ktest.h>
#include <timer_core.h>

#define NITEMS 16

struct item {
    struct timerq_node node;
    bool armed; /* by the test, not yet fired or cancelled */
    unsigned int fired;
    uint64_t rearm_by; /* callback re-arms this far ahead (0: no) */
};

struct xen_model {
    uint64_t now;        /* Xen's system time */
    uint64_t slop;       /* Xen fires when deadline <= now + slop */
    uint64_t lag;        /* the guest clock reads this far behind */
    uint64_t guest_last; /* the guest clock never goes back */
    bool armed;          /* Xen holds `deadline` */
    uint64_t deadline;
    bool pending; /* VIRQ_TIMER pending, not yet delivered */
    unsigned long fires, coalesced, dropped;
    struct timer_core core;
    struct item items[NITEMS];
    unsigned long early_runs, unarmed_runs; /* must stay 0 */
};

static uint64_t
lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 16;
}

static uint64_t
guest_now(struct xen_model *x)
{
    uint64_t g = x->now > x->lag ? x->now - x->lag : 0;

    x->guest_last = MAX(x->guest_last, g);
    return x->guest_last;
}

static void
m_program(void *ctx, uint64_t deadline)
{
    struct xen_model *x = ctx;

    if ( x->armed )
        x->dropped++; /* Xen forgets the old deadline: no event for it */
    x->armed = true;
    x->deadline = deadline;
}

static void
m_stop(void *ctx)
{
    struct xen_model *x = ctx;

    x->armed = false;
}

static uint64_t
m_now(void *ctx)
{
    return guest_now(ctx);
}

static void
m_run(void *ctx, struct timerq_node *n)
{
    struct xen_model *x = ctx;
    struct item *it = container_of(n, struct item, node);

    if ( guest_now(x) < n->deadline )
        x->early_runs++;
    if ( !it->armed )
        x->unarmed_runs++;
    it->armed = false;
    it->fired++;
    if ( it->rearm_by )
    {
        /* A periodic timer: re-armed from its own callback. */
        it->armed = true;
        timer_core_arm(&x->core, &it->node, n->deadline + it->rearm_by);
    }
}

static const struct timer_core_ops model_ops = {
    .program = m_program,
    .stop = m_stop,
    .now = m_now,
    .run = m_run,
};

static void
model_init(struct xen_model *x, uint64_t slop, uint64_t lag)
{
    unsigned int i;

    memset(x, 0, sizeof(*x));
    x->slop = slop;
    x->lag = lag;
    timer_core_init(&x->core, &model_ops, x);
    for ( i = 0; i < NITEMS; i++ )
        timerq_node_init(&x->items[i].node);
}

/* Xen's time moves on by dt; its timer fires up to `slop` early. */
static void
xen_advance(struct xen_model *x, uint64_t dt)
{
    x->now += dt;
    if ( x->armed && x->deadline <= x->now + x->slop )
    {
        x->armed = false;
        x->fires++;
        if ( x->pending )
            x->coalesced++;
        x->pending = true;
    }
}

/* The guest takes the pending VIRQ, if any. */
static bool
deliver(struct xen_model *x)
{
    if ( !x->pending )
        return false;
    x->pending = false;
    timer_core_expire(&x->core);
    return true;
}

static void
arm(struct xen_model *x, unsigned int i, uint64_t deadline)
{
    x->items[i].armed = true;
    timer_core_arm(&x->core, &x->items[i].node, deadline);
}

/*
 * The property that rules out a hang: while a timer is queued, either an
 * event is pending, or Xen holds a deadline no later than the earliest
 * one (exactly it, unless a cancel from another CPU left an earlier one),
 * and either way timer_core_expire will program what is next.
 */
static bool
nothing_stranded(const struct xen_model *x)
{
    const struct timerq_node *first = timerq_first(&x->core.q);

    return !first || x->pending ||
           (x->armed &&
            x->deadline <= MIN(first->deadline, TIMER_HW_DEADLINE_MAX));
}

TEST(timer_core, early_fire_within_slop_rearms)
{
    struct xen_model x;

    /* Xen fires 100 ns early; the guest's clock reads 60 ns behind. */
    model_init(&x, 100, 60);
    x.now = 10000;
    arm(&x, 0, 11000);
    EXPECT_EQ(x.core.stats.programs, 1u);
    xen_advance(&x, 920); /* 10920: within the slop of 11000 */
    EXPECT_TRUE(x.pending);
    EXPECT_TRUE(deliver(&x));
    EXPECT_EQ(x.items[0].fired, 0u); /* guest clock 10860: not due */
    EXPECT_EQ(x.core.stats.early, 1u);
    /* The shot is spent: the same deadline must be set again. */
    EXPECT_TRUE(x.armed);
    EXPECT_EQ(x.deadline, 11000u);
    EXPECT_EQ(x.core.stats.programs, 2u);
    EXPECT_TRUE(nothing_stranded(&x));
    /* Fires early again until the guest's clock gets there. */
    while ( x.items[0].fired == 0 && x.now < 20000 )
    {
        xen_advance(&x, 10);
        deliver(&x);
    }
    EXPECT_EQ(x.items[0].fired, 1u);
    EXPECT_EQ(x.early_runs, 0u);
    EXPECT_FALSE(x.armed); /* nothing queued: nothing asked of Xen */
}

TEST(timer_core, stale_event_after_new_deadline_rearms)
{
    struct xen_model x;

    model_init(&x, 0, 0);
    arm(&x, 0, 100);
    xen_advance(&x, 100); /* fires, but the guest has interrupts off */
    timer_core_cancel(&x.core, &x.items[0].node, true, &(bool){ false });
    x.items[0].armed = false;
    arm(&x, 1, 500); /* programs 500: Xen holds it */
    EXPECT_TRUE(x.armed);
    EXPECT_TRUE(deliver(&x)); /* the stale event: nothing due */
    EXPECT_EQ(x.core.stats.early, 1u);
    EXPECT_TRUE(x.armed);
    EXPECT_EQ(x.deadline, 500u);
    xen_advance(&x, 400);
    EXPECT_TRUE(deliver(&x));
    EXPECT_EQ(x.items[1].fired, 1u);
    EXPECT_EQ(x.items[0].fired, 0u);
}

TEST(timer_core, remote_cancel_leaves_deadline_then_moves_on)
{
    struct xen_model x;
    bool running;

    model_init(&x, 0, 0);
    arm(&x, 0, 100);
    arm(&x, 1, 300);
    /* From another CPU: Xen keeps 100, whose VIRQ finds nothing due. */
    EXPECT_TRUE(timer_core_cancel(&x.core, &x.items[0].node, false, &running));
    x.items[0].armed = false;
    EXPECT_FALSE(running);
    EXPECT_EQ(x.deadline, 100u);
    xen_advance(&x, 100);
    EXPECT_TRUE(deliver(&x));
    EXPECT_EQ(x.core.stats.early, 1u);
    EXPECT_EQ(x.deadline, 300u);
    xen_advance(&x, 200);
    EXPECT_TRUE(deliver(&x));
    EXPECT_EQ(x.items[1].fired, 1u);
    EXPECT_EQ(x.items[0].fired, 0u);
}

TEST(timer_core, deadline_capped_for_xen)
{
    struct xen_model x;

    model_init(&x, 0, 0);
    arm(&x, 0, UINT64_MAX);
    EXPECT_EQ(x.deadline, TIMER_HW_DEADLINE_MAX);
    /* The queue's own deadline is unchanged, and no second program. */
    arm(&x, 0, UINT64_MAX);
    EXPECT_EQ(x.core.stats.programs, 1u);
    EXPECT_TRUE(nothing_stranded(&x));
}

TEST(timer_core, callbacks_rearming_cost_one_program)
{
    struct xen_model x;
    unsigned int i;

    model_init(&x, 0, 0);
    for ( i = 0; i < 4; i++ )
    {
        x.items[i].rearm_by = 1000;
        arm(&x, i, 100 + i);
    }
    EXPECT_EQ(x.core.stats.programs, 1u); /* 100 first, the rest later */
    xen_advance(&x, 200);
    EXPECT_TRUE(deliver(&x));
    EXPECT_EQ(x.core.stats.fired, 4u);
    EXPECT_EQ(x.core.stats.programs, 2u); /* once, after all four */
    EXPECT_EQ(x.deadline, 1100u);
}

/*
 * Random days in the life of one CPU: arms, re-arms, cancels from here
 * and from elsewhere, periodic callbacks, a VIRQ that waits while
 * interrupts are off (so fires coalesce), spurious VIRQs, an early Xen
 * and a lagging clock. Then time runs on until every timer has fired.
 */
static void
random_run(struct ktest_ctx *t, uint64_t seed, uint64_t slop, uint64_t lag)
{
    struct xen_model x;
    unsigned long stranded = 0, step, virqs = 0;
    unsigned int i;
    bool running;

    model_init(&x, slop, lag);
    x.now = lcg(&seed) % 1000000;
    for ( step = 0; step < 20000; step++ )
    {
        unsigned int op = lcg(&seed) % 100;
        struct item *it = &x.items[lcg(&seed) % NITEMS];

        if ( op < 30 )
        {
            it->rearm_by = lcg(&seed) % 8 == 0 ? 1 + lcg(&seed) % 3000 : 0;
            arm(&x, (unsigned int)(it - x.items),
                guest_now(&x) + lcg(&seed) % 5000 - 500);
        }
        else if ( op < 40 )
        {
            bool home = lcg(&seed) % 2;

            if ( timer_core_cancel(&x.core, &it->node, home, &running) )
                it->armed = false;
            else
                EXPECT_FALSE(it->armed);
            EXPECT_FALSE(running);
        }
        else if ( op < 42 )
            x.pending = true; /* a spurious VIRQ */
        else if ( op < 70 )
            xen_advance(&x, lcg(&seed) % 400);
        else
            virqs += deliver(&x);
        if ( !nothing_stranded(&x) )
            stranded++;
    }
    /* Let time run until every timer has fired (periodic ones stop). */
    for ( i = 0; i < NITEMS; i++ )
        x.items[i].rearm_by = 0;
    for ( step = 0; step < 100000 && timerq_first(&x.core.q); step++ )
    {
        xen_advance(&x, 50);
        virqs += deliver(&x);
        if ( !nothing_stranded(&x) )
            stranded++;
    }
    EXPECT_EQ(stranded, 0u);
    EXPECT_TRUE(timerq_first(&x.core.q) == NULL);
    EXPECT_EQ(x.early_runs, 0u);
    EXPECT_EQ(x.unarmed_runs, 0u);
    for ( i = 0; i < NITEMS; i++ )
        EXPECT_FALSE(x.items[i].armed);
    EXPECT_EQ(x.core.stats.virqs, virqs);
    /* The model did what it is for. */
    EXPECT_GT(x.core.stats.early, 0u);
    EXPECT_GT(x.coalesced, 0u);
    EXPECT_GT(x.dropped, 0u);
}

TEST(timer_core, random_exact_xen)
{
    random_run(t, 1, 0, 0);
}

TEST(timer_core, random_early_xen_lagging_clock)
{
    random_run(t, 2, 50000, 0);
    random_run(t, 3, 50000, 20000);
    random_run(t, 4, 1000, 5000);
}

TEST(timer_core, resume_rearms_the_earliest_deadline)
{
    struct xen_model x;

    model_init(&x, 0, 0);
    arm(&x, 0, 5000);
    arm(&x, 1, 2000);
    EXPECT_TRUE(x.armed);
    /* A new domain: its Xen holds nothing, whatever the core believed. */
    x.armed = false;
    x.dropped = 0;
    timer_core_resume(&x.core);
    EXPECT_TRUE(x.armed);
    EXPECT_EQ(x.deadline, 2000u);
    EXPECT_EQ(x.core.stats.resumes, 1u);
    EXPECT_TRUE(nothing_stranded(&x));
    /* Both came due during the downtime: one VIRQ runs both, late. */
    xen_advance(&x, 9000);
    EXPECT_TRUE(deliver(&x));
    EXPECT_EQ(x.items[0].fired, 1u);
    EXPECT_EQ(x.items[1].fired, 1u);
    EXPECT_EQ(x.early_runs, 0u);
    EXPECT_FALSE(x.armed);
}

TEST(timer_core, resume_with_nothing_queued_programs_nothing)
{
    struct xen_model x;

    model_init(&x, 0, 0);
    timer_core_resume(&x.core);
    EXPECT_FALSE(x.armed);
    EXPECT_EQ(x.core.stats.programs, 0u);
}
