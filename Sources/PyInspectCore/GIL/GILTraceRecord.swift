import FoundationEssentials
import Glibc

/// The GIL tracer's raw figures, as the target process saved them when it ended (`<capture>.gil.json`), plus
/// the stacks of long holds (`.gil.stacks`, faulthandler format) and the timeline (`.gil.events`, binary).
/// Times are nanoseconds since the trace started. Analysis (`GILAnalysis`) reads only this.
public struct GILTraceRecord: Codable, Sendable, Equatable {
    public enum Mode: String, Codable, Sendable { case exact, sampled }

    public struct Thread: Codable, Sendable, Equatable {
        public var nativeId: Int64
        public var acquisitions: UInt64
        public var switchesIn: UInt64
        public var holdTotalNs: UInt64
        public var waitTotalNs: UInt64
        public var maxHoldNs: UInt64
        public var maxWaitNs: UInt64
        public var firstNs: UInt64
        public var exitNs: UInt64?
        public var cpuNs: UInt64?
        public var sampledTicks: UInt64
        /// Start of a hold still open when the trace stopped (counted up to the stop).
        public var openHoldStartNs: UInt64?
        /// Start of a wait still going on when the trace stopped (counted up to the stop).
        public var openWaitStartNs: UInt64? = nil
        /// Non-empty buckets of the hold and wait histograms: [bucket, count].
        public var holdHistogram: [[UInt64]]
        public var waitHistogram: [[UInt64]]

        public init(nativeId: Int64, acquisitions: UInt64 = 0, switchesIn: UInt64 = 0, holdTotalNs: UInt64 = 0,
                    waitTotalNs: UInt64 = 0, maxHoldNs: UInt64 = 0, maxWaitNs: UInt64 = 0, firstNs: UInt64 = 0,
                    exitNs: UInt64? = nil, cpuNs: UInt64? = nil, sampledTicks: UInt64 = 0,
                    openHoldStartNs: UInt64? = nil, holdHistogram: [[UInt64]] = [], waitHistogram: [[UInt64]] = []) {
            self.nativeId = nativeId
            self.acquisitions = acquisitions
            self.switchesIn = switchesIn
            self.holdTotalNs = holdTotalNs
            self.waitTotalNs = waitTotalNs
            self.maxHoldNs = maxHoldNs
            self.maxWaitNs = maxWaitNs
            self.firstNs = firstNs
            self.exitNs = exitNs
            self.cpuNs = cpuNs
            self.sampledTicks = sampledTicks
            self.openHoldStartNs = openHoldStartNs
            self.holdHistogram = holdHistogram
            self.waitHistogram = waitHistogram
        }
    }

    /// A hold of at least the long-hold threshold (exact mode: its exact span).
    public struct LongHold: Codable, Sendable, Equatable {
        public var seq: UInt64
        public var thread: Int
        public var startNs: UInt64
        public var durationNs: UInt64
        public init(seq: UInt64, thread: Int, startNs: UInt64, durationNs: UInt64) {
            self.seq = seq
            self.thread = thread
            self.startNs = startNs
            self.durationNs = durationNs
        }
    }

    /// What the watcher thread saw while a long hold lasted.
    public struct Watch: Codable, Sendable, Equatable {
        public var seq: UInt64
        public var thread: Int
        public var startNs: UInt64
        public var durationNs: UInt64
        public var samples: UInt32
        /// Samples where the holder's innermost frame or instruction had moved since the previous one.
        public var advancedSamples: UInt32
        public var noFrameSamples: UInt32
        /// Holder's CPU time and wall time between the first and last sample.
        public var cpuNs: UInt64?
        public var wallNs: UInt64
        /// Of that wall time, how long the holder was runnable but waiting for a core (a loaded machine).
        public var runnableNs: UInt64?
        public init(seq: UInt64, thread: Int, startNs: UInt64, durationNs: UInt64, samples: UInt32,
                    advancedSamples: UInt32, noFrameSamples: UInt32, cpuNs: UInt64?, wallNs: UInt64,
                    runnableNs: UInt64? = nil) {
            self.seq = seq
            self.thread = thread
            self.startNs = startNs
            self.durationNs = durationNs
            self.samples = samples
            self.advancedSamples = advancedSamples
            self.noFrameSamples = noFrameSamples
            self.cpuNs = cpuNs
            self.wallNs = wallNs
            self.runnableNs = runnableNs
        }
    }

    public var mode: Mode
    /// The thread that ran the target's main (it started the tracer): MainThread even when threading's own
    /// records are missing (a timeout while a C call held the GIL).
    public var mainNativeId: Int64? = nil
    /// Why the tracer fell back to sampling, when it did.
    public var fallbackReason: String?
    public var durationNs: UInt64
    public var acquisitions: UInt64
    public var switches: UInt64
    /// CPython's own `switch_number` over the same span: equals `switches` when the trace is exact.
    public var cpythonSwitches: UInt64
    /// Exact mode: every holder change, pyinspect's own threads included (what CPython counts); `switches`
    /// leaves out the hand-offs to and from pyinspect's threads.
    public var allSwitches: UInt64? = nil
    public var longHoldNs: UInt64
    /// The histograms' unit: tracer ticks (the TSC) per nanosecond; 1 when the tracer used CLOCK_MONOTONIC.
    public var histogramTicksPerNs: Double = 1
    public var tickNs: UInt64
    public var sampleTicks: UInt64
    public var lockedTicks: UInt64
    public var events: UInt64
    public var eventsDropped: UInt64
    public var untrackedEvents: UInt64
    public var threads: [Thread]
    public var longHolds: [LongHold]
    public var watches: [Watch]

    /// The record's file uses snake_case keys, like the report.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    public init(mode: Mode, durationNs: UInt64, threads: [Thread]) {
        self.mode = mode
        self.durationNs = durationNs
        self.acquisitions = threads.reduce(0) { $0 + $1.acquisitions }
        self.switches = 0
        self.cpythonSwitches = 0
        self.longHoldNs = UInt64(GILOptions.defaultLongHoldMs * 1e6)
        self.tickNs = 2_000_000
        self.sampleTicks = 0
        self.lockedTicks = 0
        self.events = 0
        self.eventsDropped = 0
        self.untrackedEvents = 0
        self.threads = threads
        self.longHolds = []
        self.watches = []
    }

}

/// One interval on the timeline: a thread held the GIL, or waited for it.
public struct GILEvent: Sendable, Equatable {
    public enum Kind: UInt32, Sendable { case held = 0, waited = 1 }
    public var startNs: UInt64
    public var endNs: UInt64
    /// Index into `GILTraceRecord.threads`.
    public var thread: Int
    public var kind: Kind
    public init(startNs: UInt64, endNs: UInt64, thread: Int, kind: Kind) {
        self.startNs = startNs
        self.endNs = endNs
        self.thread = thread
        self.kind = kind
    }
}

/// Everything the tracer left behind for one run.
public struct GILCapture: Sendable, Equatable {
    public var record: GILTraceRecord
    /// Stacks of long holds, by hold sequence number.
    public var stacks: [UInt64: [StackFrame]]
    public var events: [GILEvent]

    public init(record: GILTraceRecord, stacks: [UInt64: [StackFrame]] = [:], events: [GILEvent] = []) {
        self.record = record
        self.stacks = stacks
        self.events = events
    }

    public static func paths(capturePath: String) -> (record: String, stacks: String, events: String) {
        (capturePath + ".gil.json", capturePath + ".gil.stacks", capturePath + ".gil.events")
    }

    /// Reads what the target saved; nil when it saved nothing (tracing off, or the process died first).
    public static func read(capturePath: String) -> GILCapture? {
        let paths = paths(capturePath: capturePath)
        guard let data = FileManager.default.contents(atPath: paths.record),
            let record = try? GILTraceRecord.decoder.decode(GILTraceRecord.self, from: data)
        else { return nil }
        let stackText = (try? String(contentsOfFile: paths.stacks, encoding: .utf8)) ?? ""
        var stacks: [UInt64: [StackFrame]] = [:]
        // The watcher writes "Thread 0x<seq> ..." headers so that faulthandler's parser reads them.
        for stack in FaultHandlerDump.parse(stackText) {
            if let seq = stack.ident { stacks[seq] = stack.frames }
        }
        let events = FileManager.default.contents(atPath: paths.events).map(decodeEvents) ?? []
        return GILCapture(record: record, stacks: stacks, events: events)
    }

    static let eventSize = 24

    static func decodeEvents(_ data: Data) -> [GILEvent] {
        var events: [GILEvent] = []
        events.reserveCapacity(data.count / eventSize)
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset + eventSize <= raw.count {
                let start = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                let end = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
                let thread = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 16, as: UInt32.self))
                let kind = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 20, as: UInt32.self))
                if let kind = GILEvent.Kind(rawValue: kind), end >= start {
                    events.append(GILEvent(startNs: start, endNs: end, thread: Int(thread), kind: kind))
                }
                offset += eventSize
            }
        }
        return events
    }
}
