/* Unit tests: the Prometheus text writer (control/mgmt/prom_text.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "prom_text.h"

struct buf {
    char *p;
    size_t n;
    FILE *f;
};

static void open_buf(struct buf *b)
{
    b->p = NULL;
    b->n = 0;
    b->f = open_memstream(&b->p, &b->n);
    assert_non_null(b->f);
}

/* Close b and compare its text with want. */
static void expect_text(struct buf *b, const char *want)
{
    fclose(b->f);
    if (strcmp(b->p, want) != 0) {
        print_error("got:\n%s\nexpected:\n%s\n", b->p, want);
        free(b->p);
        fail();
    }
    free(b->p);
}

static void test_family_and_samples(void **state)
{
    struct buf b;
    (void)state;

    open_buf(&b);
    prom_family(b.f, "vtepd_port_rx_packets_total", PROM_COUNTER, "Packets received on a port");
    prom_u64(b.f, "vtepd_port_rx_packets_total", 18446744073709551615ull, "port", "up0", PROM_END);
    prom_u64(b.f, "vtepd_port_rx_packets_total", 0, "port", "h0", PROM_END);
    prom_family(b.f, "vtepd_uptime_seconds", PROM_GAUGE, "Seconds");
    prom_f64(b.f, "vtepd_uptime_seconds", 1.5, PROM_END);
    prom_f64(b.f, "vtepd_x", 0.000123456789012, "a", "1", "b", "2", PROM_END);
    expect_text(&b,
        "# HELP vtepd_port_rx_packets_total Packets received on a port\n"
        "# TYPE vtepd_port_rx_packets_total counter\n"
        "vtepd_port_rx_packets_total{port=\"up0\"} 18446744073709551615\n"
        "vtepd_port_rx_packets_total{port=\"h0\"} 0\n"
        "# HELP vtepd_uptime_seconds Seconds\n"
        "# TYPE vtepd_uptime_seconds gauge\n"
        "vtepd_uptime_seconds 1.5\n"
        "vtepd_x{a=\"1\",b=\"2\"} 0.000123456789\n");
}

static void test_special_values(void **state)
{
    struct buf b;
    (void)state;

    open_buf(&b);
    prom_f64(b.f, "m", NAN, PROM_END);
    prom_f64(b.f, "m", INFINITY, PROM_END);
    prom_f64(b.f, "m", -INFINITY, PROM_END);
    prom_f64(b.f, "m", 0, PROM_END);
    prom_f64(b.f, "m", 1e21, PROM_END);
    expect_text(&b, "m NaN\nm +Inf\nm -Inf\nm 0\nm 1e+21\n");
}

/* Names from outside (BMP sysName, port names) cannot break a line. */
static void test_escaping(void **state)
{
    struct buf b;
    (void)state;

    open_buf(&b);
    prom_u64(b.f, "m", 1, "feed", "a\"b\\c\nd", PROM_END);
    prom_u64(b.f, "m", 2, "feed", "\xc3\xa9t\xe9\x01\x7f", PROM_END);
    prom_u64(b.f, "m", 3, "feed", "", PROM_END);
    /* a NULL value ends the labels */
    prom_u64(b.f, "m", 4, "feed", (const char *)NULL, "x", "y", PROM_END);
    prom_family(b.f, "m", PROM_GAUGE, "back\\slash\nnew \"line\"");
    expect_text(&b,
        "m{feed=\"a\\\"b\\\\c\\nd\"} 1\n"
        "m{feed=\"??t???\"} 2\n"
        "m{feed=\"\"} 3\n"
        "m 4\n"
        "# HELP m back\\\\slash\\nnew \"line\"\n"
        "# TYPE m gauge\n");
}

static void test_histogram(void **state)
{
    static const double le[3] = {0.000001, 0.00001, 0.0001};
    static const uint64_t count[4] = {5, 0, 7, 2};
    struct prom_hist h = {.n = 3, .le = le, .count = count, .sum = 0.00042};
    static const uint64_t zero[1] = {0};
    struct prom_hist e = {.n = 0, .le = NULL, .count = zero, .sum = 0};
    struct buf b;
    (void)state;

    open_buf(&b);
    prom_family(b.f, "vtepd_packet_residence_seconds", PROM_HISTOGRAM, "Residence");
    prom_histogram(b.f, "vtepd_packet_residence_seconds", &h, "worker", "0", PROM_END);
    prom_histogram(b.f, "vtepd_packet_residence_seconds", &e, PROM_END);
    expect_text(&b,
        "# HELP vtepd_packet_residence_seconds Residence\n"
        "# TYPE vtepd_packet_residence_seconds histogram\n"
        "vtepd_packet_residence_seconds_bucket{worker=\"0\",le=\"1e-06\"} 5\n"
        "vtepd_packet_residence_seconds_bucket{worker=\"0\",le=\"1e-05\"} 5\n"
        "vtepd_packet_residence_seconds_bucket{worker=\"0\",le=\"0.0001\"} 12\n"
        "vtepd_packet_residence_seconds_bucket{worker=\"0\",le=\"+Inf\"} 14\n"
        "vtepd_packet_residence_seconds_sum{worker=\"0\"} 0.00042\n"
        "vtepd_packet_residence_seconds_count{worker=\"0\"} 14\n"
        "vtepd_packet_residence_seconds_bucket{le=\"+Inf\"} 0\n"
        "vtepd_packet_residence_seconds_sum 0\n"
        "vtepd_packet_residence_seconds_count 0\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_family_and_samples),
        cmocka_unit_test(test_special_values),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_histogram),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
