import Foundation
import Testing

@testable import PyInspectCore

/// The pure parts of issue 14's process handling: the multiprocessing deadlock decision, the killed-leftovers
/// diagnostic, the roles of children's stacks.
@Suite struct ProcessTreeAnalysisTests {
    @Test func aConfirmedProcessDeadlockIsTheDecisionAtOnce() {
        var watch = HangWatch()
        #expect(watch.observe(HangTick(t: 1, progress: 0)) == nil)
        #expect(watch.observe(HangTick(t: 1.05, progress: 0, processes: [])) == nil)
        let decision = watch.observe(HangTick(t: 1.1, progress: 0, processes: [42, 7]))
        #expect(decision == HangDecision(loops: [], threads: [], seconds: 0, processes: [7, 42]))
    }

    @Test func aTickWithoutProcessesDecodesAsBefore() throws {
        let tick = try JSONDecoder().decode(HangTick.self, from: Data(#"{"t": 1, "progress": 0, "loops": [], "waits": []}"#.utf8))
        #expect(tick.processes == nil)
    }

    @Test func leftoversAreAWarningWhenTheTargetEndedAndANoteWhenItWasStopped() throws {
        let killed = (1...7).map { LeftoverProcess(pid: Int32(100 + $0), command: "python3 -c work\n\($0)") }
        let ended = try #require(LeftoverDiagnostic.diagnostic(outcome: ChildOutcome(ending: .exited(0), wallSeconds: 1, killedDescendants: killed)))
        #expect(ended.level == .warning)
        #expect(ended.message.hasPrefix("7 processes of the target's tree were still running after the target ended"))
        #expect(ended.message.contains("101 (python3 -c work\\x0a1)"))  // one line: control characters escaped
        #expect(ended.message.hasSuffix("and 2 more"))
        let stopped = try #require(LeftoverDiagnostic.diagnostic(outcome: ChildOutcome(ending: .exited(124), wallSeconds: 1, killedDescendants: [killed[0]])))
        #expect(stopped.level == .note)
        #expect(stopped.message.hasPrefix("1 process of the target's tree was still running when pyinspect stopped the target"))
        #expect(LeftoverDiagnostic.diagnostic(outcome: ChildOutcome(ending: .exited(0), wallSeconds: 1)) == nil)
    }

    @Test func childRolesFromFramesThenCommandLine() {
        let poolFrames = [StackFrame(file: "/usr/lib/python3.11/multiprocessing/pool.py", line: 125, function: "worker")]
        #expect(ChildStacks.role(frames: poolFrames) == "multiprocessing pool worker")
        #expect(ChildStacks.role(frames: [StackFrame(file: "x.py", line: 1, function: "worker")]) == nil)
        #expect(ChildStacks.role(command: "/p/pyinspect-python -c from multiprocessing.spawn import spawn_main; spawn_main() --multiprocessing-fork", targetCommand: nil) == "multiprocessing worker")
        #expect(ChildStacks.role(command: "pyinspect run t.py", targetCommand: "pyinspect run t.py") == "fork of the target")
        #expect(ChildStacks.role(command: "/bin/sleep 600", targetCommand: "pyinspect run t.py") == nil)
    }
}
