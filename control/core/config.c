/* YAML configuration parser (libyaml document API).
 *
 * Every error names FILE:LINE:COLUMN of the offending node and the dotted
 * path of the field, e.g. "conf/x.yaml:12:14: vnis[0].access[1].vlan: ...".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "bfddp_addr.h"
#include "flow_hash.h"
#include "vtepd_config.h"

struct pctx {
    const char *name;
    yaml_document_t *doc;
    char *err;
    size_t errlen;
    struct vtepd_config *cfg;
    int relaxed;            /* config_load_classifier(): see vtepd_config.h */
    int has_underlay;       /* the file has an underlay: section */
};

typedef int (*key_fn)(struct pctx *p, const char *path, const char *key,
                      yaml_node_t *val, void *arg);

static int fail(struct pctx *p, const yaml_node_t *n, const char *field,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(struct pctx *p, const yaml_node_t *n, const char *field,
                const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "%s:%zu:%zu: %s: %s", p->name,
             n ? n->start_mark.line + 1 : 0, n ? n->start_mark.column + 1 : 0,
             field, msg);
    return -1;
}

static const char *node_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE: return "a scalar";
    case YAML_SEQUENCE_NODE: return "a list";
    case YAML_MAPPING_NODE: return "a mapping";
    default: return "nothing";
    }
}

/* Scalar text of n, or NULL (with error set) when n is not a scalar. */
static const char *scalar(struct pctx *p, yaml_node_t *n, const char *path)
{
    if (n->type != YAML_SCALAR_NODE) {
        fail(p, n, path, "expected a scalar value, got %s", node_kind(n));
        return NULL;
    }
    return (const char *)n->data.scalar.value;
}

static int get_u32(struct pctx *p, yaml_node_t *n, const char *path,
                   uint32_t min, uint32_t max, uint32_t *out)
{
    const char *s = scalar(p, n, path);
    char *end;
    unsigned long long v;

    if (!s)
        return -1;
    errno = 0;
    if (*s == '\0' || *s == '-' || *s == '+')
        return fail(p, n, path, "expected a number from %u to %u, got '%s'", min, max, s);
    v = strtoull(s, &end, 10);
    if (errno || *end != '\0' || v < min || v > max)
        return fail(p, n, path, "expected a number from %u to %u, got '%s'", min, max, s);
    *out = (uint32_t)v;
    return 0;
}

static int get_str(struct pctx *p, yaml_node_t *n, const char *path,
                   char *out, size_t outlen)
{
    const char *s = scalar(p, n, path);

    if (!s)
        return -1;
    if (*s == '\0')
        return fail(p, n, path, "must not be empty");
    if (strlen(s) >= outlen)
        return fail(p, n, path, "longer than %zu characters", outlen - 1);
    strcpy(out, s);
    return 0;
}

static int get_bool(struct pctx *p, yaml_node_t *n, const char *path, bool *out)
{
    const char *s = scalar(p, n, path);

    if (!s)
        return -1;
    if (!strcmp(s, "true")) {
        *out = true;
        return 0;
    }
    if (!strcmp(s, "false")) {
        *out = false;
        return 0;
    }
    return fail(p, n, path, "expected true or false, got '%s'", s);
}

static int get_ip(struct pctx *p, yaml_node_t *n, const char *path, uint32_t *out)
{
    const char *s = scalar(p, n, path);
    struct in_addr a;

    if (!s)
        return -1;
    if (inet_pton(AF_INET, s, &a) != 1)
        return fail(p, n, path, "expected an IPv4 address, got '%s'", s);
    *out = a.s_addr;
    return 0;
}

/* "A.B.C.D:PORT" (IPv4 dotted quad, port 1-65535), as for a listening socket. */
static int get_listen(struct pctx *p, yaml_node_t *n, const char *path, uint32_t *ip,
                      uint16_t *port)
{
    const char *s = scalar(p, n, path);
    const char *colon;
    char addr[INET_ADDRSTRLEN];
    struct in_addr a;
    unsigned long u;
    char *end;

    if (!s)
        return -1;
    colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof(addr))
        return fail(p, n, path, "expected IPv4-address:port (e.g. 127.0.0.1:9417), got '%s'", s);
    memcpy(addr, s, (size_t)(colon - s));
    addr[colon - s] = '\0';
    if (inet_pton(AF_INET, addr, &a) != 1)
        return fail(p, n, path, "expected IPv4-address:port (e.g. 127.0.0.1:9417), got '%s'", s);
    errno = 0;
    u = strtoul(colon + 1, &end, 10);
    if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno || u < 1 || u > 65535)
        return fail(p, n, path, "port: expected a number from 1 to 65535, got '%s'", colon + 1);
    *ip = a.s_addr;
    *port = (uint16_t)u;
    return 0;
}

/* Parse "aa:bb:cc:dd:ee:ff" strictly: six two-digit hex groups. */
int config_parse_mac(const char *s, uint8_t mac[6]);
int config_parse_mac(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        unsigned v = 0;
        for (int j = 0; j < 2; j++) {
            char c = *s++;
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= (unsigned)(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                v |= (unsigned)(c - 'A' + 10);
            else
                return -1;
        }
        mac[i] = (uint8_t)v;
        if (i < 5 && *s++ != ':')
            return -1;
    }
    return *s == '\0' ? 0 : -1;
}

static int get_mac(struct pctx *p, yaml_node_t *n, const char *path, uint8_t mac[6])
{
    const char *s = scalar(p, n, path);

    if (!s)
        return -1;
    if (config_parse_mac(s, mac) != 0)
        return fail(p, n, path, "expected a MAC address like 02:00:00:00:00:01, got '%s'", s);
    return 0;
}

/* Walk a mapping: every key must be one of allowed (NULL-terminated); each
 * key may appear once; fn is called for each pair. */
static int walk_map(struct pctx *p, yaml_node_t *n, const char *path,
                    const char *const *allowed, key_fn fn, void *arg)
{
    if (n->type != YAML_MAPPING_NODE)
        return fail(p, n, path, "expected a mapping, got %s", node_kind(n));

    for (yaml_node_pair_t *a = n->data.mapping.pairs.start;
         a < n->data.mapping.pairs.top; a++) {
        yaml_node_t *k = yaml_document_get_node(p->doc, a->key);
        yaml_node_t *v = yaml_document_get_node(p->doc, a->value);
        char field[192];
        const char *key;
        int known = 0;

        if (!k || !v)
            return fail(p, n, path, "malformed mapping");
        if (k->type != YAML_SCALAR_NODE)
            return fail(p, k, path, "mapping keys must be scalars");
        key = (const char *)k->data.scalar.value;
        snprintf(field, sizeof(field), "%s%s%s", path, *path ? "." : "", key);
        for (int i = 0; allowed[i]; i++)
            if (strcmp(allowed[i], key) == 0)
                known = 1;
        if (!known) {
            char list[256] = "";
            for (int i = 0; allowed[i]; i++) {
                strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
                strncat(list, allowed[i], sizeof(list) - strlen(list) - 1);
            }
            return fail(p, k, field, "unknown key (expected one of: %s)", list);
        }
        for (yaml_node_pair_t *b = n->data.mapping.pairs.start; b < a; b++) {
            yaml_node_t *k2 = yaml_document_get_node(p->doc, b->key);
            if (k2 && k2->type == YAML_SCALAR_NODE &&
                strcmp((const char *)k2->data.scalar.value, key) == 0)
                return fail(p, k, field, "duplicate key");
        }
        if (fn(p, field, key, v, arg) != 0)
            return -1;
    }
    return 0;
}

/* Look up key in mapping n (already validated by walk_map), or NULL. */
static yaml_node_t *map_get(struct pctx *p, yaml_node_t *n, const char *key)
{
    for (yaml_node_pair_t *a = n->data.mapping.pairs.start;
         a < n->data.mapping.pairs.top; a++) {
        yaml_node_t *k = yaml_document_get_node(p->doc, a->key);
        if (k && k->type == YAML_SCALAR_NODE &&
            strcmp((const char *)k->data.scalar.value, key) == 0)
            return yaml_document_get_node(p->doc, a->value);
    }
    return NULL;
}

static int need_keys(struct pctx *p, yaml_node_t *n, const char *path,
                     const char *const *required)
{
    for (int i = 0; required[i]; i++)
        if (!map_get(p, n, required[i]))
            return fail(p, n, path, "missing required key '%s'", required[i]);
    return 0;
}

static int seq_check(struct pctx *p, yaml_node_t *n, const char *path, int max)
{
    int len;

    if (n->type != YAML_SEQUENCE_NODE)
        return fail(p, n, path, "expected a list, got %s", node_kind(n));
    len = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (len > max)
        return fail(p, n, path, "at most %d entries allowed, got %d", max, len);
    return len;
}

static yaml_node_t *seq_item(struct pctx *p, yaml_node_t *n, int i)
{
    return yaml_document_get_node(p->doc, n->data.sequence.items.start[i]);
}

/* ---- vtep: ---------------------------------------------------------- */

static int vtep_key(struct pctx *p, const char *path, const char *key,
                    yaml_node_t *v, void *arg)
{
    struct vtepd_config *c = p->cfg;
    uint32_t u;
    (void)arg;

    if (!strcmp(key, "local_ip")) {
        if (get_ip(p, v, path, &c->local_ip))
            return -1;
        uint32_t h = ntohl(c->local_ip);
        if (h == 0 || h == 0xffffffffu || (h >> 28) == 0xe)
            return fail(p, v, path, "must be a unicast address");
        return 0;
    }
    if (!strcmp(key, "udp_port")) {
        if (get_u32(p, v, path, 1, 65535, &u))
            return -1;
        c->udp_port = (uint16_t)u;
        return 0;
    }
    if (!strcmp(key, "ttl")) {
        if (get_u32(p, v, path, 1, 255, &u))
            return -1;
        c->ttl = (uint8_t)u;
        return 0;
    }
    if (!strcmp(key, "underlay_mtu")) {
        if (get_u32(p, v, path, 576, 9216, &u))
            return -1;
        c->underlay_mtu = (uint16_t)u;
        return 0;
    }
    if (!strcmp(key, "mac_age_s"))
        return get_u32(p, v, path, 0, 86400, &c->mac_age_s);
    if (!strcmp(key, "mac_limit"))
        return get_u32(p, v, path, 1, 1u << 24, &c->mac_limit);
    if (!strcmp(key, "residence_histogram"))
        return get_bool(p, v, path, &c->residence_histogram);
    if (!strcmp(key, "mempool_mbufs"))
        return get_u32(p, v, path, 4096, 1u << 26, &c->mempool_mbufs);
    if (!strcmp(key, "poll_sleep_us"))
        return get_u32(p, v, path, 0, 10000, &c->poll_sleep_us);
    if (!strcmp(key, "mbuf_data_room"))
        return get_u32(p, v, path, 1024, 16384, &c->mbuf_data_room);
    if (!strcmp(key, "mac_table_size"))
        return get_u32(p, v, path, 1024, 1u << 24, &c->mac_table_size);
    return fail(p, v, path, "unhandled key");
}

static int parse_vtep(struct pctx *p, yaml_node_t *n, const char *path)
{
    static const char *const allowed[] = {"local_ip", "udp_port", "ttl",
        "underlay_mtu", "mac_age_s", "mac_limit", "mac_table_size", "mempool_mbufs",
        "mbuf_data_room", "residence_histogram", "poll_sleep_us", NULL};
    static const char *const required[] = {"local_ip", NULL};

    if (walk_map(p, n, path, allowed, vtep_key, NULL))
        return -1;
    return need_keys(p, n, path, required);
}

/* ---- eal: ----------------------------------------------------------- */

static int parse_eal(struct pctx *p, yaml_node_t *n, const char *path)
{
    struct vtepd_config *c = p->cfg;
    int len = seq_check(p, n, path, CFG_MAX_EAL_ARGS);

    if (len < 0)
        return -1;
    for (int i = 0; i < len; i++) {
        yaml_node_t *it = seq_item(p, n, i);
        char field[192];
        const char *s;

        snprintf(field, sizeof(field), "%s[%d]", path, i);
        s = scalar(p, it, field);
        if (!s)
            return -1;
        c->eal[c->n_eal] = strdup(s);
        if (!c->eal[c->n_eal])
            return fail(p, it, field, "out of memory");
        c->n_eal++;
    }
    return 0;
}

/* ---- ports: --------------------------------------------------------- */

static int port_key(struct pctx *p, const char *path, const char *key,
                    yaml_node_t *v, void *arg)
{
    struct cfg_port *pt = arg;
    uint32_t u;

    if (!strcmp(key, "name"))
        return get_str(p, v, path, pt->name, sizeof(pt->name));
    if (!strcmp(key, "devargs"))
        return get_str(p, v, path, pt->devargs, sizeof(pt->devargs));
    if (!strcmp(key, "role")) {
        const char *s = scalar(p, v, path);
        if (!s)
            return -1;
        if (!strcmp(s, "access"))
            pt->role = PORT_ROLE_ACCESS;
        else if (!strcmp(s, "underlay"))
            pt->role = PORT_ROLE_UNDERLAY;
        else
            return fail(p, v, path, "expected 'access' or 'underlay', got '%s'", s);
        return 0;
    }
    if (!strcmp(key, "mac")) {
        if (get_mac(p, v, path, pt->mac))
            return -1;
        if (pt->mac[0] & 1)
            return fail(p, v, path, "a port MAC must be unicast");
        pt->has_mac = true;
        return 0;
    }
    if (!strcmp(key, "mtu")) {
        if (get_u32(p, v, path, 576, 9600, &u))
            return -1;
        pt->mtu = (uint16_t)u;
        return 0;
    }
    if (!strcmp(key, "kernel_iface")) {
        if (get_str(p, v, path, pt->kernel_iface, sizeof(pt->kernel_iface)))
            return -1;
        for (const char *q = pt->kernel_iface; *q; q++)
            if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                  (*q >= '0' && *q <= '9') || *q == '-' || *q == '_' || *q == '.'))
                return fail(p, v, path, "an interface name takes letters, digits, '-', '_' and '.'");
        return 0;
    }
    if (!strcmp(key, "kernel_rate_pps"))
        return get_u32(p, v, path, 1, 10000000, &pt->kernel_rate_pps);
    return fail(p, v, path, "unhandled key");
}

static int parse_ports(struct pctx *p, yaml_node_t *n, const char *path)
{
    static const char *const allowed[] = {"name", "role", "devargs", "mac", "mtu",
                                          "kernel_iface", "kernel_rate_pps", NULL};
    static const char *const required[] = {"name", "role", "devargs", NULL};
    struct vtepd_config *c = p->cfg;
    int len = seq_check(p, n, path, CFG_MAX_PORTS);

    if (len < 0)
        return -1;
    if (len == 0)
        return fail(p, n, path, "at least one port is needed");
    for (int i = 0; i < len; i++) {
        yaml_node_t *it = seq_item(p, n, i);
        struct cfg_port *pt = &c->ports[i];
        char field[192];

        snprintf(field, sizeof(field), "%s[%d]", path, i);
        pt->kernel_rate_pps = 10000;
        if (walk_map(p, it, field, allowed, port_key, pt) ||
            need_keys(p, it, field, required))
            return -1;
        if (pt->kernel_iface[0] && pt->role != PORT_ROLE_UNDERLAY) {
            char f2[200];
            snprintf(f2, sizeof(f2), "%s.kernel_iface", field);
            return fail(p, map_get(p, it, "kernel_iface"), f2,
                        "only underlay ports have an exception path");
        }
        for (int j = 0; j < i && pt->kernel_iface[0]; j++)
            if (!strcmp(c->ports[j].kernel_iface, pt->kernel_iface)) {
                char f2[200];
                snprintf(f2, sizeof(f2), "%s.kernel_iface", field);
                return fail(p, map_get(p, it, "kernel_iface"), f2,
                            "'%s' is also ports[%d].kernel_iface", pt->kernel_iface, j);
            }
        for (int j = 0; j < i; j++)
            if (!strcmp(c->ports[j].name, pt->name)) {
                char f2[200];
                snprintf(f2, sizeof(f2), "%s.name", field);
                return fail(p, map_get(p, it, "name"), f2,
                            "duplicate port name '%s'", pt->name);
            }
        c->n_ports = i + 1;
    }
    return 0;
}

/* Resolve a port name to an index with the expected role. */
static int port_ref(struct pctx *p, yaml_node_t *v, const char *path,
                    enum port_role role, int *out)
{
    const char *s = scalar(p, v, path);
    int idx;

    if (!s)
        return -1;
    idx = config_port_index(p->cfg, s);
    if (idx < 0)
        return fail(p, v, path, "unknown port '%s'", s);
    if (p->cfg->ports[idx].role != role)
        return fail(p, v, path, "port '%s' is not an %s port", s,
                    role == PORT_ROLE_ACCESS ? "access" : "underlay");
    *out = idx;
    return 0;
}

/* ---- underlay: ------------------------------------------------------ */

static int nexthop_key(struct pctx *p, const char *path, const char *key,
                       yaml_node_t *v, void *arg)
{
    struct cfg_nexthop *nh = arg;

    if (!strcmp(key, "name"))
        return get_str(p, v, path, nh->name, sizeof(nh->name));
    if (!strcmp(key, "port"))
        return port_ref(p, v, path, PORT_ROLE_UNDERLAY, &nh->port);
    if (!strcmp(key, "ip"))
        return get_ip(p, v, path, &nh->ip);
    if (!strcmp(key, "mac")) {
        if (get_mac(p, v, path, nh->mac))
            return -1;
        if (nh->mac[0] & 1)
            return fail(p, v, path, "a next-hop MAC must be unicast");
        nh->has_mac = true;
        return 0;
    }
    return fail(p, v, path, "unhandled key");
}

static int hash_list(struct pctx *p, yaml_node_t *v, const char *path,
                     char fields[][CFG_NAME_LEN], int *n);

static int underlay_key(struct pctx *p, const char *path, const char *key,
                        yaml_node_t *v, void *arg)
{
    static const char *const nh_allowed[] = {"name", "port", "ip", "mac", NULL};
    static const char *const nh_required[] = {"port", "ip", NULL};
    struct vtepd_config *c = p->cfg;
    (void)arg;

    if (!strcmp(key, "nexthops")) {
        int len = seq_check(p, v, path, CFG_MAX_NEXTHOPS);
        if (len < 0)
            return -1;
        for (int i = 0; i < len; i++) {
            yaml_node_t *it = seq_item(p, v, i);
            struct cfg_nexthop *nh = &c->nexthops[i];
            char field[192];

            nh->port = -1;
            snprintf(field, sizeof(field), "%s[%d]", path, i);
            if (walk_map(p, it, field, nh_allowed, nexthop_key, nh) ||
                need_keys(p, it, field, nh_required))
                return -1;
            if (nh->name[0] == '\0')
                snprintf(nh->name, sizeof(nh->name), "nh%d", i);
            for (int j = 0; j < i; j++)
                if (c->nexthops[j].ip == nh->ip && c->nexthops[j].port == nh->port)
                    return fail(p, it, field, "duplicate next hop");
            c->n_nexthops = i + 1;
        }
        return 0;
    }
    if (!strcmp(key, "ecmp_hash"))
        return hash_list(p, v, path, c->hash_fields, &c->n_hash_fields);
    if (!strcmp(key, "groups") || !strcmp(key, "routes"))
        return 0;   /* after nexthops: see parse_underlay */
    return fail(p, v, path, "unhandled key");
}

static int hash_list(struct pctx *p, yaml_node_t *v, const char *path,
                     char fields[][CFG_NAME_LEN], int *n)
{
    int len = seq_check(p, v, path, CFG_MAX_HASH_FIELDS);

    if (len < 0)
        return -1;
    if (len == 0)
        return fail(p, v, path, "needs at least one field");
    for (int i = 0; i < len; i++) {
        yaml_node_t *it = seq_item(p, v, i);
        char field[192];

        snprintf(field, sizeof(field), "%s[%d]", path, i);
        if (get_str(p, it, field, fields[i], CFG_NAME_LEN))
            return -1;
        if (flow_hash_field_from_name(fields[i]) < 0)
            return fail(p, it, field, "unknown hash field '%s' (known: %s)", fields[i],
                        flow_hash_field_names());
        *n = i + 1;
    }
    return 0;
}

static int group_key(struct pctx *p, const char *path, const char *key,
                     yaml_node_t *v, void *arg)
{
    struct cfg_group *g = arg;
    struct vtepd_config *c = p->cfg;

    if (!strcmp(key, "name"))
        return get_str(p, v, path, g->name, sizeof(g->name));
    if (!strcmp(key, "ecmp_hash"))
        return hash_list(p, v, path, g->hash_fields, &g->n_hash_fields);
    if (!strcmp(key, "nexthops")) {
        int len = seq_check(p, v, path, CFG_MAX_NEXTHOPS);
        if (len < 0)
            return -1;
        if (len == 0)
            return fail(p, v, path, "needs at least one next hop");
        for (int i = 0; i < len; i++) {
            yaml_node_t *it = seq_item(p, v, i);
            char field[192];
            const char *s;
            int found = -1;

            snprintf(field, sizeof(field), "%s[%d]", path, i);
            if (!(s = scalar(p, it, field)))
                return -1;
            for (int k = 0; k < c->n_nexthops; k++)
                if (!strcmp(c->nexthops[k].name, s))
                    found = k;
            if (found < 0)
                return fail(p, it, field, "unknown next hop '%s'", s);
            for (int k = 0; k < i; k++)
                if (g->members[k] == found)
                    return fail(p, it, field, "next hop '%s' listed twice", s);
            g->members[i] = found;
            g->n_members = i + 1;
        }
        return 0;
    }
    return fail(p, v, path, "unhandled key");
}

static int route_key(struct pctx *p, const char *path, const char *key,
                     yaml_node_t *v, void *arg)
{
    struct cfg_route *r = arg;
    struct vtepd_config *c = p->cfg;
    const char *s = scalar(p, v, path);

    if (!s)
        return -1;
    if (!strcmp(key, "prefix")) {
        char buf[64];
        char *slash;
        struct in_addr a;
        unsigned long len;

        snprintf(buf, sizeof(buf), "%s", s);
        slash = strchr(buf, '/');
        if (!slash)
            return fail(p, v, path, "expected A.B.C.D/LEN, got '%s'", s);
        *slash = '\0';
        len = strtoul(slash + 1, NULL, 10);
        if (inet_pton(AF_INET, buf, &a) != 1 || slash[1] == '\0' || len > 32 ||
            strspn(slash + 1, "0123456789") != strlen(slash + 1))
            return fail(p, v, path, "expected A.B.C.D/LEN, got '%s'", s);
        r->len = (uint8_t)len;
        uint32_t mask = len ? htonl(~0u << (32 - len)) : 0;
        if (a.s_addr & ~mask)
            return fail(p, v, path, "host bits set in '%s'", s);
        r->prefix = a.s_addr;
        return 0;
    }
    if (!strcmp(key, "group")) {
        for (int k = 0; k < c->n_groups; k++)
            if (!strcmp(c->groups[k].name, s)) {
                r->group = k;
                return 0;
            }
        return fail(p, v, path, "unknown ECMP group '%s'", s);
    }
    return fail(p, v, path, "unhandled key");
}

static int parse_underlay(struct pctx *p, yaml_node_t *n, const char *path)
{
    static const char *const allowed[] = {"nexthops", "ecmp_hash", "groups", "routes", NULL};
    static const char *const g_allowed[] = {"name", "nexthops", "ecmp_hash", NULL};
    static const char *const g_required[] = {"name", "nexthops", NULL};
    static const char *const r_allowed[] = {"prefix", "group", NULL};
    static const char *const r_required[] = {"prefix", "group", NULL};
    struct vtepd_config *c = p->cfg;
    yaml_node_t *v;

    if (walk_map(p, n, path, allowed, underlay_key, NULL))
        return -1;
    /* the default group: every next hop, the top-level policy */
    struct cfg_group *d = &c->groups[0];
    snprintf(d->name, sizeof(d->name), "default");
    for (int i = 0; i < c->n_nexthops; i++)
        d->members[i] = i;
    d->n_members = c->n_nexthops;
    d->n_hash_fields = c->n_hash_fields;
    memcpy(d->hash_fields, c->hash_fields, sizeof(d->hash_fields));
    c->n_groups = 1;

    if ((v = map_get(p, n, "groups"))) {
        char gp[64];
        snprintf(gp, sizeof(gp), "%s.groups", path);
        int len = seq_check(p, v, gp, CFG_MAX_GROUPS - 1);
        if (len < 0)
            return -1;
        for (int i = 0; i < len; i++) {
            yaml_node_t *it = seq_item(p, v, i);
            struct cfg_group *g = &c->groups[c->n_groups];
            char field[192];

            snprintf(field, sizeof(field), "%s[%d]", gp, i);
            if (walk_map(p, it, field, g_allowed, group_key, g) ||
                need_keys(p, it, field, g_required))
                return -1;
            for (int k = 0; k < c->n_groups; k++)
                if (!strcmp(c->groups[k].name, g->name))
                    return fail(p, map_get(p, it, "name"), field, "duplicate group name '%s'",
                                g->name);
            c->n_groups++;
        }
    }
    if ((v = map_get(p, n, "routes"))) {
        char rp[64];
        snprintf(rp, sizeof(rp), "%s.routes", path);
        int len = seq_check(p, v, rp, CFG_MAX_ROUTES);
        if (len < 0)
            return -1;
        for (int i = 0; i < len; i++) {
            yaml_node_t *it = seq_item(p, v, i);
            struct cfg_route *r = &c->routes[i];
            char field[192];

            snprintf(field, sizeof(field), "%s[%d]", rp, i);
            if (walk_map(p, it, field, r_allowed, route_key, r) ||
                need_keys(p, it, field, r_required))
                return -1;
            for (int k = 0; k < i; k++)
                if (c->routes[k].prefix == r->prefix && c->routes[k].len == r->len)
                    return fail(p, it, field, "duplicate route");
            c->n_routes = i + 1;
        }
    }
    return 0;
}

/* ---- vnis: ---------------------------------------------------------- */

struct vni_arg {
    struct cfg_vni *v;
};

static int attach_key(struct pctx *p, const char *path, const char *key,
                      yaml_node_t *v, void *arg)
{
    struct cfg_attach *a = arg;

    if (!strcmp(key, "port"))
        return port_ref(p, v, path, PORT_ROLE_ACCESS, &a->port);
    if (!strcmp(key, "vlan")) {
        const char *s = scalar(p, v, path);
        uint32_t u;
        if (!s)
            return -1;
        if (!strcmp(s, "untagged")) {
            a->vlan = VLAN_UNTAGGED;
            return 0;
        }
        if (get_u32(p, v, path, 1, 4094, &u)) {
            return fail(p, v, path, "expected 'untagged' or a VLAN id from 1 to 4094, got '%s'", s);
        }
        a->vlan = (uint16_t)u;
        return 0;
    }
    return fail(p, v, path, "unhandled key");
}

static int static_key(struct pctx *p, const char *path, const char *key,
                      yaml_node_t *v, void *arg)
{
    struct cfg_static_mac *s = arg;

    if (!strcmp(key, "mac")) {
        if (get_mac(p, v, path, s->mac))
            return -1;
        if (s->mac[0] & 1)
            return fail(p, v, path, "a static MAC must be unicast");
        return 0;
    }
    if (!strcmp(key, "vtep")) {
        s->remote = true;
        return get_ip(p, v, path, &s->vtep);
    }
    if (!strcmp(key, "port"))
        return port_ref(p, v, path, PORT_ROLE_ACCESS, &s->port);
    return fail(p, v, path, "unhandled key");
}

static int check_vtep_ip(struct pctx *p, yaml_node_t *v, const char *path, uint32_t ip)
{
    uint32_t h = ntohl(ip);

    if (h == 0 || h == 0xffffffffu || (h >> 28) == 0xe)
        return fail(p, v, path, "a VTEP address must be unicast");
    if (ip == p->cfg->local_ip)
        return fail(p, v, path, "is our own VTEP address");
    return 0;
}

static int vni_key(struct pctx *p, const char *path, const char *key,
                   yaml_node_t *v, void *arg)
{
    static const char *const at_allowed[] = {"port", "vlan", NULL};
    static const char *const at_required[] = {"port", NULL};
    static const char *const st_allowed[] = {"mac", "vtep", "port", NULL};
    static const char *const st_required[] = {"mac", NULL};
    struct cfg_vni *vn = ((struct vni_arg *)arg)->v;
    int len;

    if (!strcmp(key, "vni"))
        return get_u32(p, v, path, 1, 0xffffff, &vn->vni);
    if (!strcmp(key, "mac_limit"))
        return get_u32(p, v, path, 1, 1u << 24, &vn->mac_limit);
    if (!strcmp(key, "access")) {
        len = seq_check(p, v, path, CFG_MAX_ATTACH);
        if (len < 0)
            return -1;
        for (int i = 0; i < len; i++) {
            yaml_node_t *it = seq_item(p, v, i);
            struct cfg_attach *a = &vn->attach[i];
            char field[192];

            a->port = -1;
            a->vlan = VLAN_UNTAGGED;
            snprintf(field, sizeof(field), "%s[%d]", path, i);
            if (walk_map(p, it, field, at_allowed, attach_key, a) ||
                need_keys(p, it, field, at_required))
                return -1;
            for (int j = 0; j < i; j++)
                if (vn->attach[j].port == a->port)
                    return fail(p, it, field, "port '%s' is attached to this VNI twice",
                                p->cfg->ports[a->port].name);
            vn->n_attach = i + 1;
        }
        return 0;
    }
    if (!strcmp(key, "static_macs")) {
        len = seq_check(p, v, path, CFG_MAX_STATIC);
        if (len < 0)
            return -1;
        for (int i = 0; i < len; i++) {
            yaml_node_t *it = seq_item(p, v, i);
            struct cfg_static_mac *s = &vn->statics[i];
            char field[192];

            s->port = -1;
            snprintf(field, sizeof(field), "%s[%d]", path, i);
            if (walk_map(p, it, field, st_allowed, static_key, s) ||
                need_keys(p, it, field, st_required))
                return -1;
            if ((map_get(p, it, "vtep") != NULL) == (map_get(p, it, "port") != NULL))
                return fail(p, it, field, "needs exactly one of 'vtep' or 'port'");
            if (s->remote && check_vtep_ip(p, map_get(p, it, "vtep"), field, s->vtep))
                return -1;
            for (int j = 0; j < i; j++)
                if (!memcmp(vn->statics[j].mac, s->mac, 6))
                    return fail(p, it, field, "duplicate static MAC");
            vn->n_static = i + 1;
        }
        return 0;
    }
    if (!strcmp(key, "src_vtep_check"))
        return get_bool(p, v, path, &vn->src_vtep_check);
    if (!strcmp(key, "arp_suppress"))
        return get_bool(p, v, path, &vn->arp_suppress);
    if (!strcmp(key, "flood")) {
        len = seq_check(p, v, path, CFG_MAX_FLOOD);
        if (len < 0)
            return -1;
        for (int i = 0; i < len; i++) {
            yaml_node_t *it = seq_item(p, v, i);
            char field[192];

            snprintf(field, sizeof(field), "%s[%d]", path, i);
            if (get_ip(p, it, field, &vn->flood[i]) ||
                check_vtep_ip(p, it, field, vn->flood[i]))
                return -1;
            for (int j = 0; j < i; j++)
                if (vn->flood[j] == vn->flood[i])
                    return fail(p, it, field, "duplicate flood VTEP");
            vn->n_flood = i + 1;
        }
        return 0;
    }
    return fail(p, v, path, "unhandled key");
}

static int parse_vnis(struct pctx *p, yaml_node_t *n, const char *path)
{
    static const char *const allowed[] = {"vni", "mac_limit", "access",
                                          "static_macs", "flood", "src_vtep_check",
                                          "arp_suppress", NULL};
    static const char *const required[] = {"vni", NULL};
    struct vtepd_config *c = p->cfg;
    int len = seq_check(p, n, path, CFG_MAX_VNIS);

    if (len < 0)
        return -1;
    c->vnis = calloc((size_t)(len ? len : 1), sizeof(*c->vnis));
    if (!c->vnis)
        return fail(p, n, path, "out of memory");
    for (int i = 0; i < len; i++) {
        yaml_node_t *it = seq_item(p, n, i);
        struct vni_arg arg = {.v = &c->vnis[i]};

        c->vnis[i].src_vtep_check = true;
        c->vnis[i].arp_suppress = true;
        char field[192];

        snprintf(field, sizeof(field), "%s[%d]", path, i);
        /* vni first so that later checks can name it */
        if (walk_map(p, it, field, allowed, vni_key, &arg) ||
            need_keys(p, it, field, required))
            return -1;
        c->n_vnis = i + 1;
        for (int j = 0; j < i; j++)
            if (c->vnis[j].vni == c->vnis[i].vni) {
                char f2[200];
                snprintf(f2, sizeof(f2), "%s.vni", field);
                return fail(p, map_get(p, it, "vni"), f2,
                            "duplicate VNI %u (also vnis[%d])", c->vnis[i].vni, j);
            }
        /* (port, vlan) must map to one VNI only */
        for (int a = 0; a < c->vnis[i].n_attach; a++) {
            const struct cfg_attach *x = &c->vnis[i].attach[a];
            for (int j = 0; j < i; j++)
                for (int b = 0; b < c->vnis[j].n_attach; b++) {
                    const struct cfg_attach *y = &c->vnis[j].attach[b];
                    if (x->port == y->port && x->vlan == y->vlan) {
                        char f2[200], vl[16];
                        yaml_node_t *acc = map_get(p, it, "access");
                        snprintf(f2, sizeof(f2), "%s.access[%d]", field, a);
                        if (x->vlan == VLAN_UNTAGGED)
                            snprintf(vl, sizeof(vl), "untagged");
                        else
                            snprintf(vl, sizeof(vl), "vlan %u", x->vlan);
                        return fail(p, seq_item(p, acc, a), f2,
                                    "VLAN clash: port '%s' %s is already mapped to VNI %u",
                                    c->ports[x->port].name, vl, c->vnis[j].vni);
                    }
                }
        }
        /* a local static MAC must sit on a port attached to this VNI */
        for (int s = 0; s < c->vnis[i].n_static; s++) {
            const struct cfg_static_mac *st = &c->vnis[i].statics[s];
            int found = st->remote;
            for (int a = 0; a < c->vnis[i].n_attach && !found; a++)
                found = c->vnis[i].attach[a].port == st->port;
            if (!found) {
                char f2[200];
                yaml_node_t *sm = map_get(p, it, "static_macs");
                snprintf(f2, sizeof(f2), "%s.static_macs[%d].port", field, s);
                return fail(p, map_get(p, seq_item(p, sm, s), "port"), f2,
                            "port '%s' is not attached to VNI %u",
                            c->ports[st->port].name, c->vnis[i].vni);
            }
        }
    }
    return 0;
}

/* ---- bfd: ----------------------------------------------------------- */

static int bfd_key(struct pctx *p, const char *path, const char *key,
                   yaml_node_t *v, void *arg)
{
    struct cfg_bfd *b = arg;
    uint32_t u;

    if (!strcmp(key, "peer"))
        return get_ip(p, v, path, &b->peer);
    if (!strcmp(key, "port"))
        return port_ref(p, v, path, PORT_ROLE_UNDERLAY, &b->port);
    if (!strcmp(key, "tx_ms"))
        return get_u32(p, v, path, 1, 60000, &b->tx_ms);
    if (!strcmp(key, "rx_ms"))
        return get_u32(p, v, path, 1, 60000, &b->rx_ms);
    if (!strcmp(key, "multiplier")) {
        if (get_u32(p, v, path, 1, 255, &u))
            return -1;
        b->multiplier = (uint8_t)u;
        return 0;
    }
    if (!strcmp(key, "hold_down_ms"))
        return get_u32(p, v, path, 0, 3600000, &b->hold_down_ms);
    return fail(p, v, path, "unhandled key");
}

static int parse_bfd(struct pctx *p, yaml_node_t *n, const char *path)
{
    static const char *const allowed[] = {"peer", "port", "tx_ms", "rx_ms", "multiplier",
                                          "hold_down_ms", NULL};
    static const char *const required[] = {"peer", "port", NULL};
    struct vtepd_config *c = p->cfg;
    int len = seq_check(p, n, path, CFG_MAX_NEXTHOPS);

    if (len < 0)
        return -1;
    for (int i = 0; i < len; i++) {
        yaml_node_t *it = seq_item(p, n, i);
        struct cfg_bfd *b = &c->bfd[i];
        char field[192];

        b->port = -1;
        b->nexthop = -1;
        b->tx_ms = 300;
        b->rx_ms = 300;
        b->multiplier = 3;
        snprintf(field, sizeof(field), "%s[%d]", path, i);
        if (walk_map(p, it, field, allowed, bfd_key, b) || need_keys(p, it, field, required))
            return -1;
        for (int k = 0; k < c->n_nexthops; k++)
            if (c->nexthops[k].ip == b->peer && c->nexthops[k].port == b->port)
                b->nexthop = k;
        if (b->nexthop < 0)
            return fail(p, map_get(p, it, "peer"), field,
                        "no underlay next hop with this address on port '%s'",
                        c->ports[b->port].name);
        for (int k = 0; k < i; k++)
            if (c->bfd[k].nexthop == b->nexthop)
                return fail(p, it, field, "a second BFD session to next hop '%s'",
                            c->nexthops[b->nexthop].name);
        c->n_bfd = i + 1;
    }
    return 0;
}

/* ---- control: ------------------------------------------------------- */

static int kernel_mirror_key(struct pctx *p, const char *path, const char *key,
                             yaml_node_t *v, void *arg)
{
    struct vtepd_config *c = p->cfg;
    (void)arg;

    if (!strcmp(key, "enabled"))
        return get_bool(p, v, path, &c->kernel_mirror);
    if (!strcmp(key, "prefix")) {
        if (get_str(p, v, path, c->kernel_mirror_prefix, sizeof(c->kernel_mirror_prefix)))
            return -1;
        for (const char *q = c->kernel_mirror_prefix; *q; q++)
            if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                  (*q >= '0' && *q <= '9') || *q == '-' || *q == '_'))
                return fail(p, v, path, "letters, digits, '-' and '_' only (at most 5)");
        return 0;
    }
    return fail(p, v, path, "unhandled key");
}

static int control_key(struct pctx *p, const char *path, const char *key,
                       yaml_node_t *v, void *arg)
{
    struct vtepd_config *c = p->cfg;
    (void)arg;

    if (!strcmp(key, "feed_socket"))
        return get_str(p, v, path, c->feed_socket, sizeof(c->feed_socket));
    if (!strcmp(key, "cli_socket"))
        return get_str(p, v, path, c->cli_socket, sizeof(c->cli_socket));
    if (!strcmp(key, "feed_tcp_port")) {
        uint32_t u;
        if (get_u32(p, v, path, 1, 65535, &u))
            return -1;
        c->feed_tcp_port = (uint16_t)u;
        return 0;
    }
    if (!strcmp(key, "feed_stale_s"))
        return get_u32(p, v, path, 1, 86400, &c->feed_stale_s);
    if (!strcmp(key, "metrics_listen"))
        return get_listen(p, v, path, &c->metrics_ip, &c->metrics_port);
    if (!strcmp(key, "realtime_priority"))
        return get_u32(p, v, path, 0, 99, &c->realtime_priority);
    if (!strcmp(key, "bfdd_dplane")) {
        struct bfddp_addr a;
        char e[200];
        if (get_str(p, v, path, c->bfdd_dplane, sizeof(c->bfdd_dplane)))
            return -1;
        if (bfddp_addr_parse(c->bfdd_dplane, &a, e, sizeof(e)) != 0)
            return fail(p, v, path, "%s", e);
        return 0;
    }
    if (!strcmp(key, "feed_init_timeout_s"))
        return get_u32(p, v, path, 0, 3600, &c->feed_init_timeout_s);
    if (!strcmp(key, "kernel_mirror")) {
        static const char *const km_allowed[] = {"enabled", "prefix", NULL};
        c->kernel_mirror = true;
        return walk_map(p, v, path, km_allowed, kernel_mirror_key, NULL);
    }
    if (!strcmp(key, "feed_idle_timeout_s"))
        return get_u32(p, v, path, 0, 86400 * 7, &c->feed_idle_timeout_s);
    if (!strcmp(key, "feed_allowed_users")) {
        int len = seq_check(p, v, path, CFG_MAX_FEED_USERS);
        if (len < 0)
            return -1;
        if (len == 0)
            return fail(p, v, path, "needs at least one user (root is the usual one)");
        for (int i = 0; i < len; i++) {
            yaml_node_t *it = seq_item(p, v, i);
            char field[192];
            const char *s;
            char *end;
            unsigned long u;

            snprintf(field, sizeof(field), "%s[%d]", path, i);
            if (!(s = scalar(p, it, field)))
                return -1;
            errno = 0;
            u = strtoul(s, &end, 10);
            if (*s >= '0' && *s <= '9' && *end == '\0' && !errno && u < 0xffffffffu) {
                c->feed_users[i] = (uid_t)u;
            } else {
                const struct passwd *pw = getpwnam(s);
                if (!pw)
                    return fail(p, it, field, "unknown user '%s'", s);
                c->feed_users[i] = pw->pw_uid;
            }
            c->n_feed_users = i + 1;
        }
        return 0;
    }
    return fail(p, v, path, "unhandled key");
}

/* The feed's TCP listener is 127.0.0.1:feed_tcp_port: metrics_listen must
 * not want the same port on an address that overlaps it. */
static int check_metrics_listen(struct pctx *p, yaml_node_t *n, const char *path)
{
    const struct vtepd_config *c = p->cfg;
    char field[160];

    if (!c->metrics_port || c->metrics_port != c->feed_tcp_port ||
        (c->metrics_ip != htonl(INADDR_LOOPBACK) && c->metrics_ip != htonl(INADDR_ANY)))
        return 0;
    snprintf(field, sizeof(field), "%s.metrics_listen", path);
    return fail(p, map_get(p, n, "metrics_listen"), field,
                "port %u is control.feed_tcp_port (the EVPN feed listens on 127.0.0.1:%u)",
                c->metrics_port, c->feed_tcp_port);
}

/* ---- classifier: ----------------------------------------------------- */

static int class_action_key(struct pctx *p, const char *path, const char *key,
                            yaml_node_t *v, void *arg)
{
    struct cfg_class_action *a = arg;
    struct vtepd_config *c = p->cfg;
    uint32_t u;

    if (!strcmp(key, "dscp")) {
        if (get_u32(p, v, path, 0, 63, &u))
            return -1;
        a->dscp = (uint8_t)u;
        return 0;
    }
    if (!strcmp(key, "group")) {
        if (get_str(p, v, path, a->group_name, sizeof(a->group_name)))
            return -1;
        if (!strcmp(a->group_name, "default")) {
            a->group = 0;
            return 0;
        }
        for (int k = 1; k < c->n_groups; k++)
            if (!strcmp(c->groups[k].name, a->group_name)) {
                a->group = k;
                return 0;
            }
        if (p->relaxed && !p->has_underlay) {
            a->group = -1;      /* nothing to resolve against */
            return 0;
        }
        return fail(p, v, path, "unknown ECMP group '%s' (groups: default and underlay.groups)",
                    a->group_name);
    }
    return fail(p, v, path, "unhandled key");
}

static int classifier_key(struct pctx *p, const char *path, const char *key,
                          yaml_node_t *v, void *arg)
{
    static const char *const act_allowed[] = {"group", "dscp", NULL};
    struct cfg_classifier *cl = &p->cfg->classifier;
    struct vtepd_config *c = p->cfg;
    (void)arg;

    if (!strcmp(key, "enabled"))
        return get_bool(p, v, path, &cl->enabled);
    if (!strcmp(key, "rewrite_inner_dscp"))
        return get_bool(p, v, path, &cl->rewrite_inner_dscp);
    if (!strcmp(key, "threshold_packets"))
        return get_u32(p, v, path, 1, 1000000000, &cl->threshold_packets);
    if (!strcmp(key, "idle_s"))
        return get_u32(p, v, path, 1, 86400, &cl->idle_s);
    if (!strcmp(key, "flows_per_worker")) {
        if (get_u32(p, v, path, 1024, 1u << 24, &cl->flows_per_worker))
            return -1;
        if (cl->flows_per_worker & (cl->flows_per_worker - 1))
            return fail(p, v, path, "must be a power of two, got %u", cl->flows_per_worker);
        return 0;
    }
    if (!strcmp(key, "short"))
        return walk_map(p, v, path, act_allowed, class_action_key, &cl->short_flows);
    if (!strcmp(key, "long"))
        return walk_map(p, v, path, act_allowed, class_action_key, &cl->long_flows);
    if (!strcmp(key, "protocols")) {
        int len = seq_check(p, v, path, 2);
        if (len < 0)
            return -1;
        if (len == 0)
            return fail(p, v, path, "needs at least one protocol (tcp, udp)");
        cl->protocols = 0;
        for (int i = 0; i < len; i++) {
            yaml_node_t *it = seq_item(p, v, i);
            char field[192];
            const char *name;
            uint32_t bit;

            snprintf(field, sizeof(field), "%s[%d]", path, i);
            if (!(name = scalar(p, it, field)))
                return -1;
            if (!strcmp(name, "tcp"))
                bit = CFG_CLS_TCP;
            else if (!strcmp(name, "udp"))
                bit = CFG_CLS_UDP;
            else
                return fail(p, it, field, "unknown protocol '%s' (expected tcp or udp)", name);
            if (cl->protocols & bit)
                return fail(p, it, field, "protocol '%s' listed twice", name);
            cl->protocols |= bit;
        }
        return 0;
    }
    if (!strcmp(key, "vnis")) {
        int len = seq_check(p, v, path, CFG_MAX_VNIS);
        if (len < 0)
            return -1;
        if (len == 0)
            return fail(p, v, path, "needs at least one VNI (leave the key out for all VNIs)");
        cl->all_vnis = false;
        for (int i = 0; i < len; i++) {
            yaml_node_t *it = seq_item(p, v, i);
            char field[192];
            uint32_t vni;
            int found = -1;

            snprintf(field, sizeof(field), "%s[%d]", path, i);
            if (get_u32(p, it, field, 1, 16777215, &vni))
                return -1;
            for (int j = 0; j < c->n_vnis; j++)
                if (c->vnis[j].vni == vni)
                    found = j;
            if (found < 0)
                return fail(p, it, field, "VNI %u is not configured in vnis:", vni);
            if (c->vnis[found].classify)
                return fail(p, it, field, "VNI %u listed twice", vni);
            c->vnis[found].classify = true;
            cl->n_vnis++;
        }
        return 0;
    }
    return fail(p, v, path, "unhandled key");
}

static int parse_classifier(struct pctx *p, yaml_node_t *n, const char *path)
{
    static const char *const allowed[] = {"enabled", "threshold_packets", "idle_s",
        "flows_per_worker", "protocols", "short", "long", "vnis", "rewrite_inner_dscp", NULL};
    struct cfg_classifier *cl = &p->cfg->classifier;

    cl->present = true;
    cl->enabled = true;
    return walk_map(p, n, path, allowed, classifier_key, NULL);
}

/* ---- top level ------------------------------------------------------- */

static int top_key(struct pctx *p, const char *path, const char *key,
                   yaml_node_t *v, void *arg)
{
    static const char *const ctl_allowed[] = {"feed_socket", "feed_tcp_port", "feed_stale_s",
                                              "feed_allowed_users", "feed_init_timeout_s",
                                              "feed_idle_timeout_s", "kernel_mirror", "cli_socket",
                                              "realtime_priority", "metrics_listen", "bfdd_dplane",
                                              NULL};
    (void)arg;

    if (!strcmp(key, "vtep"))
        return parse_vtep(p, v, path);
    if (!strcmp(key, "eal"))
        return parse_eal(p, v, path);
    if (!strcmp(key, "ports"))
        return parse_ports(p, v, path);
    if (!strcmp(key, "underlay"))
        return parse_underlay(p, v, path);
    if (!strcmp(key, "vnis"))
        return parse_vnis(p, v, path);
    if (!strcmp(key, "control"))
        return walk_map(p, v, path, ctl_allowed, control_key, NULL) ||
               check_metrics_listen(p, v, path);
    if (!strcmp(key, "bfd"))
        return parse_bfd(p, v, path);
    if (!strcmp(key, "classifier"))
        return parse_classifier(p, v, path);
    return fail(p, v, path, "unhandled key");
}

/* Sections must be read in dependency order (ports before the sections that
 * name them, vtep before vnis), whatever order the file uses. */
static int parse_root(struct pctx *p, yaml_node_t *root)
{
    static const char *const allowed[] = {"vtep", "eal", "ports", "underlay",
                                          "vnis", "control", "bfd", "classifier", NULL};
    static const char *const order[] = {"vtep", "eal", "ports", "underlay",
                                        "vnis", "control", "bfd", "classifier", NULL};
    static const char *const required[] = {"vtep", "ports", NULL};
    static const char *const none[] = {NULL};

    if (root->type != YAML_MAPPING_NODE)
        return fail(p, root, "(top)", "expected a mapping, got %s", node_kind(root));
    /* validate key names and duplicates first, with a no-op callback */
    for (yaml_node_pair_t *a = root->data.mapping.pairs.start;
         a < root->data.mapping.pairs.top; a++) {
        yaml_node_t *k = yaml_document_get_node(p->doc, a->key);
        int known = 0;
        if (!k || k->type != YAML_SCALAR_NODE)
            return fail(p, root, "(top)", "mapping keys must be scalars");
        for (int i = 0; allowed[i]; i++)
            known |= !strcmp(allowed[i], (const char *)k->data.scalar.value);
        if (!known)
            return fail(p, k, (const char *)k->data.scalar.value,
                        "unknown key (expected one of: vtep, eal, ports, underlay, vnis, "
                        "control, bfd, classifier)");
        for (yaml_node_pair_t *b = root->data.mapping.pairs.start; b < a; b++) {
            yaml_node_t *k2 = yaml_document_get_node(p->doc, b->key);
            if (k2 && k2->type == YAML_SCALAR_NODE &&
                !strcmp((const char *)k2->data.scalar.value,
                        (const char *)k->data.scalar.value))
                return fail(p, k, (const char *)k->data.scalar.value, "duplicate key");
        }
    }
    if (need_keys(p, root, "(top)", p->relaxed ? none : required))
        return -1;
    p->has_underlay = map_get(p, root, "underlay") != NULL;
    for (int i = 0; order[i]; i++) {
        yaml_node_t *v = map_get(p, root, order[i]);
        if (v && top_key(p, order[i], order[i], v, NULL))
            return -1;
    }
    return 0;
}

static void set_defaults(struct vtepd_config *c)
{
    c->udp_port = 4789;
    c->ttl = 64;
    c->underlay_mtu = 1500;
    c->mac_age_s = 300;
    c->mac_limit = 8192;
    c->mac_table_size = 262144;
    c->feed_stale_s = 120;
    c->classifier.threshold_packets = 20;
    c->classifier.idle_s = 30;
    c->classifier.flows_per_worker = 262144;
    c->classifier.protocols = CFG_CLS_TCP;
    c->classifier.all_vnis = true;
    snprintf(c->classifier.short_flows.group_name, CFG_NAME_LEN, "default");
    snprintf(c->classifier.long_flows.group_name, CFG_NAME_LEN, "default");
    c->feed_init_timeout_s = 10;
}

/* Walk the event stream once before building the document: depth, node
 * count and aliases are checked as they come, so a hostile file is refused
 * after reading only as far as its first excess (libyaml's loader is
 * quadratic in the nesting depth). Returns 0, or -1 with err set. */
static int prescan(const char *name, const char *buf, size_t len, char *err, size_t errlen)
{
    yaml_parser_t ps;
    yaml_event_t ev;
    unsigned depth = 0, nodes = 0;
    int rc = 0;

    if (!yaml_parser_initialize(&ps)) {
        snprintf(err, errlen, "%s: cannot initialise YAML parser", name);
        return -1;
    }
    yaml_parser_set_input_string(&ps, (const unsigned char *)buf, len);
    for (;;) {
        if (!yaml_parser_parse(&ps, &ev)) {
            snprintf(err, errlen, "%s:%zu:%zu: (syntax): %s%s%s", name,
                     ps.problem_mark.line + 1, ps.problem_mark.column + 1,
                     ps.problem ? ps.problem : "YAML syntax error",
                     ps.context ? " " : "", ps.context ? ps.context : "");
            rc = -1;
            break;
        }
        yaml_event_type_t t = ev.type;
        size_t line = ev.start_mark.line + 1, col = ev.start_mark.column + 1;

        if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) {
            if (++depth > CFG_MAX_DEPTH) {
                snprintf(err, errlen, "%s:%zu:%zu: (structure): nested deeper than %u levels",
                         name, line, col, (unsigned)CFG_MAX_DEPTH);
                rc = -1;
            }
        } else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT) {
            depth--;
        } else if (t == YAML_ALIAS_EVENT) {
            snprintf(err, errlen, "%s:%zu:%zu: (structure): aliases (*name) are not supported",
                     name, line, col);
            rc = -1;
        }
        if (rc == 0 && t != YAML_STREAM_END_EVENT && ++nodes > CFG_MAX_NODES) {
            snprintf(err, errlen, "%s:%zu:%zu: (structure): more than %u YAML nodes", name,
                     line, col, CFG_MAX_NODES);
            rc = -1;
        }
        yaml_event_delete(&ev);
        if (rc != 0 || t == YAML_STREAM_END_EVENT)
            break;
    }
    yaml_parser_delete(&ps);
    return rc;
}

static int load_buffer(const char *name, const char *buf, size_t len,
                       struct vtepd_config *cfg, char *err, size_t errlen, int relaxed)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    struct pctx p = {.name = name, .doc = &doc, .err = err, .errlen = errlen, .cfg = cfg,
                     .relaxed = relaxed};
    yaml_node_t *root;
    int rc;

    memset(cfg, 0, sizeof(*cfg));
    set_defaults(cfg);
    snprintf(cfg->path, sizeof(cfg->path), "%s", name);
    if (errlen)
        err[0] = '\0';

    if (len > CFG_MAX_FILE_BYTES) {
        snprintf(err, errlen, "%s: larger than %u bytes", name, CFG_MAX_FILE_BYTES);
        return -1;
    }
    if (memchr(buf, '\0', len)) {
        snprintf(err, errlen, "%s: contains a NUL byte (not a text file)", name);
        return -1;
    }
    if (prescan(name, buf, len, err, errlen) != 0)
        return -1;
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, errlen, "%s: cannot initialise YAML parser", name);
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errlen, "%s:%zu:%zu: (syntax): %s%s%s", name,
                 parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                 parser.problem ? parser.problem : "YAML syntax error",
                 parser.context ? " " : "", parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        return -1;
    }
    root = yaml_document_get_root_node(&doc);
    if (!root) {
        snprintf(err, errlen, "%s:1:1: (top): the file is empty", name);
        rc = -1;
    } else {
        rc = parse_root(&p, root);
    }
    if (rc == 0) {
        /* per-VNI limits default to the global one */
        for (int i = 0; i < cfg->n_vnis; i++)
            if (cfg->vnis[i].mac_limit == 0)
                cfg->vnis[i].mac_limit = cfg->mac_limit;
        /* the classifier applies to every VNI unless it lists some */
        struct cfg_classifier *cl = &cfg->classifier;
        if (!cl->present) {
            for (int i = 0; i < cfg->n_vnis; i++)
                cfg->vnis[i].classify = false;
            cl->n_vnis = 0;
        } else if (cl->all_vnis) {
            for (int i = 0; i < cfg->n_vnis; i++)
                cfg->vnis[i].classify = true;
            cl->n_vnis = cfg->n_vnis;
        }
        if (cfg->n_feed_users == 0) {
            const struct passwd *pw = getpwnam("frr");
            cfg->feed_users[cfg->n_feed_users++] = 0;
            if (pw && pw->pw_uid != 0)
                cfg->feed_users[cfg->n_feed_users++] = pw->pw_uid;
        }
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc != 0)
        config_free(cfg);
    return rc;
}

int config_load_buffer(const char *name, const char *buf, size_t len,
                       struct vtepd_config *cfg, char *err, size_t errlen)
{
    return load_buffer(name, buf, len, cfg, err, errlen, 0) < 0 ? -EINVAL : 0;
}

static int load_file(const char *path, struct vtepd_config *cfg, char *err, size_t errlen,
                     int relaxed)
{
    struct stat st;
    char *buf;
    ssize_t got;
    size_t sz;
    int fd, rc;

    memset(cfg, 0, sizeof(*cfg));
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
        return -e;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return -EINVAL;
    }
    if (st.st_size > (off_t)CFG_MAX_FILE_BYTES) {
        snprintf(err, errlen, "%s: larger than %u bytes", path, CFG_MAX_FILE_BYTES);
        close(fd);
        return -EFBIG;
    }
    sz = (size_t)st.st_size;
    buf = malloc(sz + 1);
    if (!buf) {
        close(fd);
        snprintf(err, errlen, "%s: out of memory", path);
        return -ENOMEM;
    }
    got = read(fd, buf, sz);
    close(fd);
    if (got < 0 || (size_t)got != sz) {
        snprintf(err, errlen, "%s: short read", path);
        free(buf);
        return -EIO;
    }
    buf[sz] = '\0';
    rc = load_buffer(path, buf, sz, cfg, err, errlen, relaxed);
    free(buf);
    return rc < 0 ? -EINVAL : 0;
}

int config_load(const char *path, struct vtepd_config *cfg, char *err, size_t errlen)
{
    return load_file(path, cfg, err, errlen, 0);
}

int config_load_classifier(const char *path, struct vtepd_config *cfg, char *err,
                           size_t errlen)
{
    return load_file(path, cfg, err, errlen, 1);
}

void config_free(struct vtepd_config *cfg)
{
    for (int i = 0; i < cfg->n_eal; i++)
        free(cfg->eal[i]);
    cfg->n_eal = 0;
    free(cfg->vnis);
    cfg->vnis = NULL;
    cfg->n_vnis = 0;
}

int config_port_index(const struct vtepd_config *cfg, const char *name)
{
    for (int i = 0; i < cfg->n_ports; i++)
        if (!strcmp(cfg->ports[i].name, name))
            return i;
    return -1;
}
