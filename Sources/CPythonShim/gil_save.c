// Saves the GIL tracer's figures as `<capture>.gil.json` (GILTraceRecord's snake_case JSON) and `.gil.events`,
// from C: pyinspect-python (a child of `run --gil`) has no Swift to call GILTraceSession.collect, and saves at
// its exit, after Python may be finalized. Mirrors GILTraceSession.collect field for field.
#include "CPythonShim.h"
#include <stdio.h>
#include <unistd.h>

pid_t pyi_gil_trace_owner_pid(void);

static void optional_u64(FILE *out, const char *key, int known, uint64_t value) {
    if (known) fprintf(out, ",\"%s\":%llu", key, (unsigned long long)value);
}

static void histogram(FILE *out, const char *key, int index, int waits) {
    static uint64_t buckets[256];
    int copied = pyi_gil_trace_histogram(index, waits, buckets, 256);
    fprintf(out, ",\"%s\":[", key);
    int first = 1;
    for (int i = 0; i < copied; i++) {
        if (buckets[i] == 0) continue;
        fprintf(out, "%s[%d,%llu]", first ? "" : ",", i, (unsigned long long)buckets[i]);
        first = 0;
    }
    fputc(']', out);
}

int pyi_gil_trace_save(const char *capture_path, int32_t main_tid, const char *fallback_reason) {
    if (pyi_gil_trace_owner_pid() != getpid()) return -1;  // a fork: the trace is its parent's
    pyi_gil_trace_stop();
    pyi_gil_trace_totals totals;
    pyi_gil_trace_get_totals(&totals);
    if (totals.mode == PYI_GIL_MODE_OFF) return -1;
    int exact = totals.mode == PYI_GIL_MODE_EXACT;
    char path[4096];
    snprintf(path, sizeof path, "%s.gil.json", capture_path);
    FILE *out = fopen(path, "we");
    if (out == NULL) return -1;
    fprintf(out, "{\"mode\":\"%s\",\"main_native_id\":%d,\"duration_ns\":%llu,\"acquisitions\":%llu,"
            "\"switches\":%llu,\"cpython_switches\":%llu", exact ? "exact" : "sampled", (int)main_tid,
            (unsigned long long)totals.stop_ns, (unsigned long long)totals.acquisitions,
            (unsigned long long)(exact ? totals.switches : totals.switch_number_delta),
            (unsigned long long)totals.switch_number_delta);
    if (fallback_reason && fallback_reason[0] && !exact) {
        fputs(",\"fallback_reason\":\"", out);
        for (const char *c = fallback_reason; *c; c++) {
            if (*c == '"' || *c == '\\') fputc('\\', out);
            if ((unsigned char)*c >= 0x20) fputc(*c, out);
        }
        fputc('"', out);
    }
    optional_u64(out, "all_switches", exact, totals.all_switches);
    fprintf(out, ",\"long_hold_ns\":%llu,\"histogram_ticks_per_ns\":%.9g,\"tick_ns\":%llu,\"sample_ticks\":%llu,"
            "\"locked_ticks\":%llu,\"events\":%llu,\"events_dropped\":%llu,\"untracked_events\":%llu,\"threads\":[",
            (unsigned long long)totals.long_hold_ns, totals.ticks_per_ns > 0 ? totals.ticks_per_ns : 1.0,
            (unsigned long long)totals.tick_ns, (unsigned long long)totals.sample_ticks,
            (unsigned long long)totals.locked_ticks, (unsigned long long)totals.events,
            (unsigned long long)totals.events_dropped, (unsigned long long)totals.untracked_events);
    int written = 0;
    for (int index = 0; index < totals.threads; index++) {
        pyi_gil_thread_figures f;
        if (pyi_gil_trace_thread(index, &f) != 0) continue;
        fprintf(out, "%s{\"native_id\":%d,\"acquisitions\":%llu,\"switches_in\":%llu,\"hold_total_ns\":%llu,"
                "\"wait_total_ns\":%llu,\"max_hold_ns\":%llu,\"max_wait_ns\":%llu,\"first_ns\":%llu,"
                "\"sampled_ticks\":%llu", written++ ? "," : "", (int)f.tid, (unsigned long long)f.acquisitions,
                (unsigned long long)f.switches_in, (unsigned long long)f.hold_total_ns,
                (unsigned long long)f.wait_total_ns, (unsigned long long)f.max_hold_ns,
                (unsigned long long)f.max_wait_ns, (unsigned long long)f.first_ns,
                (unsigned long long)f.sampled_ticks);
        optional_u64(out, "exit_ns", f.exited, f.exit_ns);
        optional_u64(out, "cpu_ns", f.cpu_known, f.cpu_ns);
        optional_u64(out, "open_hold_start_ns", f.held_at_stop, f.open_hold_start_ns);
        optional_u64(out, "open_wait_start_ns", f.waiting_at_stop, f.open_wait_start_ns);
        histogram(out, "hold_histogram", index, 0);
        histogram(out, "wait_histogram", index, 1);
        fputc('}', out);
    }
    fputs("],\"long_holds\":[", out);
    written = 0;
    for (int index = 0; index < totals.long_holds; index++) {
        pyi_gil_long_hold hold;
        if (pyi_gil_trace_long_hold(index, &hold) != 0) continue;
        fprintf(out, "%s{\"seq\":%llu,\"thread\":%d,\"start_ns\":%llu,\"duration_ns\":%llu}", written++ ? "," : "",
                (unsigned long long)hold.seq, (int)hold.slot, (unsigned long long)hold.start_ns,
                (unsigned long long)hold.duration_ns);
    }
    fputs("],\"watches\":[", out);
    written = 0;
    int watches = pyi_gil_trace_watch_count();
    for (int index = 0; index < watches; index++) {
        pyi_gil_watch w;
        if (pyi_gil_trace_watch(index, &w) != 0) continue;
        uint64_t wall = w.last_sample_ns >= w.first_sample_ns ? w.last_sample_ns - w.first_sample_ns : 0;
        fprintf(out, "%s{\"seq\":%llu,\"thread\":%d,\"start_ns\":%llu,\"duration_ns\":%llu,\"samples\":%u,"
                "\"advanced_samples\":%u,\"no_frame_samples\":%u,\"wall_ns\":%llu", written++ ? "," : "",
                (unsigned long long)w.seq, (int)w.slot, (unsigned long long)w.start_ns,
                (unsigned long long)w.duration_ns, w.samples, w.advanced_samples, w.no_frame_samples,
                (unsigned long long)wall);
        optional_u64(out, "cpu_ns", w.cpu_known && w.cpu_last_ns >= w.cpu_first_ns, w.cpu_last_ns - w.cpu_first_ns);
        optional_u64(out, "runnable_ns", w.runq_known && w.runq_last_ns >= w.runq_first_ns,
                     w.runq_last_ns - w.runq_first_ns);
        fputc('}', out);
    }
    fputs("]}\n", out);
    int failed = fclose(out) != 0;
    snprintf(path, sizeof path, "%s.gil.events", capture_path);
    if (pyi_gil_trace_write_events(path) != 0) failed = 1;
    return failed ? -1 : 0;
}
