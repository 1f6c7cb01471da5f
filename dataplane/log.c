/* The vtepd log type and rate-limited logging (see include/log.h). */
#include <time.h>

#include "log.h"

RTE_LOG_REGISTER_DEFAULT(vtepd_logtype, INFO);

bool log_rl_allow(struct log_rl *rl, uint64_t *suppressed_out)
{
    struct timespec ts;
    uint64_t now;

    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    now = (uint64_t)ts.tv_sec;
    *suppressed_out = 0;
    if (rl->window_start_s == 0 || now - rl->window_start_s >= LOG_RL_WINDOW_S) {
        rl->window_start_s = now ? now : 1;
        rl->in_window = 0;
    }
    if (rl->in_window >= LOG_RL_BURST) {
        rl->suppressed++;
        return false;
    }
    rl->in_window++;
    *suppressed_out = rl->suppressed;
    rl->suppressed = 0;
    return true;
}
