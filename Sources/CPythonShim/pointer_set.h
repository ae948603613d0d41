// An open-addressing set of pointers (0 = empty), for the heap walks (heap_walk.c, census_walk.c): deduping a
// million objects here costs a fraction of a Python set of their ids. Header-only, private to the shim.
#ifndef PYI_POINTER_SET_H
#define PYI_POINTER_SET_H
#include <stdint.h>
#include <stdlib.h>

typedef struct {
    uintptr_t *slots;  // open addressing, 0 = empty
    size_t capacity;   // a power of two
    size_t used;
} pointer_set;

static inline size_t slot_of(const pointer_set *set, uintptr_t pointer) {
    uint64_t value = (uint64_t)pointer;
    value ^= value >> 33;
    value *= 0xff51afd7ed558ccdULL;
    value ^= value >> 33;
    return (size_t)value & (set->capacity - 1);
}

static inline int set_grow(pointer_set *set) {
    size_t capacity = set->capacity ? set->capacity * 2 : 1 << 16;
    uintptr_t *old = set->slots;
    size_t old_capacity = set->capacity;
    set->slots = calloc(capacity, sizeof(uintptr_t));
    if (set->slots == NULL) {
        set->slots = old;
        return -1;
    }
    set->capacity = capacity;
    for (size_t i = 0; i < old_capacity; i++) {
        if (old[i] == 0) continue;
        size_t slot = slot_of(set, old[i]);
        while (set->slots[slot] != 0) slot = (slot + 1) & (capacity - 1);
        set->slots[slot] = old[i];
    }
    free(old);
    return 0;
}

// 1 when added, 0 when already there, -1 when out of memory.
static inline int set_add(pointer_set *set, const void *object) {
    if ((set->used + 1) * 2 > set->capacity && set_grow(set) < 0) return -1;
    uintptr_t pointer = (uintptr_t)object;
    size_t slot = slot_of(set, pointer);
    while (set->slots[slot] != 0) {
        if (set->slots[slot] == pointer) return 0;
        slot = (slot + 1) & (set->capacity - 1);
    }
    set->slots[slot] = pointer;
    set->used++;
    return 1;
}

static inline int set_contains(const pointer_set *set, const void *object) {
    if (set->capacity == 0) return 0;
    uintptr_t pointer = (uintptr_t)object;
    size_t slot = slot_of(set, pointer);
    while (set->slots[slot] != 0) {
        if (set->slots[slot] == pointer) return 1;
        slot = (slot + 1) & (set->capacity - 1);
    }
    return 0;
}

#endif
