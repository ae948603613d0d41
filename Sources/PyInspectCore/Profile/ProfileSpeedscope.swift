import FoundationEssentials

/// `--speedscope FILE`: speedscope's file format (https://www.speedscope.app/file-format-schema.json), to open at
/// https://www.speedscope.app or with the `speedscope` CLI. One "sampled" profile per thread (named
/// `MainThread (tid 4242)`, the busiest one shown first), one shared frames table, weights in seconds
/// (samples / rate).
///
/// Frames are `{name, file}` without a line, as in the collapsed export: one box per function and call path
/// (ProfileFrame.line is the line executing, which would split a function into one frame per line). When an
/// asyncio task was running, a frame `task NAME (COROUTINE)` is the root of its stacks, so
/// speedscope's flame graph groups each task's samples. Samples come sorted by stack (the sampler keeps counts,
/// not times), so speedscope's "Time Order" view looks like "Left Heavy". Pure and thread-safe.
public enum ProfileSpeedscope {
    public static let schemaURL = "https://www.speedscope.app/file-format-schema.json"

    struct File: Encodable {
        var schema = ProfileSpeedscope.schemaURL
        var shared: Shared
        var profiles: [Profile]
        var name: String
        var activeProfileIndex: Int
        var exporter: String

        enum CodingKeys: String, CodingKey {
            case schema = "$schema", shared, profiles, name, activeProfileIndex, exporter
        }
    }

    struct Shared: Encodable {
        var frames: [Frame]
    }

    struct Frame: Encodable, Hashable {
        var name: String
        var file: String?
    }

    struct Profile: Encodable {
        var type = "sampled"
        var name: String
        var unit = "seconds"
        var startValue: Double = 0
        var endValue: Double
        var samples: [[Int]]
        var weights: [Double]
    }

    /// The file as JSON text.
    public static func render(_ stacks: ProfileStacks, name: String = "pyinspect profile") throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(file(stacks, name: name)), as: UTF8.self)
    }

    static func file(_ stacks: ProfileStacks, name: String) -> File {
        var frames: [Frame] = []
        var frameIndex: [Frame: Int] = [:]
        func index(_ frame: Frame) -> Int {
            if let known = frameIndex[frame] { return known }
            frameIndex[frame] = frames.count
            frames.append(frame)
            return frames.count - 1
        }
        // Per thread (first appearance order), the summed count of each distinct frame path.
        struct ThreadKey: Hashable { var name: String; var nativeID: Int }
        var threadOrder: [ThreadKey] = []
        var paths: [ThreadKey: [[Int]: Int]] = [:]
        for stack in stacks.stacks where stack.count > 0 {
            let key = ThreadKey(name: stack.thread, nativeID: stack.nativeID)
            if paths[key] == nil { threadOrder.append(key); paths[key] = [:] }
            var path: [Int] = []
            if let task = ProfileCollapsed.taskLabel(stack) { path.append(index(Frame(name: task, file: nil))) }
            for frame in stack.frames { path.append(index(Frame(name: frame.function, file: frame.file))) }
            paths[key, default: [:]][path, default: 0] += stack.count
        }
        let seconds = stacks.rateHz > 0 ? 1 / stacks.rateHz : 1
        var profiles: [Profile] = []
        var busiest = (index: 0, samples: -1)
        for key in threadOrder {
            let counts = paths[key] ?? [:]
            let ordered = counts.keys.sorted { $0.lexicographicallyPrecedes($1) }
            let weights = ordered.map { Double(counts[$0] ?? 0) * seconds }
            let samples = counts.values.reduce(0, +)
            if samples > busiest.samples { busiest = (profiles.count, samples) }
            profiles.append(Profile(name: "\(key.name) (tid \(key.nativeID))", endValue: weights.reduce(0, +),
                                    samples: ordered, weights: weights))
        }
        return File(shared: Shared(frames: frames), profiles: profiles, name: name,
                    activeProfileIndex: max(busiest.index, 0), exporter: "pyinspect")
    }
}
