/* SPDX-License-Identifier: MIT */
/*
 * format.c - vsnprintf for printk and friends. Portable: the host unit
 * tests compare it against the C library's printf.
 */
#include <lib.h>

struct out {
    char *buf;
    size_t size;
    size_t len; /* what the full output would take */
};

static void
put(struct out *o, char c)
{
    if ( o->len + 1 < o->size )
        o->buf[o->len] = c;
    o->len++;
}

static void
pad(struct out *o, char c, int n)
{
    while ( n-- > 0 )
        put(o, c);
}

struct spec {
    bool left, zero, alt, plus, space;
    int width;
    int prec; /* -1: none */
};

static void
put_str(struct out *o, const char *s, const struct spec *sp)
{
    size_t n;

    if ( !s )
        s = "(null)";
    n = sp->prec >= 0 ? strnlen(s, (size_t)sp->prec) : strlen(s);
    if ( !sp->left )
        pad(o, ' ', sp->width - (int)n);
    for ( size_t i = 0; i < n; i++ )
        put(o, s[i]);
    if ( sp->left )
        pad(o, ' ', sp->width - (int)n);
}

static void
put_num(struct out *o, unsigned long long v, bool neg, unsigned int base,
        bool upper, const struct spec *sp)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0, len;
    const char *prefix = "";

    /* As in C, a zero with precision 0 has no digits at all. */
    for ( ; v || (n == 0 && sp->prec != 0); v /= base )
        tmp[n++] = digits[v % base];

    if ( neg )
        prefix = "-";
    else if ( sp->plus )
        prefix = "+";
    else if ( sp->space )
        prefix = " ";
    if ( sp->alt && base == 16 && n > 0 && tmp[n - 1] != '0' )
        prefix = upper ? "0X" : "0x";
    /* '#' with %o: the first digit must be 0, unless precision made it so. */
    if ( sp->alt && base == 8 && (n == 0 || tmp[n - 1] != '0') &&
         sp->prec <= n )
        prefix = "0";

    len = n + (int)strlen(prefix);
    if ( sp->prec > n )
        len += sp->prec - n;
    if ( !sp->left && !sp->zero )
        pad(o, ' ', sp->width - len);
    for ( const char *p = prefix; *p; p++ )
        put(o, *p);
    if ( !sp->left && sp->zero )
        pad(o, '0', sp->width - len);
    pad(o, '0', sp->prec - n);
    while ( n )
        put(o, tmp[--n]);
    if ( sp->left )
        pad(o, ' ', sp->width - len);
}

int
vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };

    for ( ; *fmt; fmt++ )
    {
        struct spec sp = { false, false, false, false, false, 0, -1 };
        int lng = 0; /* 0 int, 1 long, 2 long long, -1 short... */
        unsigned long long uv;
        long long sv;
        const char *start = fmt;

        if ( *fmt != '%' )
        {
            put(&o, *fmt);
            continue;
        }
        for ( ;; )
        {
            char f = *++fmt;

            if ( f == '-' )
                sp.left = true;
            else if ( f == '0' )
                sp.zero = true;
            else if ( f == '#' )
                sp.alt = true;
            else if ( f == '+' )
                sp.plus = true;
            else if ( f == ' ' )
                sp.space = true;
            else
                break;
        }
        if ( *fmt == '*' )
        {
            sp.width = va_arg(ap, int);
            if ( sp.width < 0 )
            {
                sp.left = true;
                sp.width = -sp.width;
            }
            fmt++;
        }
        else
            while ( *fmt >= '0' && *fmt <= '9' )
                sp.width = sp.width * 10 + (*fmt++ - '0');
        if ( *fmt == '.' )
        {
            fmt++;
            sp.prec = 0;
            if ( *fmt == '*' )
            {
                sp.prec = va_arg(ap, int);
                fmt++;
            }
            else
                while ( *fmt >= '0' && *fmt <= '9' )
                    sp.prec = sp.prec * 10 + (*fmt++ - '0');
        }
        if ( sp.prec >= 0 || sp.left )
            sp.zero = false; /* as in C: precision/'-' override '0' */
        for ( ;; fmt++ )
        {
            if ( *fmt == 'l' )
                lng = lng < 0 ? 1 : lng + 1;
            else if ( *fmt == 'h' )
                lng--;
            else if ( *fmt == 'z' || *fmt == 't' )
                lng = 1;
            else
                break;
        }

        switch ( *fmt )
        {
        case 'd':
        case 'i':
            if ( lng >= 2 )
                sv = va_arg(ap, long long);
            else if ( lng == 1 )
                sv = va_arg(ap, long);
            else
                sv = va_arg(ap, int);
            if ( lng == -1 )
                sv = (short)sv;
            else if ( lng <= -2 )
                sv = (signed char)sv;
            put_num(&o,
                    sv < 0 ? -(unsigned long long)sv : (unsigned long long)sv,
                    sv < 0, 10, false, &sp);
            break;
        case 'u':
        case 'x':
        case 'X':
        case 'o':
            if ( lng >= 2 )
                uv = va_arg(ap, unsigned long long);
            else if ( lng == 1 )
                uv = va_arg(ap, unsigned long);
            else
                uv = va_arg(ap, unsigned int);
            if ( lng == -1 )
                uv = (unsigned short)uv;
            else if ( lng <= -2 )
                uv = (unsigned char)uv;
            sp.plus = sp.space = false;
            put_num(&o, uv, false,
                    *fmt == 'u'   ? 10
                    : *fmt == 'o' ? 8
                                  : 16,
                    *fmt == 'X', &sp);
            break;
        case 'p':
            sp.alt = true;
            put_num(&o, (uintptr_t)va_arg(ap, void *), false, 16, false, &sp);
            break;
        case 's':
            put_str(&o, va_arg(ap, const char *), &sp);
            break;
        case 'c':
            /* Not via put_str: a NUL character is output too. */
            if ( !sp.left )
                pad(&o, ' ', sp.width - 1);
            put(&o, (char)va_arg(ap, int));
            if ( sp.left )
                pad(&o, ' ', sp.width - 1);
            break;
        case '%':
            put(&o, '%');
            break;
        default:
            /* Unknown or truncated conversion: print it as written. */
            while ( start <= fmt && *start )
                put(&o, *start++);
            if ( !*fmt )
                fmt--;
            break;
        }
    }
    if ( size )
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int
snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
