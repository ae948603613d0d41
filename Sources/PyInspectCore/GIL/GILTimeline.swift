/// The timeline drawn in the HTML report: per thread, per column of time, the share of that column the
/// thread held the GIL and waited for it. Pure.
public struct GILTimeline: Sendable, Equatable {
    public struct Lane: Sendable, Equatable {
        public var thread: Int
        public var held: [Double]
        public var waited: [Double]
    }
    public var columns: Int
    public var durationNs: UInt64
    public var lanes: [Lane]

    public static func build(capture: GILCapture, columns: Int = 600) -> GILTimeline {
        let record = capture.record
        let duration = max(record.durationNs, 1)
        let width = Double(duration) / Double(columns)
        var lanes = record.threads.indices.map {
            Lane(thread: $0, held: Array(repeating: 0, count: columns), waited: Array(repeating: 0, count: columns))
        }
        var events = capture.events
        for (index, thread) in record.threads.enumerated() {
            if let open = thread.openHoldStartNs {
                events.append(GILEvent(startNs: open, endNs: record.durationNs, thread: index, kind: .held))
            }
            if let open = thread.openWaitStartNs {
                events.append(GILEvent(startNs: open, endNs: record.durationNs, thread: index, kind: .waited))
            }
        }
        for event in events where event.thread >= 0 && event.thread < lanes.count {
            let start = Double(min(event.startNs, duration))
            let end = Double(min(event.endNs, duration))
            guard end > start else { continue }
            var column = Int(start / width)
            while column < columns {
                let left = Double(column) * width
                let right = left + width
                let overlap = min(end, right) - max(start, left)
                if overlap > 0 {
                    if event.kind == .held { lanes[event.thread].held[column] += overlap / width }
                    else { lanes[event.thread].waited[column] += overlap / width }
                }
                if end <= right { break }
                column += 1
            }
        }
        for index in lanes.indices {
            lanes[index].held = lanes[index].held.map { min(1, $0) }
            lanes[index].waited = lanes[index].waited.map { min(1, $0) }
        }
        return GILTimeline(columns: columns, durationNs: duration, lanes: lanes)
    }

    /// Each lane's thread name from the section, by tracer slot. The section lists the target's threads in slot
    /// order and leaves pyinspect's own out (GILAnalysis), so a slot with no entry there is pyinspect's: it gets
    /// no name, and is not drawn. Matched in order, not only by id: the kernel may reuse an exited thread's id.
    public static func laneNames(record: GILTraceRecord, section: GILSection) -> [Int: String] {
        var names: [Int: String] = [:]
        var next = 0
        for (index, thread) in record.threads.enumerated() where next < section.threads.count {
            if section.threads[next].nativeId == thread.nativeId {
                names[index] = section.threads[next].name
                next += 1
            }
        }
        return names
    }
}
