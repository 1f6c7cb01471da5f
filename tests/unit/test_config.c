/* Unit tests: YAML configuration parser (control/config.c). */
#include <errno.h>
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "vtepd_config.h"

#define GOOD_HEAD \
    "vtep: { local_ip: 192.0.2.1 }\n" \
    "ports:\n" \
    "  - { name: up0, role: underlay, devargs: \"net_null0\", mac: \"02:00:00:00:00:01\" }\n" \
    "  - { name: h0, role: access, devargs: \"net_null1\" }\n" \
    "  - { name: h1, role: access, devargs: \"net_null2\" }\n"

static int load(const char *text, struct vtepd_config *c, char *err, size_t n)
{
    return config_load_buffer("t.yaml", text, strlen(text), c, err, n);
}

/* Expect a failure whose message starts with "t.yaml:LINE:COL: FIELD: " and
 * contains what. */
static void expect_error(const char *text, int line, int col, const char *field,
                         const char *what)
{
    struct vtepd_config c;
    char err[512], prefix[256];

    assert_int_equal(load(text, &c, err, sizeof(err)), -EINVAL);
    snprintf(prefix, sizeof(prefix), "t.yaml:%d:%d: %s: ", line, col, field);
    if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, what)) {
        print_error("got:      %s\nexpected: %s...%s\n", err, prefix, what);
        fail();
    }
    assert_null(c.vnis);
}

static void test_full_valid(void **state)
{
    static const char text[] =
        "# a full configuration\n"
        "eal: [\"--no-huge\", \"-m\", \"128\"]\n"
        "vtep: { local_ip: 192.0.2.1, udp_port: 4790, ttl: 32, underlay_mtu: 9000,\n"
        "        mac_age_s: 60, mac_limit: 100, mac_table_size: 4096, poll_sleep_us: 50 }\n"
        "ports:\n"
        "  - { name: up0, role: underlay, devargs: \"net_null0\", mac: \"02:00:00:00:00:01\", mtu: 9100 }\n"
        "  - { name: up1, role: underlay, devargs: \"net_null1\" }\n"
        "  - { name: h0, role: access, devargs: \"net_null2\" }\n"
        "underlay:\n"
        "  nexthops:\n"
        "    - { name: spine1, port: up0, ip: 192.0.2.254, mac: \"02:00:00:00:01:01\" }\n"
        "    - { port: up1, ip: 192.0.2.253, mac: \"02:00:00:00:01:02\" }\n"
        "  ecmp_hash: [ inner_src_ip, inner_dst_ip, vni ]\n"
        "vnis:\n"
        "  - vni: 100\n"
        "    access: [ { port: h0, vlan: untagged } ]\n"
        "    static_macs:\n"
        "      - { mac: \"02:00:00:00:aa:01\", vtep: 198.51.100.2 }\n"
        "      - { mac: \"02:00:00:00:aa:02\", port: h0 }\n"
        "    flood: [ 198.51.100.2, 198.51.100.3 ]\n"
        "  - vni: 16777215\n"
        "    mac_limit: 7\n"
        "    access: [ { port: h0, vlan: 4094 } ]\n"
        "control: { feed_socket: /run/vtepd/feed.sock, cli_socket: /run/vtepd/cli.sock }\n";
    struct vtepd_config c;
    char err[512];
    (void)state;

    assert_int_equal(load(text, &c, err, sizeof(err)), 0);
    assert_int_equal(c.n_eal, 3);
    assert_string_equal(c.eal[2], "128");
    assert_int_equal(c.local_ip, inet_addr("192.0.2.1"));
    assert_int_equal(c.udp_port, 4790);
    assert_int_equal(c.ttl, 32);
    assert_int_equal(c.underlay_mtu, 9000);
    assert_int_equal(c.mac_age_s, 60);
    assert_int_equal(c.mac_table_size, 4096);
    assert_int_equal(c.poll_sleep_us, 50);
    assert_int_equal(c.n_ports, 3);
    assert_int_equal(c.ports[0].role, PORT_ROLE_UNDERLAY);
    assert_true(c.ports[0].has_mac);
    assert_int_equal(c.ports[0].mac[5], 1);
    assert_int_equal(c.ports[0].mtu, 9100);
    assert_false(c.ports[1].has_mac);
    assert_int_equal(c.ports[2].role, PORT_ROLE_ACCESS);
    assert_int_equal(c.n_nexthops, 2);
    assert_string_equal(c.nexthops[0].name, "spine1");
    assert_string_equal(c.nexthops[1].name, "nh1");
    assert_int_equal(c.nexthops[1].port, 1);
    assert_int_equal(c.nexthops[1].mac[5], 2);
    assert_int_equal(c.n_hash_fields, 3);
    assert_int_equal(c.n_vnis, 2);
    assert_int_equal(c.vnis[0].vni, 100);
    assert_int_equal(c.vnis[0].mac_limit, 100);     /* global default */
    assert_int_equal(c.vnis[0].n_attach, 1);
    assert_int_equal(c.vnis[0].attach[0].port, 2);
    assert_int_equal(c.vnis[0].attach[0].vlan, VLAN_UNTAGGED);
    assert_int_equal(c.vnis[0].n_static, 2);
    assert_true(c.vnis[0].statics[0].remote);
    assert_int_equal(c.vnis[0].statics[0].vtep, inet_addr("198.51.100.2"));
    assert_false(c.vnis[0].statics[1].remote);
    assert_int_equal(c.vnis[0].statics[1].port, 2);
    assert_int_equal(c.vnis[0].n_flood, 2);
    assert_int_equal(c.vnis[0].flood[1], inet_addr("198.51.100.3"));
    assert_int_equal(c.vnis[1].vni, 16777215);
    assert_int_equal(c.vnis[1].mac_limit, 7);
    assert_int_equal(c.vnis[1].attach[0].vlan, 4094);
    assert_string_equal(c.feed_socket, "/run/vtepd/feed.sock");
    config_free(&c);
}

static void test_defaults(void **state)
{
    struct vtepd_config c;
    char err[512];
    (void)state;

    assert_int_equal(load(GOOD_HEAD, &c, err, sizeof(err)), 0);
    assert_int_equal(c.udp_port, 4789);
    assert_int_equal(c.ttl, 64);
    assert_int_equal(c.underlay_mtu, 1500);
    assert_int_equal(c.poll_sleep_us, 0);
    assert_int_equal(c.mac_age_s, 300);
    assert_int_equal(c.n_vnis, 0);
    config_free(&c);
}

static void test_section_order_free(void **state)
{
    /* vnis before ports in the file must still resolve port names */
    static const char text[] =
        "vnis:\n"
        "  - { vni: 5, access: [ { port: h0 } ] }\n"
        "ports:\n"
        "  - { name: h0, role: access, devargs: \"net_null0\" }\n"
        "vtep: { local_ip: 192.0.2.1 }\n";
    struct vtepd_config c;
    char err[512];
    (void)state;

    assert_int_equal(load(text, &c, err, sizeof(err)), 0);
    assert_int_equal(c.vnis[0].attach[0].port, 0);
    config_free(&c);
}

static void test_unknown_key(void **state)
{
    (void)state;
    expect_error(GOOD_HEAD "vnis:\n  - { vni: 100, colour: blue }\n",
                 7, 17, "vnis[0].colour", "unknown key");
    expect_error("vtep: { local_ip: 192.0.2.1, ttl: 3, foo: 1 }\nports: []\n",
                 1, 38, "vtep.foo", "unknown key");
    expect_error(GOOD_HEAD "colour: {}\n", 6, 1, "colour", "unknown key");
}

static void test_bad_mac(void **state)
{
    (void)state;
    expect_error("vtep: { local_ip: 192.0.2.1 }\nports:\n"
                 "  - { name: up0, role: underlay, devargs: x, mac: \"02:00:00:00:00\" }\n",
                 3, 51, "ports[0].mac", "expected a MAC address");
    expect_error(GOOD_HEAD "vnis:\n  - vni: 1\n    static_macs: [ { mac: \"zz:00:00:00:00:01\", vtep: 198.51.100.2 } ]\n",
                 8, 27, "vnis[0].static_macs[0].mac", "expected a MAC address");
    expect_error(GOOD_HEAD "vnis:\n  - vni: 1\n    static_macs: [ { mac: \"01:00:5e:00:00:01\", vtep: 198.51.100.2 } ]\n",
                 8, 27, "vnis[0].static_macs[0].mac", "must be unicast");
}

static void test_bad_ip(void **state)
{
    (void)state;
    expect_error("vtep: { local_ip: 192.0.2.300 }\nports: []\n",
                 1, 19, "vtep.local_ip", "expected an IPv4 address");
    expect_error("vtep: { local_ip: 224.0.0.1 }\nports: []\n",
                 1, 19, "vtep.local_ip", "unicast");
    expect_error(GOOD_HEAD "vnis:\n  - { vni: 1, flood: [ 198.51.100.2, \"fe80::1\" ] }\n",
                 7, 38, "vnis[0].flood[1]", "expected an IPv4 address");
    expect_error(GOOD_HEAD "vnis:\n  - { vni: 1, flood: [ 192.0.2.1 ] }\n",
                 7, 24, "vnis[0].flood[0]", "our own VTEP address");
}

static void test_duplicate_vni(void **state)
{
    (void)state;
    expect_error(GOOD_HEAD "vnis:\n  - { vni: 100 }\n  - { vni: 200 }\n  - { vni: 100 }\n",
                 9, 12, "vnis[2].vni", "duplicate VNI 100");
}

static void test_vlan_clash(void **state)
{
    (void)state;
    expect_error(GOOD_HEAD "vnis:\n"
                 "  - { vni: 100, access: [ { port: h0, vlan: 10 } ] }\n"
                 "  - { vni: 200, access: [ { port: h1 }, { port: h0, vlan: 10 } ] }\n",
                 8, 41, "vnis[1].access[1]", "VLAN clash: port 'h0' vlan 10 is already mapped to VNI 100");
    expect_error(GOOD_HEAD "vnis:\n"
                 "  - { vni: 100, access: [ { port: h0 } ] }\n"
                 "  - { vni: 200, access: [ { port: h0, vlan: untagged } ] }\n",
                 8, 27, "vnis[1].access[0]", "untagged is already mapped to VNI 100");
    expect_error(GOOD_HEAD "vnis:\n  - { vni: 100, access: [ { port: h0, vlan: 4095 } ] }\n",
                 7, 45, "vnis[0].access[0].vlan", "'untagged' or a VLAN id from 1 to 4094");
}

static void test_unknown_port(void **state)
{
    (void)state;
    expect_error(GOOD_HEAD "vnis:\n  - { vni: 100, access: [ { port: h9 } ] }\n",
                 7, 35, "vnis[0].access[0].port", "unknown port 'h9'");
    expect_error(GOOD_HEAD "underlay:\n  nexthops: [ { port: h0, ip: 192.0.2.254, mac: \"02:00:00:00:01:01\" } ]\n",
                 7, 23, "underlay.nexthops[0].port", "not an underlay port");
    expect_error(GOOD_HEAD "vnis:\n  - { vni: 100, access: [ { port: up0 } ] }\n",
                 7, 35, "vnis[0].access[0].port", "not an access port");
    expect_error(GOOD_HEAD "vnis:\n  - vni: 100\n    access: [ { port: h0 } ]\n"
                 "    static_macs: [ { mac: \"02:00:00:00:aa:01\", port: h1 } ]\n",
                 9, 54, "vnis[0].static_macs[0].port", "not attached to VNI 100");
}

static void test_misc_errors(void **state)
{
    (void)state;
    expect_error("vtep: { local_ip: 192.0.2.1 }\nports:\n  - { name: a, role: access }\n",
                 3, 5, "ports[0]", "missing required key 'devargs'");
    expect_error("vtep: { local_ip: 192.0.2.1 }\nports:\n  - { name: a, role: spine, devargs: x }\n",
                 3, 22, "ports[0].role", "expected 'access' or 'underlay'");
    expect_error(GOOD_HEAD "  - { name: h0, role: access, devargs: y }\n",
                 6, 13, "ports[3].name", "duplicate port name 'h0'");
    expect_error("vtep: { local_ip: 192.0.2.1 }\nports: [  ]\n",
                 2, 8, "ports", "at least one port is needed");
    expect_error("vtep: { local_ip: 192.0.2.1, ttl: 0 }\nports: []\n",
                 1, 35, "vtep.ttl", "from 1 to 255");
    expect_error("vtep: { local_ip: 192.0.2.1, ttl: -1 }\nports: []\n",
                 1, 35, "vtep.ttl", "from 1 to 255");
    expect_error("vtep: { local_ip: 192.0.2.1, udp_port: 70000 }\nports: []\n",
                 1, 40, "vtep.udp_port", "from 1 to 65535");
    expect_error("vtep: { local_ip: 192.0.2.1, poll_sleep_us: 10001 }\nports: []\n",
                 1, 45, "vtep.poll_sleep_us", "from 0 to 10000");
    expect_error("vtep: { local_ip: 192.0.2.1, ttl: 3, ttl: 4 }\nports: []\n",
                 1, 38, "vtep.ttl", "duplicate key");
    expect_error("ports: []\n", 1, 1, "(top)", "missing required key 'vtep'");
    expect_error(GOOD_HEAD "vnis:\n  - { vni: 0 }\n", 7, 12, "vnis[0].vni", "from 1 to 16777215");
    expect_error(GOOD_HEAD "vnis:\n  - { vni: 16777216 }\n", 7, 12, "vnis[0].vni", "from 1 to 16777215");
    expect_error(GOOD_HEAD "vnis: { vni: 1 }\n", 6, 7, "vnis", "expected a list");
    expect_error(GOOD_HEAD "vnis:\n  - { vni: 1, static_macs: [ { mac: \"02:00:00:00:aa:01\" } ] }\n",
                 7, 30, "vnis[0].static_macs[0]", "exactly one of 'vtep' or 'port'");
    expect_error(GOOD_HEAD "underlay: { ecmp_hash: [ inner_src_ip, colour ] }\n",
                 6, 40, "underlay.ecmp_hash[1]", "unknown hash field 'colour'");
    expect_error(GOOD_HEAD "underlay:\n  nexthops: [ { name: s1, port: up0, ip: 192.0.2.254, mac: \"02:00:00:00:01:01\" } ]\n"
                 "  groups: [ { name: g, nexthops: [ s2 ] } ]\n",
                 8, 36, "underlay.groups[0].nexthops[0]", "unknown next hop 's2'");
    expect_error(GOOD_HEAD "underlay:\n  nexthops: [ { name: s1, port: up0, ip: 192.0.2.254, mac: \"02:00:00:00:01:01\" } ]\n"
                 "  groups: [ { name: g, nexthops: [ s1 ] } ]\n  routes: [ { prefix: 198.51.100.1/24, group: g } ]\n",
                 9, 23, "underlay.routes[0].prefix", "host bits set");
    expect_error(GOOD_HEAD "underlay:\n  nexthops: [ { name: s1, port: up0, ip: 192.0.2.254, mac: \"02:00:00:00:01:01\" } ]\n"
                 "  routes: [ { prefix: 198.51.100.0/24, group: nope } ]\n",
                 8, 47, "underlay.routes[0].group", "unknown ECMP group 'nope'");
    expect_error(GOOD_HEAD "underlay:\n  nexthops: [ { name: s1, port: up0, ip: 192.0.2.254, mac: \"02:00:00:00:01:01\" } ]\n"
                 "bfd: [ { peer: 192.0.2.253, port: up0 } ]\n",
                 8, 16, "bfd[0]", "no underlay next hop with this address");
    expect_error(GOOD_HEAD "vnis:\n  - { vni: 1, flood: [ 198.51.100.2, 198.51.100.2 ] }\n",
                 7, 38, "vnis[0].flood[1]", "duplicate flood VTEP");
}

/* ---- classifier: ---- */

#define CLS_HEAD GOOD_HEAD \
    "underlay:\n" \
    "  nexthops: [ { name: s1, port: up0, ip: 192.0.2.254, mac: \"02:00:00:00:01:01\" } ]\n" \
    "  groups: [ { name: short, nexthops: [ s1 ] }, { name: long, nexthops: [ s1 ] } ]\n" \
    "vnis:\n" \
    "  - { vni: 100 }\n" \
    "  - { vni: 200 }\n"

static void test_classifier_valid(void **state)
{
    struct vtepd_config c;
    char err[512];
    (void)state;

    /* no section: off, and defaults in place for a later reload */
    assert_int_equal(load(CLS_HEAD, &c, err, sizeof(err)), 0);
    assert_false(c.classifier.present);
    assert_false(c.classifier.enabled);
    assert_false(c.vnis[0].classify);
    assert_int_equal(c.classifier.threshold_packets, 20);
    config_free(&c);

    /* an empty section: on, every default */
    assert_int_equal(load(CLS_HEAD "classifier: {}\n", &c, err, sizeof(err)), 0);
    assert_true(c.classifier.present);
    assert_true(c.classifier.enabled);
    assert_int_equal(c.classifier.threshold_packets, 20);
    assert_int_equal(c.classifier.idle_s, 30);
    assert_int_equal(c.classifier.flows_per_worker, 262144);
    assert_int_equal(c.classifier.protocols, CFG_CLS_TCP);
    assert_int_equal(c.classifier.short_flows.group, 0);
    assert_string_equal(c.classifier.short_flows.group_name, "default");
    assert_int_equal(c.classifier.short_flows.dscp, 0);
    assert_int_equal(c.classifier.long_flows.group, 0);
    assert_true(c.classifier.all_vnis);
    assert_int_equal(c.classifier.n_vnis, 2);
    assert_true(c.vnis[0].classify);
    assert_true(c.vnis[1].classify);
    assert_false(c.classifier.rewrite_inner_dscp);
    config_free(&c);

    /* everything set (the example plus the rest) */
    assert_int_equal(load(CLS_HEAD
                          "classifier:\n"
                          "  enabled: true\n"
                          "  threshold_packets: 40\n"
                          "  idle_s: 10\n"
                          "  flows_per_worker: 1048576\n"
                          "  protocols: [ udp, tcp ]\n"
                          "  short: { group: short, dscp: 46 }\n"
                          "  long: { group: long, dscp: 10 }\n"
                          "  vnis: [ 200 ]\n"
                          "  rewrite_inner_dscp: true\n", &c, err, sizeof(err)), 0);
    assert_int_equal(c.classifier.threshold_packets, 40);
    assert_int_equal(c.classifier.idle_s, 10);
    assert_int_equal(c.classifier.flows_per_worker, 1048576);
    assert_int_equal(c.classifier.protocols, CFG_CLS_TCP | CFG_CLS_UDP);
    assert_int_equal(c.classifier.short_flows.group, 1);
    assert_int_equal(c.classifier.short_flows.dscp, 46);
    assert_int_equal(c.classifier.long_flows.group, 2);
    assert_int_equal(c.classifier.long_flows.dscp, 10);
    assert_false(c.classifier.all_vnis);
    assert_int_equal(c.classifier.n_vnis, 1);
    assert_false(c.vnis[0].classify);
    assert_true(c.vnis[1].classify);
    assert_true(c.classifier.rewrite_inner_dscp);
    config_free(&c);

    /* enabled: false keeps the section's values but turns it off */
    assert_int_equal(load(CLS_HEAD "classifier: { enabled: false, threshold_packets: 5 }\n",
                          &c, err, sizeof(err)), 0);
    assert_true(c.classifier.present);
    assert_false(c.classifier.enabled);
    assert_int_equal(c.classifier.threshold_packets, 5);
    config_free(&c);

    /* group "default" exists without any underlay: section */
    assert_int_equal(load(GOOD_HEAD "classifier: { long: { group: default, dscp: 8 } }\n",
                          &c, err, sizeof(err)), 0);
    assert_int_equal(c.classifier.long_flows.group, 0);
    config_free(&c);
}

static void test_classifier_errors(void **state)
{
    (void)state;
    expect_error(CLS_HEAD "classifier: [ 1 ]\n", 12, 13, "classifier", "expected a mapping");
    expect_error(CLS_HEAD "classifier: { colour: blue }\n", 12, 15, "classifier.colour", "unknown key");
    expect_error(CLS_HEAD "classifier: { enabled: maybe }\n", 12, 24, "classifier.enabled", "expected true or false");
    expect_error(CLS_HEAD "classifier: { rewrite_inner_dscp: 1 }\n", 12, 35, "classifier.rewrite_inner_dscp", "expected true or false");
    expect_error(CLS_HEAD "classifier: { threshold_packets: 0 }\n", 12, 34, "classifier.threshold_packets", "from 1 to 1000000000");
    expect_error(CLS_HEAD "classifier: { idle_s: 86401 }\n", 12, 23, "classifier.idle_s", "from 1 to 86400");
    expect_error(CLS_HEAD "classifier: { idle_s: 0 }\n", 12, 23, "classifier.idle_s", "from 1 to 86400");
    expect_error(CLS_HEAD "classifier: { flows_per_worker: 100000 }\n", 12, 33, "classifier.flows_per_worker", "must be a power of two");
    expect_error(CLS_HEAD "classifier: { flows_per_worker: 512 }\n", 12, 33, "classifier.flows_per_worker", "from 1024 to 16777216");
    expect_error(CLS_HEAD "classifier: { protocols: [ tcp, icmp ] }\n", 12, 33, "classifier.protocols[1]", "unknown protocol 'icmp'");
    expect_error(CLS_HEAD "classifier: { protocols: [ udp, udp ] }\n", 12, 33, "classifier.protocols[1]", "listed twice");
    expect_error(CLS_HEAD "classifier: { protocols: [] }\n", 12, 26, "classifier.protocols", "needs at least one protocol");
    expect_error(CLS_HEAD "classifier: { protocols: tcp }\n", 12, 26, "classifier.protocols", "expected a list");
    expect_error(CLS_HEAD "classifier: { short: { group: nope, dscp: 46 } }\n", 12, 31, "classifier.short.group", "unknown ECMP group 'nope'");
    expect_error(CLS_HEAD "classifier: { long: { group: long, dscp: 64 } }\n", 12, 42, "classifier.long.dscp", "from 0 to 63");
    expect_error(CLS_HEAD "classifier: { long: { group: long, tos: 1 } }\n", 12, 36, "classifier.long.tos", "unknown key");
    expect_error(CLS_HEAD "classifier: { short: 46 }\n", 12, 22, "classifier.short", "expected a mapping");
    expect_error(CLS_HEAD "classifier: { vnis: [ 100, 300 ] }\n", 12, 28, "classifier.vnis[1]", "VNI 300 is not configured");
    expect_error(CLS_HEAD "classifier: { vnis: [ 200, 200 ] }\n", 12, 28, "classifier.vnis[1]", "VNI 200 listed twice");
    expect_error(CLS_HEAD "classifier: { vnis: [] }\n", 12, 21, "classifier.vnis", "needs at least one VNI");
    expect_error(CLS_HEAD "classifier: { vnis: [ 0 ] }\n", 12, 23, "classifier.vnis[0]", "from 1 to 16777215");
    expect_error(CLS_HEAD "classifier: { idle_s: 5, idle_s: 6 }\n", 12, 26, "classifier.idle_s", "duplicate key");
    /* block style: the position of the value on its own line */
    expect_error(CLS_HEAD "classifier:\n  threshold_packets: 20\n  long:\n    group: long\n    dscp: 99\n",
                 16, 11, "classifier.long.dscp", "from 0 to 63");
    /* without an underlay: section only "default" resolves */
    expect_error(GOOD_HEAD "classifier: { short: { group: short } }\n", 6, 31, "classifier.short.group",
                 "unknown ECMP group 'short'");
}

/* config_load_classifier(): vtep:/ports: optional, unresolved group names
 * kept when there is no underlay: section, checked when there is one. */
static void test_classifier_only_file(void **state)
{
    char path[] = "/tmp/vtepd-test-cls-XXXXXX";
    struct vtepd_config c;
    char err[512];
    int fd;
    FILE *f;
    (void)state;

    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    fputs("classifier: { threshold_packets: 7, short: { group: s, dscp: 4 },\n"
          "              long: { group: default, dscp: 2 } }\n", f);
    fclose(f);
    assert_int_equal(config_load_classifier(path, &c, err, sizeof(err)), 0);
    assert_true(c.classifier.present);
    assert_int_equal(c.classifier.threshold_packets, 7);
    assert_int_equal(c.classifier.short_flows.group, -1);
    assert_string_equal(c.classifier.short_flows.group_name, "s");
    assert_int_equal(c.classifier.short_flows.dscp, 4);
    assert_int_equal(c.classifier.long_flows.group, 0);
    config_free(&c);
    /* the vtepd loader still wants the whole file */
    assert_int_equal(config_load(path, &c, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "missing required key 'vtep'"));

    f = fopen(path, "w");
    fputs("underlay: { nexthops: [] }\nclassifier: { short: { group: s } }\n", f);
    fclose(f);
    assert_int_equal(config_load_classifier(path, &c, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, ":2:31: classifier.short.group: unknown ECMP group 's'"));
    unlink(path);
}

static void test_syntax_error(void **state)
{
    struct vtepd_config c;
    char err[512];
    (void)state;

    assert_int_equal(load("vtep: { local_ip: 192.0.2.1\nports: [\n", &c, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "t.yaml:"));
    assert_non_null(strstr(err, "(syntax)"));
    assert_int_equal(load("", &c, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "t.yaml:1:1: (top): the file is empty"));
    assert_int_equal(load("- a\n- b\n", &c, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "expected a mapping"));
}

static void test_missing_file(void **state)
{
    struct vtepd_config c;
    char err[512];
    (void)state;

    assert_int_equal(config_load("/nonexistent/vtepd.yaml", &c, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "/nonexistent/vtepd.yaml: cannot open"));
}

/* Hostile structure is refused by the pre-scan, at the node that
 * overflows, before libyaml builds a document. */
static void test_input_limits(void **state)
{
    struct vtepd_config c;
    char err[512];
    static char deep[200000];
    (void)state;

    /* 33 levels (the top mapping and 32 lists): the 32nd list opens at
     * column 35 of line 6 */
    snprintf(deep, sizeof(deep), GOOD_HEAD "x: ");
    size_t n = strlen(deep);
    for (int i = 0; i < 32; i++)
        deep[n++] = '[';
    for (int i = 0; i < 32; i++)
        deep[n++] = ']';
    deep[n++] = '\n';
    deep[n] = '\0';
    assert_int_equal(load(deep, &c, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "t.yaml:6:35: (structure): nested deeper than 32 levels"));

    /* 80,000 levels: refused at level 33 (the 32nd list: the top mapping is
     * the first level), not after reading them all */
    n = (size_t)snprintf(deep, sizeof(deep), "x: ");
    for (int i = 0; i < 80000; i++)
        deep[n++] = '[';
    deep[n] = '\0';
    assert_int_equal(load(deep, &c, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "t.yaml:1:35: (structure): nested deeper than 32 levels"));

    assert_int_equal(load(GOOD_HEAD "vnis: [ &v { vni: 1 }, *v ]\n", &c, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "t.yaml:6:24: (structure): aliases (*name) are not supported"));

    assert_int_equal(config_load_buffer("t.yaml", "a: 1\0b: 2\n", 10, &c, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "NUL byte"));
    assert_int_equal(config_load_buffer("t.yaml", deep, CFG_MAX_FILE_BYTES + 1u, &c, err,
                                        sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "larger than"));
}

static void test_feed_users(void **state)
{
    struct vtepd_config c;
    char err[512];
    (void)state;

    assert_int_equal(load(GOOD_HEAD "control: { feed_allowed_users: [ root, 65534 ] }\n", &c,
                          err, sizeof(err)), 0);
    assert_int_equal(c.n_feed_users, 2);
    assert_int_equal(c.feed_users[0], 0);
    assert_int_equal(c.feed_users[1], 65534);
    config_free(&c);
    /* default: root (and frr when the user exists) */
    assert_int_equal(load(GOOD_HEAD, &c, err, sizeof(err)), 0);
    assert_true(c.n_feed_users >= 1);
    assert_int_equal(c.feed_users[0], 0);
    assert_int_equal(c.feed_init_timeout_s, 10);
    config_free(&c);
    expect_error(GOOD_HEAD "control: { feed_allowed_users: [ root, nosuchuser-x ] }\n", 6, 40,
                 "control.feed_allowed_users[1]", "unknown user 'nosuchuser-x'");
    expect_error(GOOD_HEAD "control: { feed_allowed_users: [] }\n", 6, 32,
                 "control.feed_allowed_users", "needs at least one user");
}

/* control.bfdd_dplane: bfdd's --dplaneaddr forms vtepd can connect to */
static void test_bfdd_dplane(void **state)
{
    struct vtepd_config c;
    char err[512];
    (void)state;

    assert_int_equal(load(GOOD_HEAD, &c, err, sizeof(err)), 0);
    assert_string_equal(c.bfdd_dplane, "");
    config_free(&c);
    assert_int_equal(load(GOOD_HEAD "control: { bfdd_dplane: \"unix:/run/frr/dp.sock\" }\n", &c,
                          err, sizeof(err)), 0);
    assert_string_equal(c.bfdd_dplane, "unix:/run/frr/dp.sock");
    config_free(&c);
    assert_int_equal(load(GOOD_HEAD "control: { bfdd_dplane: \"ipv4:127.0.0.1:50700\" }\n", &c,
                          err, sizeof(err)), 0);
    assert_string_equal(c.bfdd_dplane, "ipv4:127.0.0.1:50700");
    config_free(&c);

    expect_error(GOOD_HEAD "control: { bfdd_dplane: \"unixc:/run/frr/dp.sock\" }\n", 6, 25,
                 "control.bfdd_dplane", "makes bfdd the client");
    expect_error(GOOD_HEAD "control: { bfdd_dplane: \"unix:\" }\n", 6, 25,
                 "control.bfdd_dplane", "unix: without a path");
    expect_error(GOOD_HEAD "control: { bfdd_dplane: \"ipv4:localhost\" }\n", 6, 25,
                 "control.bfdd_dplane", "'localhost' is not an IPv4 address");
    expect_error(GOOD_HEAD "control: { bfdd_dplane: \"ipv4:127.0.0.1:0\" }\n", 6, 25,
                 "control.bfdd_dplane", "port '0': expected 1-65535");
    expect_error(GOOD_HEAD "control: { bfdd_dplane: \"tcp:1.2.3.4\" }\n", 6, 25,
                 "control.bfdd_dplane", "expected unix:PATH or ipv4:");
}

static void test_metrics_listen(void **state)
{
    struct vtepd_config c;
    char err[512];
    (void)state;

    /* absent: no endpoint */
    assert_int_equal(load(GOOD_HEAD, &c, err, sizeof(err)), 0);
    assert_int_equal(c.metrics_port, 0);
    config_free(&c);
    assert_int_equal(load(GOOD_HEAD "control: { metrics_listen: \"127.0.0.1:9417\" }\n", &c,
                          err, sizeof(err)), 0);
    assert_int_equal(c.metrics_ip, inet_addr("127.0.0.1"));
    assert_int_equal(c.metrics_port, 9417);
    config_free(&c);
    /* plain scalar (YAML does not take it for a number) and the wildcard */
    assert_int_equal(load(GOOD_HEAD "control: { metrics_listen: 0.0.0.0:1 }\n", &c, err,
                          sizeof(err)), 0);
    assert_int_equal(c.metrics_ip, 0);
    assert_int_equal(c.metrics_port, 1);
    config_free(&c);
    /* the same port as the feed on another address does not clash */
    assert_int_equal(load(GOOD_HEAD "control: { feed_tcp_port: 9417, "
                          "metrics_listen: 192.0.2.1:9417 }\n", &c, err, sizeof(err)), 0);
    config_free(&c);

    expect_error(GOOD_HEAD "control: { metrics_listen: 9417 }\n", 6, 28,
                 "control.metrics_listen", "expected IPv4-address:port");
    expect_error(GOOD_HEAD "control: { metrics_listen: \"localhost:9417\" }\n", 6, 28,
                 "control.metrics_listen", "got 'localhost:9417'");
    expect_error(GOOD_HEAD "control: { metrics_listen: \"[::1]:9417\" }\n", 6, 28,
                 "control.metrics_listen", "expected IPv4-address:port");
    expect_error(GOOD_HEAD "control: { metrics_listen: \"127.0.0.1:\" }\n", 6, 28,
                 "control.metrics_listen", "port: expected a number from 1 to 65535, got ''");
    expect_error(GOOD_HEAD "control: { metrics_listen: \"127.0.0.1:0\" }\n", 6, 28,
                 "control.metrics_listen", "port: expected a number from 1 to 65535");
    expect_error(GOOD_HEAD "control: { metrics_listen: \"127.0.0.1:65536\" }\n", 6, 28,
                 "control.metrics_listen", "got '65536'");
    expect_error(GOOD_HEAD "control: { metrics_listen: \"127.0.0.1:-1\" }\n", 6, 28,
                 "control.metrics_listen", "got '-1'");
    expect_error(GOOD_HEAD "control: { metrics_listen: \"127.0.0.1:94x\" }\n", 6, 28,
                 "control.metrics_listen", "got '94x'");
    expect_error(GOOD_HEAD "control: { metrics_listen: \"127.1:9417\" }\n", 6, 28,
                 "control.metrics_listen", "expected IPv4-address:port");
    expect_error(GOOD_HEAD "control: { metrics_listen: [ 127.0.0.1 ] }\n", 6, 28,
                 "control.metrics_listen", "expected a scalar");
    /* a clash with the feed's 127.0.0.1 listener, whichever key comes first */
    expect_error(GOOD_HEAD "control: { feed_tcp_port: 9417, metrics_listen: 127.0.0.1:9417 }\n",
                 6, 49, "control.metrics_listen", "port 9417 is control.feed_tcp_port");
    expect_error(GOOD_HEAD "control:\n  metrics_listen: 0.0.0.0:11019\n  feed_tcp_port: 11019\n",
                 7, 19, "control.metrics_listen", "port 11019 is control.feed_tcp_port");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_valid),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_section_order_free),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_bad_mac),
        cmocka_unit_test(test_bad_ip),
        cmocka_unit_test(test_duplicate_vni),
        cmocka_unit_test(test_vlan_clash),
        cmocka_unit_test(test_unknown_port),
        cmocka_unit_test(test_misc_errors),
        cmocka_unit_test(test_classifier_valid),
        cmocka_unit_test(test_classifier_errors),
        cmocka_unit_test(test_classifier_only_file),
        cmocka_unit_test(test_syntax_error),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_input_limits),
        cmocka_unit_test(test_feed_users),
        cmocka_unit_test(test_bfdd_dplane),
        cmocka_unit_test(test_metrics_listen),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
