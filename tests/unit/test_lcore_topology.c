/* Unit tests: control/core/lcore_topology.c, the physical core of a CPU
 * read from a sysfs-like tree (written here) and the overlap of two lcores'
 * core sets. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lcore_topology.h"

static char root[64];

static void put(unsigned cpu, const char *file, const char *text)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/cpu%u", root, cpu);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/cpu%u/topology", root, cpu);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/cpu%u/topology/%s", root, cpu, file);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/ut_topo.XXXXXX");
    assert_non_null(mkdtemp(root));
    /* cpu0, cpu2: package 0 core 0 (hyperthreads); cpu1: package 0 core 1;
     * cpu3: package 1 core 0; cpu4: garbage; cpu5: core_id missing */
    put(0, "physical_package_id", "0\n");
    put(0, "core_id", "0\n");
    put(1, "physical_package_id", "0\n");
    put(1, "core_id", "1\n");
    put(2, "physical_package_id", "0\n");
    put(2, "core_id", "0\n");
    put(3, "physical_package_id", "1\n");
    put(3, "core_id", "0\n");
    put(4, "physical_package_id", "x1\n");
    put(4, "core_id", "0\n");
    put(5, "physical_package_id", "0\n");
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_phys_core(void **state)
{
    (void)state;
    assert_int_equal(lcore_topology_phys_core(root, 0), 0);
    assert_int_equal(lcore_topology_phys_core(root, 1), 1);
    assert_int_equal(lcore_topology_phys_core(root, 2), 0);
    assert_int_equal(lcore_topology_phys_core(root, 3), 1 << 16);
    assert_true(lcore_topology_phys_core(root, 4) < 0);
    assert_int_equal(lcore_topology_phys_core(root, 5), -ENOENT);
    assert_int_equal(lcore_topology_phys_core(root, 99), -ENOENT);
}

static void test_share(void **state)
{
    int64_t c0 = lcore_topology_phys_core(root, 0), c1 = lcore_topology_phys_core(root, 1);
    int64_t c2 = lcore_topology_phys_core(root, 2), c3 = lcore_topology_phys_core(root, 3);
    int64_t a[] = {c0}, b[] = {c2}, c[] = {c1, c3}, d[] = {c3, c2};
    (void)state;

    assert_true(lcore_topology_share(a, 1, b, 1));      /* hyperthreads of one core */
    assert_false(lcore_topology_share(a, 1, c, 2));
    assert_true(lcore_topology_share(c, 2, d, 2));      /* both may run on cpu3 */
    assert_false(lcore_topology_share(a, 0, b, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phys_core),
        cmocka_unit_test(test_share),
    };

    return cmocka_run_group_tests_name("lcore_topology", tests, setup, teardown);
}
