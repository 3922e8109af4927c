/* SPDX-License-Identifier: MIT */
/*
 * xenbus_state.c - the frontend state machine and xenbus path syntax
 * (kernel/xen/xenbus/xenbus_state.h): pure functions, so every
 * transition is tested on the host. xenbus.c applies them to devices.
 */
#include "kernel/xen/xenbus/xenbus_state.h"

static const char *const state_names[] = {
    [XenbusStateUnknown] = "Unknown",
    [XenbusStateInitialising] = "Initialising",
    [XenbusStateInitWait] = "InitWait",
    [XenbusStateInitialised] = "Initialised",
    [XenbusStateConnected] = "Connected",
    [XenbusStateClosing] = "Closing",
    [XenbusStateClosed] = "Closed",
    [XenbusStateReconfiguring] = "Reconfiguring",
    [XenbusStateReconfigured] = "Reconfigured",
};

const char *
xb_state_name(unsigned int state)
{
    return state < ARRAY_SIZE(state_names) ? state_names[state] : "invalid";
}

static bool
state_valid(unsigned int state)
{
    return state < ARRAY_SIZE(state_names);
}

/* Did the driver SETUP in this state (so it must TEARDOWN leaving it)? */
static bool
set_up(XenbusState front)
{
    return front == XenbusStateInitialised || front == XenbusStateConnected;
}

/* The step towards Closed when the backend closes or vanishes. */
static void
close_step(const struct xb_view *v, bool via_closing, struct xb_step *out)
{
    if ( v->front == XenbusStateClosed )
        return;
    if ( v->driver && set_up(v->front) )
        out->actions |= XB_ACT_TEARDOWN;
    /* With a driver, Closing first tells the backend we are shutting
     * down; without one there is nothing to shut down. */
    if ( via_closing && v->driver && v->front >= XenbusStateInitialising &&
         v->front <= XenbusStateConnected )
        out->front = XenbusStateClosing;
    else
        out->front = XenbusStateClosed;
}

int
xb_front_step(const struct xb_view *v, struct xb_step *out)
{
    out->front = v->front;
    out->actions = 0;
    if ( !state_valid(v->front) || !state_valid(v->back) )
    {
        printk("xenbus: state machine given front %u back %u: not states\n",
               v->front, v->back);
        return -XEN_EINVAL;
    }
    if ( v->back_gone )
    {
        close_step(v, false, out);
        return 0;
    }
    switch ( v->back )
    {
    case XenbusStateClosing:
        close_step(v, true, out);
        break;
    case XenbusStateClosed:
        close_step(v, false, out);
        break;
    case XenbusStateInitWait:
    case XenbusStateConnected:
        if ( !v->driver )
            break;
        if ( v->front == XenbusStateInitialising ||
             v->front == XenbusStateInitWait )
        {
            out->actions = XB_ACT_SETUP;
            out->front = XenbusStateInitialised;
        }
        else if ( v->front == XenbusStateInitialised &&
                  v->back == XenbusStateConnected )
        {
            out->actions = XB_ACT_CONNECT;
            out->front = XenbusStateConnected;
        }
        else if ( v->front == XenbusStateClosed &&
                  v->back == XenbusStateInitWait )
            out->front = XenbusStateInitialising; /* backend came back */
        break;
    default:
        /* Unknown, Initialising, Initialised: the backend is not ready
         * for us yet. Reconfiguring/Reconfigured: not supported, stay. */
        break;
    }
    return 0;
}

bool
xb_front_may_switch(XenbusState from, XenbusState to)
{
    if ( !state_valid(from) || !state_valid(to) )
        return false;
    if ( from == to )
        return true;
    switch ( to )
    {
    case XenbusStateInitialising:
        return from == XenbusStateClosed;
    case XenbusStateInitWait:
        return from == XenbusStateInitialising;
    case XenbusStateInitialised:
        return from == XenbusStateInitialising || from == XenbusStateInitWait;
    case XenbusStateConnected:
        return from == XenbusStateInitialised;
    case XenbusStateClosing:
        return from >= XenbusStateInitialising && from <= XenbusStateConnected;
    case XenbusStateClosed:
        return true; /* giving up is always allowed */
    default:
        return false; /* Unknown, Reconfiguring, Reconfigured */
    }
}

int
xb_backend_path_check(const char *key, const char *path,
                      unsigned int backend_id, const char *class,
                      unsigned int domid, const char *id)
{
    char want[XENBUS_PATH_MAX];
    int n;

    n = snprintf(want, sizeof(want), "/local/domain/%u/backend/%s/%u/%s",
                 backend_id, class, domid, id);
    if ( n > 0 && (size_t)n < sizeof(want) && strcmp(path, want) == 0 )
        return 0;
    /* The value is untrusted: name the key and what it should be. */
    printk("xenbus: %s is not the backend path %s\n", key, want);
    return -XEN_EINVAL;
}

/* Copy the name at s (up to '/' or the end) into out; returns its end,
 * or NULL if it is empty or does not fit. */
static const char *
take_name(const char *s, char out[XB_NAME_MAX])
{
    size_t n = 0;

    while ( s[n] != '\0' && s[n] != '/' )
        if ( ++n >= XB_NAME_MAX )
            return NULL;
    if ( n == 0 )
        return NULL;
    memcpy(out, s, n);
    out[n] = '\0';
    return s + n;
}

int
xb_device_path_split(const char *path, char class[XB_NAME_MAX],
                     char id[XB_NAME_MAX])
{
    const char *p;

    class[0] = id[0] = '\0';
    if ( strncmp(path, "device", 6) != 0 )
        return -XEN_EINVAL;
    p = path + 6;
    if ( *p == '\0' )
        return 0;
    if ( *p != '/' || !(p = take_name(p + 1, class)) )
        return -XEN_EINVAL;
    if ( *p == '\0' )
        return 1;
    if ( !(p = take_name(p + 1, id)) )
        return -XEN_EINVAL;
    return 2;
}
