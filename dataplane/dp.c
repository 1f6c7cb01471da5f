/* The one dataplane instance (see include/dp.h). */
#include "dp.h"

struct dp g_dp;
int g_punt_tsc_off = -1;
