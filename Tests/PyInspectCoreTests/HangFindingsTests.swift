import PyInspectCore
import Testing

/// Findings and the task list from hand-made hang records: no Python involved.
@Suite struct HangFindingsTests {
    typealias Snapshot = HangSnapshotRecord

    func frame(_ line: Int, _ function: String = "worker") -> HangFrame {
        HangFrame(file: "/app/x.py", line: line, function: function)
    }

    func lockWait(owner: Int, ownerName: String, lockId: Int) -> Snapshot.TaskWait {
        .init(kind: "lock", object: "Lock", objectId: lockId, created: SourceSite(file: "/app/x.py", line: 3),
              owners: [.init(id: owner, name: ownerName)])
    }

    func lockOrderSnapshot() -> Snapshot {
        let left = Snapshot.Task(
            id: 1, name: "left", frames: [frame(8)], site: SourceSite(file: "/app/x.py", line: 8),
            waits: lockWait(owner: 2, ownerName: "right", lockId: 20))
        let right = Snapshot.Task(
            id: 2, name: "right", frames: [frame(8)], site: SourceSite(file: "/app/x.py", line: 8),
            waits: lockWait(owner: 1, ownerName: "left", lockId: 10))
        let main = Snapshot.Task(
            id: 3, name: "main", frames: [frame(15, "main")], site: SourceSite(file: "/app/x.py", line: 15),
            waits: .init(kind: "gather", object: "gather", objectId: 30, owners: [.init(id: 1, name: "left"), .init(id: 2, name: "right")]))
        return Snapshot(
            reason: "deadlock", decision: HangDecision(loops: [99], threads: [], seconds: 1.0),
            loops: [.init(key: 99, thread: 5, threadName: "MainThread", tasks: [left, right, main])], threads: [])
    }

    @Test func lockCycleNamesTheOwnerAndTheCycle() throws {
        let found = HangFindings.findings(events: [], snapshot: lockOrderSnapshot())
        #expect(found.count == 3)
        let left = try #require(found.first { $0.task == "left" })
        #expect(left.kind == "deadlock")
        #expect(left.site == SourceSite(file: "/app/x.py", line: 8))
        #expect(left.message.contains("held by task 'right'"))
        #expect(left.cycle == ["left", "right", "left"])
        #expect(left.thread == "MainThread")
        let main = try #require(found.first { $0.task == "main" })
        #expect(main.cycle == nil)
        #expect(main.message.contains("gather of tasks 'left', 'right'"))
    }

    @Test func aTimeoutSnapshotGivesTasksButNoDeadlock() {
        var snapshot = lockOrderSnapshot()
        snapshot.reason = "timeout"
        snapshot.decision = nil
        #expect(HangFindings.findings(events: [], snapshot: snapshot).isEmpty)
        let tasks = HangFindings.tasks(snapshot: snapshot) ?? []
        #expect(tasks.map(\.name) == ["left", "right", "main"])
        #expect(tasks.first?.waitsFor?.contains("held by task 'right'") == true)
    }

    @Test func threadCycleFromTheSnapshot() throws {
        let threads: [Snapshot.Thread] = [
            .init(ident: 11, name: "one", frames: [frame(12, "work")], site: SourceSite(file: "/app/t.py", line: 12),
                  waits: .init(lockId: 2, lock: "Lock", created: SourceSite(file: "/app/t.py", line: 6), owner: 22,
                               ownerName: "two", seconds: 0.6)),
            .init(ident: 22, name: "two", frames: [frame(12, "work")], site: SourceSite(file: "/app/t.py", line: 12),
                  waits: .init(lockId: 1, lock: "Lock", created: SourceSite(file: "/app/t.py", line: 5), owner: 11,
                               ownerName: "one", seconds: 0.6)),
            .init(ident: 33, name: "MainThread", frames: [frame(20, "<module>")], site: nil),
        ]
        let snapshot = Snapshot(
            reason: "deadlock", decision: HangDecision(loops: [], threads: [11, 22], seconds: 0.6), loops: [],
            threads: threads)
        let found = HangFindings.findings(events: [], snapshot: snapshot)
        #expect(found.map(\.thread) == ["one", "two"])
        let one = try #require(found.first)
        #expect(one.message.contains("held by thread 'two'"))
        #expect(one.cycle == ["one", "two", "one"])
        #expect(one.seconds == 0.6)
    }

    @Test func atATimeoutThreadsWaitingForLocksAreLockWaits() throws {
        let threads: [Snapshot.Thread] = [
            .init(ident: 11, name: "worker", frames: [frame(9, "work")], site: SourceSite(file: "/app/t.py", line: 9),
                  waits: .init(lockId: 2, lock: "Lock", created: nil, owner: 33, ownerName: "MainThread", seconds: 2.5)),
            .init(ident: 33, name: "MainThread", frames: [frame(20, "<module>")], site: nil),
        ]
        let found = HangFindings.findings(
            events: [], snapshot: Snapshot(reason: "timeout", decision: nil, loops: [], threads: threads))
        #expect(found.count == 1)
        let wait = try #require(found.first)
        #expect(wait.kind == "lock_wait")
        #expect(wait.thread == "worker")
        #expect(wait.message.contains("held by thread 'MainThread'"))
        #expect(wait.seconds == 2.5)
    }
}
