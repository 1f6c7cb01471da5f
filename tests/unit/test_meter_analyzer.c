/* Unit tests: vtep-meter matching, flow accounting and summaries on
 * synthetic timestamps (dataplane/meter/meter_analyzer.c, meter_match.c,
 * meter_flow.c): exact latencies, FCT and RFC 3550 jitter, reordering,
 * loss at B (at the end and by timeout), duplicates at A and at B, copies
 * processed B first, packets only at B, a flow that never completes, class
 * by threshold, bounded tables with their counters. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "meter.h"
#include "meter_frames.h"

#define T0 1700000000000000000LL

static struct meter_config base_cfg(void)
{
    struct meter_config c;

    meter_config_default(&c);
    c.max_flows = 64;
    c.max_pending = 256;
    c.max_samples = 1024;
    c.max_records = 1024;
    c.threshold = 3;
    return c;
}

/* Packet i of flow fl: plain at A, VXLAN with other TTL/DSCP/MACs at B. */
static void frame_a(struct tframe *f, int fl, int i)
{
    struct tpkt t = tpkt_default();

    t.sport = (uint16_t)(1000 + fl);
    t.seq = (uint32_t)(100 + 1448 * i);
    t.ip_id = (uint16_t)(fl * 1000 + i);
    t.pay_seed = (uint8_t)i;
    tframe_build(f, &t);
}

static void frame_b(struct tframe *f, int fl, int i, uint8_t dscp)
{
    struct tpkt t = tpkt_default();
    struct tframe in;

    t.sport = (uint16_t)(1000 + fl);
    t.seq = (uint32_t)(100 + 1448 * i);
    t.ip_id = (uint16_t)(fl * 1000 + i);
    t.pay_seed = (uint8_t)i;
    t.ttl = 60;
    t.tos = 0x03;
    t.mac_src = 0x55;
    tframe_build(&in, &t);
    tframe_vxlan(f, &in, 0xC0000201, 0xC0000202, 62, dscp, (uint16_t)(50000 + i), 4789, 10);
}

static void at_a(struct meter *m, int fl, int i, int64_t ts)
{
    struct tframe f;

    frame_a(&f, fl, i);
    assert_int_equal(meter_packet(m, METER_TAP_A, 0, ts, f.b, f.len, METER_LINK_ETHERNET), 0);
}

static void at_b(struct meter *m, int fl, int i, int64_t ts, uint8_t dscp)
{
    struct tframe f;

    frame_b(&f, fl, i, dscp);
    assert_int_equal(meter_packet(m, METER_TAP_B, 1, ts, f.b, f.len, METER_LINK_ETHERNET), 0);
}

static const struct meter_flow *only_flow(const struct meter *m, uint32_t idx)
{
    assert_true(idx < m->flows.n);
    return &m->flows.f[idx];
}

static double jitter_of(const int64_t *lat, int n)
{
    double j = 0;

    for (int k = 1; k < n; k++) {
        double d = fabs((double)(lat[k] - lat[k - 1]));

        j += (d - j) / 16.0;
    }
    return j;
}

/* In order, no loss: exact per-packet latency, FCT, jitter, DSCP. */
static void test_basic(void **state)
{
    struct meter_config c = base_cfg();
    struct meter *m = meter_create(&c);
    int64_t lat[3] = {100000, 130500, 90001};
    const struct meter_flow *f;
    int64_t fct;
    (void)state;

    for (int i = 0; i < 3; i++)
        at_a(m, 0, i, T0 + i * 50000);
    for (int i = 0; i < 3; i++)
        at_b(m, 0, i, T0 + i * 50000 + lat[i], 46);
    meter_finish(m);
    assert_int_equal(m->c.matched, 3);
    assert_int_equal(m->c.lost, 0);
    assert_int_equal(m->c.flows, 1);
    assert_int_equal(m->n_rec, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(m->rec[i].ts_b - m->rec[i].ts_a, lat[i]);
    f = only_flow(m, 0);
    assert_int_equal(f->packets, 3);
    assert_int_equal(f->matched, 3);
    assert_true(meter_flow_completed(f));
    assert_true(meter_flow_fct(f, &fct));
    assert_int_equal(fct, 2 * 50000 + 90001);         /* last at B - first at A */
    assert_int_equal(f->lat_min, 90001);
    assert_int_equal(f->lat_max, 130500);
    assert_true(fabs(f->jitter - jitter_of(lat, 3)) < 1e-9);
    assert_int_equal(f->dscp_first, 46);
    assert_int_equal(f->dscp_set, 1ULL << 46);
    assert_int_equal(f->encap_b, 1);
    assert_int_equal(meter_flow_class(f, c.threshold), METER_CLASS_SHORT);
    meter_destroy(m);
}

/* B copies arrive in another order than A sent them; jitter follows the
 * B arrival order (RFC 3550); FCT is the last arrival. */
static void test_reordering(void **state)
{
    struct meter_config c = base_cfg();
    struct meter *m = meter_create(&c);
    /* A at 0, 10 us, 20 us, 30 us; B order: 1, 0, 3, 2 */
    int64_t ta[4] = {T0, T0 + 10000, T0 + 20000, T0 + 30000};
    int64_t tb[4] = {T0 + 95000, T0 + 60000, T0 + 140000, T0 + 120000};
    const int order[4] = {1, 0, 3, 2};
    int64_t lat_b_order[4];
    const struct meter_flow *f;
    int64_t fct;
    (void)state;

    for (int i = 0; i < 4; i++)
        at_a(m, 0, i, ta[i]);
    for (int k = 0; k < 4; k++) {
        int i = order[k];

        at_b(m, 0, i, tb[i], 10);
        lat_b_order[k] = tb[i] - ta[i];
    }
    meter_finish(m);
    f = only_flow(m, 0);
    assert_int_equal(m->c.matched, 4);
    for (int k = 0; k < 4; k++)
        assert_int_equal(m->rec[k].ts_b - m->rec[k].ts_a, lat_b_order[k]);
    assert_true(meter_flow_fct(f, &fct));
    assert_int_equal(fct, T0 + 140000 - T0);
    assert_true(fabs(f->jitter - jitter_of(lat_b_order, 4)) < 1e-9);
    assert_true(meter_flow_completed(f));
    assert_int_equal(meter_flow_class(f, c.threshold), METER_CLASS_LONG);   /* 4 > 3 */
    meter_destroy(m);
}

/* Loss at B: the flow does not complete; FCT counts the matched packets;
 * the lost packet is declared once B time passes its timeout, or at the
 * end. */
static void test_loss(void **state)
{
    struct meter_config c = base_cfg();
    struct meter *m;
    const struct meter_flow *f;
    int64_t fct;
    (void)state;

    c.timeout_ns = 1000000;       /* 1 ms */
    m = meter_create(&c);
    for (int i = 0; i < 3; i++)
        at_a(m, 0, i, T0 + i * 100000);
    at_b(m, 0, 0, T0 + 50000, 0);
    at_b(m, 0, 2, T0 + 250000, 0);          /* #1 lost */
    assert_int_equal(m->c.lost, 0);         /* B time not yet beyond ts_A + 1 ms */
    at_b(m, 1, 0, T0 + 100000 + 1000001, 0);/* another flow's packet moves B time on */
    assert_int_equal(m->c.lost, 1);
    f = only_flow(m, 0);
    assert_int_equal(f->lost, 1);
    assert_false(meter_flow_completed(f));
    assert_true(meter_flow_fct(f, &fct));
    assert_int_equal(fct, 250000);
    meter_finish(m);
    assert_int_equal(m->c.lost, 1);
    assert_int_equal(m->c.unexpected_b, 1);  /* flow 1's packet never seen at A */
    meter_destroy(m);
}

/* A flow none of whose packets reaches B: no FCT, incomplete, left out of
 * the FCT summary but counted. */
static void test_never_completes(void **state)
{
    struct meter_config c = base_cfg();
    struct meter *m = meter_create(&c);
    struct meter_report r;
    const struct meter_flow *f;
    int64_t fct;
    (void)state;

    for (int i = 0; i < 2; i++)
        at_a(m, 7, i, T0 + i * 1000);
    at_a(m, 8, 0, T0 + 5000);
    at_b(m, 8, 0, T0 + 25000, 0);
    meter_finish(m);
    f = only_flow(m, 0);
    assert_int_equal(f->packets, 2);
    assert_int_equal(f->lost, 2);
    assert_int_equal(f->matched, 0);
    assert_false(meter_flow_completed(f));
    assert_false(meter_flow_fct(f, &fct));
    assert_int_equal(meter_report_build(m, &r), 0);
    assert_int_equal(r.cls[METER_CLASS_SHORT].flows, 2);
    assert_int_equal(r.cls[METER_CLASS_SHORT].completed, 1);
    assert_int_equal(r.cls[METER_CLASS_SHORT].fct.count, 1);
    assert_true(r.cls[METER_CLASS_SHORT].fct.p50 == 20000);
    assert_int_equal(r.cls[METER_CLASS_SHORT].lost, 2);
    meter_destroy(m);
}

/* Duplicates: a second copy at B is counted, not matched again; the same
 * packet twice at A waits for two copies, matched oldest first. */
static void test_duplicates(void **state)
{
    struct meter_config c = base_cfg();
    struct meter *m = meter_create(&c);
    const struct meter_flow *f;
    (void)state;

    at_a(m, 0, 0, T0);
    at_b(m, 0, 0, T0 + 1000, 0);
    at_b(m, 0, 0, T0 + 1500, 0);            /* duplicate at B */
    at_a(m, 1, 0, T0 + 2000);
    at_a(m, 1, 0, T0 + 2100);               /* same signature twice at A */
    at_b(m, 1, 0, T0 + 5000, 0);
    at_b(m, 1, 0, T0 + 6000, 0);
    at_a(m, 2, 0, T0 + 7000);
    at_a(m, 2, 0, T0 + 7100);               /* twice at A, once at B */
    at_b(m, 2, 0, T0 + 9000, 0);
    meter_finish(m);
    assert_int_equal(m->c.dup_b, 1);
    assert_int_equal(m->c.dup_sig_a, 2);
    assert_int_equal(m->c.matched, 4);
    f = only_flow(m, 0);
    assert_int_equal(f->matched, 1);
    assert_int_equal(f->dup_b, 1);
    assert_int_equal(f->b_packets, 2);
    assert_true(meter_flow_completed(f));
    f = only_flow(m, 1);
    assert_int_equal(f->packets, 2);
    assert_int_equal(f->matched, 2);
    assert_int_equal(m->rec[1].ts_a, T0 + 2000);   /* oldest A with the first B */
    assert_int_equal(m->rec[1].ts_b, T0 + 5000);
    assert_int_equal(m->rec[2].ts_a, T0 + 2100);
    assert_int_equal(m->rec[2].ts_b, T0 + 6000);
    f = only_flow(m, 2);
    assert_int_equal(f->matched, 1);
    assert_int_equal(f->lost, 1);
    assert_false(meter_flow_completed(f));
    assert_int_equal(m->c.lost, 1);
    meter_destroy(m);
}

/* The B copy processed before its A copy (ports polled in bursts): still
 * matched, same latency; a B packet nobody sent at A is unexpected. */
static void test_b_first_and_unexpected(void **state)
{
    struct meter_config c = base_cfg();
    struct meter *m = meter_create(&c);
    const struct meter_flow *f;
    (void)state;

    at_a(m, 0, 0, T0);                      /* the flow exists */
    at_b(m, 0, 0, T0 + 40000, 0);
    at_b(m, 0, 1, T0 + 90000, 46);          /* before its A copy is processed */
    at_a(m, 0, 1, T0 + 10000);
    at_b(m, 0, 9, T0 + 95000, 0);           /* never at A */
    meter_finish(m);
    assert_int_equal(m->c.matched, 2);
    assert_int_equal(m->c.matched_b_first, 1);
    assert_int_equal(m->rec[1].ts_b - m->rec[1].ts_a, 80000);
    assert_int_equal(m->rec[1].dscp_b, 46);
    assert_int_equal(m->c.unexpected_b, 1);
    f = only_flow(m, 0);
    assert_int_equal(f->unexpected_b, 1);
    assert_int_equal(f->b_packets, 3);
    assert_true(meter_flow_completed(f));
    meter_destroy(m);
}

/* A full match table pushes out its oldest entry (counted, and lost). */
static void test_pending_limit(void **state)
{
    struct meter_config c = base_cfg();
    struct meter *m;
    (void)state;

    c.max_pending = 4;
    m = meter_create(&c);
    for (int i = 0; i < 6; i++)
        at_a(m, 0, i, T0 + i);
    assert_int_equal(m->c.pending_evicted, 2);
    assert_int_equal(m->c.lost, 2);
    assert_int_equal(meter_pending(m), 4);
    at_b(m, 0, 0, T0 + 100, 0);             /* evicted: now unexpected */
    at_b(m, 0, 5, T0 + 101, 0);
    assert_int_equal(m->c.pending_evicted, 3); /* B #0 found a full table: #2 went */
    meter_finish(m);
    assert_int_equal(m->c.matched, 1);
    assert_int_equal(m->c.lost, 3 + 2);        /* 3 evicted, #3 and #4 at the end */
    assert_int_equal(m->c.unexpected_b, 1);
    assert_int_equal(meter_pending(m), 0);
    meter_destroy(m);
}

/* A full flow table: packets of new flows still match, without flow. */
static void test_flow_limit(void **state)
{
    struct meter_config c = base_cfg();
    struct meter *m;
    (void)state;

    c.max_flows = 2;
    m = meter_create(&c);
    for (int fl = 0; fl < 3; fl++) {
        at_a(m, fl, 0, T0 + fl * 10);
        at_b(m, fl, 0, T0 + fl * 10 + 5, 0);
    }
    meter_finish(m);
    assert_int_equal(m->c.flows, 2);
    assert_int_equal(m->c.flow_overflow, 1);
    assert_int_equal(m->c.matched, 3);
    assert_int_equal(m->rec[2].flow, METER_NONE);
    meter_destroy(m);
}

/* Class by threshold; skip; per-class summaries of FCT and latency. */
static void test_classes_and_report(void **state)
{
    struct meter_config c = base_cfg();
    struct meter *m;
    struct meter_report r;
    (void)state;

    c.threshold = 2;
    c.skip_ns = 1000000;
    m = meter_create(&c);
    at_a(m, 9, 0, T0);                       /* starts in the skipped second */
    at_b(m, 9, 0, T0 + 10, 0);
    for (int fl = 0; fl < 4; fl++) {         /* flows of 1..4 packets */
        for (int i = 0; i <= fl; i++)
            at_a(m, fl, i, T0 + 2000000 + fl * 100000 + i * 1000);
        for (int i = 0; i <= fl; i++)
            at_b(m, fl, i, T0 + 2000000 + fl * 100000 + i * 1000 + 500 + fl, 0);
    }
    meter_finish(m);
    assert_int_equal(meter_report_build(m, &r), 0);
    assert_int_equal(r.skipped_flows, 1);
    assert_int_equal(r.cls[METER_CLASS_SHORT].flows, 2);     /* 1 and 2 packets */
    assert_int_equal(r.cls[METER_CLASS_LONG].flows, 2);      /* 3 and 4 packets */
    assert_int_equal(r.cls[METER_CLASS_ALL].flows, 4);
    /* FCT = i_last * 1000 + 500 + fl */
    assert_true(r.cls[METER_CLASS_SHORT].fct.min == 500);
    assert_true(r.cls[METER_CLASS_SHORT].fct.max == 1501);
    assert_true(r.cls[METER_CLASS_LONG].fct.p50 == 2502);
    assert_true(r.cls[METER_CLASS_LONG].fct.max == 3503);
    /* latency: 1 x 500, 2 x 501, 3 x 502, 4 x 503 */
    assert_int_equal(r.cls[METER_CLASS_ALL].latency.count, 10);
    assert_true(r.cls[METER_CLASS_ALL].latency.min == 500);
    assert_true(r.cls[METER_CLASS_ALL].latency.p50 == 502);
    assert_true(r.cls[METER_CLASS_ALL].latency.p90 == 503);
    assert_true(fabs(r.cls[METER_CLASS_ALL].latency.mean - 502.0) < 1e-9);
    assert_true(r.cls[METER_CLASS_SHORT].latency.max == 501);
    assert_false(r.latency_sampled);
    /* jitter: constant latency within each flow -> 0 */
    assert_int_equal(r.cls[METER_CLASS_ALL].jitter.count, 3);
    assert_true(r.cls[METER_CLASS_ALL].jitter.max == 0);
    meter_destroy(m);
}

/* Frames the dissector refuses are counted per tap and change nothing. */
static void test_refused_frames(void **state)
{
    struct meter_config c = base_cfg();
    struct meter *m = meter_create(&c);
    struct tframe f;
    (void)state;

    frame_a(&f, 0, 0);
    f.b[12] = 0x08;
    f.b[13] = 0x06;
    assert_int_equal(meter_packet(m, METER_TAP_A, 0, T0, f.b, f.len, METER_LINK_ETHERNET),
                     -EPROTONOSUPPORT);
    frame_a(&f, 0, 0);
    assert_int_equal(meter_packet(m, METER_TAP_B, 0, T0, f.b, 20, METER_LINK_ETHERNET), -ENODATA);
    f.b[14] = 0x41;
    assert_int_equal(meter_packet(m, METER_TAP_B, 0, T0, f.b, f.len, METER_LINK_ETHERNET), -EBADMSG);
    assert_int_equal(m->c.not_ip[0], 1);
    assert_int_equal(m->c.truncated[1], 1);
    assert_int_equal(m->c.malformed[1], 1);
    assert_int_equal(m->c.frames[0] + m->c.frames[1], 3);
    assert_int_equal(meter_pending(m), 0);
    assert_int_equal(m->c.flows, 0);
    meter_destroy(m);
}

/* A burst gives what the same frames one by one give. */
static void test_burst_equals_single(void **state)
{
    struct meter_config c = base_cfg();
    struct meter *m1 = meter_create(&c), *m2 = meter_create(&c);
    static struct tframe fa[40], fb[40];
    const uint8_t *pa[40], *pb[40];
    uint32_t la[40], lb[40];
    int64_t ta[40], tb[40];
    (void)state;

    for (int k = 0; k < 40; k++) {
        frame_a(&fa[k], k % 5, k / 5);
        frame_b(&fb[k], k % 5, k / 5, (uint8_t)(k % 7));
        ta[k] = T0 + k * 1000;
        tb[k] = T0 + k * 1000 + 50000 + (k % 3) * 7;
        pa[k] = fa[k].b;
        pb[k] = fb[k].b;
        la[k] = fa[k].len;
        lb[k] = k == 13 ? 30 : fb[k].len;            /* one cut short */
    }
    fa[7].b[12] = 0x88;                              /* one not IP */
    for (int k = 0; k < 40; k++)
        meter_packet(m1, METER_TAP_A, 0, ta[k], pa[k], la[k], METER_LINK_ETHERNET);
    for (int k = 0; k < 40; k++)
        meter_packet(m1, METER_TAP_B, 1, tb[k], pb[k], lb[k], METER_LINK_ETHERNET);
    meter_packet_burst(m2, METER_TAP_A, 0, ta, pa, la, 32, METER_LINK_ETHERNET);
    meter_packet_burst(m2, METER_TAP_A, 0, ta + 32, pa + 32, la + 32, 8, METER_LINK_ETHERNET);
    meter_packet_burst(m2, METER_TAP_B, 1, tb, pb, lb, 40, METER_LINK_ETHERNET);
    meter_finish(m1);
    meter_finish(m2);
    assert_memory_equal(&m1->c, &m2->c, sizeof(m1->c));
    assert_int_equal(m1->c.matched, 38);
    assert_int_equal(m1->c.not_ip[0], 1);
    assert_int_equal(m1->c.truncated[1], 1);
    assert_int_equal(m1->flows.n, m2->flows.n);
    for (uint32_t i = 0; i < m1->flows.n; i++)
        assert_memory_equal(&m1->flows.f[i], &m2->flows.f[i], sizeof(struct meter_flow));
    assert_int_equal(m1->n_rec, m2->n_rec);
    assert_memory_equal(m1->rec, m2->rec, m1->n_rec * sizeof(*m1->rec));
    meter_destroy(m1);
    meter_destroy(m2);
}

/* The table itself: FIFO per signature, lists in age order, full. */
static void test_match_table(void **state)
{
    struct meter_match t;
    uint32_t a, b, c2, d;
    (void)state;

    assert_int_equal(meter_match_init(&t, 0), -EINVAL);
    assert_int_equal(meter_match_init(&t, 3), 0);
    a = meter_match_insert(&t, 77, METER_M_PENDING_A, 10, 0, 1, 0, 60);
    b = meter_match_insert(&t, 77, METER_M_PENDING_A, 20, 0, 1, 0, 60);
    c2 = meter_match_insert(&t, 5, METER_M_PENDING_B, 15, 1, 2, 46, 60);
    assert_int_equal(meter_match_insert(&t, 9, METER_M_PENDING_A, 30, 0, 1, 0, 60), METER_NONE);
    assert_int_equal(meter_match_find(&t, 77, METER_M_PENDING_A), a);
    assert_int_equal(meter_match_find(&t, 77, METER_M_PENDING_B), METER_NONE);
    {
        int any;

        assert_int_equal(meter_match_find_any(&t, 77, METER_M_PENDING_B, &any), METER_NONE);
        assert_int_equal(any, 1);
        assert_int_equal(meter_match_find_any(&t, 78, METER_M_PENDING_A, &any), METER_NONE);
        assert_int_equal(any, 0);
        assert_int_equal(meter_match_find_any(&t, 5, METER_M_PENDING_B, &any), c2);
    }
    assert_int_equal(meter_match_oldest(&t, METER_LIST_A), a);
    assert_int_equal(meter_match_oldest(&t, METER_LIST_B), c2);
    meter_match_set(&t, a, METER_M_MATCHED, 10);
    assert_int_equal(meter_match_find(&t, 77, METER_M_PENDING_A), b);
    assert_int_equal(meter_match_find(&t, 77, METER_M_MATCHED), a);
    meter_match_set(&t, c2, METER_M_MATCHED, 12);       /* B list -> A list, newest */
    assert_int_equal(meter_match_oldest(&t, METER_LIST_B), METER_NONE);
    meter_match_remove(&t, a);
    assert_int_equal(meter_match_oldest(&t, METER_LIST_A), b);
    meter_match_remove(&t, b);
    assert_int_equal(meter_match_oldest(&t, METER_LIST_A), c2);
    d = meter_match_insert(&t, 77, METER_M_PENDING_B, 40, 1, 1, 0, 60);
    assert_int_not_equal(d, METER_NONE);
    assert_int_equal(t.used, 2);
    meter_match_remove(&t, c2);
    meter_match_remove(&t, d);
    assert_int_equal(t.used, 0);
    assert_int_equal(meter_match_find(&t, 77, METER_M_PENDING_B), METER_NONE);
    meter_match_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_reordering),
        cmocka_unit_test(test_loss),
        cmocka_unit_test(test_never_completes),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_b_first_and_unexpected),
        cmocka_unit_test(test_pending_limit),
        cmocka_unit_test(test_flow_limit),
        cmocka_unit_test(test_classes_and_report),
        cmocka_unit_test(test_refused_frames),
        cmocka_unit_test(test_burst_equals_single),
        cmocka_unit_test(test_match_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
