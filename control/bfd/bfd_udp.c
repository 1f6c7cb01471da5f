/* RFC 5881 framing of BFD control packets (see bfd_udp.h). */
#include "bfd_udp.h"
#include "wire.h"

#define ETHERTYPE_IPV4      0x0800
#define IPPROTO_UDP_NUM     17
#define IP_FLAG_DF          0x4000
#define IP_FLAG_MF          0x2000
#define IP_OFFSET_MASK      0x1fff

/* Byte copy that allows overlap (the payload may already be in place). */
static void move_bytes(uint8_t *dst, const uint8_t *src, size_t n)
{
    size_t i;

    if (dst == src || n == 0)
        return;
    if (dst < src) {
        for (i = 0; i < n; i++)
            dst[i] = src[i];
    } else {
        for (i = n; i > 0; i--)
            dst[i - 1] = src[i - 1];
    }
}

/* One's-complement sum of n bytes taken as big-endian 16-bit words (an odd
 * last byte is padded with zero), added to sum. Not folded. */
static uint32_t sum_bytes(uint32_t sum, const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i + 1 < n; i += 2)
        sum += wire_get16(p + i);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

/* Sum of the UDP pseudo header: addresses from the IPv4 header at ip. */
static uint32_t pseudo_sum(const uint8_t *ip, uint16_t udp_len)
{
    uint32_t sum = sum_bytes(0, ip + 12, 8);    /* source, destination */

    return sum + IPPROTO_UDP_NUM + udp_len;
}

size_t bfd_udp_build(uint8_t *frame, size_t cap, const struct bfd_udp_tx *p,
                     const uint8_t *payload, size_t payload_len)
{
    uint8_t *ip = frame + BFD_ETH_HDR_LEN;
    uint8_t *udp = ip + BFD_IP_HDR_LEN;
    size_t total = BFD_FRAME_HDR_LEN + payload_len;
    uint16_t ip_len, udp_len, sum;

    if (payload_len > 0xffff - BFD_IP_HDR_LEN - BFD_UDP_HDR_LEN || cap < total)
        return 0;
    ip_len = (uint16_t)(BFD_IP_HDR_LEN + BFD_UDP_HDR_LEN + payload_len);
    udp_len = (uint16_t)(BFD_UDP_HDR_LEN + payload_len);
    /* Payload first: it may overlap the headers' place. */
    move_bytes(udp + BFD_UDP_HDR_LEN, payload, payload_len);

    move_bytes(frame, p->dst_mac, 6);
    move_bytes(frame + 6, p->src_mac, 6);
    wire_put16(frame + 12, ETHERTYPE_IPV4);

    ip[0] = 0x45;                       /* version 4, IHL 5 */
    ip[1] = p->tos;
    wire_put16(ip + 2, ip_len);
    wire_put16(ip + 4, 0);                   /* identification: atomic datagram */
    wire_put16(ip + 6, IP_FLAG_DF);
    ip[8] = BFD_TTL;
    ip[9] = IPPROTO_UDP_NUM;
    wire_put16(ip + 10, 0);
    move_bytes(ip + 12, (const uint8_t *)&p->src_ip_be, 4);
    move_bytes(ip + 16, (const uint8_t *)&p->dst_ip_be, 4);
    wire_put16(ip + 10, (uint16_t)~fold(sum_bytes(0, ip, BFD_IP_HDR_LEN)));

    wire_put16(udp, p->src_port);
    wire_put16(udp + 2, BFD_UDP_PORT);
    wire_put16(udp + 4, udp_len);
    wire_put16(udp + 6, 0);
    sum = fold(sum_bytes(pseudo_sum(ip, udp_len), udp, udp_len));
    /* A computed checksum of 0 is sent as 0xffff: 0 means "none". */
    wire_put16(udp + 6, sum == 0xffff ? 0xffff : (uint16_t)~sum);
    return total;
}

static enum bfd_drop count(struct bfd_udp_counters *cnt, enum bfd_drop why)
{
    if (cnt) {
        if (why == BFD_DROP_NONE)
            cnt->rx_ok++;
        else
            cnt->drop[why]++;
    }
    return why;
}

enum bfd_drop bfd_udp_parse(const uint8_t *frame, size_t len,
                            struct bfd_udp_rx *out,
                            struct bfd_udp_counters *cnt)
{
    const uint8_t *ip, *udp;
    size_t ihl, ip_len, udp_len;
    uint16_t frag;

    *out = (struct bfd_udp_rx){ .payload = NULL };
    if (len < BFD_FRAME_HDR_LEN)
        return count(cnt, BFD_DROP_FRAME_SHORT);
    if (wire_get16(frame + 12) != ETHERTYPE_IPV4)
        return count(cnt, BFD_DROP_NOT_IPV4);

    ip = frame + BFD_ETH_HDR_LEN;
    ihl = (size_t)(ip[0] & 0x0f) * 4;
    ip_len = wire_get16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < BFD_IP_HDR_LEN || ip_len < ihl ||
        ip_len > len - BFD_ETH_HDR_LEN)
        return count(cnt, BFD_DROP_IP_HEADER);
    if (fold(sum_bytes(0, ip, ihl)) != 0xffff)
        return count(cnt, BFD_DROP_IP_CHECKSUM);
    move_bytes((uint8_t *)&out->src_ip_be, ip + 12, 4);
    move_bytes((uint8_t *)&out->dst_ip_be, ip + 16, 4);
    out->ttl = ip[8];
    frag = wire_get16(ip + 6);
    if (frag & (IP_FLAG_MF | IP_OFFSET_MASK))
        return count(cnt, BFD_DROP_IP_FRAGMENT);
    if (ip[9] != IPPROTO_UDP_NUM)
        return count(cnt, BFD_DROP_NOT_UDP);

    udp = ip + ihl;
    if (ip_len - ihl < BFD_UDP_HDR_LEN)
        return count(cnt, BFD_DROP_UDP_LENGTH);
    udp_len = wire_get16(udp + 4);
    if (udp_len < BFD_UDP_HDR_LEN || udp_len > ip_len - ihl)
        return count(cnt, BFD_DROP_UDP_LENGTH);
    out->src_port = wire_get16(udp);
    out->dst_port = wire_get16(udp + 2);
    if (out->dst_port != BFD_UDP_PORT)
        return count(cnt, BFD_DROP_UDP_PORT);
    if (wire_get16(udp + 6) != 0 &&
        fold(sum_bytes(pseudo_sum(ip, (uint16_t)udp_len), udp, udp_len)) != 0xffff)
        return count(cnt, BFD_DROP_UDP_CHECKSUM);
    if (out->ttl != BFD_TTL)
        return count(cnt, BFD_DROP_TTL);
    out->payload = udp + BFD_UDP_HDR_LEN;
    out->payload_len = udp_len - BFD_UDP_HDR_LEN;
    return count(cnt, BFD_DROP_NONE);
}
