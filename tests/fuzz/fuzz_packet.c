/* libFuzzer target for the packet classifiers and the flow hash: the pure
 * functions every received frame goes through (dataplane/access_classify.c,
 * dataplane/underlay_classify.c, dataplane/flow_hash.c).
 *
 * Input: one byte of settings, then the frame. The settings pick whether
 * the port has an untagged attachment and a VLAN map, whether the NIC said
 * the IPv4 checksum was good, and the flow-hash fields (with the next
 * byte). The frame lies in a buffer of exactly its length, so ASan sees any
 * read past it. Checked on every input:
 *  - access_classify: a frame it accepts is at least 14 bytes (18 when
 *    tagged), its attachment is the one the map gives, a tag is stripped
 *    only when there is one; a drop carries an access-path reason;
 *  - underlay_classify: a frame for the host or a drop carries an
 *    underlay-path reason; a VXLAN frame's inner frame lies inside the input,
 *    is at least 14 bytes, its VNI fits 24 bits, the IPv4 header checksum
 *    was right (unless the NIC vouched); the inner frame then goes through
 *    access_classify and flow_hash as a worker would;
 *  - flow_hash: the same input gives the same hash, with every field set
 *    too, whatever follows the frame.
 * Build and run with `ninja -C build fuzz` or scripts/fuzz packet (seeds:
 * tests/fuzz/corpus-packet from tests/fuzz/gen_packet_corpus.py).
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "access_classify.h"
#include "dp.h"
#include "flow_hash.h"
#include "vxlan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        __builtin_trap();
}

static uint16_t vmap[4096];

static uint16_t map_of(unsigned vid)
{
    return vid % 5 ? (uint16_t)(vid + 1000) : DP_NO_ATTACH;
}

static void run_access(const uint8_t *f, uint32_t len, uint16_t untagged, const uint16_t *map)
{
    struct access_result r;
    enum access_class c = access_classify(f, len, untagged, map, &r);
    int tagged = len >= 14 && f[12] == 0x81 && f[13] == 0x00;

    if (c == AC_DROP) {
        check(drop_reason_path(r.drop) == DROP_PATH_ACCESS);
        return;
    }
    check(c == AC_UNICAST || c == AC_BUM);
    check(len >= (tagged ? 18u : 14u));
    check(r.strip_tag == tagged);
    if (tagged && ((f[14] & 0x0f) << 8 | f[15]) != 0)
        check(map && r.attach == map[(f[14] & 0x0f) << 8 | f[15]]);
    else
        check(r.attach == untagged);
    check(r.attach != DP_NO_ATTACH);
    check((c == AC_BUM) == (f[0] & 1));
    check(!(f[6] & 1));
}

static void run_hash(const uint8_t *f, uint32_t len, uint32_t fields)
{
    struct flow_hash_policy p = {.fields = fields, .seed = 0x5eed1234u};
    uint32_t h = flow_hash(&p, f, len, 100, 1, 2);
    uint8_t *g = malloc(len + 64);

    check(g != NULL);
    memcpy(g, f, len);
    memset(g + len, 0xa5, 64);
    check(flow_hash(&p, g, len, 100, 1, 2) == h);
    check(flow_hash_udp_sport(h) >= 49152);
    p.fields = (1u << FH_NUM_FIELDS) - 1;
    h = flow_hash(&p, f, len, 100, 1, 2);
    check(flow_hash(&p, g, len, 100, 1, 2) == h);
    free(g);
}

static uint16_t sum16(const uint8_t *p, size_t n)
{
    uint32_t s = 0;

    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

static void run_underlay(const uint8_t *f, uint32_t len, int csum_good, uint16_t untagged,
                         const uint16_t *map, uint32_t fields)
{
    static const struct underlay_params up = {
        .udp_port = 4789, .port_mac = {0x02, 0, 0, 0, 0, 0x01},
    };
    struct underlay_params p = up;
    struct underlay_result r;
    enum underlay_class c;

    p.local_ip = htonl(0xc0000201);     /* 192.0.2.1 */
    c = underlay_classify(f, len, &p, csum_good, &r);
    switch (c) {
    case UL_DROP:
        check(drop_reason_path(r.drop) == DROP_PATH_UNDERLAY);
        return;
    case UL_ARP:
        check(len >= 14 && f[12] == 0x08 && f[13] == 0x06);
        return;
    case UL_BFD:
        check(len >= 42 && f[23] == 17);
        return;
    case UL_HOST:
        /* for the kernel (exception path); the reason when there is none */
        check(drop_reason_path(r.drop) == DROP_PATH_UNDERLAY);
        return;
    case UL_VXLAN:
        break;
    default:
        check(0);
    }
    check(len >= 14 + 20 + 8 + 8 + 14);
    check(!memcmp(f, p.port_mac, 6));
    check(r.inner_len >= 14);
    check((uint32_t)r.inner_off + r.inner_len <= len);
    check(r.vni <= 0xffffff);
    check(r.inner_off == 14 + (f[14] & 0x0f) * 4 + 8 + 8);
    if (!csum_good)
        check(sum16(f + 14, (size_t)(f[14] & 0x0f) * 4) == 0xffff);
    /* the inner frame, in a buffer of its own size */
    {
        uint8_t *in = malloc(r.inner_len);
        check(in != NULL);
        memcpy(in, f + r.inner_off, r.inner_len);
        run_access(in, r.inner_len, untagged, map);
        run_hash(in, r.inner_len, fields);
        free(in);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t set;
    uint32_t fields;
    const uint8_t *f;
    uint32_t len;
    uint16_t untagged;
    const uint16_t *map;

    if (size < 2)
        return 0;
    if (vmap[1] == 0)
        for (unsigned v = 0; v < 4096; v++)
            vmap[v] = map_of(v);
    set = data[0];
    fields = ((uint32_t)set << 8 | data[1]) & ((1u << FH_NUM_FIELDS) - 1);
    untagged = set & 1 ? 7 : DP_NO_ATTACH;
    map = set & 2 ? vmap : NULL;
    f = data + 2;
    len = (uint32_t)(size - 2);
    run_access(f, len, untagged, map);
    run_underlay(f, len, !!(set & 4), untagged, map, fields);
    run_hash(f, len, fields);
    return 0;
}
