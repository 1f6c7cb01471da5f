/* libFuzzer target for the YAML configuration parser (control/core/config.c).
 *
 * The input is a configuration file. config_load_buffer() must return 0 or
 * -EINVAL, never crash or leak (libFuzzer's leak check runs on every input).
 * A refusal must leave one message naming the input ("fuzz.yaml...") and no
 * heap memory in the config; an acceptance must only hold values inside
 * the documented limits, every reference (port, next hop, group) must
 * point at something that exists, and config_free() must release it. The
 * same input parsed twice must give the same answer. Build and run with
 * `ninja -C build fuzz` or scripts/fuzz config (seeds: tests/fuzz/corpus-config,
 * from tests/fuzz/gen_config_corpus.py, conf/ and docs/CONFIG.md).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vtepd_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        __builtin_trap();
}

static int nul_within(const char *s, size_t n)
{
    return memchr(s, '\0', n) != NULL;
}

static void check_accepted(const struct vtepd_config *c)
{
    check(c->n_ports >= 1 && c->n_ports <= CFG_MAX_PORTS);
    check(c->n_nexthops >= 0 && c->n_nexthops <= CFG_MAX_NEXTHOPS);
    check(c->n_groups >= 0 && c->n_groups <= CFG_MAX_GROUPS);
    check(c->n_routes >= 0 && c->n_routes <= CFG_MAX_ROUTES);
    check(c->n_vnis >= 0 && c->n_vnis <= CFG_MAX_VNIS);
    check(c->n_vnis == 0 || c->vnis != NULL);
    check(c->n_bfd >= 0 && c->n_bfd <= CFG_MAX_NEXTHOPS);
    check(c->n_eal >= 0 && c->n_eal <= CFG_MAX_EAL_ARGS);
    check(c->n_feed_users >= 1 && c->n_feed_users <= CFG_MAX_FEED_USERS);
    check(c->n_hash_fields >= 0 && c->n_hash_fields <= CFG_MAX_HASH_FIELDS);
    check(c->ttl >= 1);
    for (int i = 0; i < c->n_eal; i++)
        check(c->eal[i] != NULL);
    for (int i = 0; i < c->n_ports; i++) {
        check(nul_within(c->ports[i].name, sizeof(c->ports[i].name)));
        check(nul_within(c->ports[i].devargs, sizeof(c->ports[i].devargs)));
        check(c->ports[i].role == PORT_ROLE_ACCESS || c->ports[i].role == PORT_ROLE_UNDERLAY);
        for (int k = 0; k < i; k++)
            check(strcmp(c->ports[i].name, c->ports[k].name) != 0);
    }
    for (int i = 0; i < c->n_nexthops; i++) {
        check(c->nexthops[i].port >= 0 && c->nexthops[i].port < c->n_ports);
        check(c->ports[c->nexthops[i].port].role == PORT_ROLE_UNDERLAY);
    }
    for (int g = 0; g < c->n_groups; g++) {
        check(c->groups[g].n_members >= 0 && c->groups[g].n_members <= CFG_MAX_NEXTHOPS);
        for (int m = 0; m < c->groups[g].n_members; m++)
            check(c->groups[g].members[m] >= 0 && c->groups[g].members[m] < c->n_nexthops);
        check(c->groups[g].n_hash_fields >= 0 &&
              c->groups[g].n_hash_fields <= CFG_MAX_HASH_FIELDS);
    }
    for (int r = 0; r < c->n_routes; r++) {
        check(c->routes[r].len <= 32);
        check(c->routes[r].group >= 0 && c->routes[r].group < c->n_groups);
    }
    for (int v = 0; v < c->n_vnis; v++) {
        const struct cfg_vni *cv = &c->vnis[v];

        check(cv->vni >= 1 && cv->vni <= 0xffffff);
        for (int k = 0; k < v; k++)
            check(c->vnis[k].vni != cv->vni);
        check(cv->n_attach >= 0 && cv->n_attach <= CFG_MAX_ATTACH);
        for (int a = 0; a < cv->n_attach; a++) {
            check(cv->attach[a].port >= 0 && cv->attach[a].port < c->n_ports);
            check(c->ports[cv->attach[a].port].role == PORT_ROLE_ACCESS);
            check(cv->attach[a].vlan <= 4094);
        }
        check(cv->n_static >= 0 && cv->n_static <= CFG_MAX_STATIC);
        for (int s = 0; s < cv->n_static; s++)
            if (!cv->statics[s].remote)
                check(cv->statics[s].port >= 0 && cv->statics[s].port < c->n_ports);
        check(cv->n_flood >= 0 && cv->n_flood <= CFG_MAX_FLOOD);
    }
    for (int b = 0; b < c->n_bfd; b++) {
        check(c->bfd[b].port >= 0 && c->bfd[b].port < c->n_ports);
        check(c->bfd[b].nexthop >= 0 && c->bfd[b].nexthop < c->n_nexthops);
    }
    check(nul_within(c->feed_socket, sizeof(c->feed_socket)));
    check(nul_within(c->cli_socket, sizeof(c->cli_socket)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct vtepd_config c, again;
    char err[512], err2[512];
    int rc, rc2;

    memset(err, 0x55, sizeof(err));
    rc = config_load_buffer("fuzz.yaml", (const char *)data, size, &c, err, sizeof(err));
    check(rc == 0 || rc == -EINVAL);
    check(nul_within(err, sizeof(err)));
    if (rc == 0) {
        check_accepted(&c);
    } else {
        check(strncmp(err, "fuzz.yaml", 9) == 0);
        check(c.vnis == NULL && c.n_vnis == 0 && c.n_eal == 0);
    }
    rc2 = config_load_buffer("fuzz.yaml", (const char *)data, size, &again, err2, sizeof(err2));
    check(rc2 == rc);
    check(rc != 0 || (again.n_vnis == c.n_vnis && again.n_ports == c.n_ports &&
                      again.local_ip == c.local_ip));
    check(rc == 0 || strcmp(err, err2) == 0);
    config_free(&c);
    config_free(&again);
    /* config_free on a freed config is allowed */
    config_free(&c);
    return 0;
}
