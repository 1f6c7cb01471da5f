/* A small EAL for unit tests that need DPDK memory: no hugepages, no PCI,
 * one lcore, a file prefix of its own so that tests can run side by side. */
#ifndef VTEPD_EAL_TEST_H
#define VTEPD_EAL_TEST_H

#include <stdio.h>
#include <unistd.h>

#include <rte_eal.h>

static inline int eal_test_init(const char *name)
{
    char prefix[64];
    char *argv[] = {(char *)name, "--no-huge", "--no-pci", "-m", "256", "-l", "0",
                    "--file-prefix", prefix, "--log-level", "lib.eal:error",
                    "--no-telemetry", NULL};

    snprintf(prefix, sizeof(prefix), "ut-%s-%d", name, (int)getpid());
    return rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0 ? -1 : 0;
}

#endif
