import FoundationEssentials
import Glibc

/// One look at the target by the hang monitor (pyscripts/pyinspect/hangs.py `tick`): which loops could not be
/// woken by anything, and which threads wait for which tracked lock.
public struct HangTick: Codable, Sendable, Equatable {
    public struct Loop: Codable, Sendable, Equatable {
        /// id() of the loop object.
        public var key: Int
        /// In select, nothing ready, no timers, no fds but its self-pipe, no signal handlers, no other thread
        /// that could wake it.
        public var quiescent: Bool
        public var pending: Int
        public var thread: UInt64?
        public init(key: Int, quiescent: Bool, pending: Int, thread: UInt64? = nil) {
            self.key = key
            self.quiescent = quiescent
            self.pending = pending
            self.thread = thread
        }
    }

    public struct ThreadWait: Codable, Sendable, Equatable {
        public var thread: UInt64
        /// id() of the lock waited for.
        public var lock: Int
        /// The thread holding it, when known.
        public var owner: UInt64?
        /// Monotonic seconds when the wait began.
        public var since: Double
        /// A blocking acquire without timeout.
        public var forever: Bool
        public init(thread: UInt64, lock: Int, owner: UInt64?, since: Double, forever: Bool) {
            self.thread = thread
            self.lock = lock
            self.owner = owner
            self.since = since
            self.forever = forever
        }
    }

    /// Tasks of one loop waiting for each other's asyncio.Locks (a cycle), however busy the loop is.
    public struct TaskCycle: Codable, Sendable, Equatable {
        /// id() of the loop.
        public var loop: Int
        /// id() of each task in the cycle.
        public var tasks: [Int]
        /// How long the same waits have lasted.
        public var seconds: Double
        public init(loop: Int, tasks: [Int], seconds: Double) {
            self.loop = loop
            self.tasks = tasks
            self.seconds = seconds
        }
    }

    /// Monotonic seconds (the target's clock).
    public var t: Double
    /// Callbacks run so far by every loop.
    public var progress: Int
    public var loops: [Loop]
    public var waits: [ThreadWait]
    /// Child processes a thread of the target joins and that can never end (hang_processes.py: the
    /// multiprocessing Queue deadlock, confirmed twice); nil when none.
    public var processes: [Int32]?
    /// Seconds every thread of the target has been blocked for ever with no CPU used (hang_threads.py), when
    /// one of them waits for a tracked lock or a join; nil otherwise.
    public var stalled: Double?
    /// asyncio.Lock cycles between tasks (nil when none).
    public var taskCycles: [TaskCycle]?
    /// Nothing to watch (no loop, task, second thread, lock wait or child process): the next look can wait.
    public var idle: Bool?
    /// Issue 18: one running loop and nothing else to watch (no thread, lock wait, child, callback being
    /// timed): the next looks may be skipped while that loop's iterations are young (HangWatch.maySkip).
    public var skippable: Bool?

    public init(t: Double, progress: Int, loops: [Loop] = [], waits: [ThreadWait] = [], processes: [Int32]? = nil,
                stalled: Double? = nil, taskCycles: [TaskCycle]? = nil, idle: Bool? = nil) {
        self.t = t
        self.progress = progress
        self.loops = loops
        self.waits = waits
        self.processes = processes
        self.stalled = stalled
        self.taskCycles = taskCycles
        self.idle = idle
    }

    enum CodingKeys: String, CodingKey {
        case t, progress, loops, waits, processes, stalled, taskCycles = "task_cycles", idle, skippable
    }
}

/// What the monitor decided: these loops and threads can never move again.
public struct HangDecision: Codable, Sendable, Equatable {
    /// id() of each deadlocked loop.
    public var loops: [Int]
    /// Idents of the threads in a lock cycle.
    public var threads: [UInt64]
    /// How long the loops had been still, or the shortest wait in the cycle.
    public var seconds: Double
    /// Child processes in a multiprocessing deadlock with the target (nil when none).
    public var processes: [Int32]?
    /// When the loops are stuck by a task lock cycle (not quiescence): id() of the tasks in it; nil: every
    /// pending task of those loops.
    public var tasks: [Int]?
    public init(loops: [Int], threads: [UInt64], seconds: Double, processes: [Int32]? = nil, tasks: [Int]? = nil) {
        self.loops = loops
        self.threads = threads
        self.seconds = seconds
        self.processes = processes
        self.tasks = tasks
    }
}

/// Decides, tick after tick, when a hang is a deadlock. Pure: feed it ticks, it answers.
///
/// A loop is deadlocked when it has pending tasks and stayed quiescent, with no callback run anywhere, for
/// `loopStableSeconds`: nothing that could wake it exists. Threads are deadlocked when their forever-waits on
/// tracked locks form a cycle (each waits for a lock the next one holds), every wait older than
/// `threadStableSeconds`.
public struct HangWatch: Sendable {
    public var loopStableSeconds: Double
    public var threadStableSeconds: Double
    /// Seconds between looks while the tick finds nothing to watch (`HangTick.idle`), and otherwise.
    public static let idlePause = 0.5
    public static let busyPause = 0.05
    private var stillSince: [Int: (since: Double, progress: Int)] = [:]

    public init(loopStableSeconds: Double = 1.0, threadStableSeconds: Double = 0.5) {
        self.loopStableSeconds = loopStableSeconds
        self.threadStableSeconds = threadStableSeconds
    }

    public mutating func observe(_ tick: HangTick) -> HangDecision? {
        var stuckLoops: [Int] = []
        var stillFor = Double.infinity
        var seen: [Int: (since: Double, progress: Int)] = [:]
        for loop in tick.loops where loop.quiescent && loop.pending > 0 {
            var entry = stillSince[loop.key] ?? (since: tick.t, progress: tick.progress)
            if entry.progress != tick.progress { entry = (since: tick.t, progress: tick.progress) }
            seen[loop.key] = entry
            if tick.t - entry.since >= loopStableSeconds {
                stuckLoops.append(loop.key)
                stillFor = min(stillFor, tick.t - entry.since)
            }
        }
        stillSince = seen
        // Tasks in a Lock cycle: stuck however busy their loop is; only they are reported.
        var cycleTasks: [Int]?
        for taskCycle in tick.taskCycles ?? [] where taskCycle.seconds >= loopStableSeconds {
            if stuckLoops.isEmpty || cycleTasks != nil {
                cycleTasks = (cycleTasks ?? []) + taskCycle.tasks
            }
            if !stuckLoops.contains(taskCycle.loop) { stuckLoops.append(taskCycle.loop) }
            stillFor = min(stillFor, taskCycle.seconds)
        }
        var cycle = Self.lockCycle(tick.waits, now: tick.t, minimumAge: threadStableSeconds)
        // Every thread blocked for ever, one on a lock or a join: nothing can ever release them.
        if let stalled = tick.stalled, stalled >= loopStableSeconds {
            let blocked = Set(tick.waits.filter(\.forever).map(\.thread))
            if !blocked.isEmpty {
                cycle = Array(blocked.union(cycle)).sorted()
                stillFor = min(stillFor, stalled)
            }
        }
        let processes = tick.processes.flatMap { $0.isEmpty ? nil : $0.sorted() }
        if stuckLoops.isEmpty && cycle.isEmpty {
            // hang_processes.py already waited and confirmed: its answer is the decision.
            return processes.map { HangDecision(loops: [], threads: [], seconds: 0, processes: $0) }
        }
        if !cycle.isEmpty {
            let ages = tick.waits.filter { cycle.contains($0.thread) }.map { tick.t - $0.since }
            stillFor = min(stillFor, ages.min() ?? 0)
        }
        return HangDecision(
            loops: stuckLoops.sorted(), threads: cycle, seconds: (stillFor * 1000).rounded() / 1000, processes: processes,
            tasks: cycleTasks?.sorted())
    }

    /// How long the monitor waits before its next look: longer while there is nothing to watch (a program
    /// without threads, loops or children pays for fewer GIL hand-offs), 50 ms otherwise.
    /// A look may be skipped (no GIL taken) when the last one found a single busy loop and nothing else to watch,
    /// was less than `fullLookEvery` ago, and the loop began its current iteration less than `youngIteration`
    /// ago: no callback can have run long enough to be slow, and a loop that iterates is not deadlocked. The
    /// looks every 0.5 s (lock cycles, cancellations, task sites) still happen.
    public static let youngIteration = 0.04
    public static let fullLookEvery = 0.5

    public static func maySkip(after tick: HangTick?, sinceLastLook: Double, iterationAge: Double) -> Bool {
        guard tick?.skippable == true, sinceLastLook < fullLookEvery else { return false }
        return iterationAge >= 0 && iterationAge < youngIteration
    }

    public static func pause(after tick: HangTick?) -> Double {
        tick?.idle == true ? idlePause : busyPause
    }

    /// Threads in a cycle of forever-waits, each older than `minimumAge`; empty when there is none.
    public static func lockCycle(_ waits: [HangTick.ThreadWait], now: Double, minimumAge: Double) -> [UInt64] {
        var next: [UInt64: UInt64] = [:]
        for wait in waits where wait.forever && now - wait.since >= minimumAge {
            if let owner = wait.owner, owner != wait.thread { next[wait.thread] = owner }
        }
        var inCycle: Set<UInt64> = []
        for start in next.keys.sorted() {
            var path: [UInt64] = []
            var current = start
            while let following = next[current], !path.contains(current) {
                path.append(current)
                current = following
            }
            if let index = path.firstIndex(of: current) { inCycle.formUnion(path[index...]) }
        }
        return inCycle.sorted()
    }
}
