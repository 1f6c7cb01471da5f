/* The XDP twin of vtepd's short/long flow classifier: the paper's own form
 * (shared/papers/short-long-flow-splitter.txt). Every IPv4/IPv6 packet that
 * enters the interface leaves the program with the DSCP of its class (ECN
 * kept, IPv4 checksum fixed incrementally), so that Linux policy routing
 * (ip rule ... dsfield/dscp ... table N) sends short and long flows down two
 * tunnels. The decision logic is include/flow_class.h, the same code the
 * DPDK workers run; the flow table is a BPF LRU hash (no sweep needed: the
 * idle rule is applied at lookup, and the LRU reclaims memory).
 *
 * Non-IP frames are passed untouched. Packets that are not classified
 * (fragments, protocols not enabled, malformed) go as short: they get the
 * short DSCP and are not counted. The twin sees no VNI: keys use VNI 0.
 * Two CPUs hitting the same flow at the same instant may lose one count
 * (no atomics: RSS keeps a flow on one CPU). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "flow_class.h"
#include "splitter.h"

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 262144);    /* the loader sets flows_per_worker */
    __type(key, struct fc_key);
    __type(value, struct fc_counts);
} flows SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct splitter_cfg);
} config SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct splitter_stats);
} stats SEC(".maps");

SEC("xdp")
int splitter(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    __u32 zero = 0;
    struct splitter_cfg *cfg = bpf_map_lookup_elem(&config, &zero);
    struct splitter_stats *st = bpf_map_lookup_elem(&stats, &zero);
    struct fc_key key;
    struct fc_meta m;
    __u32 r = 0;
    int v;

    if (!cfg || !st || !cfg->enabled)
        return XDP_PASS;
    st->packets++;
    m.len = ctx->data_end - ctx->data;
    v = fc_extract(data, end, 0, cfg->protocols, &key, &m);
    if (v == FC_OK) {
        struct fc_params fp = {
            .idle = cfg->idle_ns, .threshold = cfg->threshold, .age_shift = cfg->age_shift,
        };
        __u64 now = cfg->use_now ? cfg->now : bpf_ktime_get_ns();
        struct fc_counts *c = bpf_map_lookup_elem(&flows, &key);

        if (c) {
            r = fc_account(c, 1, now, &m, &fp);
        } else {
            struct fc_counts fresh = {};

            r = fc_account(&fresh, 0, now, &m, &fp);
            if (bpf_map_update_elem(&flows, &key, &fresh, BPF_ANY) != 0) {
                st->insert_failed++;
                r = 0;      /* short, not counted */
            }
        }
    } else if (v == FC_NOT_IP) {
        st->not_ip++;
    } else if (v == FC_FRAGMENT) {
        st->fragments++;
    } else if (v == FC_PROTO_OFF) {
        st->proto_off++;
    } else {
        st->malformed++;
    }
    if (r & FC_R_COUNTED) {
        if (r & FC_R_LONG) {
            st->pkts_long++;
            st->bytes_long += m.len;
        } else {
            st->pkts_short++;
            st->bytes_short += m.len;
        }
        if (r & FC_R_NEW)
            st->inserts++;
        if (r & FC_R_PROMOTED)
            st->promotions++;
        if (r & FC_R_EXPIRED)
            st->expired++;
        if (r & FC_R_RESTART)
            st->restarts++;
    } else {
        st->not_counted++;
    }

    /* mark: the offset is 14 or 18; the mask tells the verifier so */
    __u8 dscp = (r & FC_R_LONG) ? cfg->dscp_long : cfg->dscp_short;
    __u8 *ip = (__u8 *)data + (m.l3_off & 0x1f);

    if (m.flags & FC_M_IPV4) {
        if ((void *)(ip + 20) > end)
            return XDP_PASS;
        if (fc_ipv4_set_dscp(ip, dscp))
            st->marked++;
    } else if (m.flags & FC_M_IPV6) {
        if ((void *)(ip + 40) > end)
            return XDP_PASS;
        if (fc_ipv6_set_dscp(ip, dscp))
            st->marked++;
    }
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
