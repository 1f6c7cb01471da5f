/* Where FRR bfdd listens for its data plane (bfdd --dplaneaddr), as vtepd's
 * control.bfdd_dplane gives it: "unix:PATH" or "ipv4:A.B.C.D[:PORT]". Shared
 * by the configuration parser and the BFD thread's client
 * (control/bfd/bfddp_client.h). Plain C, no I/O. */
#ifndef VTEPD_BFDDP_ADDR_H
#define VTEPD_BFDDP_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BFDDP_ADDR_DEFAULT_PORT 50700   /* bfdd's default for ipv4: */
#define BFDDP_ADDR_TEXT_LEN         128

/* Where bfdd listens: "unix:PATH" or "ipv4:A.B.C.D[:PORT]" (default port
 * BFDDP_ADDR_DEFAULT_PORT), as bfdd's --dplaneaddr. */
struct bfddp_addr {
    bool is_unix;
    char path[108];             /* unix: sun_path, NUL-terminated */
    uint32_t ip_be;             /* ipv4: */
    uint16_t port;              /* ipv4: host order */
    char text[BFDDP_ADDR_TEXT_LEN];     /* as given, for logs */
};

/* Parse spec into *a. Returns 0, or -EINVAL with one sentence in err (the
 * forms accepted, or what is wrong: an empty or too long path, a bad
 * address or port, "unixc:"/"ipv4c:" which FRR 8.4 cannot serve). */
int bfddp_addr_parse(const char *spec, struct bfddp_addr *a, char *err, size_t errlen);

#endif
