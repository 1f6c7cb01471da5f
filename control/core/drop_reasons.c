/* Names, paths and descriptions of the drop reasons (include/drop_reasons.h). */
#include "drop_reasons.h"

static const struct {
    const char *name;
    enum drop_path path;
    const char *help;
} reasons[DROP_NUM] = {
#define DROP_ROW_(e, n, p, w) [DROP_##e] = {#n, DROP_PATH_##p, w},
    DROP_REASONS(DROP_ROW_)
#undef DROP_ROW_
};

static const char *const paths[DROP_PATH_NUM] = {
    [DROP_PATH_ACCESS] = "access", [DROP_PATH_ENCAP] = "encap",
    [DROP_PATH_UNDERLAY] = "underlay", [DROP_PATH_DECAP] = "decap",
    [DROP_PATH_FLOOD] = "flood", [DROP_PATH_PUNT] = "punt",
    [DROP_PATH_TX] = "tx", [DROP_PATH_CONTROL] = "control",
};

const char *drop_reason_name(enum drop_reason r)
{
    return (unsigned)r < DROP_NUM ? reasons[r].name : "unknown";
}

enum drop_path drop_reason_path(enum drop_reason r)
{
    return (unsigned)r < DROP_NUM ? reasons[r].path : DROP_PATH_CONTROL;
}

const char *drop_reason_help(enum drop_reason r)
{
    return (unsigned)r < DROP_NUM ? reasons[r].help : "";
}

const char *drop_path_name(enum drop_path p)
{
    return (unsigned)p < DROP_PATH_NUM ? paths[p] : "unknown";
}
