/* BFD control packet encoding and decoding (see bfd_packet.h). */
#include "bfd_packet.h"
#include "wire.h"

size_t bfd_ctrl_encode(const struct bfd_ctrl *c, uint8_t *buf, size_t cap)
{
    uint8_t flags = 0;

    if (cap < BFD_CTRL_LEN)
        return 0;
    if (c->poll)
        flags |= BFD_FLAG_P;
    if (c->final)
        flags |= BFD_FLAG_F;
    if (c->cpi)
        flags |= BFD_FLAG_C;
    if (c->demand)
        flags |= BFD_FLAG_D;
    if (c->multipoint)
        flags |= BFD_FLAG_M;
    buf[0] = (uint8_t)(BFD_VERSION << 5 | (c->diag & 0x1f));
    buf[1] = (uint8_t)((c->state & 0x3) << 6 | flags);
    buf[2] = c->detect_mult;
    buf[3] = BFD_CTRL_LEN;
    wire_put32(buf + 4, c->my_disc);
    wire_put32(buf + 8, c->your_disc);
    wire_put32(buf + 12, c->desired_min_tx_us);
    wire_put32(buf + 16, c->required_min_rx_us);
    wire_put32(buf + 20, c->required_min_echo_rx_us);
    return BFD_CTRL_LEN;
}

enum bfd_drop bfd_ctrl_decode(const uint8_t *pkt, size_t len, struct bfd_ctrl *c)
{
    struct bfd_ctrl d = { .version = 0 };
    size_t min_len;

    if (len < 4)
        return BFD_DROP_TRUNCATED;
    d.version = pkt[0] >> 5;
    d.diag = pkt[0] & 0x1f;
    d.state = pkt[1] >> 6;
    d.poll = (pkt[1] & BFD_FLAG_P) != 0;
    d.final = (pkt[1] & BFD_FLAG_F) != 0;
    d.cpi = (pkt[1] & BFD_FLAG_C) != 0;
    d.auth = (pkt[1] & BFD_FLAG_A) != 0;
    d.demand = (pkt[1] & BFD_FLAG_D) != 0;
    d.multipoint = (pkt[1] & BFD_FLAG_M) != 0;
    d.detect_mult = pkt[2];
    d.length = pkt[3];

    if (d.version != BFD_VERSION)
        return BFD_DROP_VERSION;
    min_len = d.auth ? BFD_CTRL_AUTH_MIN : BFD_CTRL_LEN;
    if (d.length < min_len)
        return BFD_DROP_LENGTH_SHORT;
    if (d.length > len)
        return BFD_DROP_LENGTH_PAYLOAD;
    /* From here on len >= d.length >= 24: every field is readable. */
    d.my_disc = wire_get32(pkt + 4);
    d.your_disc = wire_get32(pkt + 8);
    d.desired_min_tx_us = wire_get32(pkt + 12);
    d.required_min_rx_us = wire_get32(pkt + 16);
    d.required_min_echo_rx_us = wire_get32(pkt + 20);

    if (d.detect_mult == 0)
        return BFD_DROP_DETECT_MULT;
    if (d.multipoint)
        return BFD_DROP_MULTIPOINT;
    if (d.my_disc == 0)
        return BFD_DROP_MY_DISC;
    if (d.your_disc == 0 && d.state != BFD_STATE_DOWN &&
        d.state != BFD_STATE_ADMIN_DOWN)
        return BFD_DROP_YOUR_DISC;
    if (d.auth)
        return BFD_DROP_AUTH;
    *c = d;
    return BFD_DROP_NONE;
}

const char *bfd_drop_name(enum bfd_drop why)
{
    static const char *const names[BFD_DROP_NUM] = {
        [BFD_DROP_NONE] = "none",
        [BFD_DROP_FRAME_SHORT] = "frame_short",
        [BFD_DROP_NOT_IPV4] = "not_ipv4",
        [BFD_DROP_IP_HEADER] = "ip_header",
        [BFD_DROP_IP_CHECKSUM] = "ip_checksum",
        [BFD_DROP_IP_FRAGMENT] = "ip_fragment",
        [BFD_DROP_NOT_UDP] = "not_udp",
        [BFD_DROP_UDP_LENGTH] = "udp_length",
        [BFD_DROP_UDP_PORT] = "udp_port",
        [BFD_DROP_UDP_CHECKSUM] = "udp_checksum",
        [BFD_DROP_TTL] = "ttl",
        [BFD_DROP_TRUNCATED] = "truncated",
        [BFD_DROP_VERSION] = "version",
        [BFD_DROP_LENGTH_SHORT] = "length_short",
        [BFD_DROP_LENGTH_PAYLOAD] = "length_exceeds_payload",
        [BFD_DROP_DETECT_MULT] = "detect_mult_zero",
        [BFD_DROP_MULTIPOINT] = "multipoint",
        [BFD_DROP_MY_DISC] = "my_disc_zero",
        [BFD_DROP_YOUR_DISC] = "your_disc_zero",
        [BFD_DROP_AUTH] = "auth",
        [BFD_DROP_UNKNOWN_DISC] = "unknown_disc",
        [BFD_DROP_ADMIN_DOWN] = "admin_down",
    };

    if ((unsigned int)why >= BFD_DROP_NUM)
        return "?";
    return names[why];
}

const char *bfd_state_name(enum bfd_state st)
{
    switch (st) {
    case BFD_STATE_ADMIN_DOWN: return "AdminDown";
    case BFD_STATE_DOWN: return "Down";
    case BFD_STATE_INIT: return "Init";
    case BFD_STATE_UP: return "Up";
    }
    return "?";
}

const char *bfd_diag_name(unsigned int diag)
{
    static const char *const names[BFD_DIAG_NUM] = {
        [BFD_DIAG_NONE] = "none",
        [BFD_DIAG_DETECT_EXPIRED] = "detect_expired",
        [BFD_DIAG_ECHO_FAILED] = "echo_failed",
        [BFD_DIAG_NEIGHBOR_DOWN] = "neighbor_down",
        [BFD_DIAG_FWD_PLANE_RESET] = "forwarding_plane_reset",
        [BFD_DIAG_PATH_DOWN] = "path_down",
        [BFD_DIAG_CONCAT_PATH_DOWN] = "concatenated_path_down",
        [BFD_DIAG_ADMIN_DOWN] = "admin_down",
        [BFD_DIAG_REV_CONCAT_PATH_DOWN] = "reverse_concatenated_path_down",
    };

    if (diag >= BFD_DIAG_NUM)
        return "?";
    return names[diag];
}
