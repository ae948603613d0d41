// Allocation sampling for `pyinspect run --allocations`: wraps the MEM and OBJ allocator domains (both are
// called with the GIL held, so the tables below need no lock) and records the Python stack of one allocation
// per `sample_bytes` allocated on average (Poisson sampling by bytes, as tcmalloc and Go's heap profiler do).
// A sample of `size` bytes stands for size / (1 - exp(-size / S)) bytes, so the estimates are unbiased.
// tracemalloc hashes every block; this pays one subtraction per allocation and one probe per free.
// Reads 3.11's _PyInterpreterFrame: revisit for any other version (like gil_layout.c).
#define Py_BUILD_CORE 1
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "internal/pycore_frame.h"
#include "CPythonShim.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { MAX_FRAMES = 32 };

typedef struct {
    PyCodeObject *code;  // strong reference, dropped never: the report needs it after the target freed it
    int lasti;
} sampled_frame;

// One distinct stack and what was sampled there (weights are estimated bytes).
typedef struct {
    uint32_t first_frame, depth;
    uint64_t hash;
    int truncated;
    double allocated, allocations, live, peak_value;
    uint64_t samples, snap_version;
} stack_entry;

// A sampled block still alive: its address, stack and weight.
typedef struct {
    uintptr_t address;  // 0 = empty slot
    uint32_t stack;
    double weight;
} live_block;

static struct {
    int installed, active;
    PyMemAllocatorEx original_mem, original_obj;
    uint64_t sample_bytes;
    int64_t until_sample;
    uint64_t rng;
    sampled_frame *frames;
    uint32_t frames_used, frames_capacity;
    stack_entry *stacks;
    uint32_t stacks_used, stacks_capacity;
    uint32_t *stack_index;  // open addressing: stack number + 1, 0 = empty
    uint32_t stack_index_capacity;
    live_block *live;
    uint64_t live_used, live_capacity;
    double live_bytes, peak_bytes, allocated_bytes;
    uint64_t samples, peak_version, dropped;
} sampler;

static uint64_t next_random(void) {  // xorshift64*: cheap, and only drawn once per sample
    sampler.rng ^= sampler.rng >> 12;
    sampler.rng ^= sampler.rng << 25;
    sampler.rng ^= sampler.rng >> 27;
    return sampler.rng * 2685821657736338717ULL;
}

static int64_t draw_interval(void) {
    if (sampler.sample_bytes <= 1) return 1;
    double uniform = ((double)(next_random() >> 11) + 0.5) / 9007199254740992.0;  // (0, 1)
    double bytes = -log(uniform) * (double)sampler.sample_bytes;
    return bytes < 1 ? 1 : (int64_t)bytes;
}

static double weight_of(size_t size) {
    if (sampler.sample_bytes <= 1 || size == 0) return (double)size;
    double probability = 1.0 - exp(-(double)size / (double)sampler.sample_bytes);
    return (double)size / probability;
}

static uint64_t mix(uint64_t value) {
    value ^= value >> 33;
    value *= 0xff51afd7ed558ccdULL;
    value ^= value >> 33;
    return value;
}

static int grow(void **array, uint64_t *capacity, uint64_t needed, size_t element) {
    if (needed <= *capacity) return 0;
    uint64_t wanted = *capacity ? *capacity * 2 : 1024;
    while (wanted < needed) wanted *= 2;
    void *bigger = realloc(*array, wanted * element);
    if (bigger == NULL) return -1;
    *array = bigger;
    *capacity = wanted;
    return 0;
}

// ---- stacks ----

static int stack_equal(const stack_entry *entry, const sampled_frame *frames, uint32_t depth, int truncated) {
    if (entry->depth != depth || entry->truncated != truncated) return 0;
    const sampled_frame *stored = sampler.frames + entry->first_frame;
    for (uint32_t i = 0; i < depth; i++) {
        if (stored[i].code != frames[i].code || stored[i].lasti != frames[i].lasti) return 0;
    }
    return 1;
}

static int rehash_stacks(uint32_t capacity) {
    uint32_t *index = calloc(capacity, sizeof *index);
    if (index == NULL) return -1;
    for (uint32_t number = 0; number < sampler.stacks_used; number++) {
        uint32_t slot = (uint32_t)sampler.stacks[number].hash & (capacity - 1);
        while (index[slot]) slot = (slot + 1) & (capacity - 1);
        index[slot] = number + 1;
    }
    free(sampler.stack_index);
    sampler.stack_index = index;
    sampler.stack_index_capacity = capacity;
    return 0;
}

// The number of the current thread's stack, interned. -1 when out of memory.
static int64_t current_stack(void) {
    sampled_frame frames[MAX_FRAMES];
    uint32_t depth = 0;
    int truncated = 0;
    PyThreadState *tstate = _PyThreadState_UncheckedGet();
    _PyInterpreterFrame *frame = (tstate && tstate->cframe) ? tstate->cframe->current_frame : NULL;
    _PyInterpreterFrame *outermost = NULL;
    for (; frame != NULL; frame = frame->previous) {
        if (_PyFrame_IsIncomplete(frame)) continue;
        if (depth < MAX_FRAMES - 1) {
            frames[depth++] = (sampled_frame){frame->f_code, _PyInterpreterFrame_LASTI(frame)};
        } else {
            truncated = 1;
            outermost = frame;
        }
    }
    // The outermost frame says who started the work (the target, or pyinspect's own helper): keep it.
    if (outermost) frames[depth++] = (sampled_frame){outermost->f_code, _PyInterpreterFrame_LASTI(outermost)};
    uint64_t hash = 1469598103934665603ULL ^ (uint64_t)truncated;
    for (uint32_t i = 0; i < depth; i++) hash = mix(hash ^ (uintptr_t)frames[i].code ^ ((uint64_t)frames[i].lasti << 48));

    if (sampler.stack_index_capacity == 0 && rehash_stacks(1024) != 0) return -1;
    uint32_t mask = sampler.stack_index_capacity - 1;
    uint32_t slot = (uint32_t)hash & mask;
    while (sampler.stack_index[slot]) {
        uint32_t number = sampler.stack_index[slot] - 1;
        if (sampler.stacks[number].hash == hash && stack_equal(&sampler.stacks[number], frames, depth, truncated)) {
            return number;
        }
        slot = (slot + 1) & mask;
    }
    uint64_t frames_capacity = sampler.frames_capacity, stacks_capacity = sampler.stacks_capacity;
    if (grow((void **)&sampler.frames, &frames_capacity, (uint64_t)sampler.frames_used + depth, sizeof *frames) != 0 ||
        grow((void **)&sampler.stacks, &stacks_capacity, (uint64_t)sampler.stacks_used + 1, sizeof *sampler.stacks) != 0) {
        return -1;
    }
    sampler.frames_capacity = (uint32_t)frames_capacity;
    sampler.stacks_capacity = (uint32_t)stacks_capacity;
    for (uint32_t i = 0; i < depth; i++) Py_INCREF(frames[i].code);
    memcpy(sampler.frames + sampler.frames_used, frames, depth * sizeof *frames);
    uint32_t number = sampler.stacks_used++;
    sampler.stacks[number] = (stack_entry){.first_frame = sampler.frames_used, .depth = depth, .hash = hash,
                                           .truncated = truncated, .snap_version = sampler.peak_version};
    sampler.frames_used += depth;
    sampler.stack_index[slot] = number + 1;
    if ((uint64_t)sampler.stacks_used * 2 > sampler.stack_index_capacity) {
        if (rehash_stacks(sampler.stack_index_capacity * 2) != 0) return -1;
    }
    return number;
}

// A stack's live estimate is about to change: first keep its value at the latest peak, if not kept yet.
// This gives each stack's share of the peak in O(1) per event, without copying every stack at each new peak.
static void before_live_change(stack_entry *entry) {
    if (entry->snap_version != sampler.peak_version) {
        entry->peak_value = entry->live;
        entry->snap_version = sampler.peak_version;
    }
}

// ---- live blocks (linear probing with backward-shift deletion) ----

static uint64_t live_slot(uintptr_t address) { return mix(address) & (sampler.live_capacity - 1); }

static int live_insert(uintptr_t address, uint32_t stack, double weight);

static int live_resize(uint64_t capacity) {
    live_block *old = sampler.live;
    uint64_t old_capacity = sampler.live_capacity;
    live_block *table = calloc(capacity, sizeof *table);
    if (table == NULL) return -1;
    sampler.live = table;
    sampler.live_capacity = capacity;
    sampler.live_used = 0;
    for (uint64_t i = 0; i < old_capacity; i++) {
        if (old[i].address) live_insert(old[i].address, old[i].stack, old[i].weight);
    }
    free(old);
    return 0;
}

static int live_insert(uintptr_t address, uint32_t stack, double weight) {
    // Kept at most a quarter full, so a free of an unsampled block (nearly every free) misses at once.
    if ((sampler.live_used + 1) * 4 > sampler.live_capacity &&
        live_resize(sampler.live_capacity ? sampler.live_capacity * 2 : 4096) != 0) {
        return -1;
    }
    uint64_t slot = live_slot(address);
    while (sampler.live[slot].address && sampler.live[slot].address != address) {
        slot = (slot + 1) & (sampler.live_capacity - 1);
    }
    if (!sampler.live[slot].address) sampler.live_used++;
    sampler.live[slot] = (live_block){address, stack, weight};
    return 0;
}

static int live_remove(uintptr_t address, live_block *removed) {
    if (sampler.live_used == 0) return 0;
    uint64_t mask = sampler.live_capacity - 1;
    uint64_t slot = live_slot(address);
    while (sampler.live[slot].address != address) {
        if (!sampler.live[slot].address) return 0;
        slot = (slot + 1) & mask;
    }
    *removed = sampler.live[slot];
    uint64_t hole = slot;
    for (uint64_t next = (slot + 1) & mask; sampler.live[next].address; next = (next + 1) & mask) {
        uint64_t home = live_slot(sampler.live[next].address);
        // Move the entry back into the hole unless its home lies cyclically in (hole, next].
        int stays = (hole <= next) ? (home > hole && home <= next) : (home > hole || home <= next);
        if (!stays) {
            sampler.live[hole] = sampler.live[next];
            hole = next;
        }
    }
    sampler.live[hole].address = 0;
    sampler.live_used--;
    return 1;
}

// ---- events ----

static void on_free(void *pointer) {
    live_block block;
    if (pointer == NULL || !live_remove((uintptr_t)pointer, &block)) return;
    stack_entry *entry = &sampler.stacks[block.stack];
    before_live_change(entry);
    entry->live -= block.weight;
    sampler.live_bytes -= block.weight;
}

static void on_alloc(void *pointer, size_t size) {
    if (pointer == NULL) return;
    sampler.until_sample -= (int64_t)size;
    if (sampler.until_sample > 0) return;
    sampler.until_sample = draw_interval();
    int64_t number = current_stack();
    double weight = weight_of(size);
    if (number < 0 || live_insert((uintptr_t)pointer, (uint32_t)number, weight) != 0) {
        sampler.dropped++;
        return;
    }
    stack_entry *entry = &sampler.stacks[number];
    before_live_change(entry);
    entry->live += weight;
    entry->allocated += weight;
    entry->allocations += size ? weight / (double)size : 1;
    entry->samples++;
    sampler.samples++;
    sampler.allocated_bytes += weight;
    sampler.live_bytes += weight;
    if (sampler.live_bytes > sampler.peak_bytes) {
        sampler.peak_bytes = sampler.live_bytes;
        sampler.peak_version++;  // every stack's current value is now its value at the peak
    }
}

// ---- the wrapped allocators (ctx is the domain's original allocator) ----

static void *sampled_malloc(void *ctx, size_t size) {
    PyMemAllocatorEx *original = ctx;
    void *pointer = original->malloc(original->ctx, size);
    if (sampler.active) on_alloc(pointer, size);
    return pointer;
}

static void *sampled_calloc(void *ctx, size_t count, size_t size) {
    PyMemAllocatorEx *original = ctx;
    void *pointer = original->calloc(original->ctx, count, size);
    if (sampler.active) on_alloc(pointer, count * size);
    return pointer;
}

static void *sampled_realloc(void *ctx, void *old, size_t size) {
    PyMemAllocatorEx *original = ctx;
    void *pointer = original->realloc(original->ctx, old, size);
    if (sampler.active && pointer != NULL) {
        on_free(old);
        on_alloc(pointer, size);
    }
    return pointer;
}

static void sampled_free(void *ctx, void *pointer) {
    PyMemAllocatorEx *original = ctx;
    if (sampler.active && sampler.live_used) on_free(pointer);
    original->free(original->ctx, pointer);
}

// PYINSPECT_ALLOC_SEED=N repeats the same draws (the same program then gives the same samples); otherwise the
// clock seeds them, so separate runs' errors are independent.
static uint64_t sampler_seed(void) {
    const char *text = getenv("PYINSPECT_ALLOC_SEED");
    if (text != NULL && *text != '\0') {
        char *end = NULL;
        unsigned long long chosen = strtoull(text, &end, 10);
        if (end != NULL && *end == '\0') return mix(chosen + 1) | 1;  // xorshift needs a non-zero state
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return ((uint64_t)now.tv_nsec << 20) ^ (uint64_t)now.tv_sec ^ 0x9E3779B97F4A7C15ULL;
}

int pyi_alloc_sampler_start(uint64_t sample_bytes) {
    if (sampler.installed) return -1;
    sampler.sample_bytes = sample_bytes ? sample_bytes : 1;
    sampler.rng = sampler_seed();
    sampler.until_sample = draw_interval();
    PyGILState_STATE gil = PyGILState_Ensure();
    PyMem_GetAllocator(PYMEM_DOMAIN_MEM, &sampler.original_mem);
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &sampler.original_obj);
    PyMemAllocatorEx mem = {&sampler.original_mem, sampled_malloc, sampled_calloc, sampled_realloc, sampled_free};
    PyMemAllocatorEx obj = {&sampler.original_obj, sampled_malloc, sampled_calloc, sampled_realloc, sampled_free};
    PyMem_SetAllocator(PYMEM_DOMAIN_MEM, &mem);
    PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &obj);
    sampler.installed = 1;
    sampler.active = 1;
    PyGILState_Release(gil);
    return 0;
}

// The wrappers stay installed (a target's tracemalloc may sit on top of them); stopping makes them pass through.
void pyi_alloc_sampler_pause(int paused) {
    if (sampler.installed) sampler.active = !paused;
}

static PyObject *frame_tuple(const sampled_frame *frame) {
    int line = PyCode_Addr2Line(frame->code, frame->lasti * (int)sizeof(_Py_CODEUNIT));
    return Py_BuildValue("(OiO)", frame->code->co_filename, line, frame->code->co_qualname);
}

// The index of `frame` in `frames` (a list of (file, line, function)), added on first sight. Stacks share
// most of their frames: listing each frame once keeps the export small when there are many stacks.
static Py_ssize_t frame_number(PyObject *numbers, PyObject *frames, const sampled_frame *frame) {
    PyObject *key = Py_BuildValue("(ni)", (Py_ssize_t)(uintptr_t)frame->code, frame->lasti);
    if (key == NULL) return -1;
    PyObject *known = PyDict_GetItemWithError(numbers, key);
    if (known != NULL) {
        Py_DECREF(key);
        return PyLong_AsSsize_t(known);
    }
    Py_ssize_t number = PyList_GET_SIZE(frames);
    PyObject *tuple = PyErr_Occurred() ? NULL : frame_tuple(frame);
    PyObject *value = tuple ? PyLong_FromSsize_t(number) : NULL;
    int failed = value == NULL || PyList_Append(frames, tuple) != 0 || PyDict_SetItem(numbers, key, value) != 0;
    Py_XDECREF(tuple);
    Py_XDECREF(value);
    Py_DECREF(key);
    return failed ? -1 : number;
}

// Stacks share their outer frames: they are exported as a tree of (frame, parent node) pairs, outermost at the
// root, and each stack as its innermost node. Returns the node number, or -1 on a Python error.
static Py_ssize_t node_number(PyObject *tree, PyObject *nodes, Py_ssize_t frame, Py_ssize_t parent) {
    PyObject *key = Py_BuildValue("(nn)", frame, parent);
    if (key == NULL) return -1;
    PyObject *known = PyDict_GetItemWithError(tree, key);
    if (known != NULL) {
        Py_DECREF(key);
        return PyLong_AsSsize_t(known);
    }
    Py_ssize_t number = PyList_GET_SIZE(nodes);
    PyObject *value = PyErr_Occurred() ? NULL : PyLong_FromSsize_t(number);
    int failed = value == NULL || PyList_Append(nodes, key) != 0 || PyDict_SetItem(tree, key, value) != 0;
    Py_XDECREF(value);
    Py_DECREF(key);
    return failed ? -1 : number;
}

typedef struct {
    PyObject *frame_numbers, *frames, *tree, *nodes;
} export_tables;

static PyObject *stack_record(const stack_entry *entry, export_tables *tables) {
    Py_ssize_t node = -1;
    for (uint32_t i = entry->depth; i-- > 0;) {  // outermost first, from the root of the tree
        Py_ssize_t frame = frame_number(tables->frame_numbers, tables->frames, &sampler.frames[entry->first_frame + i]);
        node = frame < 0 ? -1 : node_number(tables->tree, tables->nodes, frame, node);
        if (node < 0) return NULL;
    }
    // Changed since the latest peak: its value then was saved. Unchanged: its value now is its value then.
    double at_peak = entry->snap_version == sampler.peak_version ? entry->peak_value : entry->live;
    return Py_BuildValue("{snsOsdsdsdsdsK}", "node", node, "truncated", entry->truncated ? Py_True : Py_False,
                         "allocated", entry->allocated, "allocations", entry->allocations, "live", entry->live,
                         "peak", at_peak, "samples", (unsigned long long)entry->samples);
}

// Called with the GIL held. Pauses sampling (the export itself allocates) and returns everything sampled so
// far as plain Python data, or None when sampling never started.
PyObject *pyi_alloc_sampler_export(void) {
    if (!sampler.installed) Py_RETURN_NONE;
    sampler.active = 0;
    PyObject *stacks = PyList_New(0);
    export_tables tables = {PyDict_New(), PyList_New(0), PyDict_New(), PyList_New(0)};
    if (stacks == NULL || !tables.frame_numbers || !tables.frames || !tables.tree || !tables.nodes) goto failed;
    for (uint32_t number = 0; number < sampler.stacks_used; number++) {
        if (sampler.stacks[number].samples == 0) continue;
        PyObject *record = stack_record(&sampler.stacks[number], &tables);
        if (record == NULL || PyList_Append(stacks, record) != 0) {
            Py_XDECREF(record);
            goto failed;
        }
        Py_DECREF(record);
    }
    Py_CLEAR(tables.frame_numbers);
    Py_CLEAR(tables.tree);
    return Py_BuildValue("{sKsdsdsdsKsKsNsNsN}", "sample_bytes", (unsigned long long)sampler.sample_bytes,
                         "allocated_bytes", sampler.allocated_bytes, "peak_bytes", sampler.peak_bytes,
                         "live_bytes", sampler.live_bytes, "samples", (unsigned long long)sampler.samples,
                         "dropped", (unsigned long long)sampler.dropped, "frames", tables.frames,
                         "nodes", tables.nodes, "stacks", stacks);
failed:
    Py_XDECREF(stacks);
    Py_XDECREF(tables.frame_numbers);
    Py_XDECREF(tables.frames);
    Py_XDECREF(tables.tree);
    Py_XDECREF(tables.nodes);
    return NULL;
}

int pyi_alloc_sampler_installed(void) { return sampler.installed; }

// For checkpoints (service.py): what was sampled so far, with sampling going on afterwards as before (the
// export itself is not sampled). Called with the GIL held.
PyObject *pyi_alloc_sampler_snapshot(void) {
    int was_active = sampler.active;
    PyObject *result = pyi_alloc_sampler_export();
    sampler.active = was_active;
    return result;
}
