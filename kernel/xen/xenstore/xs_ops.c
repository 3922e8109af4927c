/* SPDX-License-Identifier: MIT */
/*
 * xs_ops.c - the xenstore operations of include/xenstore.h (read, write,
 * mkdir, rm, directory, permissions, transactions), each a request built
 * from checked parts and sent by the client core (xenstore.c), whose
 * reply xs_wire.c has already validated; and the monitor's `xs` command.
 */
#include <mm.h>
#include <monitor.h>
#include <xen_errno.h>
#include <xenstore.h>
#include "kernel/xen/xenstore/xs_client.h"

/* A request whose payload is just a path; checks the path first. */
static int
path_request(uint32_t type, uint32_t tx, const char *path, struct xs_reply *out)
{
    struct xs_part p[] = { XS_STR(path) };
    int rc = xs_path_check(path, 0);

    return rc ? rc : xs_request(type, tx, p, 1, out);
}

int
xs_read(uint32_t tx, const char *path, char **value, size_t *len)
{
    struct xs_reply r;
    int rc = path_request(XS_READ, tx, path, &r);

    if ( rc )
        return rc;
    *value = r.payload;
    if ( len )
        *len = r.len;
    return 0;
}

int
xs_read_uint(uint32_t tx, const char *path, uint64_t max, uint64_t *out)
{
    size_t len;
    char *v;
    int rc = xs_read(tx, path, &v, &len);

    if ( rc )
        return rc;
    rc = xs_value_uint(path, v, len, max, out);
    kfree(v);
    return rc;
}

int
xs_write(uint32_t tx, const char *path, const char *value)
{
    struct xs_part p[] = { XS_STR(path), { value, (uint32_t)strlen(value) } };
    int rc = xs_path_check(path, 0);

    return rc ? rc : xs_request_ok(XS_WRITE, tx, p, 2);
}

int
xs_printf(uint32_t tx, const char *path, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if ( n < 0 || (size_t)n >= sizeof(buf) )
    {
        printk("xenstore: value for %s longer than %zu bytes\n", path,
               sizeof(buf) - 1);
        return -XEN_E2BIG;
    }
    return xs_write(tx, path, buf);
}

/* A request with just a path that answers "OK"; checks the path first. */
static int
path_ok_request(uint32_t type, uint32_t tx, const char *path)
{
    struct xs_part p[] = { XS_STR(path) };
    int rc = xs_path_check(path, 0);

    return rc ? rc : xs_request_ok(type, tx, p, 1);
}

int
xs_mkdir(uint32_t tx, const char *path)
{
    return path_ok_request(XS_MKDIR, tx, path);
}

int
xs_rm(uint32_t tx, const char *path)
{
    return path_ok_request(XS_RM, tx, path);
}

int
xs_directory(uint32_t tx, const char *path, char ***names, unsigned int *count)
{
    size_t ptrs;
    char **v;
    struct xs_reply r;
    int rc = path_request(XS_DIRECTORY, tx, path, &r);

    if ( rc )
        return rc;
    /* One block: count + 1 pointers, then the names they point at. */
    ptrs = (r.count + 1) * sizeof(char *);
    v = kmalloc(ptrs + r.len + 1);
    if ( v )
    {
        memcpy((char *)v + ptrs, r.payload, r.len + 1);
        xs_list_split((char *)v + ptrs, r.len, (const char **)v, r.count);
        v[r.count] = NULL;
        *names = v;
        *count = r.count;
    }
    kfree(r.payload);
    return v ? 0 : -XEN_ENOMEM;
}

int
xs_get_perms(uint32_t tx, const char *path, struct xs_perm **perms,
             unsigned int *count)
{
    struct xs_perm *p;
    const char *s;
    unsigned int i;
    struct xs_reply r;
    int rc = path_request(XS_GET_PERMS, tx, path, &r);

    if ( rc )
        return rc;
    p = kmalloc(r.count * sizeof(*p));
    /* xs_msg_check parsed every entry already: these cannot fail. */
    for ( i = 0, s = r.payload; p && i < r.count; i++, s += strlen(s) + 1 )
        xs_perm_parse(s, &p[i]);
    kfree(r.payload);
    if ( !p )
        return -XEN_ENOMEM;
    *perms = p;
    *count = r.count;
    return 0;
}

int
xs_set_perms(uint32_t tx, const char *path, const struct xs_perm *perms,
             unsigned int count)
{
    struct xs_part parts[1 + 16];
    char buf[16][8];
    unsigned int i;
    int rc = xs_path_check(path, 0);

    if ( rc )
        return rc;
    if ( count == 0 || count > 16 )
    {
        printk("xenstore: set_perms %s: %u permissions (1..16)\n", path, count);
        return -XEN_EINVAL;
    }
    parts[0] = XS_STR(path);
    for ( i = 0; i < count; i++ )
    {
        rc = xs_perm_format(buf[i], sizeof(buf[i]), &perms[i]);
        if ( rc < 0 )
        {
            printk("xenstore: set_perms %s: permission %u has mode '%c'\n",
                   path, i, perms[i].mode);
            return rc;
        }
        parts[1 + i] = (struct xs_part){ buf[i], (uint32_t)rc + 1 };
    }
    return xs_request_ok(XS_SET_PERMS, tx, parts, 1 + count);
}

/* --- Transactions ------------------------------------------------------ */

int
xs_transaction_start(uint32_t *tx)
{
    struct xs_part p[] = { { "", 1 } };
    struct xs_reply r;
    int rc = xs_request(XS_TRANSACTION_START, XS_TX_NONE, p, 1, &r);

    if ( rc )
        return rc;
    *tx = r.tx_id;
    kfree(r.payload);
    return 0;
}

int
xs_transaction_end(uint32_t tx, bool commit)
{
    struct xs_part p[] = { XS_STR(commit ? "T" : "F") };

    return xs_request_ok(XS_TRANSACTION_END, tx, p, 1);
}

int
xs_transaction_run(int (*body)(uint32_t tx, void *arg), void *arg,
                   unsigned int max_tries, unsigned int *tries)
{
    unsigned int n = 0;
    uint32_t tx;
    int rc = -XEN_EAGAIN;

    while ( n < max_tries )
    {
        rc = xs_transaction_start(&tx);
        if ( rc )
            break;
        n++;
        rc = body(tx, arg);
        if ( rc )
        {
            xs_transaction_end(tx, false);
            if ( rc == -XEN_EAGAIN )
                continue;
            break;
        }
        rc = xs_transaction_end(tx, true);
        if ( rc != -XEN_EAGAIN )
            break;
    }
    if ( tries )
        *tries = n;
    return rc;
}

/* --- The monitor's `xs` command ------------------------------------------ */

/* Print one value on a line, bytes outside printable ASCII as '?'. */
static void
show_value(const char *prefix, const char *v, size_t len)
{
    char buf[72];
    size_t i, n = MIN(len, sizeof(buf) - 1);

    for ( i = 0; i < n; i++ )
        buf[i] = v[i] >= 0x20 && v[i] < 0x7f ? v[i] : '?';
    buf[n] = '\0';
    printk("  %s\"%s\"%s\n", prefix, buf, len > n ? "..." : "");
}

static void
xs_ls(const char *path)
{
    char **names, child[XENSTORE_REL_PATH_MAX], *v;
    unsigned int n, i;
    size_t len;
    int rc = xs_directory(XS_TX_NONE, path, &names, &n);

    if ( rc )
    {
        printk("  %s: %s\n", path, xen_errno_name(rc));
        return;
    }
    for ( i = 0; i < n; i++ )
    {
        snprintf(child, sizeof(child), "%s%s%s", path,
                 strcmp(path, "/") ? "/" : "", names[i]);
        if ( xs_read(XS_TX_NONE, child, &v, &len) == 0 )
        {
            char prefix[48];

            snprintf(prefix, sizeof(prefix), "%.40s = ", names[i]);
            show_value(prefix, v, len);
            kfree(v);
        }
        else
            printk("  %s (unreadable)\n", names[i]);
    }
    kfree(names);
}

static void
cmd_xs(unsigned int argc, char **argv)
{
    size_t len;
    char *v;
    int rc;

    if ( !xenstore_available() )
    {
        printk("  no xenstore here (plain QEMU, or we are dom0)\n");
        return;
    }
    if ( argc == 2 && strcmp(argv[0], "ls") == 0 )
        xs_ls(argv[1]);
    else if ( argc == 2 && strcmp(argv[0], "read") == 0 )
    {
        rc = xs_read(XS_TX_NONE, argv[1], &v, &len);
        if ( rc )
            printk("  %s: %s\n", argv[1], xen_errno_name(rc));
        else
        {
            show_value("", v, len);
            kfree(v);
        }
    }
    else if ( argc == 3 && strcmp(argv[0], "write") == 0 )
    {
        rc = xs_write(XS_TX_NONE, argv[1], argv[2]);
        printk("  %s\n", rc ? xen_errno_name(rc) : "ok");
    }
    else
        printk(
            "  usage: xs ls PATH | xs read PATH | xs write PATH VALUE (relative paths are below /local/domain/%u)\n",
            xs_domid());
}

static const struct monitor_cmd xs_cmds[] = {
    { "xs", "ls PATH, read PATH, write PATH VALUE: xenstore", cmd_xs },
};

void
xs_monitor_init(void)
{
    monitor_add(xs_cmds, ARRAY_SIZE(xs_cmds));
}
