// A checkpoint's census (service.py), built to pause the target as little as possible. With the GIL held it
// only reads: every gc-tracked object in place (gc_layout.c, no list of them), its type, and the untracked
// objects it refers to (str, int, dicts and tuples of those), each noted with its type, duplicates and all. It
// then releases the GIL to sort and dedupe those sightings, count them per type and sort the ids, and takes
// the GIL back only to return the counts and ids. The same objects as heap_walk.c's heap(), counted the same.
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "pointer_set.h"

typedef int (*pyi_tracked_visitor)(PyObject *object, void *argument);
int pyi_gc_for_each_tracked(pyi_tracked_visitor visit, void *argument);  // gc_layout.c

typedef struct {
    uintptr_t pointer;
    PyTypeObject *type;
} sighting;

typedef struct {
    sighting *items;
    size_t used, capacity;
} sighting_array;

// Types seen, with their counts: a few hundred entries, so it stays in cache. Each type is referenced while
// it is in the map, so that it outlives the GIL-free part of the census.
typedef struct {
    PyTypeObject **types;
    Py_ssize_t *counts;
    size_t capacity, used;
} type_map;

typedef struct {
    pointer_set excluded;   // the inspector's containers and the untracked objects they hold
    pointer_set traversed;  // untracked containers already followed (a shared tuple is followed once)
    sighting_array tracked, untracked;
    type_map types;
    PyObject **pending;     // untracked containers still to follow
    size_t pending_used, pending_capacity;
    int failed;
} census;

static int sightings_push(sighting_array *array, PyObject *object) {
    if (array->used == array->capacity) {
        size_t capacity = array->capacity ? array->capacity * 2 : 1 << 16;
        sighting *bigger = realloc(array->items, capacity * sizeof(sighting));
        if (bigger == NULL) return -1;
        array->items = bigger;
        array->capacity = capacity;
    }
    array->items[array->used++] = (sighting){(uintptr_t)object, Py_TYPE(object)};
    return 0;
}

static size_t type_slot(const type_map *map, const PyTypeObject *type) {
    uint64_t value = (uint64_t)(uintptr_t)type;
    value ^= value >> 29;
    value *= 0xbf58476d1ce4e5b9ULL;
    value ^= value >> 32;
    size_t slot = (size_t)value & (map->capacity - 1);
    while (map->types[slot] != NULL && map->types[slot] != type) slot = (slot + 1) & (map->capacity - 1);
    return slot;
}

static int type_map_grow(type_map *map) {
    size_t old_capacity = map->capacity;
    PyTypeObject **old_types = map->types;
    Py_ssize_t *old_counts = map->counts;
    map->capacity = old_capacity ? old_capacity * 2 : 1024;
    map->types = calloc(map->capacity, sizeof(PyTypeObject *));
    map->counts = calloc(map->capacity, sizeof(Py_ssize_t));
    if (map->types == NULL || map->counts == NULL) {
        free(map->types);
        free(map->counts);
        map->types = old_types;
        map->counts = old_counts;
        map->capacity = old_capacity;
        return -1;
    }
    for (size_t i = 0; i < old_capacity; i++) {
        if (old_types[i] == NULL) continue;
        size_t slot = type_slot(map, old_types[i]);
        map->types[slot] = old_types[i];
        map->counts[slot] = old_counts[i];
    }
    free(old_types);
    free(old_counts);
    return 0;
}

// The type's count slot; the type is added (and referenced) when new, which needs the GIL.
static Py_ssize_t *type_count(type_map *map, PyTypeObject *type) {
    if ((map->used + 1) * 2 > map->capacity && type_map_grow(map) < 0) return NULL;
    size_t slot = type_slot(map, type);
    if (map->types[slot] == NULL) {
        Py_INCREF(type);
        map->types[slot] = type;
        map->used++;
    }
    return &map->counts[slot];
}

static int is_tracked(PyObject *object) {
    PyTypeObject *type = Py_TYPE(object);
    return PyType_IS_GC(type) && (type->tp_is_gc == NULL || type->tp_is_gc(object)) && PyObject_GC_IsTracked(object);
}

static int is_container(PyObject *object) {
    PyTypeObject *type = Py_TYPE(object);
    return type == &PyDict_Type || type == &PyTuple_Type || type == &PyList_Type || type == &PySet_Type ||
           type == &PyFrozenSet_Type;
}

static void push_pending(census *state, PyObject *container) {
    if (state->pending_used == state->pending_capacity) {
        size_t capacity = state->pending_capacity ? state->pending_capacity * 2 : 4096;
        PyObject **bigger = realloc(state->pending, capacity * sizeof(PyObject *));
        if (bigger == NULL) {
            state->failed = 1;
            return;
        }
        state->pending = bigger;
        state->pending_capacity = capacity;
    }
    state->pending[state->pending_used++] = container;
}

static void traverse(PyObject *object, visitproc visit, census *state) {
    traverseproc function = Py_TYPE(object)->tp_traverse;
    if (PyObject_IS_GC(object) && function != NULL) function(object, visit, state);
}

static int exclude_referent(PyObject *object, void *argument) {
    census *state = argument;
    if (state->failed || object == NULL || is_tracked(object)) return 0;
    int added = set_add(&state->excluded, object);
    if (added < 0) state->failed = 1;
    if (added > 0 && is_container(object)) push_pending(state, object);
    return 0;
}

static int note_referent(PyObject *object, void *argument) {
    census *state = argument;
    if (state->failed || object == NULL || is_tracked(object) || set_contains(&state->excluded, object)) return 0;
    if (sightings_push(&state->untracked, object) < 0 || type_count(&state->types, Py_TYPE(object)) == NULL) {
        state->failed = 1;
        return 0;
    }
    if (is_container(object)) {
        // A container with one reference has one holder: it is reached once, no need to remember it.
        int added = Py_REFCNT(object) == 1 ? 1 : set_add(&state->traversed, object);
        if (added < 0) state->failed = 1;
        if (added > 0) push_pending(state, object);
    }
    return 0;
}

static void follow_pending(visitproc visit, census *state) {
    while (state->pending_used > 0 && !state->failed) traverse(state->pending[--state->pending_used], visit, state);
}

static int note_tracked(PyObject *object, void *argument) {
    census *state = argument;
    if (set_contains(&state->excluded, object)) return 0;
    Py_ssize_t *count = type_count(&state->types, Py_TYPE(object));
    if (count == NULL || sightings_push(&state->tracked, object) < 0) return state->failed = 1;
    (*count)++;
    traverse(object, note_referent, state);
    follow_pending(note_referent, state);
    return state->failed;
}

static int by_pointer(const void *left, const void *right) {
    uintptr_t a = ((const sighting *)left)->pointer, b = ((const sighting *)right)->pointer;
    return (a > b) - (a < b);
}

static double clock_seconds(clockid_t clock) {
    struct timespec now;
    clock_gettime(clock, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static double monotonic_seconds(void) { return clock_seconds(CLOCK_MONOTONIC); }

// The walk's own CPU time: on a busy machine its wall time counts the other processes' turns too.
static double thread_cpu_seconds(void) { return clock_seconds(CLOCK_THREAD_CPUTIME_ID); }

// Without the GIL: dedupes the untracked sightings, counts them per type, and merges every id, sorted, into
// `ids` (room for all sightings). Touches only the census's own memory. Returns the number of ids.
static size_t settle(census *state, uint64_t *ids) {
    qsort(state->tracked.items, state->tracked.used, sizeof(sighting), by_pointer);
    qsort(state->untracked.items, state->untracked.used, sizeof(sighting), by_pointer);
    size_t unique = 0;
    for (size_t i = 0; i < state->untracked.used; i++) {
        if (i > 0 && state->untracked.items[i].pointer == state->untracked.items[i - 1].pointer) continue;
        state->untracked.items[unique++] = state->untracked.items[i];
        state->types.counts[type_slot(&state->types, state->untracked.items[i].type)]++;
    }
    size_t a = 0, b = 0, out = 0;
    const sighting *tracked = state->tracked.items, *untracked = state->untracked.items;
    while (a < state->tracked.used || b < unique) {
        if (b == unique || (a < state->tracked.used && tracked[a].pointer < untracked[b].pointer)) {
            ids[out++] = tracked[a++].pointer;
        } else {
            ids[out++] = untracked[b++].pointer;
        }
    }
    return out;
}

static void census_free(census *state) {
    for (size_t i = 0; i < state->types.capacity; i++) Py_XDECREF(state->types.types[i]);
    free(state->types.types);
    free(state->types.counts);
    free(state->excluded.slots);
    free(state->traversed.slots);
    free(state->tracked.items);
    free(state->untracked.items);
    free(state->pending);
}

// census(skip) -> ({type: count}, ids, paused_s, paused_cpu_s): the objects heap(skip) would list, counted per
// type; `ids`: bytes of their addresses, sorted, 8 bytes each (native order); `paused_s`: how long the census
// held the GIL, and `paused_cpu_s` the CPU time it used meanwhile.
PyObject *pyi_census(PyObject *skip) {
    PyObject *skip_items = PySequence_Fast(skip, "census() takes a sequence of objects to leave out");
    if (skip_items == NULL) return NULL;
    census state;
    memset(&state, 0, sizeof state);
    // Room for as many sightings as the previous census had, allocated and touched with the GIL released: a
    // million sightings are 16 MB whose first-touch page faults would otherwise be part of the pause.
    static size_t previous_tracked, previous_untracked;  // guarded by the GIL
    size_t want_tracked = previous_tracked + previous_tracked / 8, want_untracked = previous_untracked + previous_untracked / 8;
    if (want_tracked > 0 && want_untracked > 0) {
        sighting *tracked = NULL, *untracked = NULL;
        Py_BEGIN_ALLOW_THREADS
        tracked = malloc(want_tracked * sizeof(sighting));
        untracked = malloc(want_untracked * sizeof(sighting));
        if (tracked != NULL) memset(tracked, 0, want_tracked * sizeof(sighting));
        if (untracked != NULL) memset(untracked, 0, want_untracked * sizeof(sighting));
        Py_END_ALLOW_THREADS
        state.tracked = (sighting_array){tracked, 0, tracked ? want_tracked : 0};
        state.untracked = (sighting_array){untracked, 0, untracked ? want_untracked : 0};
    }
    double began = monotonic_seconds(), began_cpu = thread_cpu_seconds();
    state.failed = set_add(&state.excluded, skip) < 0 || set_add(&state.excluded, skip_items) < 0;
    Py_ssize_t skip_count = PySequence_Fast_GET_SIZE(skip_items);
    PyObject **skip_array = PySequence_Fast_ITEMS(skip_items);
    for (Py_ssize_t i = 0; i < skip_count && !state.failed; i++) {
        if (set_add(&state.excluded, skip_array[i]) < 0) state.failed = 1;
        else traverse(skip_array[i], exclude_referent, &state);
        follow_pending(exclude_referent, &state);
    }
    int walked = state.failed ? 1 : pyi_gc_for_each_tracked(note_tracked, &state);
    Py_DECREF(skip_items);
    if (walked != 0 || state.failed) {
        census_free(&state);
        if (walked < 0) PyErr_SetString(PyExc_RuntimeError, "census() reads CPython 3.11's gc lists only");
        else PyErr_NoMemory();
        return NULL;
    }
    previous_tracked = state.tracked.used;
    previous_untracked = state.untracked.used;
    size_t room = state.tracked.used + state.untracked.used;
    // The ids go straight into a new bytes object (nobody else sees it yet), written with the GIL released.
    PyObject *id_bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)((room ? room : 1) * sizeof(uint64_t)));
    if (id_bytes == NULL) {
        census_free(&state);
        return NULL;
    }
    uint64_t *ids = (uint64_t *)PyBytes_AS_STRING(id_bytes);
    double paused = monotonic_seconds() - began, paused_cpu = thread_cpu_seconds() - began_cpu;
    size_t count;
    Py_BEGIN_ALLOW_THREADS
    count = settle(&state, ids);
    Py_END_ALLOW_THREADS
    double settled = monotonic_seconds(), settled_cpu = thread_cpu_seconds();
    PyObject *counts = PyDict_New();
    for (size_t i = 0; counts != NULL && i < state.types.capacity; i++) {
        if (state.types.types[i] == NULL || state.types.counts[i] == 0) continue;
        PyObject *number = PyLong_FromSsize_t(state.types.counts[i]);
        if (number == NULL || PyDict_SetItem(counts, (PyObject *)state.types.types[i], number) < 0) Py_CLEAR(counts);
        Py_XDECREF(number);
    }
    if (counts == NULL || _PyBytes_Resize(&id_bytes, (Py_ssize_t)(count * sizeof(uint64_t))) < 0) Py_CLEAR(id_bytes);
    census_free(&state);
    paused += monotonic_seconds() - settled;
    paused_cpu += thread_cpu_seconds() - settled_cpu;
    PyObject *paused_object = id_bytes ? PyFloat_FromDouble(paused) : NULL;
    PyObject *cpu_object = paused_object ? PyFloat_FromDouble(paused_cpu) : NULL;
    PyObject *result = cpu_object ? PyTuple_New(4) : NULL;
    if (result == NULL) {
        Py_XDECREF(counts);
        Py_XDECREF(id_bytes);
        Py_XDECREF(paused_object);
        Py_XDECREF(cpu_object);
        return NULL;
    }
    PyTuple_SET_ITEM(result, 0, counts);
    PyTuple_SET_ITEM(result, 1, id_bytes);
    PyTuple_SET_ITEM(result, 2, paused_object);
    PyTuple_SET_ITEM(result, 3, cpu_object);
    return result;
}
