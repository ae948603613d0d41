// Shared between the GIL tracer's .c files (gil_layout.c, gil_interpose.c, gil_watcher.c); not public.
#ifndef PYINSPECT_GIL_INTERNAL_H
#define PYINSPECT_GIL_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

// ---- gil_layout.c: the only code that knows CPython's internal layout ----
typedef struct {
    pthread_mutex_t *mutex;            // &_PyRuntime.ceval.gil.mutex
    _Atomic int *locked;               // 1 held, 0 free, -1 destroyed
    unsigned long *switch_number;      // bumped when a different thread state takes the GIL
    _Atomic uintptr_t *last_holder;    // PyThreadState * of the holder / last holder
} pyi_gil_layout;

// 0 when this build's layout matches the running libpython; else -1 and a reason.
int pyi_gil_layout_resolve(pyi_gil_layout *out, char *error, size_t error_size);
unsigned long pyi_gil_layout_native_id(uintptr_t tstate);
// What the thread is executing: its innermost frame and instruction. Racy by design (read without the GIL,
// as faulthandler does); used only to tell "bytecode advancing" from "stuck in one call".
int pyi_gil_layout_frame_marker(uintptr_t tstate, uintptr_t *frame, uintptr_t *instruction);
void pyi_gil_layout_dump_traceback(int fd, uintptr_t tstate);

// Tracer time: "ticks" since the trace started. The TSC where the kernel itself trusts it (clocksource tsc:
// invariant and synchronised across CPUs; ~12 ns to read here against ~31 ns for clock_gettime), else
// CLOCK_MONOTONIC nanoseconds. Fields named *_t hold ticks; pyi_gil_ticks_to_ns converts. cpu_* fields are
// always nanoseconds of CPU clocks.
extern int pyi_gil_use_tsc;
static inline uint64_t pyi_gil_raw_ticks(void) {
#if defined(__x86_64__)
    if (pyi_gil_use_tsc) return __rdtsc();
#endif
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}
uint64_t pyi_gil_now_ticks(void);
uint64_t pyi_gil_ticks_to_ns(uint64_t ticks);
uint64_t pyi_gil_ns_to_ticks(uint64_t ns);

static inline unsigned pyi_gil_histogram_bucket(uint64_t ns) {
    if (ns < 4) return (unsigned)ns;
    unsigned msb = 63u - (unsigned)__builtin_clzll(ns);
    return (msb - 1u) * 4u + (unsigned)((ns >> (msb - 2u)) & 3u);
}

// ---- gil_interpose.c: per-thread exact statistics ----
// Threads traced one by one; later ones share the last slot (native id -1, "other threads").
#define PYI_GIL_MAX_SLOTS 4096
#define PYI_GIL_HIST_BUCKETS 256
#define PYI_GIL_MAX_LONG_HOLDS 4096

typedef struct {
    pid_t tid;
    clockid_t clock;
    int clock_ok;
    uint64_t acquisitions, switches_in;
    uint64_t hold_total_t, wait_total_t, max_hold_t, max_wait_t;
    uint64_t hold_hist[PYI_GIL_HIST_BUCKETS];
    uint64_t wait_hist[PYI_GIL_HIST_BUCKETS];
    uint64_t first_t, exit_t;
    uint64_t hold_start_t, hold_seq;
    _Atomic int holding;
    _Atomic uint64_t waiting_since_t;   // 0: not waiting; else when it asked for the GIL (+1)
    _Atomic uint64_t cpu_ns;
    _Atomic int exited;
    uint64_t sampled_ticks;           // sampling mode only
} pyi_gil_slot;

typedef struct {
    uint64_t seq;
    int slot;
    uint64_t start_t, duration_t;
} pyi_gil_long_hold_raw;

typedef struct {
    // configuration
    pyi_gil_layout layout;
    uint64_t origin_t;                 // raw ticks at start
    double ticks_per_ns;               // calibrated at start, refined over the whole trace at stop
    uint64_t long_hold_t;
    uint64_t tick_ns;
    // shared state (written inside the GIL's own mutex, so serialised by it)
    pyi_gil_slot slots[PYI_GIL_MAX_SLOTS];
    _Atomic int nslots;
    uint64_t untracked_events;
    uint64_t acquisitions, switches, seq;   // the target's threads only (not pyinspect's own)
    int last_slot;                          // the last target thread that held the GIL
    uint64_t all_switches;                  // every holder change, pyinspect's threads included
    int last_any_slot;
    _Atomic int cur_slot;
    _Atomic uint64_t cur_seq, cur_start_t;
    pyi_gil_long_hold_raw long_holds[PYI_GIL_MAX_LONG_HOLDS];
    int nlong;
    void *events;                        // pyi_gil_event[capacity], mmap'd
    uint64_t nevents, events_capacity, events_dropped;
    pthread_key_t exit_key;
    int exit_key_ok;
} pyi_gil_tracer_state;

extern pyi_gil_tracer_state pyi_gil_state;
uint64_t pyi_gil_now_ticks(void);     // since origin
int pyi_gil_claim_slot_for_tid(pid_t tid, uint64_t now);   // sampling mode
void pyi_gil_interpose_enable(pthread_mutex_t *mutex);
void pyi_gil_interpose_disable(void);
int pyi_gil_interpose_live(void);   // 1 when libpython's calls reach our wrappers

// ---- gil_watcher.c ----
int pyi_gil_watcher_start(int sampling, uint64_t tick_ns, int stacks_fd);
void pyi_gil_watcher_sample_counts(uint64_t *ticks, uint64_t *locked);
void pyi_gil_watcher_stop(void);

#endif
