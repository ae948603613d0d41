import Foundation
import Testing

/// pyinspect's own threads inside the target (control server, hang monitor, GIL watcher, profiler) must block the
/// target's asynchronous signals: a Ctrl-C the kernel handed to one of them never woke the target's main thread
/// from its read (host_thread_start.c).
@Suite struct HostThreadSignalTests {
    /// Prints, for every thread of the target that is not the main thread, its name and whether it blocks SIGINT.
    static let program = """
        import os, threading, time
        time.sleep(0.3)  # the monitors have started
        main = threading.get_native_id()
        for tid in sorted(os.listdir("/proc/self/task")):
            if int(tid) == main:
                continue
            with open(f"/proc/self/task/{tid}/status") as status:
                fields = dict(line.split(":", 1) for line in status.read().splitlines() if ":" in line)
            blocked = int(fields["SigBlk"].strip(), 16) >> 1 & 1
            print("thread", fields["Name"].strip(), "blocks-SIGINT" if blocked else "takes-SIGINT")
        """

    @Test func everyHostThreadBlocksSIGINT() throws {
        let result = try BinaryHarness.run(["run", "--gil", "--profile", "-c", Self.program], json: false)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").filter { $0.hasPrefix("thread ") }
        // The control server's two threads, the profiler, the GIL watcher: at least the first three.
        #expect(lines.count >= 3, "\(result.stdout)")
        #expect(lines.allSatisfy { $0.hasSuffix("blocks-SIGINT") }, "\(result.stdout)")
    }

    @Test func aTargetsOwnThreadsKeepTheirMask() throws {
        let program = """
            import os, threading
            done = threading.Event()
            worker = threading.Thread(target=done.wait)
            worker.start()
            with open(f"/proc/self/task/{worker.native_id}/status") as status:
                mask = [line for line in status if line.startswith("SigBlk")][0].split()[1]
            print("worker blocks SIGINT" if int(mask, 16) >> 1 & 1 else "worker takes SIGINT")
            done.set()
            worker.join()
            """
        let result = try BinaryHarness.run(["run", "-c", program], json: false)
        #expect(result.stdout.contains("worker takes SIGINT"), "\(result.stdout) \(result.stderr)")
    }
}
