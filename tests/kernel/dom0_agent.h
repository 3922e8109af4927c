/* SPDX-License-Identifier: MIT */
/*
 * dom0_agent.h - for self-tests: ask the tier-2 dom0's agent
 * (tools/tier2/agent) to act on our behalf, e.g. write a xenstore key or
 * map one of our grants. The request goes out as a console line, the
 * reply comes back in xenstore (data/dom0-reply/<token>).
 */
#ifndef XENLING_TESTS_DOM0_AGENT_H
#define XENLING_TESTS_DOM0_AGENT_H

#include <lib.h>

/*
 * Send "verb args" (e.g. "gnt-map 9 256") and wait up to timeout_ns for
 * the answer. Returns 0 with what followed "ok " in result (NUL-terminated;
 * empty if nothing), -XEN_EIO with the agent's "err ..." message in
 * result, -XEN_ETIMEDOUT if no answer came (no agent: not tier 2's make
 * test run), or another negative errno from xenstore.
 */
int dom0_agent(const char *request, char *result, size_t size,
               uint64_t timeout_ns);

#endif
