import PyInspectCore
import Testing

@Suite struct FaultHandlerDumpTests {
    @Test func parsesThreadsAndFrames() {
        let text = """
            Thread 0x00007f1c2b7fe6c0 (most recent call first):
              File "/tmp/t.py", line 3 in spin
              File "/usr/lib/python3.11/threading.py", line 975 in run

            Current thread 0x00007f1c2c96b740 (most recent call first):
              File "<string>", line 9 in <module>
            """
        let stacks = FaultHandlerDump.parse(text, names: [0x7f1c2c96b740: "MainThread"])
        #expect(stacks.count == 2)
        #expect(stacks[0].name == "thread-\(0x7f1c2b7fe6c0)")
        #expect(stacks[0].frames.first == StackFrame(file: "/tmp/t.py", line: 3, function: "spin"))
        #expect(stacks[1].name == "MainThread")
        #expect(stacks[1].frames == [StackFrame(file: "<string>", line: 9, function: "<module>")])
    }

    @Test func ignoresGarbage() {
        #expect(FaultHandlerDump.parse("nothing here\nFile \"x\", line").isEmpty)
    }
}
