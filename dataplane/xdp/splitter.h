/* Shared between the XDP twin (splitter.bpf.c) and its loader
 * (vtep_splitter.c): the configuration map's value and the per-CPU
 * counters. Plain __u types only: compiled by clang -target bpf and gcc. */
#ifndef VTEPD_SPLITTER_H
#define VTEPD_SPLITTER_H

#include <linux/types.h>

/* config map, index 0 */
struct splitter_cfg {
    __u64 idle_ns;          /* a flow idle this long is over */
    __u64 now;              /* the clock to use when use_now (test-run) */
    __u32 threshold;        /* packets 1..threshold are short */
    __u32 age_shift;        /* fc_counts.born resolution */
    __u32 protocols;        /* FC_PROTO_* */
    __u8 dscp_short;        /* DSCP written into short (and uncounted) IP packets */
    __u8 dscp_long;
    __u8 enabled;           /* 0: pass everything untouched */
    __u8 use_now;           /* 1: time is `now`, not bpf_ktime_get_ns() */
};

/* stats map (per CPU), index 0: the loader sums the CPUs */
struct splitter_stats {
    __u64 packets;          /* every packet the program saw */
    __u64 pkts_short;       /* counted, short */
    __u64 pkts_long;        /* counted, long */
    __u64 bytes_short;
    __u64 bytes_long;
    __u64 not_counted;      /* went short without being counted: */
    __u64 not_ip;           /*   not IPv4/IPv6 */
    __u64 fragments;        /*   IP fragments */
    __u64 proto_off;        /*   protocol not enabled */
    __u64 malformed;        /*   truncated headers */
    __u64 insert_failed;    /*   LRU map update failed */
    __u64 inserts;          /* flows started (new, after idle, after SYN) */
    __u64 promotions;       /* flows that became long */
    __u64 expired;          /* idle flows ended at their next packet */
    __u64 restarts;         /* live flows restarted by a TCP SYN */
    __u64 marked;           /* packets whose DSCP was rewritten */
};

#endif
