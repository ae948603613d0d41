import CPythonShim
import FoundationEssentials
import Glibc

/// Swift analysis offered to Python code running under the host (`_pyinspect_native.call(name, json)`), so
/// the pytest plugin reaches the same verdict as `pyinspect leaks` without a second implementation.
enum NativeAnalysis {
    /// Call in the target process before the interpreter starts.
    static func install() {
        pyi_native_install { name, argument in
            guard let name, let argument else { return nil }
            guard let reply = NativeAnalysis.handle(String(cString: name), String(cString: argument)) else {
                return nil
            }
            return strdup(reply)
        }
    }

    struct TrendRequest: Decodable {
        /// One series of levels per signal (LeakHuntChild.signalNames order), warm-up baseline first.
        var series: [[Int64]]
        var final: Bool
        /// As StepRequest's.
        var exactCounts: Bool?
        enum CodingKeys: String, CodingKey { case series, final, exactCounts = "exact_counts" }
    }

    struct TrendReply: Encodable {
        var trends: [String]
        var growthPerCall: [Double]
        enum CodingKeys: String, CodingKey { case trends, growthPerCall = "growth_per_call" }
    }

    /// The series of the hunt in progress, kept here and preallocated: a series kept in Python would itself
    /// be the growth the hunt measures. One hunt at a time (the plugin checks tests one after another).
    nonisolated(unsafe) static var series: [[Int64]] = []

    struct StepRequest: Decodable {
        /// This measurement's level of each signal (keys: LeakHuntChild.signalNames; other keys ignored).
        var levels: [String: Double]
        var final: Bool
        /// Judge the exact counts as `pyinspect leaks` does (a step after a still stretch waits for the next one,
        /// no flat verdict before `exactMinCalls`): sporadic leaks are caught, at the cost of more calls per
        /// clean test. Off unless asked.
        var exactCounts: Bool?
        enum CodingKeys: String, CodingKey { case levels, final, exactCounts = "exact_counts" }
    }

    struct StepReply: Encodable {
        var trends: [String]
        var growthPerCall: [Double]
        var calls: Int
        enum CodingKeys: String, CodingKey { case trends, growthPerCall = "growth_per_call", calls }
    }

    /// nil for an unknown name.
    static func handle(_ name: String, _ argument: String) -> String? {
        switch name {
        case "start_hang_monitor":  // hangs.py: the target has something to watch now (HangMonitor.arm)
            return HangMonitor.startArmed() ? "true" : "false"
        case "leak_hunt_start":
            let capacity = LeakPolicy().maxCalls + 8
            series = LeakHuntChild.signalNames.map { _ in
                var levels: [Int64] = []
                levels.reserveCapacity(capacity)
                return levels
            }
            return (try? JSONEncoder().encode(LeakHuntChild.signalNames)).map { String(decoding: $0, as: UTF8.self) }
        case "leak_hunt_step":
            guard let request = try? JSONDecoder().decode(StepRequest.self, from: Data(argument.utf8)),
                series.count == LeakHuntChild.signalNames.count
            else {
                return #"{"error":"bad argument or no hunt started"}"#
            }
            for (index, name) in LeakHuntChild.signalNames.enumerated() {
                series[index].append(Int64(request.levels[name] ?? 0))
            }
            let reply = StepReply(
                trends: series.indices.map { index in
                    LeakVerdict.trend(
                        series[index], final: request.final,
                        exact: request.exactCounts == true
                            && LeakVerdict.exactSignals.contains(LeakHuntChild.signalNames[index])
                    ).rawValue
                },
                growthPerCall: series.map { LeakVerdict.growthPerCall($0) }, calls: max(0, series[0].count - 1))
            return (try? JSONEncoder().encode(reply)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        case "leak_trend":
            guard let request = try? JSONDecoder().decode(TrendRequest.self, from: Data(argument.utf8)) else {
                return #"{"error":"bad argument"}"#
            }
            let reply = TrendReply(
                trends: request.series.indices.map { index in
                    LeakVerdict.trend(
                        request.series[index], final: request.final,
                        exact: request.exactCounts == true && index < LeakHuntChild.signalNames.count
                            && LeakVerdict.exactSignals.contains(LeakHuntChild.signalNames[index])
                    ).rawValue
                },
                growthPerCall: request.series.map { LeakVerdict.growthPerCall($0) })
            return (try? JSONEncoder().encode(reply)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        case "leak_signals":
            return (try? JSONEncoder().encode(LeakHuntChild.signalNames)).map { String(decoding: $0, as: UTF8.self) }
        default:
            return nil
        }
    }
}
