/* SPDX-License-Identifier: MIT */
/*
 * glob.c - '*' and '?' pattern matching for test selection (tests=).
 * Iterative with one backtrack point, so it is linear-ish and never
 * recurses on hostile patterns.
 */
#include <glob.h>

bool
glob_match(const char *p, const char *s)
{
    const char *star = NULL, *retry = NULL;

    while ( *s )
    {
        if ( *p == '*' )
        {
            star = ++p; /* remember where the star's match may grow */
            retry = s;
        }
        else if ( *p == '?' || *p == *s )
        {
            p++;
            s++;
        }
        else if ( star )
        {
            p = star; /* let the last star swallow one more char */
            s = ++retry;
        }
        else
            return false;
    }
    while ( *p == '*' )
        p++;
    return *p == '\0';
}

bool
glob_match_list(const char *list, const char *name)
{
    char pat[128];

    while ( *list )
    {
        size_t n = 0;

        while ( list[n] && list[n] != ',' )
            n++;
        if ( n > 0 && n < sizeof(pat) )
        {
            memcpy(pat, list, n);
            pat[n] = '\0';
            if ( glob_match(pat, name) )
                return true;
        }
        list += n;
        if ( *list == ',' )
            list++;
    }
    return false;
}
