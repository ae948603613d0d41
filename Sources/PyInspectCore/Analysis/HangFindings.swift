import FoundationEssentials
import Glibc

/// Turns the hang records of a capture into findings and the task list. Pure: no Python, no processes.
public enum HangFindings {
    /// Findings from the events recorded while the target ran, then (when it was stopped for a deadlock) one
    /// finding per blocked task and per thread in a lock cycle.
    public static func findings(events: [HangEventRecord], snapshot: HangSnapshotRecord?) -> [Finding] {
        var found = events.map(finding(from:))
        if let snapshot, snapshot.reason == "deadlock" {
            found.append(contentsOf: deadlockFindings(snapshot))
        } else if let snapshot {
            found.append(contentsOf: lockWaitFindings(snapshot))
        }
        return found
    }

    /// When the target was stopped for another reason (a timeout): every thread still waiting for a tracked
    /// lock, with its owner, so a hang without a cycle is explained too.
    static func lockWaitFindings(_ snapshot: HangSnapshotRecord) -> [Finding] {
        let names = Dictionary(snapshot.threads.map { ($0.ident, $0.name) }, uniquingKeysWith: { first, _ in first })
        return snapshot.threads.compactMap { thread in
            // Joins and Condition/Event/Future waits explain deadlocks; at a timeout they are ordinary idling.
            guard let wait = thread.waits, !frameWaitKinds.contains(wait.lock) else { return nil }
            let owner = wait.ownerName ?? wait.owner.map { names[$0] ?? "thread-\($0)" }
            let created = wait.created.map { " (created at \($0.file):\($0.line))" } ?? ""
            let held = owner.map { "held by thread '\($0)'" } ?? "whose owner is unknown"
            var finding = Finding(
                kind: "lock_wait",
                message: "thread '\(thread.name)' \(at(thread.site))had waited \(String(format: "%.1f", wait.seconds)) s for \(wait.lock)\(created) \(held)")
            finding.thread = thread.name
            finding.site = thread.site
            finding.seconds = wait.seconds
            finding.stack = thread.frames.map(\.stackFrame)
            return finding
        }
    }

    /// The tasks still pending when the target was stopped (deadlock or timeout), each with the line it waits
    /// at and what it waits on.
    public static func tasks(snapshot: HangSnapshotRecord?) -> [TaskReport]? {
        guard let snapshot else { return nil }
        let graph = TaskGraph(snapshot)
        return snapshot.loops.flatMap { loop in
            loop.tasks.map { task in
                TaskReport(
                    name: task.name, thread: loop.threadName, site: task.site, created: task.created,
                    waitsFor: describeWait(task, graph: graph, stuck: snapshot.reason == "deadlock"), stack: task.frames.map(\.stackFrame))
            }
        }
    }

    static func finding(from event: HangEventRecord) -> Finding {
        var finding = Finding(kind: event.kind, message: event.message)
        finding.task = event.task
        finding.thread = event.thread
        finding.site = event.site
        finding.seconds = event.seconds
        finding.stack = event.stack?.map(\.stackFrame)
        finding.created = event.created
        finding.exception = event.exception
        finding.fix = event.fix
        return finding
    }

    static func deadlockFindings(_ snapshot: HangSnapshotRecord) -> [Finding] {
        var found: [Finding] = []
        let decision = snapshot.decision
        let graph = TaskGraph(snapshot)
        let cycleTasks = decision?.tasks.map(Set.init)
        for loop in snapshot.loops where decision?.loops.contains(loop.key) ?? true {
            for task in loop.tasks where cycleTasks?.contains(task.id) ?? true {
                var finding = Finding(
                    kind: "deadlock",
                    message: "task '\(task.name)' \(at(task.site))waits for \(describeWait(task, graph: graph, stuck: true))")
                finding.task = task.name
                finding.thread = loop.threadName
                finding.site = task.site
                finding.seconds = decision?.seconds
                finding.stack = task.frames.map(\.stackFrame)
                finding.created = task.created
                if let cycle = graph.cycle(through: task.id) {
                    finding.message += " (cycle: \(cycle.map { "'\($0)'" }.joined(separator: " → ")))"
                    finding.cycle = cycle
                }
                found.append(finding)
            }
        }
        let stuck = Set(decision?.threads ?? [])
        let names = Dictionary(snapshot.threads.map { ($0.ident, $0.name) }, uniquingKeysWith: { first, _ in first })
        for thread in snapshot.threads where stuck.contains(thread.ident) {
            guard let wait = thread.waits else { continue }
            var finding = Finding(
                kind: "deadlock", message: "thread '\(thread.name)' \(at(thread.site))waits for \(describe(wait, names: names))")
            finding.thread = thread.name
            finding.site = thread.site
            finding.seconds = wait.seconds
            finding.stack = thread.frames.map(\.stackFrame)
            let cycle = threadCycle(from: thread.ident, snapshot: snapshot)
            if !cycle.isEmpty {
                finding.message += " (cycle: \(cycle.map { "'\($0)'" }.joined(separator: " → ")))"
                finding.cycle = cycle
            }
            found.append(finding)
        }
        return found
    }

    /// Waits hang_threads.py reads from a thread's frames (not a tracked lock).
    static let frameWaitKinds: Set<String> = ["Thread.join", "Future.result", "Event.wait", "Condition.wait"]

    /// A thread's wait: a tracked lock and its holder, a join, or a wait (hang_threads.py) only a blocked thread
    /// could end.
    static func describe(_ wait: HangSnapshotRecord.ThreadWait, names: [UInt64: String]) -> String {
        let owner = wait.ownerName ?? wait.owner.map { names[$0] ?? "thread-\($0)" }
        let created = wait.created.map { " (created at \($0.file):\($0.line))" } ?? ""
        switch wait.lock {
        case "Thread.join":
            return "thread '\(owner ?? "?")' to end (Thread.join)"
        case "Future.result":
            return owner.map { "a concurrent.futures.Future only thread '\($0)' (its event loop) would complete" }
                ?? "a concurrent.futures.Future no running thread would complete"
        case "Event.wait":
            return "a threading.Event no running thread would set"
        case "Condition.wait":
            return "a threading.Condition no running thread would notify"
        default:
            return "\(wait.lock)\(created) held by thread '\(owner ?? "nobody")'"
        }
    }

    static func at(_ site: SourceSite?) -> String {
        site.map { "at \($0.file):\($0.line) " } ?? ""
    }

    /// `stuck`: the loop can never wake (a deadlock), so "nothing will set" is a fact, not a guess.
    static func describeWait(_ task: HangSnapshotRecord.Task, graph: TaskGraph, stuck: Bool) -> String {
        if task.running == true { return "nothing: it was running, blocking its loop" }
        guard let wait = task.waits else {
            return stuck ? "something that will never come (nothing can wake its loop)" : "its turn to run"
        }
        if !stuck {
            switch wait.kind {
            case "lock", "semaphore", "task", "gather", "wait": break
            case "future" where task.frames.first.map { $0.function == "sleep" && $0.file.hasSuffix("asyncio/tasks.py") } == true:
                return "asyncio.sleep"
            default:
                let created = wait.created.map { " (created at \($0.file):\($0.line))" } ?? ""
                return "a \(wait.kind == "future" ? wait.object : "asyncio." + wait.object)\(created)"
            }
        }
        let created = wait.created.map { " (created at \($0.file):\($0.line))" } ?? ""
        let owners = wait.owners.map { "'\($0.name)'" }.joined(separator: ", ")
        switch wait.kind {
        case "lock":
            return "asyncio.Lock\(created) " + (owners.isEmpty ? "that no task holds" : "held by task \(owners)")
        case "semaphore":
            return "asyncio.Semaphore\(created) " + (owners.isEmpty ? "with no holder left" : "held by tasks \(owners)")
        case "event": return "asyncio.Event\(created) that nothing will set"
        case "condition": return "asyncio.Condition\(created) that nothing will notify"
        case "queue_get": return "an item from asyncio.Queue\(created) that nothing will put"
        case "queue_put": return "room in asyncio.Queue\(created) that nothing will make"
        case "task": return "task \(owners) to finish"
        case "gather": return owners.isEmpty ? "a gather that cannot finish" : "gather of tasks \(owners)"
        case "wait": return "tasks \(owners) to finish (asyncio.wait)"
        default: return "a \(wait.object) that nothing will set"
        }
    }

    /// Thread names around the lock cycle starting at `ident`, first name repeated at the end.
    static func threadCycle(from ident: UInt64, snapshot: HangSnapshotRecord) -> [String] {
        let byIdent = Dictionary(snapshot.threads.map { ($0.ident, $0) }, uniquingKeysWith: { first, _ in first })
        var path: [UInt64] = []
        var current = ident
        while !path.contains(current), let owner = byIdent[current]?.waits?.owner {
            path.append(current)
            current = owner
        }
        guard current == ident, !path.isEmpty else { return [] }
        return (path + [ident]).map { byIdent[$0]?.name ?? "thread-\($0)" }
    }
}

/// Task → the tasks it waits for (lock owners, awaited tasks, gathered children).
struct TaskGraph {
    var edges: [Int: [Int]] = [:]
    var names: [Int: String] = [:]

    init(_ snapshot: HangSnapshotRecord) {
        for loop in snapshot.loops {
            for task in loop.tasks {
                names[task.id] = task.name
                edges[task.id] = task.waits?.owners.map(\.id) ?? []
            }
        }
    }

    /// Names around the shortest cycle through `start`, first name repeated at the end; nil if none.
    func cycle(through start: Int) -> [String]? {
        var previous: [Int: Int] = [:]
        var queue = [start]
        var index = 0
        while index < queue.count {
            let node = queue[index]
            index += 1
            for next in edges[node] ?? [] {
                if next == start {
                    var path = [node]
                    var current = node
                    while current != start, let before = previous[current] {
                        path.append(before)
                        current = before
                    }
                    let ordered = [start] + path.reversed().dropFirst() + [start]
                    return ordered.map { names[$0] ?? "task-\($0)" }
                }
                if previous[next] == nil && next != start {
                    previous[next] = node
                    queue.append(next)
                }
            }
        }
        return nil
    }
}
