// The GIL tracer's native watcher thread. It never takes the GIL. Each tick it:
//  - exact mode: looks at the current hold (published by gil_interpose.c); once a hold is old enough it samples
//    the holder's innermost frame and instruction (advancing = running bytecode; frozen = one C call that does
//    not let go) and its CPU clock (on CPU or blocked while holding), and when the hold passes the long-hold
//    threshold writes the holder's Python stack the way faulthandler does;
//  - sampling mode (the fallback when interposition is unavailable): reads `locked` and `last_holder`.
// It also refreshes every live thread's CPU clock.
#define _GNU_SOURCE
#include "gil_internal.h"
#include "CPythonShim.h"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static pthread_t watcher_thread;
static int watcher_running;
static _Atomic int keep_watching;
static int sampling_mode;
static uint64_t tick_ns;      // the sleep between looks
static uint64_t tick_t;       // the same in tracer ticks
static int stacks_fd = -1;

static pyi_gil_watch watches[PYI_GIL_MAX_LONG_HOLDS];
static int nwatches;
static pyi_gil_watch current;
static int have_current;
static uintptr_t last_frame, last_instruction;
static uint64_t sample_ticks, locked_ticks;
static uintptr_t run_holder;
static unsigned long run_switch_number;
static uint64_t pseudo_seq;

static int read_cpu(int slot_index, uint64_t *out) {
    pyi_gil_slot *slot = &pyi_gil_state.slots[slot_index];
    if (atomic_load(&slot->exited)) {
        *out = atomic_load(&slot->cpu_ns);
        return 1;
    }
    if (!slot->clock_ok) return 0;
    struct timespec cpu;
    if (clock_gettime(slot->clock, &cpu) != 0) return 0;
    *out = (uint64_t)cpu.tv_sec * 1000000000u + (uint64_t)cpu.tv_nsec;
    return 1;
}

// Nanoseconds the thread has spent runnable but not running (the second field of its schedstat).
static int read_runqueue(int slot_index, uint64_t *out) {
    pid_t tid = pyi_gil_state.slots[slot_index].tid;
    if (tid <= 0 || atomic_load(&pyi_gil_state.slots[slot_index].exited)) return 0;
    char path[64], text[96];
    snprintf(path, sizeof path, "/proc/self/task/%d/schedstat", (int)tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t got = read(fd, text, sizeof text - 1);
    close(fd);
    if (got <= 0) return 0;
    text[got] = '\0';
    unsigned long long running = 0, waiting = 0;
    if (sscanf(text, "%llu %llu", &running, &waiting) != 2) return 0;
    *out = (uint64_t)waiting;
    return 1;
}

static void commit_current(void) {
    if (have_current && current.dumped && nwatches < PYI_GIL_MAX_LONG_HOLDS) watches[nwatches++] = current;
    have_current = 0;
}

// One look at a hold that is `age` ns old.
static void observe_hold(uint64_t seq, int slot, uint64_t start, uint64_t now, uintptr_t tstate) {
    if (!have_current || current.seq != seq) {
        commit_current();
        memset(&current, 0, sizeof current);
        current.seq = seq;
        current.slot = slot;
        current.start_ns = start;
        current.first_sample_ns = now;
        current.cpu_known = read_cpu(slot, &current.cpu_first_ns);
        current.runq_known = read_runqueue(slot, &current.runq_first_ns);
        current.runq_last_ns = current.runq_first_ns;
        have_current = 1;
        last_frame = last_instruction = 0;
    }
    uintptr_t frame, instruction;
    if (pyi_gil_layout_frame_marker(tstate, &frame, &instruction) != 0) {
        current.no_frame_samples++;
    } else {
        if (current.samples > current.no_frame_samples && (frame != last_frame || instruction != last_instruction))
            current.advanced_samples++;
        last_frame = frame;
        last_instruction = instruction;
    }
    current.samples++;
    current.last_sample_ns = now;
    uint64_t cpu;
    if (current.cpu_known && read_cpu(slot, &cpu)) current.cpu_last_ns = cpu;
    uint64_t runq;
    if (current.runq_known && read_runqueue(slot, &runq)) current.runq_last_ns = runq;
    current.duration_ns = now - start;
    if (!current.dumped && now - start >= pyi_gil_state.long_hold_t && stacks_fd >= 0) {
        char header[96];
        int length = snprintf(header, sizeof header, "Thread 0x%llx (most recent call first):\n",
                              (unsigned long long)seq);
        if (length > 0 && write(stacks_fd, header, (size_t)length) >= 0) {
            pyi_gil_layout_dump_traceback(stacks_fd, tstate);
        }
        current.dumped = 1;
    } else if (!current.dumped && now - start >= pyi_gil_state.long_hold_t) {
        current.dumped = 1;
    }
}

static void exact_tick(uint64_t now) {
    pyi_gil_tracer_state *g = &pyi_gil_state;
    uint64_t seq = atomic_load_explicit(&g->cur_seq, memory_order_acquire);
    int slot = atomic_load_explicit(&g->cur_slot, memory_order_acquire);
    uint64_t start = atomic_load_explicit(&g->cur_start_t, memory_order_acquire);
    if (atomic_load_explicit(&g->cur_seq, memory_order_acquire) != seq || slot < 0) {
        commit_current();
        return;
    }
    if (have_current && current.seq != seq) commit_current();
    // Sample only holds older than two ticks: short holds cost nothing.
    if (now < start || now - start < 2 * tick_t) return;
    observe_hold(seq, slot, start, now, atomic_load_explicit(g->layout.last_holder, memory_order_relaxed));
}

static void sampling_tick(uint64_t now) {
    pyi_gil_tracer_state *g = &pyi_gil_state;
    int locked = atomic_load_explicit(g->layout.locked, memory_order_relaxed);
    uintptr_t holder = atomic_load_explicit(g->layout.last_holder, memory_order_relaxed);
    unsigned long switch_number = *(volatile unsigned long *)g->layout.switch_number;
    sample_ticks++;
    if (locked != 1 || holder == 0) {
        commit_current();
        run_holder = 0;
        return;
    }
    locked_ticks++;
    pid_t tid = (pid_t)pyi_gil_layout_native_id(holder);
    if (tid <= 0) return;
    int slot = pyi_gil_claim_slot_for_tid(tid, now);
    if (slot < 0) return;
    g->slots[slot].sampled_ticks++;
    if (holder != run_holder || switch_number != run_switch_number) {
        commit_current();
        run_holder = holder;
        run_switch_number = switch_number;
        pseudo_seq++;
        memset(&current, 0, sizeof current);
        current.seq = pseudo_seq;
        current.slot = slot;
        current.start_ns = now;
        current.first_sample_ns = now;
        current.cpu_known = read_cpu(slot, &current.cpu_first_ns);
        have_current = 1;
        last_frame = last_instruction = 0;
        return;
    }
    observe_hold(current.seq, slot, current.start_ns, now, holder);
}

static void refresh_cpu_clocks(void) {
    int count = atomic_load(&pyi_gil_state.nslots);
    for (int i = 0; i < count; i++) {
        pyi_gil_slot *slot = &pyi_gil_state.slots[i];
        uint64_t cpu;
        if (!atomic_load(&slot->exited) && read_cpu(i, &cpu)) atomic_store(&slot->cpu_ns, cpu);
    }
}

static void *watch(void *unused) {
    (void)unused;
    uint64_t ticks = 0;
    struct timespec interval = {(time_t)(tick_ns / 1000000000u), (long)(tick_ns % 1000000000u)};
    while (atomic_load(&keep_watching)) {
        nanosleep(&interval, NULL);
        uint64_t now = pyi_gil_now_ticks();
        if (sampling_mode) sampling_tick(now); else exact_tick(now);
        if (++ticks % 25 == 0) refresh_cpu_clocks();
    }
    commit_current();
    refresh_cpu_clocks();
    return NULL;
}

int pyi_gil_watcher_start(int sampling, uint64_t tick, int fd) {
    sampling_mode = sampling;
    tick_ns = tick;
    tick_t = pyi_gil_ns_to_ticks(tick);
    stacks_fd = fd;
    atomic_store(&keep_watching, 1);
    watcher_running = pyi_start_host_thread(&watcher_thread, 0, watch, NULL) == 0;
    return watcher_running ? 0 : -1;
}

void pyi_gil_watcher_stop(void) {
    if (!watcher_running) return;
    atomic_store(&keep_watching, 0);
    pthread_join(watcher_thread, NULL);
    watcher_running = 0;
}

int pyi_gil_trace_watch_count(void) { return nwatches; }

int pyi_gil_trace_watch(int index, pyi_gil_watch *out) {
    if (index < 0 || index >= nwatches) return -1;
    *out = watches[index];
    // The watcher works in tracer ticks; CPU clock readings are nanoseconds already.
    out->start_ns = pyi_gil_ticks_to_ns(out->start_ns);
    out->duration_ns = pyi_gil_ticks_to_ns(out->duration_ns);
    out->first_sample_ns = pyi_gil_ticks_to_ns(out->first_sample_ns);
    out->last_sample_ns = pyi_gil_ticks_to_ns(out->last_sample_ns);
    return 0;
}

void pyi_gil_watcher_sample_counts(uint64_t *ticks, uint64_t *locked) {
    *ticks = sample_ticks;
    *locked = locked_ticks;
}
