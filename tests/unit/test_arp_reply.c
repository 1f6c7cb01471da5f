/* Unit tests: ARP replies for the VTEP address (control/arp_reply.c). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "arp_reply.h"

static const uint8_t port_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t asker[6] = {0x02, 0, 0, 0, 0x01, 0x01};

static uint32_t make_arp(uint8_t *f, uint16_t op, const char *spa, const char *tpa)
{
    uint32_t s = inet_addr(spa), t = inet_addr(tpa);

    memset(f, 0xff, 6);
    memcpy(f + 6, asker, 6);
    f[12] = 0x08; f[13] = 0x06;
    f[14] = 0; f[15] = 1; f[16] = 0x08; f[17] = 0; f[18] = 6; f[19] = 4;
    f[20] = 0; f[21] = (uint8_t)op;
    memcpy(f + 22, asker, 6);
    memcpy(f + 28, &s, 4);
    memset(f + 32, 0, 6);
    memcpy(f + 38, &t, 4);
    memset(f + 42, 0, 18);
    return 60;
}

static void test_reply(void **state)
{
    uint8_t f[60];
    uint32_t me = inet_addr("192.0.2.1"), them = inet_addr("192.0.2.254");
    (void)state;

    make_arp(f, 1, "192.0.2.254", "192.0.2.1");
    assert_int_equal(arp_make_reply(f, 60, me, port_mac), ARP_RX_REPLIED);
    assert_memory_equal(f, asker, 6);
    assert_memory_equal(f + 6, port_mac, 6);
    assert_int_equal(f[21], 2);
    assert_memory_equal(f + 22, port_mac, 6);
    assert_memory_equal(f + 28, &me, 4);
    assert_memory_equal(f + 32, asker, 6);
    assert_memory_equal(f + 38, &them, 4);
}

static void test_no_reply(void **state)
{
    uint8_t f[60];
    uint32_t me = inet_addr("192.0.2.1");
    (void)state;

    make_arp(f, 1, "192.0.2.254", "192.0.2.9");
    assert_int_equal(arp_make_reply(f, 60, me, port_mac), ARP_RX_NOT_US);   /* not for us */
    make_arp(f, 2, "192.0.2.254", "192.0.2.1");
    assert_int_equal(arp_make_reply(f, 60, me, port_mac), ARP_RX_TO_US);    /* a reply to us */
    make_arp(f, 1, "192.0.2.254", "192.0.2.1");
    assert_int_equal(arp_make_reply(f, 41, me, port_mac), ARP_RX_BAD);   /* truncated */
    f[19] = 16;                                                  /* IPv6-sized plen */
    assert_int_equal(arp_make_reply(f, 60, me, port_mac), ARP_RX_BAD);
    make_arp(f, 3, "192.0.2.254", "192.0.2.1");                  /* RARP op */
    assert_int_equal(arp_make_reply(f, 60, me, port_mac), ARP_RX_BAD);
    make_arp(f, 1, "192.0.2.254", "192.0.2.1");
    f[22] = 0x01;                                                /* multicast sender */
    assert_int_equal(arp_make_reply(f, 60, me, port_mac), ARP_RX_BAD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reply),
        cmocka_unit_test(test_no_reply),
    };
    return cmocka_run_group_tests_name("arp_reply", tests, NULL, NULL);
}
