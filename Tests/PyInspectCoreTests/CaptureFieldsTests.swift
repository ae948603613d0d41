import FoundationEssentials
import Testing

@testable import PyInspectCore

/// The records every run writes are read field by field (CaptureFields, for start-up); they must read exactly what
/// the Decodable path (CaptureDecoder) reads, and refuse what it refuses.
struct CaptureFieldsTests {
    private func parsed(_ text: String) throws -> CaptureJSON {
        try #require(CaptureJSON.parse(ArraySlice(text.utf8)))
    }

    @Test func endRecordReadsAsDecodable() throws {
        let line = #"""
            {"record":"end","reason":"exit","gc":{"collections":[3,1,0],"collected":12,"uncollectable":0,\#
            "pause_total_s":0.0012,"pause_max_s":4e-4,"enabled_at_end":true},"threads":[{"name":"MainThread",\#
            "ident":140213394859840,"native_id":77,"daemon":false,"started_s":0.0,"ended_s":null},{"name":"w"}],\#
            "exception":{"type":"ValueError","module":"builtins","message":"bad","stack":[{"file":"t.py","line":3,\#
            "function":"<module>"},{"file":"u.py","line":7.0,"function":"f","code":"raise"}]},\#
            "instruments":{"start":{"gc_enabled":true,"gc_callback":true,"tracemalloc":false,"profile":false,\#
            "trace":false,"stdout_replaced":false,"stderr_replaced":false,"closed_fds":[],"cwd":"/tmp",\#
            "signal_handlers":["SIGINT (ignored)"]},"end":{"gc_enabled":false,"closed_fds":[2],"cwd":null}},"pid":9}
            """#
        let value = try parsed(line)
        let fieldByField = try RunCapture.EndRecord(capture: value)
        #expect(fieldByField == (try CaptureDecoder.decode(RunCapture.EndRecord.self, from: value)))
        #expect(fieldByField.threads.count == 2 && fieldByField.threads[0].ident == 140_213_394_859_840)
        #expect(fieldByField.exception?.stack?.last?.line == 7)
        #expect(fieldByField.instruments?.end?.closedFds == [2] && fieldByField.instruments?.end?.cwd == nil)
    }

    @Test func startAndHostThreadRecordsAreRead() throws {
        var capture = RunCapture()
        capture.absorb(line: ArraySlice(#"""
            {"record":"start","python":{"version":"3.11.2","implementation":"cpython","executable":"/x",\#
            "prefix":"/usr","base_prefix":"/usr","virtualenv":false},"main_thread_ident":18446744073709551615,"pid":41}
            """#.utf8))
        capture.absorb(line: ArraySlice(#"{"record":"host_thread","name":"pyinspect-hangs","native_id":42,"pid":41}"#.utf8))
        capture.absorb(line: ArraySlice(#"{"record":"thread_started","thread":{"name":"T","ident":5},"pid":41}"#.utf8))
        #expect(capture.started && capture.pid == 41 && capture.mainThreadIdent == UInt64.max)
        #expect(capture.python?.version == "3.11.2" && capture.python?.virtualenv == false)
        #expect(capture.hostThreads == [42: "pyinspect-hangs"])
        #expect(capture.startedThreads.map(\.name) == ["T"] && capture.startedThreads.first?.ident == 5)
        #expect(capture.unreadableLines == 0)
    }

    @Test func refusesWhatDecodableRefuses() throws {
        let refused = [
            #"{"reason":"exit"}"#,  // threads missing
            #"{"reason":"exit","threads":null}"#,  // required and null
            #"{"reason":1,"threads":[]}"#,  // wrong type
            #"{"reason":"exit","threads":[{"name":"a","ident":-1}]}"#,  // does not fit UInt64
            #"{"reason":"exit","threads":[{"name":"a","ident":1.5}]}"#,  // not whole
            #"{"reason":"exit","threads":[],"gc":{"collections":[1],"collected":0}}"#,  // gc fields missing
            #"["reason"]"#,
        ]
        for text in refused {
            let value = try parsed(text)
            #expect((try? RunCapture.EndRecord(capture: value)) == nil, "\(text)")
            #expect((try? CaptureDecoder.decode(RunCapture.EndRecord.self, from: value)) == nil, "\(text)")
        }
        var capture = RunCapture()
        capture.absorb(line: ArraySlice(#"{"record":"end","reason":"exit","pid":3}"#.utf8))
        #expect(capture.end == nil && capture.unreadableLines == 1)
    }
}
