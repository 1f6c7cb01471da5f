/* VNI -> VNI slot, a read-only open-addressing table built with each
 * configuration generation (control/core/vni_map.c).
 * Lookups are lock-free and allocation-free. */
#ifndef VTEPD_VNI_MAP_H
#define VTEPD_VNI_MAP_H

#include <stdint.h>

struct vni_map {
    uint32_t mask;      /* slots - 1, slots a power of two */
    uint32_t *key;      /* vni + 1; 0 = empty */
    uint32_t *idx;
};

/* Table able to hold n VNIs. NULL on allocation failure. */
struct vni_map *vni_map_create(uint32_t n);
void vni_map_free(struct vni_map *m);

/* Add vni -> idx. Returns 0, or -EEXIST when vni is already present. */
int vni_map_add(struct vni_map *m, uint32_t vni, uint32_t idx);

/* Index of vni, or -1. */
static inline int64_t vni_map_find(const struct vni_map *m, uint32_t vni)
{
    uint32_t s = (vni * 2654435761u) & m->mask;

    for (;;) {
        uint32_t k = m->key[s];
        if (k == vni + 1)
            return m->idx[s];
        if (k == 0)
            return -1;
        s = (s + 1) & m->mask;
    }
}

#endif
