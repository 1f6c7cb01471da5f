/* vtep-meter: pending-packet table (see meter_match.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "meter_match.h"

int meter_match_init(struct meter_match *t, uint32_t capacity)
{
    uint32_t nb = 1;

    memset(t, 0, sizeof(*t));
    if (capacity == 0 || capacity > (1u << 30))
        return -EINVAL;
    while (nb < capacity)
        nb <<= 1;
    t->e = calloc(capacity, sizeof(*t->e));
    t->bucket = malloc((size_t)nb * sizeof(*t->bucket));
    if (!t->e || !t->bucket) {
        meter_match_free(t);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < nb; i++)
        t->bucket[i] = METER_NONE;
    for (uint32_t i = 0; i < capacity; i++)
        t->e[i].chain = i + 1 < capacity ? i + 1 : METER_NONE;   /* free list */
    t->cap = capacity;
    t->mask = nb - 1;
    t->free_head = 0;
    t->head[0] = t->head[1] = METER_NONE;
    t->tail[0] = t->tail[1] = METER_NONE;
    return 0;
}

void meter_match_free(struct meter_match *t)
{
    free(t->e);
    free(t->bucket);
    memset(t, 0, sizeof(*t));
}

uint32_t meter_match_find(const struct meter_match *t, uint64_t sig,
                          enum meter_match_state state)
{
    for (uint32_t i = t->bucket[sig & t->mask]; i != METER_NONE; i = t->e[i].chain)
        if (t->e[i].sig == sig && t->e[i].state == state)
            return i;
    return METER_NONE;
}

uint32_t meter_match_find_any(const struct meter_match *t, uint64_t sig,
                              enum meter_match_state state, int *any)
{
    uint32_t found = METER_NONE;

    *any = 0;
    for (uint32_t i = t->bucket[sig & t->mask]; i != METER_NONE; i = t->e[i].chain) {
        if (t->e[i].sig != sig)
            continue;
        *any = 1;
        if (t->e[i].state == state) {
            found = i;
            break;
        }
    }
    return found;
}

static void list_append(struct meter_match *t, enum meter_match_list l, uint32_t i)
{
    struct meter_match_entry *e = &t->e[i];

    e->newer = METER_NONE;
    e->older = t->tail[l];
    if (t->tail[l] != METER_NONE)
        t->e[t->tail[l]].newer = i;
    else
        t->head[l] = i;
    t->tail[l] = i;
}

static void list_unlink(struct meter_match *t, enum meter_match_list l, uint32_t i)
{
    struct meter_match_entry *e = &t->e[i];

    if (e->older != METER_NONE)
        t->e[e->older].newer = e->newer;
    else
        t->head[l] = e->newer;
    if (e->newer != METER_NONE)
        t->e[e->newer].older = e->older;
    else
        t->tail[l] = e->older;
}

uint32_t meter_match_insert(struct meter_match *t, uint64_t sig,
                            enum meter_match_state state, int64_t ts,
                            uint16_t port, uint32_t flow, uint8_t dscp,
                            uint32_t ip_len)
{
    uint32_t i = t->free_head, *link;
    struct meter_match_entry *e;

    if (i == METER_NONE || state == METER_M_FREE)
        return METER_NONE;
    e = &t->e[i];
    t->free_head = e->chain;
    e->sig = sig;
    e->ts = ts;
    e->flow = flow;
    e->port = port;
    e->dscp = dscp;
    e->ip_len = ip_len;
    e->state = (uint8_t)state;
    e->chain = METER_NONE;
    /* Chain tail: the first match a find meets is the oldest. */
    link = &t->bucket[sig & t->mask];
    while (*link != METER_NONE)
        link = &t->e[*link].chain;
    *link = i;
    list_append(t, meter_match_list_of(state), i);
    t->used++;
    return i;
}

void meter_match_set(struct meter_match *t, uint32_t i,
                     enum meter_match_state state, int64_t ts)
{
    struct meter_match_entry *e = &t->e[i];
    enum meter_match_list from = meter_match_list_of((enum meter_match_state)e->state);
    enum meter_match_list to = meter_match_list_of(state);

    e->ts = ts;
    e->state = (uint8_t)state;
    if (from != to) {
        list_unlink(t, from, i);
        list_append(t, to, i);
    }
}

void meter_match_remove(struct meter_match *t, uint32_t i)
{
    struct meter_match_entry *e = &t->e[i];
    uint32_t *link = &t->bucket[e->sig & t->mask];

    if (e->state == METER_M_FREE)
        return;
    while (*link != METER_NONE && *link != i)
        link = &t->e[*link].chain;
    if (*link == i)
        *link = e->chain;
    list_unlink(t, meter_match_list_of((enum meter_match_state)e->state), i);
    e->state = METER_M_FREE;
    e->chain = t->free_head;
    t->free_head = i;
    t->used--;
}
