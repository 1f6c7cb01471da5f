/* Start-up checks that need more than the YAML file's own structure (see
 * config_check_startup in include/vtepd_config.h): what bind(), the EAL and
 * the PMDs would refuse later, found now, by `vtepd --check` and before a
 * reload is applied. */
#include <errno.h>
#include <libgen.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vtepd_config.h"

static int bad(const struct vtepd_config *c, char *err, size_t errlen, const char *field,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int bad(const struct vtepd_config *c, char *err, size_t errlen, const char *field,
               const char *fmt, ...)
{
    char msg[320];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "%s: %s: %s", c->path, field, msg);
    return -1;
}

static int check_socket_path(const struct vtepd_config *c, const char *field, const char *path,
                             char *err, size_t errlen)
{
    struct sockaddr_un sa;
    struct stat st;
    char dir[CFG_PATH_LEN];

    if (!path[0])
        return 0;
    if (strlen(path) >= sizeof(sa.sun_path))
        return bad(c, err, errlen, field, "'%s' is %zu bytes; a Unix socket path holds at most %zu",
                   path, strlen(path), sizeof(sa.sun_path) - 1);
    snprintf(dir, sizeof(dir), "%s", path);
    const char *d = dirname(dir);
    if (stat(d, &st) != 0)
        return bad(c, err, errlen, field, "directory '%s' does not exist", d);
    if (!S_ISDIR(st.st_mode))
        return bad(c, err, errlen, field, "'%s' is not a directory", d);
    if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
        return bad(c, err, errlen, field, "'%s' exists and is not a socket", path);
    return 0;
}

/* Number of lcores an EAL core list "0-1,3" or mask "0x3" names, or -1
 * when the text is not one of those forms. */
static int count_list(const char *s)
{
    int n = 0;

    while (*s) {
        char *end;
        long a = strtol(s, &end, 10), b;
        if (end == s || a < 0)
            return -1;
        b = a;
        if (*end == '-') {
            s = end + 1;
            b = strtol(s, &end, 10);
            if (end == s || b < a)
                return -1;
        }
        n += (int)(b - a + 1);
        if (*end == ',')
            end++;
        else if (*end != '\0')
            return -1;
        s = end;
    }
    return n;
}

static int count_mask(const char *s)
{
    int n = 0;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    if (!*s)
        return -1;
    for (; *s; s++) {
        int v;
        if (*s >= '0' && *s <= '9')
            v = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            v = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F')
            v = *s - 'A' + 10;
        else
            return -1;
        n += __builtin_popcount((unsigned)v);
    }
    return n;
}

/* lcores named by the config's eal: list; 0 when it names none (the EAL
 * then takes every CPU), -1 when a form is not understood (not checked). */
static int eal_lcores(const struct vtepd_config *c)
{
    int n = 0;

    for (int i = 0; i < c->n_eal; i++) {
        const char *a = c->eal[i];
        const char *v = NULL;
        int is_mask = 0;

        if (!strcmp(a, "-l") || !strcmp(a, "-c") || !strcmp(a, "--lcores")) {
            if (i + 1 >= c->n_eal)
                return -1;
            if (!strcmp(a, "--lcores"))
                return -1;      /* lcore@cpu syntax: left to the EAL */
            v = c->eal[++i];
            is_mask = a[1] == 'c';
        } else if (!strncmp(a, "-l", 2) || !strncmp(a, "-c", 2)) {
            v = a + 2;
            is_mask = a[1] == 'c';
        } else if (!strncmp(a, "--lcores", 8)) {
            return -1;
        }
        if (v)
            n = is_mask ? count_mask(v) : count_list(v);
        if (n < 0)
            return -1;
    }
    return n;
}

/* The value of key=... in a devargs string, copied to out; 0 when absent. */
static int devarg(const char *devargs, const char *key, char *out, size_t outlen)
{
    size_t kl = strlen(key);
    const char *p = strchr(devargs, ',');

    while (p) {
        p++;
        if (!strncmp(p, key, kl) && p[kl] == '=') {
            const char *v = p + kl + 1;
            size_t l = strcspn(v, ",");
            if (l >= outlen)
                l = outlen - 1;
            memcpy(out, v, l);
            out[l] = '\0';
            return 1;
        }
        p = strchr(p, ',');
    }
    return 0;
}

int config_check_startup(const struct vtepd_config *c, char *err, size_t errlen)
{
    char field[96], val[CFG_DEVARGS_LEN];
    long n_static = 0;
    int lc;

    if (check_socket_path(c, "control.cli_socket", c->cli_socket, err, errlen) ||
        check_socket_path(c, "control.feed_socket", c->feed_socket, err, errlen))
        return -1;
    if (c->cli_socket[0] && !strcmp(c->cli_socket, c->feed_socket))
        return bad(c, err, errlen, "control.feed_socket",
                   "'%s' is also control.cli_socket; each needs its own path", c->feed_socket);
    lc = eal_lcores(c);
    if (lc == 0 && sysconf(_SC_NPROCESSORS_ONLN) < 2)
        return bad(c, err, errlen, "eal", "this machine has one CPU and the EAL arguments name "
                   "no lcores; vtepd needs two (control thread and one worker)");
    if (lc > 0 && lc < 2)
        return bad(c, err, errlen, "eal", "names %d lcore; vtepd needs at least two (the main "
                   "lcore runs the control thread, the others run workers), e.g. -l 0-1", lc);
    for (int i = 0; i < c->n_ports; i++) {
        const struct cfg_port *p = &c->ports[i];

        snprintf(field, sizeof(field), "ports[%d].devargs", i);
        if (!strncmp(p->devargs, "net_pcap", 8)) {
            if (devarg(p->devargs, "rx_pcap", val, sizeof(val)) && access(val, R_OK) != 0)
                return bad(c, err, errlen, field, "rx_pcap '%s': %s", val, strerror(errno));
            if (devarg(p->devargs, "tx_pcap", val, sizeof(val))) {
                char dir[CFG_DEVARGS_LEN];
                snprintf(dir, sizeof(dir), "%s", val);
                if (access(dirname(dir), W_OK) != 0)
                    return bad(c, err, errlen, field, "tx_pcap '%s': directory not writable",
                               val);
            }
        }
        if ((!strncmp(p->devargs, "net_af_packet", 13) || !strncmp(p->devargs, "net_tap", 7) ||
             !strncmp(p->devargs, "eth_af_packet", 13)) &&
            devarg(p->devargs, "iface", val, sizeof(val)) && !strncmp(p->devargs, "net_af", 6) &&
            if_nametoindex(val) == 0)
            return bad(c, err, errlen, field, "interface '%s' does not exist", val);
    }
    for (int i = 0; i < c->n_vnis; i++)
        n_static += c->vnis[i].n_static;
    if (n_static > (long)c->mac_table_size)
        return bad(c, err, errlen, "vtep.mac_table_size", "%u entries cannot hold the %ld "
                   "static MACs of the vnis", c->mac_table_size, n_static);
    return 0;
}
