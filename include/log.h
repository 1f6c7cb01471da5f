/* Logging through rte_log under the "vtepd" log type. Works before
 * rte_eal_init() too (messages then go to stderr). */
#ifndef VTEPD_LOG_H
#define VTEPD_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_log.h>

extern int vtepd_logtype;

#define VLOG(level, fmt, ...) \
    rte_log(RTE_LOG_##level, vtepd_logtype, "vtepd: " fmt "\n", ##__VA_ARGS__)

/* Per call site budget for messages that outside peers can provoke (feed
 * and CLI connections): LOG_RL_BURST messages per LOG_RL_WINDOW_S seconds,
 * then silence; the next message after the window says how many were
 * suppressed. */
#define LOG_RL_BURST 10
#define LOG_RL_WINDOW_S 10

struct log_rl {
    uint64_t window_start_s;
    uint32_t in_window;
    uint64_t suppressed;
};

/* True when the call site may log now; *suppressed_out is how many
 * messages were dropped since the last one that was let through. Control
 * threads only. */
bool log_rl_allow(struct log_rl *rl, uint64_t *suppressed_out);

#define VLOG_RL(level, fmt, ...)                                                   \
    do {                                                                           \
        static struct log_rl rl_;                                                  \
        uint64_t sup_;                                                             \
        if (log_rl_allow(&rl_, &sup_)) {                                           \
            if (sup_)                                                              \
                VLOG(level, "(%llu similar messages suppressed)",                 \
                     (unsigned long long)sup_);                                    \
            VLOG(level, fmt, ##__VA_ARGS__);                                       \
        }                                                                          \
    } while (0)

#endif
