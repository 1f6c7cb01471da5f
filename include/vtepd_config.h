/* vtepd configuration: the parsed form of the YAML file.
 *
 * The parser (control/config.c) fills these plain structures without touching
 * DPDK, so it runs before rte_eal_init() and in unit tests. Addresses are kept
 * in network byte order, MACs as 6 bytes.
 */
#ifndef VTEPD_CONFIG_H
#define VTEPD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CFG_MAX_PORTS      16
#define CFG_MAX_NEXTHOPS   16
#define CFG_MAX_VNIS       4096
#define CFG_MAX_ATTACH     8       /* access attachments per VNI */
#define CFG_MAX_FLOOD      128     /* flood-list VTEPs per VNI */
#define CFG_MAX_STATIC     256     /* static MACs per VNI */
#define CFG_MAX_EAL_ARGS   64
#define CFG_MAX_HASH_FIELDS 16
#define CFG_NAME_LEN       32
#define CFG_DEVARGS_LEN    512
#define CFG_PATH_LEN       256
#define CFG_MAX_FEED_USERS 16
#define CFG_BFDD_DPLANE_LEN 128
/* Input limits, checked before libyaml builds the document: a config file
 * is a few KB to a few hundred KB; these stop hostile files cheaply. */
#define CFG_MAX_FILE_BYTES (4u << 20)
#define CFG_MAX_DEPTH      32      /* nested lists/mappings */
#define CFG_MAX_NODES      (1u << 20)

#define VLAN_UNTAGGED 0  /* an attachment with vlan 0 takes untagged frames */

/* PORT_ROLE_KERNEL: the kernel interface (TAP) of an underlay port's
 * exception path, made by vtepd, never in the configuration itself. */
enum port_role { PORT_ROLE_ACCESS = 0, PORT_ROLE_UNDERLAY = 1, PORT_ROLE_KERNEL = 2 };
#define CFG_IFNAME_LEN 16

struct cfg_port {
    char name[CFG_NAME_LEN];
    enum port_role role;
    char devargs[CFG_DEVARGS_LEN];
    bool has_mac;           /* false: use the device's own MAC */
    uint8_t mac[6];
    uint16_t mtu;           /* 0: leave the device default */
    /* underlay ports: the exception path to the kernel (kernel_iface "" = none) */
    char kernel_iface[CFG_IFNAME_LEN];
    uint32_t kernel_rate_pps;   /* port -> kernel, default 10000 */
};

struct cfg_nexthop {
    char name[CFG_NAME_LEN];
    int port;               /* index into cfg.ports, role underlay */
    uint32_t ip;            /* network order */
    bool has_mac;           /* false: resolved by ARP through the dataplane */
    uint8_t mac[6];
};

#define CFG_MAX_GROUPS 8
#define CFG_MAX_ROUTES 64

/* An ECMP group: a set of next hops and the hash policy spreading over them. */
struct cfg_group {
    char name[CFG_NAME_LEN];
    int n_members;
    int members[CFG_MAX_NEXTHOPS];  /* indexes into cfg.nexthops */
    int n_hash_fields;
    char hash_fields[CFG_MAX_HASH_FIELDS][CFG_NAME_LEN];
};

/* Remote VTEPs in prefix/len are reached through group. */
struct cfg_route {
    uint32_t prefix;        /* network order */
    uint8_t len;
    int group;              /* index into cfg.groups */
};

struct cfg_attach {
    int port;               /* index into cfg.ports, role access */
    uint16_t vlan;          /* VLAN_UNTAGGED or 1..4094 */
};

struct cfg_static_mac {
    uint8_t mac[6];
    bool remote;            /* true: behind vtep; false: on local port */
    uint32_t vtep;          /* network order, when remote */
    int port;               /* index into cfg.ports, when local */
};

struct cfg_bfd {
    uint32_t peer;          /* network order: a next hop's address */
    int port;               /* index into cfg.ports, role underlay */
    int nexthop;            /* index into cfg.nexthops (port + peer) */
    uint32_t tx_ms;         /* desired min TX interval */
    uint32_t rx_ms;         /* required min RX interval */
    uint8_t multiplier;
    uint32_t hold_down_ms;  /* Up must last this long before the next hop returns */
};

struct cfg_vni {
    uint32_t vni;
    uint32_t mac_limit;
    bool classify;          /* the classifier applies to this VNI */
    bool src_vtep_check;    /* decapsulate only from flood-list VTEPs; default true */
    bool arp_suppress;      /* answer local ARP from known bindings; default true */
    int n_attach;
    struct cfg_attach attach[CFG_MAX_ATTACH];
    int n_static;
    struct cfg_static_mac statics[CFG_MAX_STATIC];
    int n_flood;
    uint32_t flood[CFG_MAX_FLOOD];   /* network order */
};

/* classifier: the short/long flow classifier (include/flow_class.h). */
#define CFG_CLS_TCP 0x1u    /* == FC_PROTO_TCP */
#define CFG_CLS_UDP 0x2u    /* == FC_PROTO_UDP */

struct cfg_class_action {
    char group_name[CFG_NAME_LEN];
    int group;              /* index into cfg.groups ("default" = 0); -1 when
                             * config_load_classifier() had no underlay: */
    uint8_t dscp;           /* outer DSCP 0-63 (the XDP twin: the packet's) */
};

struct cfg_classifier {
    bool present;           /* the section exists */
    bool enabled;           /* default true when present, false without it */
    uint32_t threshold_packets; /* packets 1..threshold are short; default 20 */
    uint32_t idle_s;        /* a flow idle this long is over; default 30 */
    uint32_t flows_per_worker;  /* power of two, default 262144 */
    uint32_t protocols;     /* CFG_CLS_*; default TCP */
    struct cfg_class_action short_flows;    /* default { group: default, dscp: 0 } */
    struct cfg_class_action long_flows;
    bool all_vnis;          /* no vnis: key; else cfg_vni.classify marks them */
    int n_vnis;             /* VNIs it applies to (all configured ones by default) */
    bool rewrite_inner_dscp;/* default false */
};

struct vtepd_config {
    char path[CFG_PATH_LEN];

    /* vtep: */
    uint32_t local_ip;      /* network order */
    uint16_t udp_port;      /* host order, default 4789 */
    uint8_t ttl;            /* default 64 */
    uint16_t underlay_mtu;  /* outer IPv4 MTU, default 1500 */
    uint32_t mac_age_s;     /* default 300, 0 = never */
    uint32_t mac_limit;     /* default per-VNI limit */
    uint32_t mac_table_size;/* total entries in the shared table */
    uint32_t mempool_mbufs; /* 0: sized from ports and workers; else at least this */
    uint32_t mbuf_data_room;/* bytes of frame per mbuf; 0: the largest frame fits one */
    bool residence_histogram;   /* per-worker RX-to-TX time histogram; default off */
    uint32_t poll_sleep_us;     /* a worker turn that found nothing sleeps this long; 0 = busy poll */

    int n_eal;
    char *eal[CFG_MAX_EAL_ARGS];

    int n_ports;
    struct cfg_port ports[CFG_MAX_PORTS];

    int n_nexthops;
    struct cfg_nexthop nexthops[CFG_MAX_NEXTHOPS];
    int n_hash_fields;
    char hash_fields[CFG_MAX_HASH_FIELDS][CFG_NAME_LEN];
    /* groups[0] is "default": every next hop, the ecmp_hash above; more
     * groups and the routes that use them come from underlay.groups/routes */
    int n_groups;
    struct cfg_group groups[CFG_MAX_GROUPS];
    int n_routes;
    struct cfg_route routes[CFG_MAX_ROUTES];

    int n_vnis;
    struct cfg_vni *vnis;   /* n_vnis entries, heap */

    int n_bfd;
    struct cfg_bfd bfd[CFG_MAX_NEXTHOPS];

    char feed_socket[CFG_PATH_LEN];
    uint16_t feed_tcp_port;     /* 0: no TCP listener; else 127.0.0.1:port */
    uint32_t feed_stale_s;      /* how long a closed feed's paths live, default 120 */
    char cli_socket[CFG_PATH_LEN];
    uint32_t realtime_priority; /* 0: normal; 1-99: SCHED_FIFO for the BFD thread */
    /* control.bfdd_dplane: FRR bfdd's --dplaneaddr ("unix:PATH" or
     * "ipv4:A.B.C.D[:PORT]"); vtepd connects as its data plane; "" = off */
    char bfdd_dplane[CFG_BFDD_DPLANE_LEN];
    /* who may feed routes (peer uid of the feed connection); default root
     * and the "frr" user when it exists */
    int n_feed_users;
    uid_t feed_users[CFG_MAX_FEED_USERS];
    uint32_t feed_init_timeout_s;   /* BMP Initiation deadline, default 10; 0 = none */
    uint32_t feed_idle_timeout_s;   /* after Initiation, default 0 = none */
    bool kernel_mirror;             /* local MACs into kernel bridges for zebra */
    char kernel_mirror_prefix[6];   /* device name prefix, default "vtd" */
    /* control.metrics_listen "A.B.C.D:PORT": Prometheus over HTTP */
    uint32_t metrics_ip;        /* network order */
    uint16_t metrics_port;      /* host order; 0: no HTTP endpoint */

    struct cfg_classifier classifier;
};

/* Parse the YAML file at path into *cfg (zeroed first, defaults applied).
 * Returns 0 on success. On failure returns a negative errno (-EINVAL: the
 * content; -ENOENT, -EACCES, -EFBIG, -EIO, -ENOMEM: the file) and writes
 * one line "FILE:LINE:COL: FIELD: what is wrong" (1-based line and column),
 * or "FILE: reason", into err.
 * On success *cfg owns heap memory: release it with config_free(). */
int config_load(const char *path, struct vtepd_config *cfg, char *err, size_t errlen);

/* Same as config_load() but parses an in-memory buffer; name is used in
 * error messages in place of the file name. */
int config_load_buffer(const char *name, const char *buf, size_t len,
                       struct vtepd_config *cfg, char *err, size_t errlen);

/* For tools that only need the classifier: section (vtep-splitter): the same
 * grammar and checks as config_load(), but vtep: and ports: are not
 * required, and when the file has no underlay: section, group names are
 * kept unresolved (group -1; "default" is 0). The caller checks
 * cfg->classifier.present. */
int config_load_classifier(const char *path, struct vtepd_config *cfg, char *err,
                           size_t errlen);

/* Release what config_load() allocated. Safe on a zeroed or failed config. */
void config_free(struct vtepd_config *cfg);

/* Everything start-up would refuse that the file alone can tell (socket
 * paths that cannot be bound, the same path twice, too few lcores in the
 * EAL arguments, capture files that cannot be read, more static MACs than
 * the table holds). Returns 0, or -1 with one "FILE: field: what" line in
 * err. config_load() has passed already. */
int config_check_startup(const struct vtepd_config *cfg, char *err, size_t errlen);

/* Index of the port called name, or -1. */
int config_port_index(const struct vtepd_config *cfg, const char *name);

#endif
