/* SPDX-License-Identifier: MIT */
/*
 * cmdline.c - look up "key=value" words in the kernel command line.
 * The command line comes from the boot loader or Xen and is untrusted:
 * lengths are bounded and nothing is written past the caller's buffer.
 */
#include <cmdline.h>

/* Advance over one word (quotes keep spaces inside); return its end. */
static const char *
word_end(const char *s)
{
    bool quoted = false;

    for ( ; *s; s++ )
    {
        if ( *s == '"' )
            quoted = !quoted;
        else if ( *s == ' ' && !quoted )
            break;
    }
    return s;
}

/* If word [w, end) is "key" or "key=...", return what follows the key. */
static const char *
match_key(const char *w, const char *end, const char *key)
{
    size_t k = strlen(key);

    if ( (size_t)(end - w) < k || strncmp(w, key, k) != 0 )
        return NULL;
    if ( w + k == end || w[k] == '=' )
        return w + k;
    return NULL;
}

bool
cmdline_get(const char *cmdline, const char *key, char *buf, size_t size)
{
    const char *s = cmdline, *found = NULL, *found_end = NULL;

    if ( size )
        buf[0] = '\0';
    while ( s && *s )
    {
        const char *end, *v;

        while ( *s == ' ' )
            s++;
        end = word_end(s);
        v = match_key(s, end, key);
        if ( v && *v == '=' )
        {
            found = v + 1;
            found_end = end;
        }
        s = end;
    }
    if ( !found )
        return false;

    {
        size_t n = 0;
        const char *c;

        for ( c = found; c < found_end; c++ )
        {
            if ( *c == '"' )
                continue;
            if ( n + 1 >= size )
            {
                printk("cmdline: value of %s= is too long (max %zu)\n", key,
                       size ? size - 1 : 0);
                if ( size )
                    buf[0] = '\0';
                return false;
            }
            buf[n++] = *c;
        }
        if ( size )
            buf[n] = '\0';
    }
    return true;
}

bool
cmdline_has(const char *cmdline, const char *flag)
{
    const char *s = cmdline;

    while ( s && *s )
    {
        const char *end;

        while ( *s == ' ' )
            s++;
        end = word_end(s);
        if ( end > s && match_key(s, end, flag) )
            return true;
        s = end;
    }
    return false;
}

bool
cmdline_get_number(const char *cmdline, const char *key, uint64_t min,
                   uint64_t max, uint64_t *out)
{
    char buf[24];
    uint64_t v = 0;
    const char *c;

    if ( !cmdline_get(cmdline, key, buf, sizeof(buf)) )
        return false;
    for ( c = buf; *c >= '0' && *c <= '9'; c++ )
    {
        if ( v > (UINT64_MAX - (uint64_t)(*c - '0')) / 10 )
            break;
        v = v * 10 + (uint64_t)(*c - '0');
    }
    if ( c == buf || *c || v < min || v > max )
    {
        printk("cmdline: %s=%s is not a number from %llu to %llu; ignored\n",
               key, buf, (unsigned long long)min, (unsigned long long)max);
        return false;
    }
    *out = v;
    return true;
}
