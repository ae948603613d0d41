import PyInspectCore
import Testing

@Suite struct FaultHandlerDumpTests {
    @Test func parsesThreadsAndFramesCurrentThreadFirst() {
        let text = """
            Thread 0x00007f1c2b7fe6c0 (most recent call first):
              File "/tmp/t.py", line 3 in spin
              File "/usr/lib/python3.11/threading.py", line 975 in run

            Current thread 0x00007f1c2c96b740 (most recent call first):
              File "<string>", line 9 in <module>
            """
        let stacks = FaultHandlerDump.parse(text, names: [0x7f1c2c96b740: "MainThread"])
        // The current thread (the one a fatal signal hit) comes first.
        #expect(stacks.count == 2)
        #expect(stacks[0].name == "MainThread")
        #expect(stacks[0].frames == [StackFrame(file: "<string>", line: 9, function: "<module>")])
        #expect(stacks[1].name == "thread-\(0x7f1c2b7fe6c0)")
        #expect(stacks[1].frames.first == StackFrame(file: "/tmp/t.py", line: 3, function: "spin"))
    }

    @Test func dropsPyinspectsOwnFramesAndKeepsOrderWithoutCurrentThread() {
        let text = """
            Fatal signal 15
            Thread 0x0000000000000002 (most recent call first):
              File "/usr/lib/python3.11/threading.py", line 320 in wait
              File "/opt/pyinspect/pyscripts/pyinspect/threads.py", line 41 in tracked
            Thread 0x0000000000000001 (most recent call first):
              File "/tmp/t.py", line 7 in main
            """
        let stacks = FaultHandlerDump.parse(text, names: [1: "MainThread"])
        #expect(stacks.map(\.name) == ["thread-2", "MainThread"])
        #expect(stacks[0].frames == [StackFrame(file: "/usr/lib/python3.11/threading.py", line: 320, function: "wait")])
    }

    @Test func ignoresGarbage() {
        #expect(FaultHandlerDump.parse("nothing here\nFile \"x\", line").isEmpty)
    }
}
