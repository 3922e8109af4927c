/* SPDX-License-Identifier: MIT */
/*
 * xenbus_state.h - the portable half of xenbus: the frontend's state
 * machine as a pure function (what to do when the backend's state or
 * presence changes), the switches a driver may ask for, and the syntax
 * of the xenstore paths a device lives at. Host-tested in
 * tests/host/test_xenbus_state.c; the kernel side (watches, drivers,
 * enumeration) is xenbus.c in this folder. Private to kernel/xen/xenbus/.
 *
 * The handshake, frontend (us) and backend (dom0's driver):
 *
 *   front Initialising   back Initialising -> InitWait
 *         (driver: SETUP, publish ring details)
 *   front Initialised    back Connected
 *         (driver: CONNECT, read backend features)
 *   front Connected      ... I/O ...
 *   back Closing         (driver: TEARDOWN) front Closing -> Closed
 *   back Closed / gone   front Closed
 */
#ifndef XENLING_XENBUS_STATE_H
#define XENLING_XENBUS_STATE_H

#include <lib.h>
#include <xenbus.h>
#include <xen/errno.h>
#include <xen/io/xenbus.h>

/* What the driver must do before the frontend takes its next state. */
#define XB_ACT_SETUP    (1u << 0) /* allocate rings, publish their details */
#define XB_ACT_CONNECT  (1u << 1) /* read the backend's details, start I/O */
#define XB_ACT_TEARDOWN (1u << 2) /* stop I/O, free what SETUP made */

/* What the frontend knows when deciding. */
struct xb_view {
    XenbusState front; /* our state, as last written */
    XenbusState back;  /* the backend's, as last read */
    bool back_gone;    /* the backend's state node has vanished */
    bool driver;       /* a driver is bound to the device */
};

struct xb_step {
    XenbusState front;    /* the state to switch to (same: stay) */
    unsigned int actions; /* XB_ACT_*, to run before switching */
};

/*
 * One step of the frontend state machine: given the view, the actions to
 * run and the state to take. Callers apply the step and call again until
 * the state stays put (each call moves at most one state). Without a
 * driver the frontend stays where the toolstack left it (Initialising)
 * until the backend closes or vanishes, and then goes to Closed. With a
 * driver: backend InitWait (or Connected) makes an Initialising or
 * InitWait frontend SETUP and go Initialised; backend Connected makes an
 * Initialised frontend CONNECT and go Connected; backend Closing makes
 * the frontend TEARDOWN (if it had SETUP: Initialised or Connected) and
 * go Closing, then Closed; backend Closed or gone sends it straight to
 * Closed (with TEARDOWN likewise); a Closed frontend whose backend comes
 * back to InitWait starts again at Initialising. Returns 0, or
 * -XEN_EINVAL (printed) for a state outside XenbusState: then *out says
 * stay.
 */
int xb_front_step(const struct xb_view *v, struct xb_step *out);

/*
 * Whether a driver may switch its frontend from `from` to `to`: forward
 * through the handshake (Initialising -> InitWait -> Initialised ->
 * Connected, skipping InitWait allowed), to Closing from any of those,
 * to Closed from any state, and Closed -> Initialising to start again.
 * Staying in the same state is allowed.
 */
bool xb_front_may_switch(XenbusState from, XenbusState to);

/* "Initialising", ..., or "invalid" for a value outside XenbusState. */
const char *xb_state_name(unsigned int state);

/*
 * Check the backend path read from the key `key` of device
 * device/<class>/<id> of domain `domid`, whose backend-id is
 * `backend_id`: it must be exactly
 * /local/domain/<backend_id>/backend/<class>/<domid>/<id>, as the
 * toolstack writes it. Returns 0, or -XEN_EINVAL printed naming the key.
 */
int xb_backend_path_check(const char *key, const char *path,
                          unsigned int backend_id, const char *class,
                          unsigned int domid, const char *id);

#define XB_NAME_MAX XENBUS_NAME_MAX /* a class or id, with its NUL */

/*
 * Split a path under our device tree, "device", "device/<class>" or
 * "device/<class>/<id>[/...]" (relative, as a watch on "device" reports
 * them), copying the class and id (each shorter than XB_NAME_MAX; empty
 * when absent). Returns how many of the two it found (0, 1 or 2), or
 * -XEN_EINVAL (not printed) for a path not under "device" or a name that
 * is too long.
 */
int xb_device_path_split(const char *path, char class[XB_NAME_MAX],
                         char id[XB_NAME_MAX]);

#endif
