import FoundationEssentials
import Testing

@testable import PyInspectCore

/// What stands in for Foundation (String(format:), NSString paths, trimming) and for JSONDecoder on the capture
/// (CaptureJSON/CaptureDecoder) gives the results the replaced calls gave.
@Suite struct FoundationReplacementTests {
    @Test func stringFormatCoversTheReportsConversions() {
        #expect(String(format: "%.1f %@", 2.25, "MiB") == "2.2 MiB")
        #expect(String(format: "%@ held %.0f%%", "worker-1", 87.6) == "worker-1 held 88%")
        #expect(String(format: "%7.2fx|%-6.1f|%10.2f", 1.5, 2.0, 3.14159) == "   1.50x|2.0   |      3.14")
        #expect(String(format: "%llu threads, %d left", UInt64(18_446_744_073_709_551_615), 3)
            == "18446744073709551615 threads, 3 left")
        #expect(String(format: "no conversions") == "no conversions")
        #expect(String(format: "%@ — é %@", "ä", "ü") == "ä — é ü")
        let long = String(repeating: "x", count: 300)
        #expect(String(format: "[%@]", long) == "[" + long + "]")
    }

    @Test func pathsAreHandledAsNSStringDid() {
        #expect(PathText.deletingLastComponent("/a/b/c") == "/a/b")
        #expect(PathText.deletingLastComponent("/a/b/") == "/a")
        #expect(PathText.deletingLastComponent("/a") == "/")
        #expect(PathText.deletingLastComponent("a") == "")
        #expect(PathText.lastComponent("/x/y/prog.py") == "prog.py")
        #expect(PathText.lastComponent("prog.py") == "prog.py")
        #expect(PathText.standardizing("/a/./b/../c//d/") == "/a/c/d")
        #expect(PathText.standardizing("/../a") == "/a")
        #expect(PathText.appending("out/../r.json", to: "/home/u") == "/home/u/r.json")
        #expect("  \tkeep me \t".trimmingSpaces() == "keep me")
        #expect("ab".padded(toLength: 4) == "ab  " && "abcdef".padded(toLength: 4) == "abcd")
    }

    struct Sample: Codable, Equatable {
        var name: String
        var ident: UInt64
        var count: Int?
        var ratio: Double
        var flags: [Bool]
        var nested: [String: [Int]]
        var missing: String?
        var escaped: String
    }

    @Test func captureDecoderAgreesWithJSONDecoder() throws {
        let line = #"{"name":"w\u00e9\"1\n","ident":18446744073709551615,"count":null,"ratio":2,"#
            + #""flags":[true,false],"nested":{"a":[1,2],"b":[]},"escaped":"\ud83d\ude00 \/ \\ \t"}"#
        let parsed = try #require(CaptureJSON.parse(ArraySlice(line.utf8)))
        let ours = try CaptureDecoder.decode(Sample.self, from: parsed)
        let theirs = try JSONDecoder().decode(Sample.self, from: Data(line.utf8))
        #expect(ours == theirs)
        #expect(ours.ident == UInt64.max)
        #expect(ours.escaped == "😀 / \\ \t")
        #expect(parsed.jsonValue == (try JSONDecoder().decode(JSONValue.self, from: Data(line.utf8))))
    }

    @Test func captureDecoderRefusesWhatJSONDecoderRefuses() {
        #expect(CaptureJSON.parse(ArraySlice("not json".utf8)) == nil)
        #expect(CaptureJSON.parse(ArraySlice(#"{"a":1"#.utf8)) == nil)
        #expect(CaptureJSON.parse(ArraySlice(#"{"a":1} x"#.utf8)) == nil)
        #expect(CaptureJSON.parse(ArraySlice("{\"a\":\"tab\u{09}inside\"}".utf8)) == nil)
        let fraction = CaptureJSON.parse(ArraySlice(#"{"name":"a","ident":1.5,"ratio":1,"flags":[],"nested":{},"escaped":""}"#.utf8))
        #expect(fraction != nil)
        #expect((try? CaptureDecoder.decode(Sample.self, from: fraction ?? .null)) == nil)
        let missing = CaptureJSON.parse(ArraySlice(#"{"name":"a"}"#.utf8))
        #expect((try? CaptureDecoder.decode(Sample.self, from: missing ?? .null)) == nil)
    }

    @Test func captureLinesAreReadAsBefore() throws {
        var capture = RunCapture()
        let lines = [
            #"{"record":"start","pid":100,"python":null,"main_thread_ident":140000000000123}"#,
            #"{"record":"host_thread","name":"pyinspect-hang-monitor","native_id":101,"pid":100}"#,
            #"{"record":"target_action","action":"os.fork","pid":100}"#,
            #"{"record":"end","pid":200,"reason":"exit","threads":[],"exception":null}"#,
            #"{"record":"end","pid":"x","reason":"exit","threads":[],"exception":null}"#,
            #"{"record":"end","pid":100,"reason":"exit","threads":[],"exception":null}"#,
            #"{"record":"future_kind","pid":100,"anything":[1,{"b":null}]}"#,
            "[1,2]",
        ]
        for line in lines { capture.absorb(line: ArraySlice(line.utf8)) }
        #expect(capture.started && capture.pid == 100 && capture.mainThreadIdent == 140_000_000_000_123)
        #expect(capture.hostThreads == [101: "pyinspect-hang-monitor"])
        #expect(capture.targetActions == ["os.fork"])
        #expect(capture.foreignRecords == 1)
        #expect(capture.unreadableLines == 2)
        #expect(capture.end?.reason == "exit")
        #expect(capture.rawRecords.count == 5)
        #expect(capture.rawRecords.last?["anything"] == .array([.number(1), .object(["b": .null])]))
    }
}

@Suite struct HelperJSONEncoderTests {
    struct Argument: Codable, Equatable {
        struct Target: Codable, Equatable {
            var kind: String
            var value: String
        }
        var capture: String
        var target: Target
        var multiprocessing_executable: String?
        var hangs: Bool
        var count: Int
        var ratio: Double
        var list: [Int]
    }

    @Test func encodesWhatJSONDecoderReadsBackTheSame() throws {
        let argument = Argument(
            capture: "/tmp/x \"q\" \\ \n\u{01}é", target: .init(kind: "code", value: "print('/')"),
            multiprocessing_executable: nil, hangs: true, count: -3, ratio: 0.25, list: [1, 2])
        let text = try HelperJSONEncoder.encode(argument)
        #expect(!text.contains("multiprocessing_executable"))
        #expect(text.contains(#""capture":"/tmp/x \"q\" \\ \n\u0001é""#))
        #expect(try JSONDecoder().decode(Argument.self, from: Data(text.utf8)) == argument)
    }
}
