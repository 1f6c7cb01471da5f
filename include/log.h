/* Logging through rte_log under the "vtepd" log type. Works before
 * rte_eal_init() too (messages then go to stderr). */
#ifndef VTEPD_LOG_H
#define VTEPD_LOG_H

#include <rte_log.h>

extern int vtepd_logtype;

#define VLOG(level, fmt, ...) \
    rte_log(RTE_LOG_##level, vtepd_logtype, "vtepd: " fmt "\n", ##__VA_ARGS__)

#endif
