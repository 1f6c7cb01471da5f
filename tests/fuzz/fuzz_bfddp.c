/* libFuzzer target for the bfdd data-plane protocol codec
 * (control/bfd/bfddp_packet.c).
 *
 * The input is a byte stream from bfdd's socket. It is fed twice: in one
 * piece and in chunks of 7 bytes; both runs must frame the same messages
 * with the same results. Every framed message is decoded; a message that
 * decodes must encode again, to the same length and to the same bytes
 * except where the protocol has padding or reserved bytes, and decode back
 * to the same struct. A refusal must carry a named code and a reason. The
 * whole input is also decoded as one message. Build and run with
 * scripts/fuzz-bfddp (seeds: the FRR 8.4.4 captures in tests/fixtures).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bfddp_packet.h"

#define MAX_TRACE 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct trace {
    size_t n;
    int8_t rc[MAX_TRACE];
    uint8_t err[MAX_TRACE];
    uint16_t len[MAX_TRACE];
    enum bfddp_frame end;
    enum bfddp_err fatal_err;
};

static void check(int ok)
{
    if (!ok)
        __builtin_trap();
}

/* Bytes the encoder writes as zero whatever the input had there. */
static int is_reserved(const struct bfddp_msg *m, size_t i)
{
    const char *name = m->u.session.ifname;

    if (i == 1)
        return 1;
    switch (m->hdr.type) {
    case BFDDP_ADD_SESSION:
    case BFDDP_DELETE_SESSION:
        return i == 70 || i == 71 ||
               (i >= 76 && i - 76 > strnlen(name, BFDDP_IFNAME_LEN));
    case BFDDP_STATE_CHANGE:
        return i == 35;
    case BFDDP_SESSION_COUNTERS:
        return i >= 12 && i < 16;
    default:
        return 0;
    }
}

static int one(const uint8_t *msg, size_t len)
{
    static struct bfddp_msg m, back;
    static uint8_t out[BFDDP_MAX_MSG_LEN];
    struct bfddp_error e;
    char line[512], small[16];
    size_t i;
    int rc, n;

    rc = bfddp_decode(msg, len, &m, &e);
    if (rc != 0) {
        check(rc == -EBADMSG || rc == -ENOMSG || rc == -EPROTONOSUPPORT);
        check(e.code > BFDDP_ERR_NONE && e.code < BFDDP_ERR_NUM);
        check(e.detail[0] != '\0' && strlen(e.detail) < sizeof(e.detail));
        return rc;
    }
    check(e.code == BFDDP_ERR_NONE);
    check(m.hdr.length == len && len == bfddp_type_len(m.hdr.type));
    n = bfddp_encode(&m, out, sizeof(out), &e);
    check(n == (int)len);
    for (i = 0; i < len; i++)
        check(out[i] == msg[i] || is_reserved(&m, i));
    check(bfddp_decode(out, len, &back, NULL) == 0);
    check(memcmp(&back, &m, sizeof(m)) == 0);
    check(bfddp_encode(&m, out, len - 1, &e) == -ENOSPC);
    n = bfddp_format(&m, line, sizeof(line));
    check(n > 0 && strlen(line) < sizeof(line));
    bfddp_format(&m, small, sizeof(small));
    check(strlen(small) < sizeof(small));
    return 0;
}

static void run_stream(const uint8_t *data, size_t size, size_t chunk,
                       size_t cap, struct trace *t)
{
    static uint8_t buf[BFDDP_MAX_MSG_LEN];
    struct bfddp_stream s;
    const uint8_t *msg;
    size_t off = 0, len;
    enum bfddp_frame st = BFDDP_FRAME_NEED_MORE;

    memset(t, 0, sizeof(*t));
    bfddp_stream_init(&s, buf, cap);
    while (off < size && st != BFDDP_FRAME_FATAL) {
        size_t n = size - off < chunk ? size - off : chunk;

        n = bfddp_stream_append(&s, data + off, n);
        off += n;
        while ((st = bfddp_stream_next(&s, &msg, &len)) == BFDDP_FRAME_OK) {
            check(len >= BFDDP_HDR_LEN && len <= s.max_msg);
            if (t->n < MAX_TRACE) {
                t->rc[t->n] = (int8_t)one(msg, len);
                t->len[t->n] = (uint16_t)len;
            }
            t->n++;
        }
        check(n > 0 || st == BFDDP_FRAME_FATAL);
    }
    t->end = st;
    t->fatal_err = s.fatal ? s.err.code : BFDDP_ERR_NONE;
    check(s.frames == t->n);
    check(!s.fatal || (s.err.code >= BFDDP_ERR_VERSION &&
                       s.err.code <= BFDDP_ERR_LENGTH_LONG));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct trace whole, chunked;

    run_stream(data, size, BFDDP_MAX_MSG_LEN, BFDDP_MAX_MSG_LEN, &whole);
    run_stream(data, size, 7, BFDDP_MAX_MSG_LEN, &chunked);
    check(whole.n == chunked.n && whole.end == chunked.end &&
          whole.fatal_err == chunked.fatal_err);
    check(memcmp(whole.rc, chunked.rc, sizeof(whole.rc)) == 0);
    check(memcmp(whole.len, chunked.len, sizeof(whole.len)) == 0);
    /* a small buffer (vtepd could use 1 KiB) only limits frame length */
    run_stream(data, size, 64, BFDDP_SESSION_LEN, &chunked);
    (void)one(data, size);
    return 0;
}
