// Every object a leak census counts, gathered in C: the gc-tracked objects (gc.get_objects()) and the objects
// the gc does not track that they refer to (str, int, float, and dicts or tuples of those), followed through
// untracked containers in turn. The same walk in Python (leaks._heap_in_python) spends most of its time
// deduplicating a million ids in a dict; here a pointer set does it.
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pointer_set.h"

typedef struct {
    PyObject **items;
    size_t used, capacity;
} object_array;

static int array_push(object_array *array, PyObject *object) {
    if (array->used == array->capacity) {
        size_t capacity = array->capacity ? array->capacity * 2 : 4096;
        PyObject **bigger = realloc(array->items, capacity * sizeof(PyObject *));
        if (bigger == NULL) return -1;
        array->items = bigger;
        array->capacity = capacity;
    }
    array->items[array->used++] = object;
    return 0;
}

typedef struct {
    Py_ssize_t kept;        // tracked objects not skipped
    pointer_set seen;       // untracked objects already found
    object_array found;     // the untracked objects, borrowed: their holders keep them alive while we walk
    object_array pending;   // untracked containers still to traverse
    int failed;
} walk;

static int is_container(PyObject *object) {
    PyTypeObject *type = Py_TYPE(object);
    return type == &PyDict_Type || type == &PyTuple_Type || type == &PyList_Type || type == &PySet_Type ||
           type == &PyFrozenSet_Type;
}

// Tracked objects are counted from gc.get_objects(); the walk follows only the others.
static int is_tracked(PyObject *object) {
    PyTypeObject *type = Py_TYPE(object);
    return PyType_IS_GC(type) && (type->tp_is_gc == NULL || type->tp_is_gc(object)) && PyObject_GC_IsTracked(object);
}

static int visit_referent(PyObject *object, void *argument) {
    walk *state = argument;
    if (state->failed || object == NULL || is_tracked(object)) return 0;
    int added = set_add(&state->seen, object);
    if (added <= 0) {
        if (added < 0) state->failed = 1;
        return 0;
    }
    if (array_push(&state->found, object) < 0 || (is_container(object) && array_push(&state->pending, object) < 0)) {
        state->failed = 1;
    }
    return 0;
}

// Marks what an inspector's container holds (and untracked containers within, in turn) as seen, so the walk
// never counts it, even when a tracked object of the inspector's (the argument tuple of the call that made the
// census) also refers to it.
static int exclude_referent(PyObject *object, void *argument) {
    walk *state = argument;
    if (state->failed || object == NULL || is_tracked(object)) return 0;
    int added = set_add(&state->seen, object);
    if (added < 0) state->failed = 1;
    if (added > 0 && is_container(object) && array_push(&state->pending, object) < 0) state->failed = 1;
    return 0;
}

static void traverse(PyObject *object, visitproc visit, walk *state) {
    traverseproc function = Py_TYPE(object)->tp_traverse;
    if (PyObject_IS_GC(object) && function != NULL) function(object, visit, state);
}

// The untracked containers found so far, and those they hold in turn (each once: `seen` dedupes them).
static void traverse_pending(visitproc visit, walk *state) {
    while (state->pending.used > 0 && !state->failed) traverse(state->pending.items[--state->pending.used], visit, state);
}

// Walks the heap: `tracked` (from gc.get_objects()) less `skipped`, and fills state->found with the untracked
// objects reachable from them. No Python code runs meanwhile, so borrowed pointers stay valid.
static int walk_heap(PyObject *tracked, const pointer_set *skipped, walk *state) {
    Py_ssize_t count = PyList_GET_SIZE(tracked);
    // Untracked objects are usually a few times the tracked ones: size the set once.
    while (state->seen.capacity < (size_t)count * 8) {
        if (set_grow(&state->seen) < 0) return -1;
    }
    for (size_t i = 0; i < skipped->capacity && !state->failed; i++) {
        if (skipped->slots[i] != 0) traverse((PyObject *)skipped->slots[i], exclude_referent, state);
    }
    traverse_pending(exclude_referent, state);
    for (Py_ssize_t i = 0; i < count && !state->failed; i++) {
        PyObject *object = PyList_GET_ITEM(tracked, i);
        if (set_contains(skipped, object)) continue;
        state->kept++;
        traverse(object, visit_referent, state);
    }
    traverse_pending(visit_referent, state);
    return state->failed ? -1 : 0;
}

static PyObject *tracked_objects(void) {
    PyObject *gc = PyImport_ImportModule("gc");
    PyObject *tracked = gc ? PyObject_CallMethod(gc, "get_objects", NULL) : NULL;
    Py_XDECREF(gc);
    if (tracked != NULL && !PyList_Check(tracked)) {
        PyErr_SetString(PyExc_TypeError, "gc.get_objects() did not return a list");
        Py_CLEAR(tracked);
    }
    return tracked;
}

static void walk_free(walk *state, pointer_set *skipped) {
    free(state->seen.slots);
    free(state->found.items);
    free(state->pending.items);
    free(skipped->slots);
}

// heap(skip) -> list: see the comment at the top, tracked objects first in gc order. `skip`: a sequence of the
// inspector's own containers, left out together with the untracked objects they hold.
PyObject *pyi_heap_objects(PyObject *skip) {
    PyObject *skip_items = PySequence_Fast(skip, "heap() takes a sequence of objects to leave out");
    if (skip_items == NULL) return NULL;
    PyObject *tracked = tracked_objects();
    if (tracked == NULL) {
        Py_DECREF(skip_items);
        return NULL;
    }
    walk state = {0, {NULL, 0, 0}, {NULL, 0, 0}, {NULL, 0, 0}, 0};
    pointer_set skipped = {NULL, 0, 0};
    int failed = set_add(&skipped, tracked) < 0 || set_add(&skipped, skip) < 0;
    Py_ssize_t skip_count = PySequence_Fast_GET_SIZE(skip_items);
    PyObject **skip_array = PySequence_Fast_ITEMS(skip_items);
    for (Py_ssize_t i = 0; i < skip_count && !failed; i++) failed = set_add(&skipped, skip_array[i]) < 0;
    PyObject *result = NULL;
    if (!failed && walk_heap(tracked, &skipped, &state) == 0) {
        Py_ssize_t count = PyList_GET_SIZE(tracked);
        // Allocated after the walk, so it is not in the heap it lists.
        result = PyList_New(state.kept + (Py_ssize_t)state.found.used);
        if (result != NULL) {
            Py_ssize_t at = 0;
            for (Py_ssize_t i = 0; i < count; i++) {
                PyObject *object = PyList_GET_ITEM(tracked, i);
                if (set_contains(&skipped, object)) continue;
                Py_INCREF(object);
                PyList_SET_ITEM(result, at++, object);
            }
            for (size_t i = 0; i < state.found.used; i++) {
                Py_INCREF(state.found.items[i]);
                PyList_SET_ITEM(result, at++, state.found.items[i]);
            }
        }
    }
    walk_free(&state, &skipped);
    Py_DECREF(tracked);
    Py_DECREF(skip_items);
    if (result == NULL && !PyErr_Occurred()) PyErr_NoMemory();
    return result;
}

// The references the gc-tracked objects hold, summed (every slot their tp_traverse visits). A list that gains
// two cached small ints per call makes no object and no block (its array grows in place, or in the C heap), but
// this count rises by exactly two per call. A dict of only str and int keys and values is not tracked: the
// entries of such a dict count where a tracked object refers to it. Costs one traverse of the heap, as a
// collection does.
static int count_referent(PyObject *object, void *argument) {
    if (object == NULL) return 0;
    Py_ssize_t *total = argument;
    (*total)++;
    if (PyDict_CheckExact(object) && !PyObject_GC_IsTracked(object)) *total += 2 * PyDict_GET_SIZE(object);
    return 0;
}

PyObject *pyi_reference_count(void) {
    PyObject *tracked = tracked_objects();
    if (tracked == NULL) return NULL;
    Py_ssize_t total = 0;
    Py_ssize_t count = PyList_GET_SIZE(tracked);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *object = PyList_GET_ITEM(tracked, i);
        traverseproc function = Py_TYPE(object)->tp_traverse;
        if (function != NULL) function(object, count_referent, &total);
    }
    Py_DECREF(tracked);  // not in itself: gc.get_objects() leaves its result out
    return PyLong_FromSsize_t(total);
}
