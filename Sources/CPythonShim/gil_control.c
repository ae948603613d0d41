// Starts and stops the GIL tracer, checks it works (self-test), and hands its figures to Swift.
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "CPythonShim.h"
#include "gil_internal.h"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int trace_mode;
static unsigned long switch_number_start, switch_number_stop;
static uint64_t stop_t;
static int stacks_fd = -1;
static int stopped;
static pid_t tracing_pid;
static uint64_t origin_monotonic_ns;
static int events_converted;

size_t pyi_gil_event_size(void);
void pyi_gil_events_to_ns(void);

static uint64_t monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

// The TSC only where the kernel keeps its own clock on it.
static int tsc_trusted(void) {
#if defined(__x86_64__)
    char name[32] = {0};
    int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t length = read(fd, name, sizeof name - 1);
    close(fd);
    return length >= 3 && strncmp(name, "tsc", 3) == 0 && (name[3] == '\n' || name[3] == '\0');
#else
    return 0;
#endif
}

// Sets the origin of tracer time and how many ticks make a nanosecond (2 ms of calibration with the TSC).
static void start_clock(void) {
    pyi_gil_tracer_state *g = &pyi_gil_state;
    pyi_gil_use_tsc = tsc_trusted();
    g->ticks_per_ns = 1.0;
    if (pyi_gil_use_tsc) {
        uint64_t m0 = monotonic_ns(), t0 = pyi_gil_raw_ticks();
        struct timespec pause = {0, 2000000};
        nanosleep(&pause, NULL);
        uint64_t m1 = monotonic_ns(), t1 = pyi_gil_raw_ticks();
        if (m1 > m0 && t1 > t0) g->ticks_per_ns = (double)(t1 - t0) / (double)(m1 - m0);
        else pyi_gil_use_tsc = 0;
    }
    origin_monotonic_ns = monotonic_ns();
    g->origin_t = pyi_gil_raw_ticks();
}


static void *take_and_release_gil(void *unused) {
    (void)unused;
    PyGILState_STATE state = PyGILState_Ensure();
    PyGILState_Release(state);
    return NULL;
}

// With the tracer on: main releases the GIL, another thread takes and releases it, main takes it back.
// CPython counts 2 holder switches; the tracer must have seen 2 switches and 2 acquisitions.
static int self_test(char *message, size_t size) {
    pyi_gil_tracer_state *g = &pyi_gil_state;
    unsigned long sn0 = *g->layout.switch_number;
    uint64_t acquisitions0 = g->acquisitions, switches0 = g->all_switches;
    int started;
    Py_BEGIN_ALLOW_THREADS
    pthread_t helper;
    started = pyi_start_host_thread(&helper, 0, take_and_release_gil, NULL) == 0;
    if (started) pthread_join(helper, NULL);
    Py_END_ALLOW_THREADS
    if (!started) {
        snprintf(message, size, "self-test could not start a thread");
        return -1;
    }
    unsigned long cpython = *g->layout.switch_number - sn0;
    if (!pyi_gil_interpose_live()) {
        snprintf(message, size, "libpython's pthread_mutex_lock calls do not reach pyinspect's wrapper");
        return -1;
    }
    if (g->acquisitions - acquisitions0 != 2 || g->all_switches - switches0 != cpython || cpython != 2) {
        snprintf(message, size, "self-test mismatch: %llu acquisitions, %llu switches seen, CPython counted %lu",
                 (unsigned long long)(g->acquisitions - acquisitions0),
                 (unsigned long long)(g->all_switches - switches0), cpython);
        return -1;
    }
    return 0;
}

// Forget the self-test: keep only the calling thread (slot 0), holding since now.
static void reset_after_self_test(void) {
    pyi_gil_tracer_state *g = &pyi_gil_state;
    int count = atomic_load(&g->nslots);
    pyi_gil_slot *main_slot = &g->slots[0];
    pid_t tid = main_slot->tid;
    clockid_t clock = main_slot->clock;
    int clock_ok = main_slot->clock_ok;
    for (int i = 1; i < count; i++) memset(&g->slots[i], 0, sizeof g->slots[i]);
    memset(main_slot, 0, sizeof *main_slot);
    main_slot->tid = tid;
    main_slot->clock = clock;
    main_slot->clock_ok = clock_ok;
    uint64_t now = pyi_gil_now_ticks();
    main_slot->first_t = now;
    main_slot->hold_start_t = now;
    main_slot->hold_seq = ++g->seq;
    atomic_store(&main_slot->holding, 1);
    atomic_store(&g->nslots, 1);
    g->acquisitions = g->switches = g->all_switches = 0;
    g->nevents = g->events_dropped = g->untracked_events = 0;
    g->nlong = 0;
    g->last_slot = g->last_any_slot = 0;
    atomic_store(&g->cur_slot, 0);
    atomic_store(&g->cur_start_t, now);
    atomic_store(&g->cur_seq, g->seq);
}

// The run ends when the target's code does: after threading's shutdown joined its threads and after the
// target's own atexit functions (this one is registered before the target runs, so it runs after them), but
// before the interpreter's finalization, which is not the target's work.
static PyObject *end_of_target(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    pyi_gil_trace_stop();
    Py_RETURN_NONE;
}

static PyMethodDef end_of_target_def = {"_pyinspect_gil_trace_end", end_of_target, METH_NOARGS, NULL};

static void stop_at_target_exit(void) {
    PyObject *function = PyCFunction_New(&end_of_target_def, NULL);
    PyObject *module = PyImport_ImportModule("atexit");
    PyObject *result = (function && module) ? PyObject_CallMethod(module, "register", "O", function) : NULL;
    if (result == NULL) PyErr_Clear();   // then the trace simply ends after finalization
    Py_XDECREF(result);
    Py_XDECREF(module);
    Py_XDECREF(function);
}

int pyi_gil_trace_start(const pyi_gil_trace_options *options, char *message, size_t message_size) {
    pyi_gil_tracer_state *g = &pyi_gil_state;
    if (message_size) message[0] = '\0';
    if (trace_mode != PYI_GIL_MODE_OFF) return trace_mode;
    if (!PyGILState_Check()) {
        snprintf(message, message_size, "the GIL tracer must be started by the thread holding the GIL");
        return PYI_GIL_MODE_OFF;
    }
    if (pyi_gil_layout_resolve(&g->layout, message, message_size) != 0) return PYI_GIL_MODE_OFF;
    start_clock();
    g->long_hold_t = pyi_gil_ns_to_ticks((uint64_t)(options->long_hold_ms * 1e6));
    g->events_capacity = options->events_capacity;
    if (options->stacks_path) stacks_fd = open(options->stacks_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    int mode = PYI_GIL_MODE_SAMPLED;
    if (!options->force_sampling) {
        pyi_gil_interpose_enable(g->layout.mutex);
        if (self_test(message, message_size) == 0) {
            mode = PYI_GIL_MODE_EXACT;
            reset_after_self_test();
        } else {
            pyi_gil_interpose_disable();
            memset(g->slots, 0, sizeof g->slots);
            atomic_store(&g->nslots, 0);
        }
    }
    switch_number_start = *g->layout.switch_number;
    uint64_t tick = mode == PYI_GIL_MODE_EXACT ? 2000000u : 1000000u;
    if (pyi_gil_watcher_start(mode == PYI_GIL_MODE_SAMPLED, tick, stacks_fd) != 0 && mode == PYI_GIL_MODE_SAMPLED) {
        snprintf(message, message_size, "cannot start the GIL sampling thread");
        return PYI_GIL_MODE_OFF;
    }
    g->tick_ns = tick;
    trace_mode = mode;
    tracing_pid = getpid();
    // A fork keeps the parent's slots (threads that do not exist in the child) and no watcher: the tracer goes
    // inert in the child at once, so nothing of the child's is mixed into state that is not its own.
    static int atfork_registered;
    if (!atfork_registered) atfork_registered = pthread_atfork(NULL, NULL, pyi_gil_interpose_disable) == 0;
    stop_at_target_exit();
    return mode;
}

// The process that started the trace (a fork inherits the state but not the trace).
pid_t pyi_gil_trace_owner_pid(void) { return trace_mode == PYI_GIL_MODE_OFF ? -1 : tracing_pid; }

void pyi_gil_trace_stop(void) {
    pyi_gil_tracer_state *g = &pyi_gil_state;
    if (trace_mode == PYI_GIL_MODE_OFF || stopped) return;
    if (getpid() != tracing_pid) {
        // A child the target forked: the watcher thread does not exist here, and the trace is the parent's.
        pyi_gil_interpose_disable();
        return;
    }
    stopped = 1;
    pyi_gil_watcher_stop();
    pyi_gil_interpose_disable();
    stop_t = pyi_gil_now_ticks();
    uint64_t elapsed = monotonic_ns() - origin_monotonic_ns;
    // Refine the scale over the whole trace (the start-up calibration spans only 2 ms).
    if (pyi_gil_use_tsc && elapsed >= 100000000u && stop_t > 0) g->ticks_per_ns = (double)stop_t / (double)elapsed;
    switch_number_stop = *g->layout.switch_number;
    if (stacks_fd >= 0) close(stacks_fd);
    stacks_fd = -1;
}

void pyi_gil_trace_get_totals(pyi_gil_trace_totals *out) {
    pyi_gil_tracer_state *g = &pyi_gil_state;
    memset(out, 0, sizeof *out);
    out->mode = trace_mode;
    out->stop_ns = pyi_gil_ticks_to_ns(stopped ? stop_t : pyi_gil_now_ticks());
    out->ticks_per_ns = g->ticks_per_ns > 0 ? g->ticks_per_ns : 1.0;
    out->acquisitions = g->acquisitions;
    out->switches = g->switches;
    out->all_switches = g->all_switches;
    out->switch_number_delta = (stopped ? switch_number_stop : *g->layout.switch_number) - switch_number_start;
    out->events = g->nevents;
    out->events_dropped = g->events_dropped;
    out->untracked_events = g->untracked_events;
    pyi_gil_watcher_sample_counts(&out->sample_ticks, &out->locked_ticks);
    out->tick_ns = g->tick_ns;
    out->long_hold_ns = pyi_gil_ticks_to_ns(g->long_hold_t);
    out->threads = atomic_load(&g->nslots);
    out->long_holds = g->nlong;
}

int pyi_gil_trace_thread(int index, pyi_gil_thread_figures *out) {
    pyi_gil_tracer_state *g = &pyi_gil_state;
    if (index < 0 || index >= atomic_load(&g->nslots)) return -1;
    pyi_gil_slot *slot = &g->slots[index];
    memset(out, 0, sizeof *out);
    out->tid = slot->tid;
    out->acquisitions = slot->acquisitions;
    out->switches_in = slot->switches_in;
    out->hold_total_ns = slot->hold_total_t;
    out->wait_total_ns = slot->wait_total_t;
    out->max_hold_ns = slot->max_hold_t;
    out->max_wait_ns = slot->max_wait_t;
    out->first_ns = slot->first_t;
    out->exited = atomic_load(&slot->exited);
    out->exit_ns = slot->exit_t;
    out->sampled_ticks = slot->sampled_ticks;
    if (trace_mode == PYI_GIL_MODE_EXACT && atomic_load(&slot->holding)) {
        // Still holding when the trace stopped (the main thread through finalization): close the hold there.
        uint64_t end = stopped ? stop_t : pyi_gil_now_ticks();
        uint64_t hold = end > slot->hold_start_t ? end - slot->hold_start_t : 0;
        out->hold_total_ns += hold;
        if (hold > out->max_hold_ns) out->max_hold_ns = hold;
        out->held_at_stop = 1;
        out->open_hold_start_ns = slot->hold_start_t;
    }
    uint64_t waiting = atomic_load(&slot->waiting_since_t);
    if (trace_mode == PYI_GIL_MODE_EXACT && waiting != 0 && !out->exited) {
        // Still waiting when the trace stopped (behind a hold that never ended): count the wait so far.
        uint64_t end = stopped ? stop_t : pyi_gil_now_ticks();
        uint64_t wait = end > waiting - 1 ? end - (waiting - 1) : 0;
        out->wait_total_ns += wait;
        if (wait > out->max_wait_ns) out->max_wait_ns = wait;
        out->waiting_at_stop = 1;
        out->open_wait_start_ns = waiting - 1;
    }
    out->hold_total_ns = pyi_gil_ticks_to_ns(out->hold_total_ns);
    out->wait_total_ns = pyi_gil_ticks_to_ns(out->wait_total_ns);
    out->max_hold_ns = pyi_gil_ticks_to_ns(out->max_hold_ns);
    out->max_wait_ns = pyi_gil_ticks_to_ns(out->max_wait_ns);
    out->first_ns = pyi_gil_ticks_to_ns(out->first_ns);
    out->exit_ns = pyi_gil_ticks_to_ns(out->exit_ns);
    out->open_hold_start_ns = pyi_gil_ticks_to_ns(out->open_hold_start_ns);
    out->open_wait_start_ns = pyi_gil_ticks_to_ns(out->open_wait_start_ns);
    uint64_t cpu = atomic_load(&slot->cpu_ns);
    if (!out->exited && slot->clock_ok) {
        struct timespec now;
        if (clock_gettime(slot->clock, &now) == 0) cpu = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    }
    out->cpu_ns = cpu;
    out->cpu_known = out->exited || slot->clock_ok;
    return 0;
}

int pyi_gil_trace_histogram(int index, int waits, uint64_t *out, int capacity) {
    pyi_gil_tracer_state *g = &pyi_gil_state;
    if (index < 0 || index >= atomic_load(&g->nslots)) return 0;
    pyi_gil_slot *slot = &g->slots[index];
    int count = capacity < PYI_GIL_HIST_BUCKETS ? capacity : PYI_GIL_HIST_BUCKETS;
    memcpy(out, waits ? slot->wait_hist : slot->hold_hist, (size_t)count * sizeof(uint64_t));
    if (!waits && trace_mode == PYI_GIL_MODE_EXACT && atomic_load(&slot->holding) && count == PYI_GIL_HIST_BUCKETS) {
        uint64_t end = stopped ? stop_t : pyi_gil_now_ticks();
        uint64_t hold = end > slot->hold_start_t ? end - slot->hold_start_t : 0;
        out[pyi_gil_histogram_bucket(hold)]++;
    }
    return count;
}

int pyi_gil_trace_long_hold(int index, pyi_gil_long_hold *out) {
    pyi_gil_tracer_state *g = &pyi_gil_state;
    if (index < 0 || index >= g->nlong) return -1;
    out->seq = g->long_holds[index].seq;
    out->slot = g->long_holds[index].slot;
    out->start_ns = pyi_gil_ticks_to_ns(g->long_holds[index].start_t);
    out->duration_ns = pyi_gil_ticks_to_ns(g->long_holds[index].duration_t);
    return 0;
}

int pyi_gil_trace_write_events(const char *path) {
    pyi_gil_tracer_state *g = &pyi_gil_state;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    if (!events_converted) {
        pyi_gil_events_to_ns();
        events_converted = 1;
    }
    const char *bytes = g->events;
    size_t left = g->events ? (size_t)g->nevents * pyi_gil_event_size() : 0;
    while (left > 0) {
        ssize_t written = write(fd, bytes, left);
        if (written <= 0) {
            close(fd);
            return -1;
        }
        bytes += written;
        left -= (size_t)written;
    }
    return close(fd);
}
