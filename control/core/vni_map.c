/* VNI -> index map (see include/vni_map.h). */
#include <errno.h>
#include <rte_malloc.h>

#include "vni_map.h"

struct vni_map *vni_map_create(uint32_t n)
{
    struct vni_map *m = rte_zmalloc("vni_map", sizeof(*m), 0);
    uint32_t slots = 16;

    if (!m)
        return NULL;
    while (slots < n * 2)   /* at most half full: short probes */
        slots <<= 1;
    m->mask = slots - 1;
    m->key = rte_zmalloc("vni_map_key", slots * sizeof(uint32_t), 0);
    m->idx = rte_zmalloc("vni_map_idx", slots * sizeof(uint32_t), 0);
    if (!m->key || !m->idx) {
        vni_map_free(m);
        return NULL;
    }
    return m;
}

void vni_map_free(struct vni_map *m)
{
    if (!m)
        return;
    rte_free(m->key);
    rte_free(m->idx);
    rte_free(m);
}

int vni_map_add(struct vni_map *m, uint32_t vni, uint32_t idx)
{
    uint32_t s = (vni * 2654435761u) & m->mask;

    while (m->key[s] != 0) {
        if (m->key[s] == vni + 1)
            return -EEXIST;
        s = (s + 1) & m->mask;
    }
    m->key[s] = vni + 1;
    m->idx[s] = idx;
    return 0;
}
