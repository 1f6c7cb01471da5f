/* The one dataplane instance (see include/dp.h). */
#include "dp.h"

struct dp g_dp;
int g_rx_tsc_off = -1;
