/* The vtepd log type (see include/log.h). */
#include "log.h"

RTE_LOG_REGISTER_DEFAULT(vtepd_logtype, INFO);
