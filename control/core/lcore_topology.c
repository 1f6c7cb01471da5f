/* Lcores sharing physical cores (see lcore_topology.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_lcore.h>

#include "lcore_topology.h"
#include "log.h"

static int read_uint(const char *path, unsigned long *out)
{
    FILE *f = fopen(path, "re");
    char buf[32], *end;
    int rc = -EIO;

    if (!f)
        return -errno;
    if (fgets(buf, sizeof(buf), f)) {
        errno = 0;
        *out = strtoul(buf, &end, 10);
        if (errno == 0 && end != buf && (*end == '\n' || *end == '\0'))
            rc = 0;
    }
    fclose(f);
    return rc;
}

int64_t lcore_topology_phys_core(const char *sysfs_root, unsigned cpu)
{
    char path[256];
    unsigned long pkg, core;
    int rc;

    snprintf(path, sizeof(path), "%s/cpu%u/topology/physical_package_id", sysfs_root, cpu);
    if ((rc = read_uint(path, &pkg)) != 0)
        return rc;
    snprintf(path, sizeof(path), "%s/cpu%u/topology/core_id", sysfs_root, cpu);
    if ((rc = read_uint(path, &core)) != 0)
        return rc;
    if (pkg > 0xffff || core > 0xffff)
        return -ERANGE;
    return (int64_t)(pkg << 16 | core);
}

bool lcore_topology_share(const int64_t *a, unsigned na, const int64_t *b, unsigned nb)
{
    for (unsigned i = 0; i < na; i++)
        for (unsigned k = 0; k < nb; k++)
            if (a[i] == b[k])
                return true;
    return false;
}

/* The physical cores lcore may run on (up to LCORE_TOPO_MAX_CPUS). */
static unsigned lcore_phys(unsigned lcore, int64_t *out)
{
    rte_cpuset_t set = rte_lcore_cpuset(lcore);
    unsigned n = 0;

    for (unsigned cpu = 0; cpu < CPU_SETSIZE && n < LCORE_TOPO_MAX_CPUS; cpu++) {
        int64_t pc;

        if (!CPU_ISSET(cpu, &set))
            continue;
        pc = lcore_topology_phys_core("/sys/devices/system/cpu", cpu);
        /* without topology, each CPU counts as its own core */
        out[n++] = pc >= 0 ? pc : (int64_t)1 << 40 | cpu;
    }
    return n;
}

unsigned lcore_topology_warn(void)
{
    static int64_t phys[RTE_MAX_LCORE][LCORE_TOPO_MAX_CPUS];
    static unsigned nphys[RTE_MAX_LCORE];
    unsigned main_lcore = rte_get_main_lcore(), lcore, other, warned = 0;

    RTE_LCORE_FOREACH(lcore)
        nphys[lcore] = lcore_phys(lcore, phys[lcore]);
    RTE_LCORE_FOREACH_WORKER(lcore) {
        if (lcore_topology_share(phys[lcore], nphys[lcore], phys[main_lcore],
                                 nphys[main_lcore])) {
            VLOG(WARNING, "worker lcore %u shares a physical core with the main lcore %u "
                 "(control thread): give each worker a core of its own (EAL -l / --lcores)",
                 lcore, main_lcore);
            warned++;
        }
        RTE_LCORE_FOREACH_WORKER(other) {
            if (other <= lcore)
                continue;
            if (lcore_topology_share(phys[lcore], nphys[lcore], phys[other], nphys[other])) {
                VLOG(WARNING, "worker lcores %u and %u share a physical core (the same CPU or "
                     "hyperthreads of one core): each busy-polls, so both forward at a "
                     "fraction of their rate and with scheduler-slice latency", lcore, other);
                warned++;
            }
        }
    }
    return warned;
}
