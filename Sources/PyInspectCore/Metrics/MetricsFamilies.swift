/// Which metrics `/metrics` shows, from the figures read for one scrape. Pure (unit-tested).
/// Standard names where Prometheus' client libraries have them (process_*, python_gc_*, python_info), so existing
/// dashboards work; `pyinspect_` for the rest.
enum MetricsFamilies {
    /// Seconds held and waited for the GIL by one of the target's threads, from the tracer (`run --gil`).
    struct GILThread: Sendable, Equatable {
        var nativeId: Int32
        var heldSeconds: Double
        var waitedSeconds: Double
    }

    struct Scrape: Sendable {
        var process: ProcessFigures
        /// The latest Python figures read (nil: none yet).
        var python: PythonFigures?
        /// True when this scrape could not read them (a C call held the GIL): `python` is from an earlier one.
        var pythonStale: Bool
        /// Seconds since `python` was read.
        var pythonAgeSeconds: Double?
        /// nil without `--gil`.
        var gilThreads: [GILThread]?
        var scrapes: UInt64
    }

    static func build(_ scrape: Scrape) -> [MetricFamily] {
        let process = scrape.process
        var families: [MetricFamily] = [
            MetricFamily("process_cpu_seconds_total", .counter, help: "Total user and system CPU time spent in seconds.", value: process.cpuSeconds),
            MetricFamily("process_resident_memory_bytes", .gauge, help: "Resident memory size in bytes.", value: process.residentBytes),
            MetricFamily("process_virtual_memory_bytes", .gauge, help: "Virtual memory size in bytes.", value: process.virtualBytes),
            MetricFamily("process_open_fds", .gauge, help: "Number of open file descriptors.", value: process.openFDs),
        ]
        if let maxFDs = process.maxFDs {
            families.append(MetricFamily("process_max_fds", .gauge, help: "Maximum number of open file descriptors.", value: maxFDs))
        }
        if let start = process.startTimeSeconds {
            families.append(MetricFamily(
                "process_start_time_seconds", .gauge, help: "Start time of the process since unix epoch in seconds.", value: start))
        }
        families.append(MetricFamily(
            "pyinspect_python_figures_stale", .gauge,
            help: "1 when this scrape could not take the GIL (a C call holds it): the python_* and pyinspect_* figures below are from an earlier scrape (or absent).",
            value: scrape.pythonStale ? 1 : 0))
        if let age = scrape.pythonAgeSeconds {
            families.append(MetricFamily(
                "pyinspect_python_figures_age_seconds", .gauge, help: "Seconds since the Python side's figures were read.", value: age))
        }
        if let python = scrape.python { families += pythonFamilies(python) }
        // The target's threads only: the tracer also has pyinspect's own (these metrics threads, the hang monitor),
        // which threading does not list. Without Python figures yet, no thread can be told apart: none shown.
        if let threads = scrape.gilThreads, let names = scrape.python?.threadNames {
            families += gilFamilies(threads.filter { names[$0.nativeId] != nil }, names: names)
        }
        families.append(MetricFamily(
            "pyinspect_metrics_scrapes_total", .counter, help: "Requests for /metrics answered, this one included.",
            value: Double(scrape.scrapes)))
        return families
    }

    static func pythonFamilies(_ python: PythonFigures) -> [MetricFamily] {
        func perGeneration(_ value: ((collections: Double, collected: Double, uncollectable: Double)) -> Double) -> [MetricFamily.Sample] {
            python.gc.enumerated().map { MetricFamily.Sample(value($0.element), labels: [MetricFamily.Label("generation", String($0.offset))]) }
        }
        var families: [MetricFamily] = []
        if python.version.count == 3 {
            let (major, minor, patch) = (String(python.version[0]), String(python.version[1]), String(python.version[2]))
            let implementation = python.implementation == "cpython" ? "CPython" : python.implementation
            families.append(MetricFamily(
                "python_info", .gauge, help: "Python platform information",
                samples: [MetricFamily.Sample(1, labels: [
                    MetricFamily.Label("implementation", implementation), MetricFamily.Label("major", major),
                    MetricFamily.Label("minor", minor), MetricFamily.Label("patchlevel", patch),
                    MetricFamily.Label("version", "\(major).\(minor).\(patch)"),
                ])]))
        }
        families += [
            MetricFamily("python_gc_objects_collected_total", .counter, help: "Objects collected during gc",
                         samples: perGeneration { $0.collected }),
            MetricFamily("python_gc_objects_uncollectable_total", .counter, help: "Uncollectable objects found during GC",
                         samples: perGeneration { $0.uncollectable }),
            MetricFamily("python_gc_collections_total", .counter, help: "Number of times this generation was collected",
                         samples: perGeneration { $0.collections }),
        ]
        if let pause = python.gcPauseSeconds {
            families.append(MetricFamily(
                "pyinspect_gc_pause_seconds_total", .counter,
                help: "Seconds the garbage collector ran (gc.callbacks start to stop), all generations.", value: pause))
        }
        families += [
            MetricFamily("pyinspect_threads", .gauge, help: "Live Python threads of the target (pyinspect's own left out).",
                         value: python.threads),
            MetricFamily("pyinspect_asyncio_tasks", .gauge, help: "Pending asyncio tasks.", value: python.tasks),
            MetricFamily("pyinspect_python_allocated_blocks", .gauge, help: "Memory blocks the Python allocator holds (sys.getallocatedblocks()).",
                         value: python.blocks),
        ]
        if let heap = python.heapBytes, let source = python.heapSource {
            families.append(MetricFamily(
                "pyinspect_python_heap_bytes", .gauge,
                help: "Bytes of Python objects: tracemalloc's traced bytes when the target traces, else pymalloc's bytes in allocated blocks (objects over 512 bytes are not counted there).",
                samples: [MetricFamily.Sample(heap, labels: [MetricFamily.Label("source", source)])]))
        }
        families.append(MetricFamily(
            "pyinspect_checkpoints_total", .counter, help: "Checkpoints taken through the control socket (pyinspect checkpoint).",
            value: python.checkpoints))
        return families
    }

    static func gilFamilies(_ threads: [GILThread], names: [Int32: String]) -> [MetricFamily] {
        func labels(_ thread: GILThread) -> [MetricFamily.Label] {
            [MetricFamily.Label("thread", names[thread.nativeId] ?? ""),
             MetricFamily.Label("native_id", String(thread.nativeId))]
        }
        return [
            MetricFamily("pyinspect_gil_held_seconds_total", .counter,
                         help: "Seconds each thread held the GIL (run --gil); rate() of it is the thread's GIL held ratio.",
                         samples: threads.map { MetricFamily.Sample($0.heldSeconds, labels: labels($0)) }),
            MetricFamily("pyinspect_gil_wait_seconds_total", .counter, help: "Seconds each thread waited for the GIL (run --gil).",
                         samples: threads.map { MetricFamily.Sample($0.waitedSeconds, labels: labels($0)) }),
        ]
    }
}
