import Glibc

/// The process' own figures, read from the kernel without the GIL (/proc/self, getrusage, getrlimit): what the
/// metrics endpoint answers with even while a C call holds the GIL.
struct ProcessFigures: Sendable, Equatable {
    var residentBytes: Double
    var virtualBytes: Double
    var openFDs: Double
    var maxFDs: Double?
    var cpuSeconds: Double
    var startTimeSeconds: Double?

    static func read(startTime: Double?) -> ProcessFigures {
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        let statm = (smallFile("/proc/self/statm") ?? "").split(separator: " ")
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        var limit = rlimit()
        let maxFDs: Double? = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 && limit.rlim_cur != rlim_t.max ? Double(limit.rlim_cur) : nil
        // opendir's own descriptor is among the entries: one less.
        let fds = Double(max(0, (directoryEntryNames("/proc/self/fd")?.count ?? 1) - 1))
        return ProcessFigures(
            residentBytes: statm.count > 1 ? (Double(statm[1]) ?? 0) * page : 0,
            virtualBytes: (statm.first.flatMap { Double($0) } ?? 0) * page,
            openFDs: fds, maxFDs: maxFDs, cpuSeconds: cpu, startTimeSeconds: startTime)
    }

    /// When this process started, in seconds since the epoch: /proc/stat's boot time plus /proc/self/stat's
    /// start time in clock ticks (field 22, counted after the command name, which may hold spaces).
    static func startTime() -> Double? {
        guard let stat = smallFile("/proc/self/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // Fields from 3 (state) on: starttime is field 22, so index 19 here.
        guard fields.count > 19, let ticks = Double(fields[19]) else { return nil }
        guard let system = smallFile("/proc/stat"),
            let line = system.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
            let boot = Double(String(line.dropFirst(6)).trimmingSpaces())
        else { return nil }
        let hertz = Double(sysconf(Int32(_SC_CLK_TCK)))
        return hertz > 0 ? boot + ticks / hertz : nil
    }

    /// A small /proc file's text (at most 64 KiB), nil when it cannot be read.
    static func smallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 65536 {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if got < 0, errno == EINTR { continue }
            if got <= 0 { break }
            bytes.append(contentsOf: chunk[0..<got])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The Python side's figures (metrics.py), read by the metrics worker with the GIL.
struct PythonFigures: Sendable, Equatable {
    /// Per generation: collections, objects collected, uncollectable.
    var gc: [(collections: Double, collected: Double, uncollectable: Double)]
    var gcPauseSeconds: Double?
    var threads: Double
    var threadNames: [Int32: String]
    var tasks: Double
    var blocks: Double
    /// tracemalloc's traced bytes when the target traces, else pymalloc's bytes in allocated blocks.
    var heapBytes: Double?
    var heapSource: String?
    var checkpoints: Double
    var implementation: String
    var version: [Int]

    static func == (a: PythonFigures, b: PythonFigures) -> Bool {
        a.gc.count == b.gc.count && zip(a.gc, b.gc).allSatisfy { $0 == $1 } && a.gcPauseSeconds == b.gcPauseSeconds
            && a.threads == b.threads && a.threadNames == b.threadNames && a.tasks == b.tasks && a.blocks == b.blocks
            && a.heapBytes == b.heapBytes && a.heapSource == b.heapSource && a.checkpoints == b.checkpoints
            && a.implementation == b.implementation && a.version == b.version
    }

    /// From metrics.py's JSON; `pymallocBytes` < 0 when pymalloc could not say.
    static func decode(_ text: String, pymallocBytes: Int64) -> PythonFigures? {
        guard let json = CaptureJSON.parse(ArraySlice(text.utf8)) else { return nil }
        func number(_ value: CaptureJSON?) -> Double? {
            if case .number(let digits)? = value { return Double(digits) }
            return nil
        }
        var gc: [(collections: Double, collected: Double, uncollectable: Double)] = []
        if case .array(let generations)? = json["gc"] {
            for generation in generations {
                guard case .array(let values) = generation, values.count == 3 else { continue }
                gc.append((number(values[0]) ?? 0, number(values[1]) ?? 0, number(values[2]) ?? 0))
            }
        }
        var names: [Int32: String] = [:]
        if case .object(let members)? = json["thread_names"] {
            for member in members {
                if let id = Int32(member.key), let name = member.value.stringValue { names[id] = name }
            }
        }
        var version: [Int] = []
        if case .array(let parts)? = json["version"] { version = parts.compactMap { number($0).map { Int($0) } } }
        var heap: Double? = number(json["traced_bytes"])
        var source: String? = heap == nil ? nil : "tracemalloc"
        if heap == nil, pymallocBytes >= 0 {
            heap = Double(pymallocBytes)
            source = "pymalloc"
        }
        return PythonFigures(
            gc: gc, gcPauseSeconds: number(json["gc_pause_s"]), threads: number(json["threads"]) ?? 0, threadNames: names,
            tasks: number(json["tasks"]) ?? 0, blocks: number(json["blocks"]) ?? 0, heapBytes: heap, heapSource: source,
            checkpoints: number(json["checkpoints"]) ?? 0, implementation: json["implementation"]?.stringValue ?? "",
            version: version)
    }
}
