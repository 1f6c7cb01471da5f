/* Peer credentials of local connections (see peer_cred.h). */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "peer_cred.h"

int peer_uid_unix(int fd, uid_t *uid)
{
    struct ucred uc;
    socklen_t len = sizeof(uc);

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0)
        return -errno;
    if (len != sizeof(uc))
        return -EPROTO;
    *uid = uc.uid;
    return 0;
}

int peer_uid_tcp_local(int fd, uid_t *uid)
{
    struct sockaddr_in local, peer;
    socklen_t ll = sizeof(local), pl = sizeof(peer);
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 r;
    } req;
    union {
        struct nlmsghdr nlh;
        char buf[1024];     /* cppcheck-suppress unusedStructMember ; the answer's room */
    } ans;
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
    int nl, rc = -EPROTO;
    ssize_t n;

    if (getsockname(fd, (struct sockaddr *)&local, &ll) != 0 ||
        getpeername(fd, (struct sockaddr *)&peer, &pl) != 0)
        return -errno;
    if (local.sin_family != AF_INET || peer.sin_family != AF_INET)
        return -EAFNOSUPPORT;

    /* the client's socket: its source is our peer, its destination us */
    memset(&req, 0, sizeof(req));
    req.nlh.nlmsg_len = sizeof(req);
    req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.nlh.nlmsg_flags = NLM_F_REQUEST;
    req.nlh.nlmsg_seq = 1;
    req.r.sdiag_family = AF_INET;
    req.r.sdiag_protocol = IPPROTO_TCP;
    req.r.idiag_states = ~0u;
    req.r.id.idiag_sport = peer.sin_port;
    req.r.id.idiag_dport = local.sin_port;
    memcpy(req.r.id.idiag_src, &peer.sin_addr, 4);
    memcpy(req.r.id.idiag_dst, &local.sin_addr, 4);
    req.r.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
    req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;

    nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (nl < 0)
        return -errno;
    setsockopt(nl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (sendto(nl, &req, sizeof(req), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        rc = -errno;
        goto out;
    }
    n = recv(nl, &ans, sizeof(ans), 0);
    if (n < 0) {
        rc = -errno;
        goto out;
    }
    if ((size_t)n < sizeof(struct nlmsghdr) || ans.nlh.nlmsg_len > (size_t)n ||
        ans.nlh.nlmsg_len < sizeof(struct nlmsghdr))
        goto out;
    if (ans.nlh.nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *e = NLMSG_DATA(&ans.nlh);
        if (ans.nlh.nlmsg_len >= NLMSG_LENGTH(sizeof(*e)))
            rc = e->error ? e->error : -ENOENT;
        goto out;
    }
    if (ans.nlh.nlmsg_type == SOCK_DIAG_BY_FAMILY &&
        ans.nlh.nlmsg_len >= NLMSG_LENGTH(sizeof(struct inet_diag_msg))) {
        const struct inet_diag_msg *m = NLMSG_DATA(&ans.nlh);
        *uid = m->idiag_uid;
        rc = 0;
    }
out:
    close(nl);
    return rc;
}

bool peer_uid_allowed(uid_t uid, const uid_t *allowed, int n)
{
    for (int i = 0; i < n; i++)
        if (allowed[i] == uid)
            return true;
    return false;
}
