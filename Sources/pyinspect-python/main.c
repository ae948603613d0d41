// pyinspect-python: the `sys.executable` of every target. python3's main() with pyinspect's path set-up, in C
// so that it starts as fast as python3 (children of multiprocessing and subprocess start through it).
//
// Under `pyinspect run` (PYINSPECT_CHILD_DIR and PYINSPECT_CHILD_HELPERS set by the parent), the process also
// reports to the run's capture: child_process.py writes its start (and hooks fork, os._exit and os.waitpid),
// and this file writes its end when the process exits (not through os._exit, which child_process.py wraps). Record format: pyscripts/pyinspect/child_process.py.
#include "CPythonShim.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double monotonic_seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

// VmHWM: this process's own peak RSS (ru_maxrss of an exec'd process still holds its parent's size at the exec).
static long long peak_rss_bytes(void) {
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char text[8192];
    ssize_t length = read(fd, text, sizeof text - 1);
    close(fd);
    if (length <= 0) return -1;
    text[length] = '\0';
    const char *line = strstr(text, "VmHWM:");
    return line ? atoll(line + 6) * 1024 : -1;
}

static const char *record_directory = NULL;
// `run --gil`: this process's own GIL trace, saved at its exit as <dir>/<pid>.gil.json (ProcessAnalysis reads it).
static int gil_traced = 0;
static int32_t gil_main_tid = 0;
static char gil_fallback[512];

// PYINSPECT_CHILD_GIL is "<long-hold ms>" or "<long-hold ms>:sampling". Call holding the GIL, before the program.
static void start_gil_trace(const char *setting, const char *directory) {
    char stacks[4096];
    snprintf(stacks, sizeof stacks, "%s/%d.gil.stacks", directory, (int)getpid());
    double long_hold_ms = atof(setting);
    pyi_gil_trace_options options = {
        .long_hold_ms = long_hold_ms > 0 ? long_hold_ms : 50.0,
        .force_sampling = strstr(setting, "sampling") != NULL,
        .events_capacity = 10000,  // a child's timeline is not drawn; its figures stay exact beyond this
        .stacks_path = stacks,
    };
    int mode = pyi_gil_trace_start(&options, gil_fallback, sizeof gil_fallback);
    gil_traced = mode != PYI_GIL_MODE_OFF;
    gil_main_tid = pyi_gil_current_tid();
}

// An on_exit handler: sys.exit() ends the process inside Py_RunMain (Py_Exit calls exit), so the end is
// recorded where every normal ending passes, with the status exit() was given.
static void write_end_record(int code, void *unused) {
    (void)unused;
    const char *directory = record_directory;
    if (gil_traced) {
        char capture[4096];
        snprintf(capture, sizeof capture, "%s/%d", directory, (int)getpid());
        pyi_gil_trace_save(capture, gil_main_tid, gil_fallback);  // nothing in a fork: the trace is its parent's
        gil_traced = 0;
    }
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    char path[4096];
    snprintf(path, sizeof path, "%s/%d.jsonl", directory, (int)getpid());
    char line[512];
    long long peak = peak_rss_bytes();
    char peak_text[32];
    if (peak < 0) snprintf(peak_text, sizeof peak_text, "null");
    else snprintf(peak_text, sizeof peak_text, "%lld", peak);
    int length = snprintf(line, sizeof line,
        "{\"record\":\"process_ended\",\"how\":\"exit\",\"exit_code\":%d,\"cpu_user_s\":%.6f,"
        "\"cpu_system_s\":%.6f,\"peak_rss_bytes\":%s,\"pid\":%d,\"monotonic_s\":%.6f}\n",
        code, usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6, usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6,
        peak_text, (int)getpid(), monotonic_seconds());
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return;
    if (write(fd, line, (size_t)length) < 0) { /* the record is lost; the process's own exit status stands */ }
    close(fd);
}

int main(int argc, char **argv) {
    double started = monotonic_seconds();
    const char *directory = getenv("PYINSPECT_CHILD_DIR");
    const char *helpers = getenv("PYINSPECT_CHILD_HELPERS");
    int recording = directory && directory[0] && helpers && helpers[0];
    // `run --allocations`: children sample their own allocations (saved by child_process.py at exit).
    const char *sample = recording ? getenv("PYINSPECT_CHILD_ALLOC_SAMPLE") : NULL;
    unsigned long long sample_bytes = sample ? strtoull(sample, NULL, 10) : 0;
    const char *gil_setting = recording ? getenv("PYINSPECT_CHILD_GIL") : NULL;
    // `_pyinspect_native.allocations()`, `.mark_host_thread()` (the hang watcher under --gil); before the start
    if (sample_bytes > 0 || (gil_setting && gil_setting[0])) pyi_native_install(NULL);
    int code = pyi_python_program_start(argc, argv);
    if (code != 0) return code;
    if (recording) {
        char argument[64];
        snprintf(argument, sizeof argument, "{\"start_monotonic_s\": %.6f}", started);
        char *result = NULL, *error = NULL;
        if (pyi_helper_call(helpers, "child_process", "install", argument, &result, &error) != 0) {
            recording = 0;  // the program still runs, unrecorded, as it would under python3
        }
        free(result);
        free(error);
    }
    if (recording) {
        record_directory = directory;
        on_exit(write_end_record, NULL);
        const char *gil = getenv("PYINSPECT_CHILD_GIL");
        if (gil && gil[0]) start_gil_trace(gil, directory);
        // Last, so the instruments' own set-up is not sampled.
        if (sample_bytes > 0) pyi_alloc_sampler_start(sample_bytes);
    }
    return pyi_run_main();
}
