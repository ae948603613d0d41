import FoundationEssentials
import Glibc

/// JUnit XML for CI systems (`--junit FILE`): one test suite per command, one test case per target (or per
/// pytest test), failed when the verdict is anything but clean. Everything from the target is XML-escaped.
public enum JUnitReport {
    /// One test case: a name, its verdict and the text a CI page shows for a failure.
    public struct Case: Equatable, Sendable {
        public var name: String
        public var className: String
        public var seconds: Double
        public var failure: String?
        public var failureDetail: String
        public init(name: String, className: String, seconds: Double, failure: String?, failureDetail: String = "") {
            self.name = name
            self.className = className
            self.seconds = seconds
            self.failure = failure
            self.failureDetail = failureDetail
        }
    }

    /// The case for one report: passes on a clean verdict only.
    public static func testCase(for report: Report) -> Case {
        let name = report.target.map { target -> String in
            switch target.kind {
            case "module": return "-m \(target.value)"
            case "code": return "-c \(target.value.prefix(60))"
            default: return target.value
            }
        } ?? report.command
        let clean = report.verdict == .clean
        var detail = RunSummary.render(report)
        if let stack = report.stacks?.first {
            detail += stack.frames.prefix(20).map { "  \($0.file):\($0.line) in \($0.function)" }.joined(separator: "\n")
        }
        return Case(
            name: name, className: "pyinspect.\(report.command)", seconds: report.wallS ?? 0,
            failure: clean ? nil : "\(report.verdict.rawValue): \(RunSummary.describeEnd(report))",
            failureDetail: detail)
    }

    public static func render(suite: String, cases: [Case]) -> String {
        let failures = cases.filter { $0.failure != nil }.count
        let total = cases.reduce(0) { $0 + $1.seconds }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites tests=\"\(cases.count)\" failures=\"\(failures)\" time=\"\(format(total))\">\n"
        xml += "  <testsuite name=\"\(escape(suite))\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"0\" time=\"\(format(total))\">\n"
        for testCase in cases {
            xml += "    <testcase classname=\"\(escape(testCase.className))\" name=\"\(escape(testCase.name))\" time=\"\(format(testCase.seconds))\""
            if let failure = testCase.failure {
                xml += ">\n      <failure message=\"\(escape(failure))\">\(escape(testCase.failureDetail))</failure>\n    </testcase>\n"
            } else {
                xml += "/>\n"
            }
        }
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
    }

    public static func write(suite: String, cases: [Case], to path: String) throws {
        try Data(render(suite: suite, cases: cases).utf8).write(to: URL(fileURLWithPath: path))
    }

    /// XML text and attribute escaping: HTMLEscaping's rules (valid XML too), and the characters XML 1.0
    /// cannot carry at all (most controls, unpaired surrogates, U+FFFE/U+FFFF) become U+FFFD.
    public static func escape(_ text: String) -> String {
        var out = ""
        for scalar in HTMLEscaping.text(text).unicodeScalars {
            let value = scalar.value
            let allowed = value >= 0x20 || value == 0x09 || value == 0x0A || value == 0x0D
            out.unicodeScalars.append(allowed && value != 0xFFFE && value != 0xFFFF ? scalar : "\u{FFFD}")
        }
        return out
    }

    private static func format(_ seconds: Double) -> String { String(format: "%.3f", seconds) }
}
