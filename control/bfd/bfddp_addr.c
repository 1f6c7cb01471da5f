/* Parsing bfdd's data-plane address (see include/bfddp_addr.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bfddp_addr.h"

static int perr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int perr(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

int bfddp_addr_parse(const char *spec, struct bfddp_addr *a, char *err, size_t errlen)
{
    static const char forms[] = "expected unix:PATH or ipv4:A.B.C.D[:PORT] (bfdd's --dplaneaddr)";

    memset(a, 0, sizeof(*a));
    if (!spec || !*spec)
        return perr(err, errlen, "empty: %s", forms);
    if (strlen(spec) >= sizeof(a->text))
        return perr(err, errlen, "longer than %zu characters", sizeof(a->text) - 1);
    snprintf(a->text, sizeof(a->text), "%s", spec);
    if (!strncmp(spec, "unixc:", 6) || !strncmp(spec, "ipv4c:", 6) ||
        !strncmp(spec, "ipv6c:", 6))
        return perr(err, errlen, "'%.6s' makes bfdd the client, which FRR 8.4 cannot do "
                    "(see docs/BFD-DPLANE.md): give bfdd the server form, unix: or ipv4:", spec);
    if (!strncmp(spec, "unix:", 5)) {
        const char *p = spec + 5;
        if (!*p)
            return perr(err, errlen, "unix: without a path");
        if (strlen(p) >= sizeof(a->path))
            return perr(err, errlen, "unix socket path longer than %zu bytes",
                        sizeof(a->path) - 1);
        a->is_unix = true;
        snprintf(a->path, sizeof(a->path), "%s", p);
        return 0;
    }
    if (!strncmp(spec, "ipv4:", 5)) {
        char host[INET_ADDRSTRLEN + 1];
        const char *p = spec + 5, *colon = strchr(p, ':');
        size_t hl = colon ? (size_t)(colon - p) : strlen(p);
        struct in_addr in;

        if (hl == 0 || hl >= sizeof(host))
            return perr(err, errlen, "ipv4: needs an IPv4 address (ipv4:A.B.C.D[:PORT])");
        memcpy(host, p, hl);
        host[hl] = '\0';
        if (inet_pton(AF_INET, host, &in) != 1)
            return perr(err, errlen, "'%s' is not an IPv4 address", host);
        a->ip_be = in.s_addr;
        a->port = BFDDP_ADDR_DEFAULT_PORT;
        if (colon) {
            char *end;
            unsigned long v;

            errno = 0;
            v = strtoul(colon + 1, &end, 10);
            if (errno || colon[1] < '0' || colon[1] > '9' || *end || v == 0 || v > 65535)
                return perr(err, errlen, "port '%s': expected 1-65535", colon + 1);
            a->port = (uint16_t)v;
        }
        return 0;
    }
    if (!strncmp(spec, "ipv6:", 5))
        return perr(err, errlen, "ipv6: is not supported by vtepd: use unix: or ipv4:");
    return perr(err, errlen, "'%s': %s", spec, forms);
}

