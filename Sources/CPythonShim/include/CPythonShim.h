// C helpers for what Swift cannot reach in CPython's API (macros, structs passed by address twice,
// signal handlers, version-specific layouts). Every symbol is prefixed `pyi_`.
#ifndef PYINSPECT_CPYTHON_SHIM_H
#define PYINSPECT_CPYTHON_SHIM_H

// Python.h is deliberately not included here: its feature macros clash with Swift's Glibc module. Python
// objects cross this boundary as opaque pointers; the .c files include Python.h.
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct _object PyObject;

// ---- Objects (macros in the C API) ----
PyObject *pyi_none(void);
void pyi_incref(PyObject *object);
void pyi_decref(PyObject *object);
void pyi_xdecref(PyObject *object);

// ---- Interpreter start ----
// How to start the interpreter. `executable` anchors the path calculation (a virtualenv's bin/python finds
// its pyvenv.cfg); `sys_executable`, when set, is what the target sees as sys.executable afterwards.
typedef struct {
    const char *executable;
    int argc;
    char *const *argv;       // python3-style argv; argv[0] is the program
    int parse_argv;          // 1: options in argv are Python's own (-c, -m, -I ...)
    const char *sys_executable; // NULL keeps CPython's value
} pyi_start_options;

// Builds the config and initialises Python. A configuration error exits the process the way python3 does
// ("Fatal Python error: ..."). Returns 0, or -1 with a message in `error` when a later step failed.
int pyi_initialize(const pyi_start_options *options, char *error, size_t error_size);

// Like python3's main(): initialise from argv, then Py_RunMain. `executable` anchors the paths.
int pyi_python_main(const char *executable, int argc, char **argv);
// pyinspect-python's main: the anchor from pyi_path_anchor, sys.executable = this program's absolute path.
int pyi_python_program_main(int argc, char **argv);
// Its first half: Python initialised as pyi_python_program_main would, the program not yet run. 0, or the
// exit status to leave with. Then pyi_run_main().
int pyi_python_program_start(int argc, char **argv);

// The interpreter path CPython's path calculation starts from: an activated virtualenv's bin/python
// (VIRTUAL_ENV with a pyvenv.cfg), else /usr/bin/python3, the python3 matching the linked libpython.
// Writes it to `out` (NUL-terminated, truncated to `size`).
void pyi_path_anchor(char *out, size_t size);

// Runs Python's main (the script, -m module or -c code from argv) and finalizes. Returns the exit code.
int pyi_run_main(void);
// True once Py_Initialize has completed and before finalization.
int pyi_is_initialized(void);
// True once Py_FinalizeEx has begun tearing down (a thread taking the GIL then would be ended by CPython).
int pyi_is_finalizing(void);

// ---- Calling pyinspect's Python helpers ----
// Takes the GIL, imports `_pyinspect.<module>` from `package_dir` (without touching sys.path), calls
// `function(argument)` and returns its str() in *result (malloc'd, caller frees). On a Python exception returns
// -1 and the formatted traceback in *error (malloc'd). Safe from any thread once Python is initialised.
// Imports the helpers `names` (module names in pyscripts/pyinspect, dependencies first) from their cached
// bytecode, without importlib's path machinery (start-up); those without a valid pyc are left to the ordinary
// import. Returns how many it loaded.
int pyi_helper_preload(const char *package_dir, const char *const *names, int count);
int pyi_helper_call(const char *package_dir, const char *module, const char *function, const char *argument,
                    char **result, char **error);

// pyinspect's own native threads keep one Python thread state for their life (host_thread_state.c says why:
// tracemalloc.stop() racing a thread state made without the GIL crashes CPython 3.11). On the main thread, before
// starting such a thread: pyi_host_thread_expect(); first thing on the thread: pyi_host_thread_attach(); then on
// the main thread, before the target runs: pyi_host_threads_wait_attached() (releases the GIL while it waits).
void pyi_host_thread_expect(void);
void pyi_host_thread_attach(void);
void pyi_host_threads_wait_attached(void);

// ---- Swift analysis callable from Python ----
// handler(name, argument_json) returns a malloc'd UTF-8 string (freed by the module), or NULL for an unknown name.
typedef char *(*pyi_native_handler)(const char *name, const char *argument);
// Registers the builtin module `_pyinspect_native` (call before the interpreter starts) and its handler.
void pyi_native_install(pyi_native_handler handler);
/// Issue 18: seconds since an event loop of the target last began an iteration (`_pyinspect_native.loop_iteration`),
/// or -1 if none ever did. No GIL needed.
double pyi_loop_iteration_age(void);

// ---- Allocation sampling (`run --allocations`) ----
// Wraps the MEM and OBJ allocator domains and samples one allocation per `sample_bytes` on average (1 = every
// allocation) with its Python stack. Call once, after the interpreter started. Returns -1 if already started.
// `_pyinspect_native.allocations()` stops it and returns what it sampled.
int pyi_alloc_sampler_start(uint64_t sample_bytes);

// ---- Diagnostics that need no GIL ----
// Writes every thread's Python stack to fd, the way faulthandler does (async-signal-safe, no GIL needed).
// Returns NULL or an error string.
const char *pyi_dump_all_tracebacks(int fd);

// ---- Faults in the target ----
// In the target process, after Python is initialised (so `signal.getsignal` still reports the defaults):
// SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTERM and SIGHUP (those still at their default action) append
// every thread's Python stack to `path`, then the process dies of the same signal. Works on a C stack
// overflow (alternate signal stack) and when the target has used up its descriptors. Returns how many
// signals got the handler.
int pyi_install_fatal_signal_dump(const char *path);
// setrlimit(RLIMIT_DATA) for this process and its children: 0 or -1 (errno).
int pyi_set_memory_limit(unsigned long long bytes);
// A C audit hook that appends one `target_action` record to the capture the first time the target calls
// sys.setprofile, sys.settrace, os.fork, os.chdir, os.exec... Returns 0 or -1.
int pyi_install_audit_watch(const char *capture_path);

// ---- Supervisor signals ----
#include "process_tree.h"
// In the supervising parent: SIGTERM, SIGHUP and a SIGINT sent by kill(2) are forwarded to `child`;
// SIGINT/SIGQUIT from the terminal reach pyinspect only when the target, in its own process group, did not get
// the terminal: they are then passed to the target's whole group, as the terminal would.
void pyi_supervisor_forward_signals(pid_t child);
// The last signal forwarded (0 if none).
int pyi_supervisor_last_forwarded_signal(void);
// In the child after fork: restore default dispositions.
void pyi_child_reset_signals(void);
// In the measuring child of `leaks`/`compare`, after Python started: SIGINT, SIGTERM and SIGHUP (from the
// terminal or forwarded by pyinspect) raise KeyboardInterrupt in Python's main thread and are remembered.
void pyi_child_catch_interrupts(void);
// The first of those signals the child received (0 if none).
int pyi_child_interrupt_signal(void);
// Py_AtExit: `function` runs at the end of Py_FinalizeEx, also when Py_RunMain then dies of SIGINT.
int pyi_at_python_exit(void (*function)(void));
// In the target of `run`: a thread that, when the fatal-signal handler defers a SIGTERM/SIGHUP to it, runs
// `function` (saves the GIL figures), then ends the process with that signal. 0 or -1.
int pyi_save_before_terminate(void (*function)(void));
// From the fatal-signal handler: hands `signo` to that thread. 1 when handed over (the caller must not die).
int pyi_terminate_deferred(int signo);
// Keep a broken pipe from killing the host before Python installs its own SIGPIPE handling.
void pyi_ignore_sigpipe(void);
// The calling thread's kernel id (what threading.get_native_id() reports).
pid_t pyi_gettid(void);
// fork(2), which Swift does not import on every platform.
pid_t pyi_fork(void);
// Opens a pidfd for `pid` (Linux 5.3+); -1 when unavailable.
int pyi_pidfd_open(pid_t pid);

// ---- GIL tracing (gil_*.c) ----
// Every acquire and release of the GIL, per thread, by interposing pthread_mutex_lock/unlock (exact), or by
// sampling the GIL's state from a native thread every millisecond (the fallback). Inert until started.
#include <stdint.h>

typedef struct {
    double long_hold_ms;       // holds at least this long get the holder's Python stack
    int force_sampling;        // 1: skip the tracer, sample instead
    uint64_t events_capacity;  // timeline events kept (holds, and waits of 2 us or more)
    const char *stacks_path;   // where the watcher writes the stacks of long holds (faulthandler format)
} pyi_gil_trace_options;

enum { PYI_GIL_MODE_OFF = 0, PYI_GIL_MODE_EXACT = 1, PYI_GIL_MODE_SAMPLED = 2 };

// Call on the thread that initialised Python, holding the GIL, before the target runs. Returns the mode;
// `message` explains a fallback or a failure (empty otherwise).
int pyi_gil_trace_start(const pyi_gil_trace_options *options, char *message, size_t message_size);
// Stops the watcher and the tracer and closes holds still open. Call once, after the target has ended.
void pyi_gil_trace_stop(void);
// The calling thread's kernel id (gettid), as threading.get_native_id() gives it.
int32_t pyi_gil_current_tid(void);
// Called by each of pyinspect's own threads on itself: its GIL takes are not the target's switches.
void pyi_gil_mark_host_thread(void);
// pyinspect's own threads: created with every asynchronous signal blocked, so a signal sent to the target
// (Ctrl-C, kill) is delivered to one of the target's threads (host_thread_start.c says why).
#include <pthread.h>
#include <signal.h>
int pyi_start_host_thread(pthread_t *thread, int detached, void *(*body)(void *), void *argument);
void pyi_block_async_signals(sigset_t *old);

typedef struct {
    int mode;
    uint64_t stop_ns;              // trace length (times are ns since the start)
    uint64_t acquisitions, switches;  // between the target's threads (pyinspect's own threads left out)
    uint64_t all_switches;         // every holder change the tracer saw, pyinspect's threads included
    uint64_t switch_number_delta;  // CPython's own count of holder changes over the same span
    uint64_t events, events_dropped, untracked_events;
    uint64_t sample_ticks, locked_ticks, tick_ns, long_hold_ns;
    double ticks_per_ns;           // the histograms' unit: tracer ticks (TSC) per nanosecond
    int threads, long_holds;
} pyi_gil_trace_totals;
void pyi_gil_trace_get_totals(pyi_gil_trace_totals *out);

typedef struct {
    int32_t tid;
    uint64_t acquisitions, switches_in;
    uint64_t hold_total_ns, wait_total_ns, max_hold_ns, max_wait_ns;
    uint64_t first_ns, exit_ns, cpu_ns, sampled_ticks;
    int exited, cpu_known, held_at_stop;
    uint64_t open_hold_start_ns;   // when held_at_stop
    int waiting_at_stop;
    uint64_t open_wait_start_ns;   // when waiting_at_stop
} pyi_gil_thread_figures;
int pyi_gil_trace_thread(int index, pyi_gil_thread_figures *out);
// Copies a thread's hold (waits = 0) or wait (waits = 1) histogram, in tracer ticks (totals.ticks_per_ns):
// bucket i < 4 is i ticks, above that four buckets per power of two (see GILHistogram.swift). Returns the
// number of buckets copied.
int pyi_gil_trace_histogram(int index, int waits, uint64_t *out, int capacity);

typedef struct {
    uint64_t seq;
    int32_t slot;
    uint64_t start_ns, duration_ns;
} pyi_gil_long_hold;
int pyi_gil_trace_long_hold(int index, pyi_gil_long_hold *out);

// What the watcher saw of one long hold.
typedef struct {
    uint64_t seq;
    int32_t slot;
    uint64_t start_ns, duration_ns;        // duration as last seen (sampling mode: the hold's estimate)
    uint64_t first_sample_ns, last_sample_ns;
    uint32_t samples, advanced_samples, no_frame_samples;
    uint64_t cpu_first_ns, cpu_last_ns;
    int cpu_known, dumped;
    // Time the holder spent runnable but waiting for a core (schedstat), to tell a loaded machine from blocking.
    uint64_t runq_first_ns, runq_last_ns;
    int runq_known;
} pyi_gil_watch;
int pyi_gil_trace_watch_count(void);
int pyi_gil_trace_watch(int index, pyi_gil_watch *out);

// Writes the timeline events as packed little-endian records {u64 start_ns, u64 end_ns, u32 thread, u32 kind}
// (kind 0 held, 1 waited). Returns 0 or -1.
int pyi_gil_trace_write_events(const char *path);

// pyinspect-python under `run --gil` (a child of the target): stops the trace and writes `<capture_path>.gil.json`
// (GILTraceRecord's JSON) and `.gil.events`. Only in the process that started the trace. Returns 0 or -1.
int pyi_gil_trace_save(const char *capture_path, int32_t main_tid, const char *fallback_reason);
// ---- Control socket (`run --control`, Service/) ----
typedef struct {
    int locked;                       // 1 held, 0 free
    unsigned long holder_native_id;   // the holder's kernel thread id (0 when free or unknown)
    unsigned long switch_number;      // CPython's count of holder changes
} pyi_gil_holder_state;
// PyGILState_Ensure / Release for a host thread that keeps its thread state (pyi_host_thread_attach).
int pyi_control_gil_ensure(void);
void pyi_control_gil_release(int state);
// Who holds the GIL now, read without taking it. 0, or -1 when this build cannot read the GIL's state.
int pyi_control_gil_holder(pyi_gil_holder_state *out);
// The GIL holder's Python stack (faulthandler format, innermost first) into buffer; returns its length.
size_t pyi_control_gil_holder_stack(char *buffer, size_t size);
// Unlinks `path` when Python finalizes (also when Py_RunMain then dies of SIGINT) or the process exits.
void pyi_control_remove_at_exit(const char *path);
// accept4(fd, SOCK_CLOEXEC), and the peer's uid (SO_PEERCRED): 0 or -1.
int pyi_control_accept(int fd);
int pyi_control_peer_uid(int fd, uid_t *uid);
// The default socket's lazy start (control_lazy.c): the server starts at the first connection. arm: 0, or -1
// (then start it at once). start_armed: runs `start` once, in the arming process; 1 if it did.
int pyi_control_signal(void);
int pyi_control_arm_lazy(int fd, void (*start)(void));
int pyi_control_start_armed(void);
int pyi_control_armed(void);
// ---- Prometheus metrics (`run --metrics HOST:PORT`, Metrics/, metrics_native.c) ----
// A TCP socket bound to the numeric address `host` (IPv4, or IPv6 when `ipv6`) and `port`, listening,
// close-on-exec, moved out of the target's descriptor range. The descriptor, or -1 with errno set.
int pyi_metrics_listen(const char *host, int ipv6, int port);
// The port a listening socket is bound to (for port 0), or -1.
int pyi_metrics_bound_port(int fd);
// accept4(fd, SOCK_CLOEXEC) with EINTR retried.
int pyi_metrics_accept(int fd);
// A counter shared by pyinspect and the target it forks (MAP_SHARED): NULL when it cannot be mapped.
uint64_t *pyi_metrics_shared_counter(void);
void pyi_metrics_counter_add(uint64_t *counter, uint64_t amount);
uint64_t pyi_metrics_counter_load(const uint64_t *counter);
// pymalloc's bytes in allocated blocks (_PyObject_DebugMallocStats' figure), or -1. Caller holds the GIL.
long long pyi_metrics_pymalloc_bytes(void);
// Allocation sampling for checkpoints: 1 while the sampler is installed (by --allocations or a checkpoint).
int pyi_alloc_sampler_installed(void);

// ---- Sampling profiler (`pyinspect profile`, `run --profile`; profile_*.c, docs/profile.md) ----
// A native thread reads every Python thread's frames without the GIL, `rate_hz` times a second.
enum { PYI_PROFILE_CPU = 0, PYI_PROFILE_GIL_WAIT = 1, PYI_PROFILE_OFF_CPU = 2 };
typedef struct {
    double rate_hz;
    uint64_t ticks, missed_ticks;  // ticks taken; ticks skipped because the sampler ran late
    uint64_t samples;              // thread samples kept (threads running Python)
    uint64_t idle;                 // thread samples with no Python frame (not counted)
    uint64_t dropped;              // thread samples read inconsistently (changed under us) or not stored
    uint64_t truncated;            // stacks deeper than the walk bound (innermost frames kept)
    uint64_t table_full;           // of the dropped: the tables were full
    uint64_t torn_rereads;         // chains read again because a generator yielded while they were read
    uint64_t dropped_rereads;      // threads read again because a frame changed while it was read
    uint64_t duration_ns;
    uint32_t stacks, functions;
} pyi_profile_totals;
typedef struct {
    int32_t native_id, state, depth;
    int32_t task;                  // index for pyi_profile_task, -1: no asyncio task was running
    const uint32_t *frames;        // depth pairs (function index, line), innermost first
    uint64_t count;
} pyi_profile_stack_info;
typedef struct {
    uint32_t function;             // index for pyi_profile_function
    uint64_t self_samples, total_samples;   // on-CPU samples with it innermost, anywhere in the stack
} pyi_profile_live_function;
// While the profile runs (`pyinspect top`, any thread): up to `capacity` functions by on-CPU self samples since
// the start, largest first, and the on-CPU samples in all. How many were written, or -1 when no profile runs here.
int pyi_profile_live_functions(pyi_profile_live_function *out, uint32_t capacity, uint64_t *cpu_samples);
// On the thread holding the GIL, before the target runs: checks the layout, reserves the tables. `gil_exact`:
// the GIL tracer runs in exact mode (its per-thread flags give gil_wait). 0, or -1 and a reason.
int pyi_profile_prepare(double rate_hz, int gil_exact, char *error, size_t error_size);
// The sampler's loop: call on its own native thread; returns after pyi_profile_stop.
void pyi_profile_run(void);
// Stops the sampler and waits for its last tick (no-op in a forked child).
void pyi_profile_stop(void);
// With the GIL, before the target runs: stop the sampler from a Python atexit function (after the target's own).
int pyi_profile_stop_at_target_exit(void);
// pyinspect's own threads: never sampled.
void pyi_profile_exclude_thread(int32_t tid);
void pyi_profile_get_totals(pyi_profile_totals *out);
int pyi_profile_function(uint32_t index, const char **name, const char **file, int32_t *first_line);
int pyi_profile_stack(uint32_t index, pyi_profile_stack_info *out);
int pyi_profile_task(uint32_t index, const char **name, const char **coroutine);
// From Python when an asyncio task is created (`_pyinspect_native.profile_task`, profile_tasks.py).
void pyi_profile_task_created(uintptr_t coroutine, uintptr_t code, const char *name, const char *qualname);
// The line at code unit `lasti` from a 3.11 location table (exposed for unit tests).
int pyi_profile_line(const unsigned char *table, size_t length, int first_line, int lasti);

#endif
