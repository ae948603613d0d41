/// What the control worker does for each request, with the GIL held: calls service.py and, for a diff, the
/// pure analysis (CheckpointDiff). Returns the reply line.
enum ControlService {
    static func answer(_ request: ControlRequest, helper: PythonHelper) -> String {
        do {
            switch request {
            case .ping: return ControlReplies.ok("ping", json: "{}")
            case .dump: return ControlReplies.ok("dump", json: try helper.call("service", "dump"))
            case .stats:
                // The tracer's running totals: `top` takes the differences (checkpoints keep their own baseline).
                var fields: [String] = []
                if let gil = CheckpointGIL.runningTotals().flatMap({ try? HelperJSONEncoder.encode($0) }) {
                    fields.append("\"gil\":\(gil)")
                }
                if let profile = LiveProfile.current(helperDirectory: helper.packageDirectory)
                    .flatMap({ try? HelperJSONEncoder.encode($0) })
                {
                    fields.append("\"profile\":\(profile)")
                }
                return ControlReplies.ok("stats", json: try helper.call("service", "stats", "{" + fields.joined(separator: ",") + "}"))
            case .checkpoint(let name):
                var fields: [String] = []
                if let name { fields.append("\"name\":\(ControlReplies.quoted(name))") }
                if let gil = CheckpointGIL.sinceLastCheckpoint(), let text = try? HelperJSONEncoder.encode(gil) {
                    fields.append("\"gil\":\(text)")
                }
                let argument = "{" + fields.joined(separator: ",") + "}"
                // The summary only: the census and sites stay in the target (decoding them here, with the GIL
                // held, would pause the target for nothing).
                return ControlReplies.ok("checkpoint", try decode(CheckpointSummary.self, try helper.call("service", "checkpoint", argument)))
            case .diff(let from, let to):
                return try diff(from: from, to: to, helper: helper)
            }
        } catch let error as ControlServiceError {
            return ControlReplies.error(error.message)
        } catch {
            return ControlReplies.error("pyinspect's service failed: \(error)")
        }
    }

    struct Pair: Decodable {
        var from: CheckpointRecord
        var to: CheckpointRecord
        var toIsNow: Bool
        var series: [CheckpointRecord]
        enum CodingKeys: String, CodingKey { case from, to, toIsNow = "to_is_now", series }
    }

    struct Chain: Decodable {
        var chain: [ChainStep]
        var sample: String?
    }

    static func diff(from: String?, to: String?, helper: PythonHelper) throws -> String {
        var fields: [String] = []
        if let from { fields.append("\"from\":\(ControlReplies.quoted(from))") }
        if let to { fields.append("\"to\":\(ControlReplies.quoted(to))") }
        let text = try helper.call("service", "pair", "{" + fields.joined(separator: ",") + "}")
        try failIfError(text)
        let pair = try decode(Pair.self, text)
        var section = CheckpointDiff.compute(from: pair.from, to: pair.to, series: pair.series)
        let wanted = section.types.prefix(CheckpointDiff.chained).map(\.type)
        if !wanted.isEmpty {
            let argument = "{\"from\":\(pair.from.index),\"to\":\(pair.toIsNow ? 0 : pair.to.index),\"types\":"
                + ((try? HelperJSONEncoder.encode(Array(wanted))) ?? "[]") + "}"
            let chainsText = try helper.call("service", "chains", argument)
            if let message = errorMessage(chainsText) {
                section.notes = ["no reference chains: \(message)"]
            } else {
                let chains = try decode([String: Chain].self, chainsText)
                for index in section.types.indices {
                    guard let found = chains[section.types[index].type] else { continue }
                    section.types[index].chain = found.chain
                    section.types[index].sample = found.sample
                }
            }
        }
        return ControlReplies.ok("diff", section)
    }

    static func errorMessage(_ text: String) -> String? {
        guard let parsed = CaptureJSON.parse(ArraySlice(text.utf8)), case .string(let message)? = parsed["error"]
        else { return nil }
        return message
    }

    static func failIfError(_ text: String) throws {
        if let message = errorMessage(text) { throw ControlServiceError(message: message) }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        guard let parsed = CaptureJSON.parse(ArraySlice(text.utf8)) else {
            throw ControlServiceError(message: "service.py returned text that is not JSON")
        }
        return try CaptureDecoder.decode(type, from: parsed)
    }
}

struct ControlServiceError: Error {
    var message: String
}
