// `pyinspect profile`'s sampler: a native host thread that, every 1/rate s, reads every Python thread's
// current frame chain without the GIL (profile_layout.c reads them safely), gives each sample a state from the
// GIL tracer's per-thread flags (cpu / gil_wait) or the kernel's run state (cpu / off_cpu), and counts
// distinct (thread, state, stack) in tables allocated before sampling starts: no allocation, no Python call,
// no lock but the runtime's HEAD_LOCK while the thread list is walked.
#define _GNU_SOURCE
#include "CPythonShim.h"
#include "gil_internal.h"
#include "profile_internal.h"
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PROF_MAX_WALK 16384         // frames followed before a chain is called truncated (a cycle, or deep)
#define PROF_MAX_DEPTH 1024         // frames kept per sample: the innermost, and PROF_OUTER_KEPT outermost
#define PROF_MAX_THREADS 100000     // thread states followed per tick (a loop in a torn list ends here)
#define PROF_CODE_SLOTS (1u << 16)
#define PROF_MAX_FUNCTIONS (1u << 16)
#define PROF_STACK_SLOTS (1u << 18)
#define PROF_KEY_WORDS (1u << 23)   // 32 MiB of stack keys, reserved, touched as used
#define PROF_TEXT_BYTES (1u << 24)
#define PROF_TID_SLOTS 16384
#define PROF_MAX_EXCLUDED 32
#define PROF_MAX_TASKS (1u << 16)
#define PROF_COROUTINE_SLOTS (1u << 17)

typedef struct { uintptr_t code; pyi_prof_code_key key; uint32_t function, table_off, table_len; } code_entry;
typedef struct { uint32_t name_off, file_off; int first_line, runs_handles; } function_entry;
// An asyncio task: its name and its coroutine's qualified name (copied when the task was created).
typedef struct { char name[96], coroutine[160]; } task_entry;
typedef struct { uintptr_t coroutine, code; uint32_t task_plus1; } coroutine_entry;

typedef struct { uint32_t hash, key_off, key_len; uint64_t count; } stack_entry;
typedef struct { int32_t tid, slot; } tid_entry;

static struct {
    uint64_t interval_ns;
    int gil_exact;
    code_entry *codes;
    function_entry *functions;
    uint32_t nfunctions;
    stack_entry *stacks;
    uint32_t nstacks;
    uint32_t *keys;
    uint32_t nkeys;
    char *text;
    uint32_t ntext;
    tid_entry *tids;
    task_entry *tasks;
    uint32_t ntasks;
    coroutine_entry *coroutines;
    int tids_scanned;
    pyi_profile_totals totals;
    uint64_t start_ns, stop_ns;
    pid_t pid;
} prof;

static _Atomic int excluded[PROF_MAX_EXCLUDED];
static _Atomic int nexcluded;
static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;
// Held by the sampler for a whole tick, and by a thread calling fork() (pthread_atfork): a fork never happens
// while the sampler holds HEAD_LOCK. CPython 3.11's child takes HEAD_LOCK in _PyThreadState_DeleteExcept
// before it re-initialises it, so a fork in mid-walk deadlocked the child (seen here).
static pthread_mutex_t tick_lock = PTHREAD_MUTEX_INITIALIZER;

static void before_fork(void) { pthread_mutex_lock(&tick_lock); }
static void after_fork(void) { pthread_mutex_unlock(&tick_lock); }
static pthread_cond_t run_changed = PTHREAD_COND_INITIALIZER;
static int prepared, stop_requested, sampler_running, finished;

static uint64_t monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static void *reserve(size_t bytes) {
    void *memory = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return memory == MAP_FAILED ? NULL : memory;
}

void pyi_profile_exclude_thread(int32_t tid) {
    int index = atomic_fetch_add(&nexcluded, 1);
    if (index < PROF_MAX_EXCLUDED) atomic_store(&excluded[index], tid);
}

static int is_excluded(int32_t tid) {
    int count = atomic_load(&nexcluded);
    if (count > PROF_MAX_EXCLUDED) count = PROF_MAX_EXCLUDED;
    for (int i = 0; i < count; i++)
        if (atomic_load(&excluded[i]) == tid) return 1;
    return 0;
}

int pyi_profile_prepare(double rate_hz, int gil_exact, char *error, size_t error_size) {
    if (prepared) {
        snprintf(error, error_size, "the profiler is already running");
        return -1;
    }
    if (!(rate_hz >= 1 && rate_hz <= 10000)) {
        snprintf(error, error_size, "the sampling rate must be between 1 and 10000 Hz");
        return -1;
    }
    if (pyi_prof_layout_check(error, error_size) != 0) return -1;
    prof.codes = reserve(PROF_CODE_SLOTS * sizeof(code_entry));
    prof.functions = reserve(PROF_MAX_FUNCTIONS * sizeof(function_entry));
    prof.stacks = reserve(PROF_STACK_SLOTS * sizeof(stack_entry));
    prof.keys = reserve(PROF_KEY_WORDS * sizeof(uint32_t));
    prof.text = reserve(PROF_TEXT_BYTES);
    prof.tids = reserve(PROF_TID_SLOTS * sizeof(tid_entry));
    prof.tasks = reserve(PROF_MAX_TASKS * sizeof(task_entry));
    prof.coroutines = reserve(PROF_COROUTINE_SLOTS * sizeof(coroutine_entry));
    if (!prof.codes || !prof.functions || !prof.stacks || !prof.keys || !prof.text || !prof.tids || !prof.tasks ||
        !prof.coroutines) {
        snprintf(error, error_size, "cannot reserve the profiler's tables");
        return -1;
    }
    if (pthread_atfork(before_fork, after_fork, after_fork) != 0) {
        snprintf(error, error_size, "cannot register the profiler's fork handlers");
        return -1;
    }
    prof.interval_ns = (uint64_t)(1e9 / rate_hz);
    prof.gil_exact = gil_exact;
    prof.totals.rate_hz = rate_hz;
    prof.pid = getpid();
    prepared = 1;
    return 0;
}

// ---- tables ----

static uint32_t hash_words(const uint32_t *words, uint32_t count) {
    uint32_t hash = 2166136261u;
    for (uint32_t i = 0; i < count; i++) {
        hash ^= words[i];
        hash *= 16777619u;
        hash ^= hash >> 15;
    }
    return hash ? hash : 1;
}

static int store_text(const char *text, uint32_t *offset) {
    size_t length = strlen(text) + 1;
    if (prof.ntext + length > PROF_TEXT_BYTES) return -1;
    memcpy(prof.text + prof.ntext, text, length);
    *offset = prof.ntext;
    prof.ntext += (uint32_t)length;
    return 0;
}

static unsigned char table_buffer[1 << 16];

// Field by field: the key's padding after first_line is never written (memcmp saw garbage there, so every
// sample of a function whose frame sat at another stack position re-resolved it into a new function entry:
// 326 entries for one `<module>` in an 8 s run, until the tables filled and samples were dropped).
static int same_code_key(const pyi_prof_code_key *a, const pyi_prof_code_key *b) {
    return a->qualname == b->qualname && a->filename == b->filename && a->linetable == b->linetable &&
           a->first_line == b->first_line;
}

// The function and line table of a code object seen for the first time (or whose address was reused).
static code_entry *resolve_code(const pyi_prof_frame *frame) {
    uint32_t slot = (uint32_t)((frame->code >> 4) * 2654435761u) & (PROF_CODE_SLOTS - 1);
    for (uint32_t probe = 0; probe < 64; probe++, slot = (slot + 1) & (PROF_CODE_SLOTS - 1)) {
        code_entry *entry = &prof.codes[slot];
        if (entry->code == frame->code) {
            if (same_code_key(&entry->key, &frame->key)) return entry;
            break;   // the address now holds another code object: resolve again in place
        }
        if (entry->code == 0) break;
    }
    code_entry *entry = &prof.codes[slot];
    if (entry->code != 0 && entry->code != frame->code) {
        prof.totals.table_full++;
        return NULL;
    }
    static char name[1024], file[4096];
    if (pyi_prof_read_text(frame->key.qualname, name, sizeof name) != 0) return NULL;
    if (pyi_prof_read_text(frame->key.filename, file, sizeof file) != 0) return NULL;
    long length = pyi_prof_read_bytes(frame->key.linetable, table_buffer, sizeof table_buffer);
    if (length < 0) return NULL;
    if (prof.nfunctions >= PROF_MAX_FUNCTIONS || prof.ntext + (uint32_t)length > PROF_TEXT_BYTES) {
        prof.totals.table_full++;
        return NULL;
    }
    function_entry *function = &prof.functions[prof.nfunctions];
    if (store_text(name, &function->name_off) != 0 || store_text(file, &function->file_off) != 0) {
        prof.totals.table_full++;
        return NULL;
    }
    function->first_line = frame->key.first_line;
    // asyncio's Handle._run calls every callback, a task's step among them: the task's coroutine frame is
    // the outermost generator frame above it.
    size_t file_length = strlen(file);
    function->runs_handles = strcmp(name, "Handle._run") == 0 && file_length >= 17 &&
                             strcmp(file + file_length - 17, "asyncio/events.py") == 0;
    uint32_t table_off = prof.ntext;
    memcpy(prof.text + prof.ntext, table_buffer, (size_t)length);
    prof.ntext += (uint32_t)length;
    entry->code = frame->code;
    entry->key = frame->key;
    entry->function = prof.nfunctions++;
    entry->table_off = table_off;
    entry->table_len = (uint32_t)length;
    return entry;
}

static unsigned scan_varint(const unsigned char **cursor, const unsigned char *end) {
    const unsigned char *p = *cursor;
    if (p >= end) return 0;
    unsigned read = *p++, value = read & 63, shift = 0;
    while ((read & 64) && p < end && shift < 30) {
        read = *p++;
        shift += 6;
        value |= (read & 63) << shift;
    }
    *cursor = p;
    return value;
}

// The line executing at code unit `lasti`: CPython 3.11's location table (Objects/locations.md), walked as
// PyCode_Addr2Line does. 0 when unknown.
int pyi_profile_line(const unsigned char *table, size_t length, int first_line, int lasti) {
    if (lasti < 0) return first_line;
    const unsigned char *p = table, *end = table + length;
    int line = first_line, start = 0;
    while (p < end) {
        unsigned char head = *p;
        if (!(head & 128)) return 0;   // not at an entry: not a table we understand
        int code = (head >> 3) & 15, units = (head & 7) + 1;
        const unsigned char *after = p + 1;
        int delta = 0;
        if (code == 13 || code == 14) {
            unsigned value = scan_varint(&after, end);
            delta = (value & 1) ? -(int)(value >> 1) : (int)(value >> 1);
        } else if (code >= 10 && code <= 12) {
            delta = code - 10;
        }
        line += delta;
        if (lasti < start + units) return code == 15 ? 0 : line;
        start += units;
        p++;
        while (p < end && !(*p & 128)) p++;
    }
    return 0;
}

static int insert_stack(const uint32_t *key, uint32_t words) {
    uint32_t hash = hash_words(key, words);
    uint32_t slot = hash & (PROF_STACK_SLOTS - 1);
    for (uint32_t probe = 0; probe < PROF_STACK_SLOTS; probe++, slot = (slot + 1) & (PROF_STACK_SLOTS - 1)) {
        stack_entry *entry = &prof.stacks[slot];
        if (entry->hash == 0) {
            if (prof.nstacks >= PROF_STACK_SLOTS / 2 || prof.nkeys + words > PROF_KEY_WORDS) return -1;
            memcpy(prof.keys + prof.nkeys, key, words * sizeof(uint32_t));
            entry->hash = hash;
            entry->key_off = prof.nkeys;
            entry->key_len = words;
            entry->count = 1;
            prof.nkeys += words;
            prof.nstacks++;
            return 0;
        }
        if (entry->hash == hash && entry->key_len == words &&
            memcmp(prof.keys + entry->key_off, key, words * sizeof(uint32_t)) == 0) {
            entry->count++;
            return 0;
        }
    }
    return -1;
}

// ---- states ----

// The GIL tracer's slot of a thread, or -1 (slots are appended, each with its tid: index them as they come).
static int gil_slot_of(int32_t tid) {
    int count = atomic_load(&pyi_gil_state.nslots);
    if (count > PYI_GIL_MAX_SLOTS) count = PYI_GIL_MAX_SLOTS;
    while (prof.tids_scanned < count) {
        int32_t slot_tid = pyi_gil_state.slots[prof.tids_scanned].tid;
        if (slot_tid == 0) break;   // claimed, tid not written yet: next tick
        if (slot_tid > 0) {
            uint32_t h = ((uint32_t)slot_tid * 2654435761u) & (PROF_TID_SLOTS - 1);
            for (int probe = 0; probe < PROF_TID_SLOTS; probe++, h = (h + 1) & (PROF_TID_SLOTS - 1)) {
                if (prof.tids[h].tid == 0 || prof.tids[h].tid == slot_tid) {
                    prof.tids[h].tid = slot_tid;   // a reused tid: the newest slot is its thread now
                    prof.tids[h].slot = prof.tids_scanned;
                    break;
                }
            }
        }
        prof.tids_scanned++;
    }
    uint32_t h = ((uint32_t)tid * 2654435761u) & (PROF_TID_SLOTS - 1);
    for (int probe = 0; probe < PROF_TID_SLOTS; probe++, h = (h + 1) & (PROF_TID_SLOTS - 1)) {
        if (prof.tids[h].tid == tid) return prof.tids[h].slot;
        if (prof.tids[h].tid == 0) return -1;
    }
    return -1;
}

// The kernel's view: 'R' running or runnable, else sleeping/blocked. 0 when unreadable.
static char kernel_state(int32_t tid) {
    char path[64], buffer[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t length = read(fd, buffer, sizeof buffer - 1);
    close(fd);
    if (length <= 0) return 0;
    buffer[length] = '\0';
    char *paren = strrchr(buffer, ')');
    return paren && paren[1] == ' ' ? paren[2] : 0;
}

static uint32_t sample_state(int32_t tid) {
    if (prof.gil_exact) {
        int slot = gil_slot_of(tid);
        if (slot >= 0) {
            pyi_gil_slot *s = &pyi_gil_state.slots[slot];
            if (atomic_load_explicit(&s->holding, memory_order_relaxed)) return PYI_PROFILE_CPU;
            if (atomic_load_explicit(&s->waiting_since_t, memory_order_relaxed) != 0) return PYI_PROFILE_GIL_WAIT;
        }
    }
    return kernel_state(tid) == 'R' ? PYI_PROFILE_CPU : PYI_PROFILE_OFF_CPU;
}

// ---- asyncio tasks ----

static pthread_mutex_t task_lock = PTHREAD_MUTEX_INITIALIZER;

static uint32_t coroutine_slot(uintptr_t coroutine) {
    return (uint32_t)((coroutine >> 4) * 2654435761u) & (PROF_COROUTINE_SLOTS - 1);
}

// The last PROF_LATER_TASKS entries of the task table: once the others are taken (a service makes tasks for
// ever: 65,536 of them at 100 a second is 11 minutes), each later task counts under one entry per coroutine,
// named PROF_LATER_NAME, so its samples still say which coroutine ran. Found by the coroutine's name's hash.
#define PROF_LATER_TASKS 1024u
#define PROF_LATER_NAME "(later tasks)"
static uint32_t later_slots[2 * PROF_LATER_TASKS];   // task index + 1, 0: free

static uint32_t later_task(const char *qualname) {
    uint32_t hash = 2166136261u;
    for (const unsigned char *c = (const unsigned char *)qualname; *c; c++) hash = (hash ^ *c) * 16777619u;
    for (uint32_t probe = 0; probe < 2 * PROF_LATER_TASKS; probe++) {
        uint32_t *slot = &later_slots[(hash + probe) & (2 * PROF_LATER_TASKS - 1)];
        if (*slot == 0) {
            if (prof.ntasks >= PROF_MAX_TASKS) return 0;
            task_entry *task = &prof.tasks[prof.ntasks];
            snprintf(task->name, sizeof task->name, "%s", PROF_LATER_NAME);
            snprintf(task->coroutine, sizeof task->coroutine, "%s", qualname);
            *slot = ++prof.ntasks;
            return *slot;
        }
        if (strncmp(prof.tasks[*slot - 1].coroutine, qualname, sizeof prof.tasks[0].coroutine - 1) == 0) return *slot;
    }
    return 0;
}

// From Python (the GIL held) when a task is created: its coroutine's address is what the sampler will find.
// A later task whose coroutine reuses the address replaces the entry; `code` guards against a coroutine that
// was never a task's taking a dead one's address.
void pyi_profile_task_created(uintptr_t coroutine, uintptr_t code, const char *name, const char *qualname) {
    // Not in a forked child: the sampler may have held task_lock at the fork, and it has no sampler anyway.
    if (!prepared || getpid() != prof.pid) return;
    pthread_mutex_lock(&task_lock);
    coroutine_entry *found = NULL;
    uint32_t slot = coroutine_slot(coroutine);
    for (uint32_t probe = 0; probe < PROF_COROUTINE_SLOTS / 2; probe++, slot = (slot + 1) & (PROF_COROUTINE_SLOTS - 1)) {
        coroutine_entry *entry = &prof.coroutines[slot];
        if (entry->coroutine == 0 || entry->coroutine == coroutine) {
            found = entry;
            break;
        }
    }
    uint32_t task_plus1 = 0;
    if (found != NULL && prof.ntasks < PROF_MAX_TASKS - PROF_LATER_TASKS) {
        task_entry *task = &prof.tasks[prof.ntasks];
        snprintf(task->name, sizeof task->name, "%s", name);
        snprintf(task->coroutine, sizeof task->coroutine, "%s", qualname);
        task_plus1 = ++prof.ntasks;
    } else if (found != NULL) {
        task_plus1 = later_task(qualname);
    }
    if (task_plus1 != 0) {
        found->coroutine = coroutine;
        found->code = code;
        found->task_plus1 = task_plus1;
    }
    pthread_mutex_unlock(&task_lock);
}

static uint32_t task_of(uintptr_t coroutine, uintptr_t code) {
    uint32_t found = 0;
    pthread_mutex_lock(&task_lock);
    uint32_t slot = coroutine_slot(coroutine);
    for (uint32_t probe = 0; probe < PROF_COROUTINE_SLOTS / 2; probe++, slot = (slot + 1) & (PROF_COROUTINE_SLOTS - 1)) {
        coroutine_entry *entry = &prof.coroutines[slot];
        if (entry->coroutine == 0) break;
        if (entry->coroutine == coroutine) {
            if (entry->code == code) found = entry->task_plus1;
            break;
        }
    }
    pthread_mutex_unlock(&task_lock);
    return found;
}

int pyi_profile_task(uint32_t index, const char **name, const char **coroutine) {
    if (index >= prof.ntasks) return -1;
    *name = prof.tasks[index].name;
    *coroutine = prof.tasks[index].coroutine;
    return 0;
}

// ---- one tick ----

static uint32_t key_buffer[4 + 2 * PROF_MAX_DEPTH];

// WALK_FULL: a table is full (counted in table_full); reading again would not help.
enum walk_result { WALK_KEPT, WALK_DROPPED, WALK_TORN, WALK_FULL };

// A stack deeper than PROF_MAX_DEPTH keeps its innermost frames and its PROF_OUTER_KEPT outermost ones (the
// middle is left out): keeping only the innermost cut `<module>` and main() out of a deep recursion's samples,
// so their total fell to the share of shallow samples (0.25 in a 5000-deep recursion).
#define PROF_OUTER_KEPT 64

static pyi_prof_frame outer_ring[PROF_OUTER_KEPT];

// Appends one frame (function, line) to key_buffer at *depth; handles the task lookup at asyncio's Handle._run.
static enum walk_result keep_frame(const pyi_prof_frame *frame, uint32_t *depth, int *task_found, uint32_t *task,
                                   uintptr_t coroutine_frame, uintptr_t coroutine_code) {
    uint64_t full_before = prof.totals.table_full;
    code_entry *code = resolve_code(frame);
    if (code == NULL) return prof.totals.table_full != full_before ? WALK_FULL : WALK_DROPPED;
    int line = pyi_profile_line((const unsigned char *)prof.text + code->table_off, code->table_len,
                                code->key.first_line, frame->lasti);
    if (line < 0 || line > 10000000) return WALK_DROPPED;
    if (!*task_found && prof.functions[code->function].runs_handles) {
        *task_found = 1;
        if (coroutine_frame != 0) *task = task_of(pyi_prof_generator_of_frame(coroutine_frame), coroutine_code);
    }
    key_buffer[4 + 2 * *depth] = code->function;
    key_buffer[5 + 2 * *depth] = (uint32_t)line;
    (*depth)++;
    return WALK_KEPT;
}

// Walks one thread's frame chain into key_buffer. The chain is read while the thread runs, so it can tear: a
// generator or coroutine that yields between our reading the thread's current frame and reading that frame has
// its `previous` cleared (gen_send_ex2), and the walk would end at the generator as if it were the bottom of the
// stack. A generator is always resumed by some caller frame, so a chain ending at one is WALK_TORN: read again.
// *walked_out: frames followed (a long walk is not worth reading again when it drops).
// *innermost_out: the address of the frame kept at depth 0; *last_out: the last frame read (the generator, when
// the chain tore).
static enum walk_result walk_thread(const pyi_prof_thread *thread, uint32_t *depth_out, uint32_t *task_out,
                                    int *walked_out, uintptr_t *innermost_out, uintptr_t *last_out) {
    uint32_t depth = 0, task = 0, outer = 0;
    uintptr_t address = thread->current_frame, coroutine_frame = 0, coroutine_code = 0;
    int walked = 0, task_found = 0, ended_at_generator = 0;
    enum walk_result result = WALK_KEPT;
    pyi_prof_frame frames[2];
    const pyi_prof_frame *previous = NULL;
    while (address != 0) {
        if (walked >= PROF_MAX_WALK) {
            prof.totals.truncated++;
            break;
        }
        pyi_prof_frame *frame = &frames[walked++ & 1];
        *walked_out = walked;
        if (pyi_prof_read_frame(address, frame, previous) != 0)
            return WALK_DROPPED;   // freed or rewritten under us: not a sample we can trust
        previous = frame;
        uintptr_t here = address;
        *last_out = here;
        address = frame->previous;
        ended_at_generator = frame->generator && address == 0;
        if (frame->incomplete) continue;
        if (frame->generator && !task_found) {
            coroutine_frame = here;
            coroutine_code = frame->code;
        }
        if (depth >= PROF_MAX_DEPTH - PROF_OUTER_KEPT) {
            outer_ring[outer++ % PROF_OUTER_KEPT] = *frame;   // resolved once the bottom is reached
            continue;
        }
        if (depth == 0) *innermost_out = here;
        result = keep_frame(frame, &depth, &task_found, &task, coroutine_frame, coroutine_code);
        if (result != WALK_KEPT) return result;
    }
    // The outermost frames walked, outermost last, as a shallow stack's would be.
    uint32_t ring_count = outer < PROF_OUTER_KEPT ? outer : PROF_OUTER_KEPT;
    for (uint32_t i = outer - ring_count; i < outer; i++) {
        result = keep_frame(&outer_ring[i % PROF_OUTER_KEPT], &depth, &task_found, &task, coroutine_frame,
                            coroutine_code);
        if (result != WALK_KEPT) return result;
    }
    *depth_out = depth;
    *task_out = task;
    return ended_at_generator ? WALK_TORN : WALK_KEPT;
}

// Up to this many walks per thread and tick when the chain tears or a frame reads inconsistently; a torn
// chain's last read is kept as read (a generator driven from C with no Python caller really is the bottom of
// its stack), an inconsistent one is dropped.
#define PROF_TORN_RETRIES 4

// The frames of the first torn read (innermost first, as in key_buffer), kept to be put back on the chain read again.
static uint32_t torn_frames[2 * PROF_MAX_DEPTH];

// A torn chain's frames were running when the tick came; the chain read again is of a moment later, when the
// generator has yielded. Keeping only the later chain lost the generator: a generator doing a tenth of the work
// between yields shorter than one read (py-spy: 0.09 of the samples) had 0.005. When the innermost frame read
// again holds that generator (it drives it: `for x in gen`, `yield from`, `next(it)`), the torn frames go back
// on top of it. A generator driven from C (a task's coroutine, resumed by the loop) is held by no frame, so its
// chain is read again as before.
static void splice_torn_frames(uint32_t *depth, uint32_t torn_depth, uintptr_t generator_frame,
                              uintptr_t innermost) {
    if (torn_depth == 0 || innermost == 0 || *depth == 0 || torn_depth + *depth > PROF_MAX_DEPTH) return;
    if (!pyi_prof_frame_holds(innermost, pyi_prof_generator_of_frame(generator_frame))) return;
    memmove(&key_buffer[4 + 2 * torn_depth], &key_buffer[4], (size_t)*depth * 2 * sizeof(uint32_t));
    memcpy(&key_buffer[4], torn_frames, (size_t)torn_depth * 2 * sizeof(uint32_t));
    *depth += torn_depth;
}

static void sample_thread(uintptr_t tstate, const pyi_prof_thread *first_read) {
    pyi_prof_thread thread = *first_read;
    uint32_t depth = 0, task = 0, torn_depth = 0;
    uintptr_t torn_generator = 0;
    for (int attempt = 1;; attempt++) {
        int walked = 0;
        uintptr_t innermost = 0, last = 0;
        enum walk_result result = walk_thread(&thread, &depth, &task, &walked, &innermost, &last);
        if (result == WALK_KEPT) {
            splice_torn_frames(&depth, torn_depth, torn_generator, innermost);
            break;
        }
        if (result == WALK_FULL) {
            prof.totals.dropped++;
            return;
        }
        // A frame changes under the read while its thread calls, returns or resumes a generator: dropping
        // that sample dropped call-heavy code more often than the rest (a bias, not noise: 0.1 of the samples
        // of a generator pipeline). The thread is read again at once, so the sample is still of this tick.
        if (result == WALK_DROPPED) {
            // A deep stack is read again only once: each walk of it costs thousands of reads.
            if (attempt == PROF_TORN_RETRIES || (walked > PROF_MAX_DEPTH && attempt >= 2)) {
                prof.totals.dropped++;
                return;
            }
            prof.totals.dropped_rereads++;
        } else {
            if (attempt == PROF_TORN_RETRIES) break;
            if (torn_depth == 0 && depth > 0 && depth <= PROF_MAX_DEPTH - PROF_OUTER_KEPT) {
                memcpy(torn_frames, &key_buffer[4], (size_t)depth * 2 * sizeof(uint32_t));
                torn_depth = depth;
                torn_generator = last;
            }
            prof.totals.torn_rereads++;
        }
        if (pyi_prof_read_thread(tstate, &thread) != 0) {
            prof.totals.dropped++;
            return;
        }
    }
    if (depth == 0) {
        prof.totals.idle++;
        return;
    }
    key_buffer[0] = (uint32_t)thread.native_id;
    key_buffer[1] = sample_state((int32_t)thread.native_id);
    key_buffer[2] = task;
    key_buffer[3] = depth;
    if (insert_stack(key_buffer, 4 + 2 * depth) != 0) {
        prof.totals.table_full++;
        prof.totals.dropped++;
        return;
    }
    prof.totals.samples++;
}

static void tick(void) {
    // Finalization frees thread states and the interpreter without HEAD_LOCK's protection for readers.
    if (pyi_is_finalizing() || !pyi_is_initialized()) return;
    pthread_mutex_lock(&tick_lock);
    if (pyi_prof_threads_lock() != 0) {
        pthread_mutex_unlock(&tick_lock);
        return;
    }
    uintptr_t tstate = pyi_prof_first_thread();
    for (int count = 0; tstate != 0 && count < PROF_MAX_THREADS; count++) {
        pyi_prof_thread thread;
        if (pyi_prof_read_thread(tstate, &thread) != 0) {
            prof.totals.dropped++;
            break;
        }
        if (!is_excluded((int32_t)thread.native_id)) sample_thread(tstate, &thread);
        tstate = thread.next;
    }
    pyi_prof_threads_unlock();
    pthread_mutex_unlock(&tick_lock);
    prof.totals.ticks++;
}

// The gaps between ticks are drawn from an exponential distribution of mean interval_ns (a Poisson process,
// as py-spy's timer does): with a fixed period, a program whose loop takes about the period (or a multiple)
// is sampled at the same point of its loop again and again (aliasing). bench/profile_bench.py's 7/3 program
// runs 10 units of ~1 ms per round, one round per 10 ms tick at 100 Hz: its share error was 0.045, a bias.
static uint64_t random_state;

static uint64_t next_gap_ns(void) {
    // xorshift64*: enough for spacing samples, and no libc state shared with the target.
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    uint64_t bits = random_state * 2685821657736338717ull;
    double uniform = (double)((bits >> 11) + 1) * (1.0 / 9007199254740992.0);   // (0, 1]
    double gap = -log(uniform) * (double)prof.interval_ns;
    // A gap is at most 20 mean intervals (the tail beyond holds 2e-9 of the draws): stopping stays prompt.
    return gap > 20.0 * (double)prof.interval_ns ? 20 * prof.interval_ns : (uint64_t)gap;
}

// Runs on the sampler's own thread until pyi_profile_stop.
void pyi_profile_run(void) {
    pthread_mutex_lock(&run_lock);
    if (!prepared || stop_requested || sampler_running) {
        pthread_mutex_unlock(&run_lock);
        return;
    }
    sampler_running = 1;
    prof.start_ns = monotonic_ns();
    random_state = (prof.start_ns ^ ((uint64_t)getpid() << 32)) | 1;
    uint64_t next = prof.start_ns + next_gap_ns();
    while (!stop_requested) {
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        uint64_t now = (uint64_t)deadline.tv_sec * 1000000000u + (uint64_t)deadline.tv_nsec;
        if (now < next) {
            // The condition variable uses CLOCK_REALTIME: wait the remaining interval from now.
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            uint64_t wake = (uint64_t)until.tv_sec * 1000000000u + (uint64_t)until.tv_nsec + (next - now);
            until.tv_sec = (time_t)(wake / 1000000000u);
            until.tv_nsec = (long)(wake % 1000000000u);
            pthread_cond_timedwait(&run_changed, &run_lock, &until);
            continue;
        }
        pthread_mutex_unlock(&run_lock);
        tick();
        pthread_mutex_lock(&run_lock);
        uint64_t after = monotonic_ns();
        next += next_gap_ns();
        if (after > next + prof.interval_ns) {
            // The tick (or the machine) ran more than a mean interval late: count the ticks missed and start
            // again from now rather than burst to catch up. (A short gap already passed is just taken now.)
            prof.totals.missed_ticks += (after - next) / prof.interval_ns;
            next = after + next_gap_ns();
        }
    }
    prof.stop_ns = monotonic_ns();
    sampler_running = 0;
    finished = 1;
    pthread_cond_broadcast(&run_changed);
    pthread_mutex_unlock(&run_lock);
}

void pyi_profile_stop(void) {
    if (!prepared || getpid() != prof.pid) return;   // a forked child has no sampler thread
    pthread_mutex_lock(&run_lock);
    stop_requested = 1;
    pthread_cond_broadcast(&run_changed);
    while (sampler_running) pthread_cond_wait(&run_changed, &run_lock);
    if (!finished) {   // stopped before the thread began: nothing sampled
        prof.start_ns = prof.stop_ns = monotonic_ns();
        finished = 1;
    }
    pthread_mutex_unlock(&run_lock);
}

// ---- results (after pyi_profile_stop) ----

void pyi_profile_get_totals(pyi_profile_totals *out) {
    *out = prof.totals;
    out->duration_ns = prof.stop_ns > prof.start_ns ? prof.stop_ns - prof.start_ns : 0;
    out->stacks = prof.nstacks;
    out->functions = prof.nfunctions;
}

int pyi_profile_function(uint32_t index, const char **name, const char **file, int32_t *first_line) {
    if (index >= prof.nfunctions) return -1;
    function_entry *function = &prof.functions[index];
    *name = prof.text + function->name_off;
    *file = prof.text + function->file_off;
    *first_line = function->first_line;
    return 0;
}

// The i-th distinct stack (0 <= i < totals.stacks), in no order. frames: `depth` pairs (function, line),
// innermost first; valid until the process ends.
int pyi_profile_stack(uint32_t index, pyi_profile_stack_info *out) {
    uint32_t seen = 0;
    static uint32_t cursor_slot, cursor_index;
    uint32_t slot = 0;
    if (index > 0 && index == cursor_index + 1) {   // the usual walk in order: resume where we stopped
        slot = cursor_slot + 1;
        seen = index;
    }
    for (; slot < PROF_STACK_SLOTS; slot++) {
        stack_entry *entry = &prof.stacks[slot];
        if (entry->hash == 0) continue;
        if (seen == index) {
            const uint32_t *key = prof.keys + entry->key_off;
            out->native_id = (int32_t)key[0];
            out->state = (int32_t)key[1];
            out->task = (int32_t)key[2] - 1;
            out->depth = (int32_t)key[3];
            out->frames = key + 4;
            out->count = entry->count;
            cursor_slot = slot;
            cursor_index = index;
            return 0;
        }
        seen++;
    }
    return -1;
}

// ---- live, while it samples (`pyinspect top`) ----

static uint64_t *live_self, *live_total;
static uint32_t *live_seen;

// Read under the tick lock: the sampler inserts nothing meanwhile (it waits out one pass over the stack table,
// about a millisecond, at most once a second per `top`).
int pyi_profile_live_functions(pyi_profile_live_function *out, uint32_t capacity, uint64_t *cpu_samples) {
    if (!prepared || finished || getpid() != prof.pid) return -1;
    if (live_self == NULL) {
        uint64_t *self = reserve(PROF_MAX_FUNCTIONS * sizeof(uint64_t));
        uint64_t *total = reserve(PROF_MAX_FUNCTIONS * sizeof(uint64_t));
        uint32_t *seen = reserve(PROF_MAX_FUNCTIONS * sizeof(uint32_t));
        if (self == NULL || total == NULL || seen == NULL) return -1;
        live_self = self;
        live_total = total;
        live_seen = seen;
    }
    pthread_mutex_lock(&tick_lock);
    uint32_t functions = prof.nfunctions;
    memset(live_self, 0, functions * sizeof(uint64_t));
    memset(live_total, 0, functions * sizeof(uint64_t));
    memset(live_seen, 0, functions * sizeof(uint32_t));
    uint64_t samples = 0;
    uint32_t stamp = 0;
    for (uint32_t slot = 0; slot < PROF_STACK_SLOTS; slot++) {
        const stack_entry *entry = &prof.stacks[slot];
        if (entry->hash == 0) continue;
        const uint32_t *key = prof.keys + entry->key_off;
        if (key[1] != PYI_PROFILE_CPU || key[3] == 0) continue;
        const uint32_t *frames = key + 4;
        samples += entry->count;
        stamp++;
        if (frames[0] < functions) live_self[frames[0]] += entry->count;
        for (uint32_t depth = 0; depth < key[3]; depth++) {
            uint32_t function = frames[2 * depth];
            if (function >= functions || live_seen[function] == stamp) continue;   // a recursion counts once
            live_seen[function] = stamp;
            live_total[function] += entry->count;
        }
    }
    pthread_mutex_unlock(&tick_lock);
    // The `capacity` largest self counts, largest first (capacity is small: a selection pass per place).
    uint32_t kept = 0;
    for (; kept < capacity; kept++) {
        uint32_t best = UINT32_MAX;
        for (uint32_t function = 0; function < functions; function++) {
            if (live_self[function] == 0) continue;
            if (best == UINT32_MAX || live_self[function] > live_self[best]) best = function;
        }
        if (best == UINT32_MAX) break;
        out[kept] = (pyi_profile_live_function){best, live_self[best], live_total[best]};
        live_self[best] = 0;
    }
    *cpu_samples = samples;
    return (int)kept;
}
