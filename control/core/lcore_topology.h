/* Where the EAL put the lcores: a worker polls without pause, so two
 * workers on one physical core (hyperthreads, or one CPU given twice with
 * --lcores), or a worker beside the control thread, halve each other's
 * rate and stretch latency by whole scheduler slices. vtepd warns once at
 * start when it sees that. */
#ifndef VTEPD_LCORE_TOPOLOGY_H
#define VTEPD_LCORE_TOPOLOGY_H

#include <stdbool.h>
#include <stdint.h>

#define LCORE_TOPO_MAX_CPUS 64     /* CPUs of one lcore's set looked at */

/* The physical core of CPU cpu under sysfs_root (normally
 * "/sys/devices/system/cpu"): physical_package_id << 16 | core_id from
 * cpuN/topology. Returns it (>= 0) or a negative errno when unreadable. */
int64_t lcore_topology_phys_core(const char *sysfs_root, unsigned cpu);

/* Whether two sets of physical cores (na and nb entries) share one. */
bool lcore_topology_share(const int64_t *a, unsigned na, const int64_t *b, unsigned nb);

/* Log a warning for each pair of worker lcores that share a physical
 * core, and for each worker that shares one with the main lcore (the
 * control thread). Returns the number of warnings. */
unsigned lcore_topology_warn(void);

#endif
