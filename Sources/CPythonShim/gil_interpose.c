// Exact GIL tracing by interposition. The host executable defines pthread_mutex_lock/unlock; libpython's
// calls resolve to them (the executable comes first in symbol lookup), and the real ones are reached through
// dlsym(RTLD_NEXT). Only calls on the GIL's own mutex are looked at:
//   take_gil: lock(gil->mutex) ... [cond wait] ... locked = 1 ... unlock(gil->mutex)
//   drop_gil: lock(gil->mutex) ... locked = 0 ... unlock(gil->mutex)
// so at each unlock, `locked` says whether this thread has just acquired (1) or released (0) the GIL, and the
// time since its lock call is how long it waited. All bookkeeping happens before the real unlock, inside the
// GIL mutex's critical section: CPython serialises it for us, no lock of our own is needed.
//
// These wrappers run for every mutex of the process (Swift runtime, Foundation, libc users): no allocation,
// no locks, no Python calls, and they must work before dlsym has returned (dlsym may lock a mutex itself).
// Inert (one relaxed load and a compare) unless pyi_gil_interpose_enable was called.
#define _GNU_SOURCE
#include "gil_internal.h"
#include "CPythonShim.h"
#include <dlfcn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

// glibc's own entry points, used while dlsym is still resolving (dlsym may lock a mutex itself). Since glibc
// 2.34 they are compatibility symbols: bind to them by version.
#if defined(__x86_64__)
__asm__(".symver pyi_libc_mutex_lock, __pthread_mutex_lock@GLIBC_2.2.5");
__asm__(".symver pyi_libc_mutex_unlock, __pthread_mutex_unlock@GLIBC_2.2.5");
#elif defined(__aarch64__)
__asm__(".symver pyi_libc_mutex_lock, __pthread_mutex_lock@GLIBC_2.17");
__asm__(".symver pyi_libc_mutex_unlock, __pthread_mutex_unlock@GLIBC_2.17");
#else
#error "pyinspect's GIL tracer needs the glibc symbol version of __pthread_mutex_lock for this architecture"
#endif
extern int pyi_libc_mutex_lock(pthread_mutex_t *mutex);
extern int pyi_libc_mutex_unlock(pthread_mutex_t *mutex);

typedef int (*pyi_mutex_fn)(pthread_mutex_t *);

pyi_gil_tracer_state pyi_gil_state;

static _Atomic(pthread_mutex_t *) traced_mutex;
static _Atomic(pyi_mutex_fn) real_lock;
static _Atomic(pyi_mutex_fn) real_unlock;
static _Atomic int wrapper_reached;
static __thread __attribute__((tls_model("initial-exec"))) int resolving;
static __thread __attribute__((tls_model("initial-exec"))) uint64_t lock_called_t;   // 0: not waiting on the GIL mutex
static __thread __attribute__((tls_model("initial-exec"))) int thread_slot_plus1;
// pyinspect's own threads (hang monitor, watchdog) set this: their GIL takes are hand-offs CPython counts, but
// not switches or acquisitions of the target's threads.
static __thread __attribute__((tls_model("initial-exec"))) int host_thread;

void pyi_gil_mark_host_thread(void) { host_thread = 1; }

typedef struct {
    uint64_t start_t, end_t;   // ticks; converted to ns in place when written out
    uint32_t slot, kind;       // kind 0: held, 1: waited
} pyi_gil_event_raw;

int pyi_gil_use_tsc;

uint64_t pyi_gil_now_ticks(void) { return pyi_gil_raw_ticks() - pyi_gil_state.origin_t; }

uint64_t pyi_gil_ticks_to_ns(uint64_t ticks) {
    double scale = pyi_gil_state.ticks_per_ns > 0 ? pyi_gil_state.ticks_per_ns : 1.0;
    return (uint64_t)((double)ticks / scale + 0.5);
}

uint64_t pyi_gil_ns_to_ticks(uint64_t ns) {
    double scale = pyi_gil_state.ticks_per_ns > 0 ? pyi_gil_state.ticks_per_ns : 1.0;
    return (uint64_t)((double)ns * scale);
}

static pyi_mutex_fn resolve(const char *name, _Atomic(pyi_mutex_fn) *cache, pyi_mutex_fn fallback) {
    if (resolving) return fallback;   // dlsym called back into us: glibc's own entry point is always safe
    resolving = 1;
    pyi_mutex_fn found = (pyi_mutex_fn)dlsym(RTLD_NEXT, name);
    resolving = 0;
    if (found == NULL) found = fallback;
    atomic_store_explicit(cache, found, memory_order_release);
    return found;
}

static void record_event(uint64_t start, uint64_t end, int slot, uint32_t kind) {
    pyi_gil_tracer_state *g = &pyi_gil_state;
    if (g->events == NULL) return;
    if (g->nevents >= g->events_capacity) {
        g->events_dropped++;
        return;
    }
    pyi_gil_event_raw *event = (pyi_gil_event_raw *)g->events + g->nevents++;
    event->start_t = start;
    event->end_t = end;
    event->slot = (uint32_t)slot;
    event->kind = kind;
}

static void thread_exited(void *value) {
    int index = (int)(intptr_t)value - 1;
    if (index < 0 || index >= PYI_GIL_MAX_SLOTS) return;
    struct timespec cpu;
    pyi_gil_slot *slot = &pyi_gil_state.slots[index];
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu) == 0)
        atomic_store(&slot->cpu_ns, (uint64_t)cpu.tv_sec * 1000000000u + (uint64_t)cpu.tv_nsec);
    slot->exit_t = pyi_gil_now_ticks();
    atomic_store(&slot->exited, 1);
}

// Any thread may claim (a new thread's first GIL request comes before it holds the GIL mutex).
static int claim_slot(pid_t tid, uint64_t now) {
    pyi_gil_tracer_state *g = &pyi_gil_state;
    int index = atomic_fetch_add(&g->nslots, 1);
    if (index >= PYI_GIL_MAX_SLOTS - 1) {
        // Out of slots: the last one gathers every later thread (only one of them holds the GIL at a time).
        atomic_store(&g->nslots, PYI_GIL_MAX_SLOTS);
        index = PYI_GIL_MAX_SLOTS - 1;
        g->slots[index].tid = -1;
        if (g->slots[index].first_t == 0) g->slots[index].first_t = now;
        return index;
    }
    pyi_gil_slot *slot = &g->slots[index];
    slot->tid = tid;
    slot->first_t = now;
    return index;
}

int pyi_gil_claim_slot_for_tid(pid_t tid, uint64_t now) {
    int count = atomic_load(&pyi_gil_state.nslots);
    for (int i = 0; i < count; i++)
        if (pyi_gil_state.slots[i].tid == tid) return i;
    int index = claim_slot(tid, now);
    if (index >= 0 && pyi_gil_state.slots[index].tid == tid) {
        pyi_gil_slot *slot = &pyi_gil_state.slots[index];
        // The kernel's encoding of a thread's CPU clock (MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED)).
        slot->clock = (clockid_t)((~(unsigned)tid << 3) | 6);
        slot->clock_ok = 1;
    }
    return index;
}

static int current_slot(uint64_t now) {
    if (thread_slot_plus1) return thread_slot_plus1 - 1;
    int index = claim_slot((pid_t)syscall(SYS_gettid), now);
    if (index < 0) return -1;
    pyi_gil_slot *slot = &pyi_gil_state.slots[index];
    if (slot->tid != -1) {
        slot->clock_ok = pthread_getcpuclockid(pthread_self(), &slot->clock) == 0;
        // Keys below PTHREAD_KEY_2NDLEVEL_SIZE live in the thread descriptor: setspecific does not allocate.
        if (pyi_gil_state.exit_key_ok) pthread_setspecific(pyi_gil_state.exit_key, (void *)(intptr_t)(index + 1));
    }
    thread_slot_plus1 = index + 1;
    return index;
}

static void gil_mutex_unlocking(void) {
    pyi_gil_tracer_state *g = &pyi_gil_state;
    uint64_t now = pyi_gil_now_ticks();
    int locked = atomic_load_explicit(g->layout.locked, memory_order_relaxed);
    uint64_t waited_since = lock_called_t;
    lock_called_t = 0;
    int index = current_slot(now);
    if (index < 0) {
        g->untracked_events++;
        return;
    }
    pyi_gil_slot *slot = &g->slots[index];
    if (locked == 1) {
        if (atomic_load_explicit(&slot->holding, memory_order_relaxed)) return;
        uint64_t start = (waited_since && waited_since <= now) ? waited_since : now;
        uint64_t wait = now - start;
        atomic_store_explicit(&slot->waiting_since_t, 0, memory_order_relaxed);
        slot->acquisitions++;
        slot->wait_total_t += wait;
        slot->wait_hist[pyi_gil_histogram_bucket(wait)]++;
        if (wait > slot->max_wait_t) slot->max_wait_t = wait;
        if (g->last_any_slot != index) {   // as CPython's switch_number counts: the cross-check
            g->all_switches++;
            g->last_any_slot = index;
        }
        if (!host_thread) {
            // Between two target threads only: main -> monitor -> main is no switch of the target's.
            g->acquisitions++;
            if (g->last_slot != index) {
                g->switches++;
                slot->switches_in++;
                g->last_slot = index;
            }
        }
        uint64_t seq = ++g->seq;
        slot->hold_start_t = now;
        slot->hold_seq = seq;
        atomic_store_explicit(&slot->holding, 1, memory_order_relaxed);
        atomic_store_explicit(&g->cur_slot, index, memory_order_relaxed);
        atomic_store_explicit(&g->cur_start_t, now, memory_order_relaxed);
        atomic_store_explicit(&g->cur_seq, seq, memory_order_release);
        if (wait >= 2000) record_event(start, now, index, 1);   // shorter waits are invisible on a timeline
    } else if (locked == 0) {
        if (!atomic_load_explicit(&slot->holding, memory_order_relaxed)) return;
        uint64_t hold = now - slot->hold_start_t;
        slot->hold_total_t += hold;
        slot->hold_hist[pyi_gil_histogram_bucket(hold)]++;
        if (hold > slot->max_hold_t) slot->max_hold_t = hold;
        atomic_store_explicit(&slot->holding, 0, memory_order_relaxed);
        atomic_store_explicit(&g->cur_slot, -1, memory_order_release);
        if (hold >= g->long_hold_t && g->nlong < PYI_GIL_MAX_LONG_HOLDS) {
            g->long_holds[g->nlong++] = (pyi_gil_long_hold_raw){slot->hold_seq, index, slot->hold_start_t, hold};
        }
        record_event(slot->hold_start_t, now, index, 0);
    }
}

__attribute__((visibility("default"))) int pthread_mutex_lock(pthread_mutex_t *mutex) {
    pyi_mutex_fn lock = atomic_load_explicit(&real_lock, memory_order_acquire);
    if (lock == NULL) lock = resolve("pthread_mutex_lock", &real_lock, pyi_libc_mutex_lock);
    pthread_mutex_t *traced = atomic_load_explicit(&traced_mutex, memory_order_relaxed);
    if (traced != NULL && mutex == traced) {
        atomic_store_explicit(&wrapper_reached, 1, memory_order_relaxed);
        // A holder locks the mutex only to drop the GIL: no wait to time, save the clock read.
        int slot = thread_slot_plus1 - 1;
        if (slot < 0 || !atomic_load_explicit(&pyi_gil_state.slots[slot].holding, memory_order_relaxed)) {
            uint64_t now = pyi_gil_now_ticks();
            lock_called_t = now;
            // Published so that a wait still going on when the trace stops is counted.
            slot = current_slot(now);
            if (slot >= 0)
                atomic_store_explicit(&pyi_gil_state.slots[slot].waiting_since_t, now + 1, memory_order_relaxed);
        }
    }
    return lock(mutex);
}

__attribute__((visibility("default"))) int pthread_mutex_unlock(pthread_mutex_t *mutex) {
    pyi_mutex_fn unlock = atomic_load_explicit(&real_unlock, memory_order_acquire);
    if (unlock == NULL) unlock = resolve("pthread_mutex_unlock", &real_unlock, pyi_libc_mutex_unlock);
    pthread_mutex_t *traced = atomic_load_explicit(&traced_mutex, memory_order_relaxed);
    if (traced != NULL && mutex == traced) gil_mutex_unlocking();
    return unlock(mutex);
}

void pyi_gil_interpose_enable(pthread_mutex_t *mutex) {
    pyi_gil_tracer_state *g = &pyi_gil_state;
    if (!g->exit_key_ok) g->exit_key_ok = pthread_key_create(&g->exit_key, thread_exited) == 0;
    if (g->events == NULL && g->events_capacity > 0) {
        void *memory = mmap(NULL, g->events_capacity * sizeof(pyi_gil_event_raw), PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        g->events = memory == MAP_FAILED ? NULL : memory;
    }
    // The caller holds the GIL: it is the first holder.
    uint64_t now = pyi_gil_now_ticks();
    int index = current_slot(now);
    if (index >= 0) {
        g->slots[index].hold_start_t = now;
        g->slots[index].hold_seq = ++g->seq;
        atomic_store(&g->slots[index].holding, 1);
        g->last_slot = g->last_any_slot = index;
        atomic_store(&g->cur_slot, index);
        atomic_store(&g->cur_start_t, now);
        atomic_store(&g->cur_seq, g->seq);
    }
    atomic_store_explicit(&traced_mutex, mutex, memory_order_release);
}

void pyi_gil_interpose_disable(void) {
    atomic_store_explicit(&traced_mutex, NULL, memory_order_release);
}

int pyi_gil_interpose_live(void) { return atomic_load(&wrapper_reached); }

int32_t pyi_gil_current_tid(void) { return (int32_t)syscall(SYS_gettid); }

size_t pyi_gil_event_size(void) { return sizeof(pyi_gil_event_raw); }

void pyi_gil_events_to_ns(void) {
    pyi_gil_event_raw *events = pyi_gil_state.events;
    for (uint64_t i = 0; events && i < pyi_gil_state.nevents; i++) {
        events[i].start_t = pyi_gil_ticks_to_ns(events[i].start_t);
        events[i].end_t = pyi_gil_ticks_to_ns(events[i].end_t);
    }
}
