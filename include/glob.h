/* SPDX-License-Identifier: MIT */
/*
 * glob.h - shell-style matching of one name against a pattern ('*' any
 * run, '?' one character, everything else literal), and against a
 * comma-separated list of patterns.
 */
#ifndef XENLING_GLOB_H
#define XENLING_GLOB_H

#include <lib.h>

bool glob_match(const char *pattern, const char *name);

/* True if any pattern in the comma-separated list matches name. */
bool glob_match_list(const char *list, const char *name);

#endif
