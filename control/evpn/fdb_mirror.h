/* Kernel mirror of vtepd's local MACs, for FRR's zebra (the SONiC model).
 *
 * zebra originates EVPN routes only for what it sees in the kernel. For each
 * configured VNI this module keeps, over rtnetlink (libmnl):
 *   <prefix>br<vni>  a bridge (multicast snooping off, no IPv6 address);
 *   <prefix>vx<vni>  a VXLAN device: id = VNI, local = our VTEP address,
 *                    dstport, nolearning, enslaved to the bridge, up;
 *   <prefix>pt<vni>  the port that stands for vtepd's access ports: one end
 *                    of a veth pair, enslaved to the bridge and up; its peer
 *                    <prefix>pp<vni> stays down, so the port never has
 *                    carrier, the bridge never forwards to it, and nothing
 *                    vtepd mirrors can ever carry a frame.
 * and on them:
 *   - each local MAC as a bridge fdb entry on the stand-in port, "static"
 *     (NUD_NOARP, NTF_MASTER, not sticky): zebra takes it as a local MAC and
 *     originates a type-2 MAC route (type-3 for the VNI comes with the
 *     vxlan device);
 *   - each local IPv4 binding as a neighbour on the bridge (the SVI),
 *     NUD_PERMANENT: with the MAC local, zebra originates the MAC/IP route.
 * Why these flags, and what zebra 8.4 does when a MAC moves, is in
 * docs/FDB_MIRROR.md.
 *
 * The module holds the desired state (VNIs, MACs, bindings) and converges
 * the kernel to it. Calls that change the desired state only record it and
 * return at once; fdb_mirror_run() does the netlink work, a bounded amount
 * per call, on a non-blocking socket: requests carry sequence numbers,
 * every one is ACKed and checked, errors are kept with the kernel's errno
 * (and its extended-ACK text, logged). Repeated changes to one MAC before
 * they are sent coalesce into one request. The control loop calls
 * fdb_mirror_run() when fdb_mirror_fd() is readable and whenever
 * fdb_mirror_busy() is true (e.g. on its next tick).
 *
 * After a restart or crash, a new instance is given the desired set again
 * (fdb_mirror_vni_ensure, then fdb_mirror_mac_add/ip_add for every local
 * MAC) and fdb_mirror_reconcile(): it dumps what the kernel holds on the
 * stand-in port and the bridge, deletes what is not desired, and adds only
 * what is missing. Entries zebra installs itself (remote MACs on the vxlan
 * device, remote neighbours with NTF_EXT_LEARNED) are never touched.
 *
 * Single-threaded: every call from the control thread. Not for the hot path.
 */
#ifndef VTEPD_FDB_MIRROR_H
#define VTEPD_FDB_MIRROR_H

#include <stdbool.h>
#include <stdint.h>

#define FDB_MIRROR_PREFIX_MAX 5     /* + "br" + 8 digits fits IFNAMSIZ */

struct fdb_mirror;

struct fdb_mirror_config {
    char prefix[FDB_MIRROR_PREFIX_MAX + 1]; /* [A-Za-z0-9_-]{1,5}; "" = "vtd" */
    uint32_t local_ip;          /* our VTEP address, network order (required) */
    uint16_t dstport;           /* UDP port of the vxlan devices; 0 = 4789 */
    uint32_t max_entries;       /* MACs + bindings kept; 0 = 262144 */
    uint32_t max_inflight;      /* requests outstanding at once; 0 = 64, 8..1024 */
    /* Where errors go (one line each, no newline); NULL = stderr. */
    void (*log)(void *arg, const char *line);
    void *log_arg;
};

enum fdb_mirror_vni_state {
    FDB_MIRROR_VNI_ABSENT = 0,  /* not configured (fdb_mirror_vni_status) */
    FDB_MIRROR_VNI_ENSURING,    /* devices being checked / created */
    FDB_MIRROR_VNI_READY,       /* devices in place; MACs flowing */
    FDB_MIRROR_VNI_RECONCILING, /* dumping the kernel / converging */
    FDB_MIRROR_VNI_FAILED,      /* a device could not be made: see err */
    FDB_MIRROR_VNI_REMOVING,
};

struct fdb_mirror_vni_info {
    enum fdb_mirror_vni_state state;
    int err;                    /* last error (negative errno), 0 = none */
    int br_ifindex, vx_ifindex, pt_ifindex;
    char br[16], vx[16], pt[16], pp[16];
    uint32_t macs;              /* desired MACs */
    uint32_t ips;               /* desired IPv4 bindings */
    uint32_t pending;           /* entries waiting to be sent */
    uint32_t reconciles;        /* completed reconciliations */
};

struct fdb_mirror_stats {
    uint64_t requests;          /* sent */
    uint64_t acks;              /* ACKs with error 0 */
    uint64_t errors;            /* requests answered with an error we did not expect */
    uint64_t enoent_ok;         /* deletes of entries the kernel no longer had */
    uint64_t fdb_adds, fdb_dels, neigh_adds, neigh_dels;
    uint64_t dump_entries;      /* kernel entries read by reconciliations */
    uint64_t stale_removed;     /* reconciliations: in the kernel, not desired */
    uint64_t missing_added;     /* reconciliations: desired, not in the kernel */
    uint64_t already_present;   /* reconciliations: desired and already there */
    uint64_t resyncs;           /* lost replies (ENOBUFS): everything re-sent */
    uint64_t unexpected;        /* replies matching no request; malformed */
    int last_err;               /* last unexpected error, negative errno */
    uint32_t entries;           /* MAC + binding entries held */
    uint32_t inflight;          /* requests outstanding now */
};

/* Open the netlink socket (non-blocking) and an empty mirror. Nothing is
 * sent yet. 0, -EINVAL (bad config), -ENOMEM, or the socket's -errno. */
int fdb_mirror_open(struct fdb_mirror **mp, const struct fdb_mirror_config *cfg);

/* Free the mirror and close its socket. The kernel objects stay: a new
 * instance reconciles them. NULL is accepted. */
void fdb_mirror_close(struct fdb_mirror *m);

/* The socket to poll for readability (replies). */
int fdb_mirror_fd(const struct fdb_mirror *m);

/* Make sure the VNI's bridge, vxlan device and stand-in port exist with the
 * right parameters (a wrong vxlan device or port of ours is deleted and
 * made again), enslaved and up. Idempotent; restarts a FAILED VNI.
 * 0, -EINVAL (vni 0 or > 2^24-1), -EBUSY (being removed), -ENOMEM. */
int fdb_mirror_vni_ensure(struct fdb_mirror *m, uint32_t vni);

/* Delete the VNI's devices (their fdb entries and neighbours go with them)
 * and forget its MACs. 0, or -ENOENT if the VNI is not configured. */
int fdb_mirror_vni_remove(struct fdb_mirror *m, uint32_t vni);

/* Desire a local MAC in the VNI / no longer desire it. The VNI must have
 * been ensured. A delete of a MAC this instance never added is still sent
 * (the kernel may hold it from before a restart; "not there" is success).
 * 0, -ENOENT (VNI unknown), -EINVAL (multicast or zero MAC), -ENOSPC
 * (max_entries reached), -ENOMEM. */
int fdb_mirror_mac_add(struct fdb_mirror *m, uint32_t vni, const uint8_t mac[6]);
int fdb_mirror_mac_del(struct fdb_mirror *m, uint32_t vni, const uint8_t mac[6]);

/* Desire an IPv4 -> MAC binding (network order) in the VNI, replacing any
 * other MAC for that IP / no longer desire it. zebra advertises MAC/IP only
 * while the MAC itself is local. Same returns as mac_add. */
int fdb_mirror_ip_add(struct fdb_mirror *m, uint32_t vni, uint32_t ip, const uint8_t mac[6]);
int fdb_mirror_ip_del(struct fdb_mirror *m, uint32_t vni, uint32_t ip);

/* Dump the kernel's entries for the VNI and converge them to the desired
 * set: stale ones deleted, missing ones added, present ones left alone.
 * Starts once the VNI is ready and its requests in flight are answered;
 * the VNI's other changes wait until it is done. 0 or -ENOENT. */
int fdb_mirror_reconcile(struct fdb_mirror *m, uint32_t vni);

/* Do about `budget` units of work (one unit = one message sent or
 * received, or one entry visited by a reconciliation): read replies, then
 * send what is pending. A VNI's round of link requests (at most 8) goes
 * out whole, so a call may exceed a budget below 8 by that much. Returns the units done (0 = nothing to do now), or
 * a negative errno when the socket itself failed (the mirror is then
 * unusable: close it and open a new one, which reconciles). */
int fdb_mirror_run(struct fdb_mirror *m, unsigned int budget);

/* True while anything is pending or in flight. */
bool fdb_mirror_busy(const struct fdb_mirror *m);

/* The VNI's state; info->state = FDB_MIRROR_VNI_ABSENT when unknown. */
void fdb_mirror_vni_status(const struct fdb_mirror *m, uint32_t vni,
                           struct fdb_mirror_vni_info *info);

void fdb_mirror_get_stats(const struct fdb_mirror *m, struct fdb_mirror_stats *st);

/* The mirror's state of one MAC / binding in the VNI:
 * 1 = desired and confirmed in the kernel, 0 = desired, not confirmed yet
 * (pending, in flight or failed), -ENOENT = not desired. For tests and CLI. */
int fdb_mirror_mac_state(const struct fdb_mirror *m, uint32_t vni, const uint8_t mac[6]);

#endif
