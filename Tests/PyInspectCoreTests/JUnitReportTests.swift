import PyInspectCore
import Testing

@Suite struct JUnitReportTests {
    @Test func cleanRunPassesOthersFailWithTheirVerdict() {
        var clean = Report(command: "run", verdict: .clean, exitStatus: 0)
        clean.target = TargetInfo(kind: "script", value: "app.py", arguments: [])
        clean.wallS = 1.5
        var failed = Report(command: "run", verdict: .timeout, exitStatus: 124)
        failed.target = TargetInfo(kind: "module", value: "svc", arguments: [])
        let xml = JUnitReport.render(
            suite: "pyinspect run", cases: [JUnitReport.testCase(for: clean), JUnitReport.testCase(for: failed)])
        #expect(xml.contains(#"<testsuites tests="2" failures="1""#))
        #expect(xml.contains(#"<testcase classname="pyinspect.run" name="app.py" time="1.500"/>"#))
        #expect(xml.contains(#"name="-m svc""#))
        #expect(xml.contains(#"<failure message="timeout: stopped at the timeout"#))
    }

    @Test func targetTextIsEscaped() {
        #expect(JUnitReport.escape(#"<script>alert("x") & 'y'</script>"#)
            == "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;")
        #expect(JUnitReport.escape("bell\u{07}null\u{00}") == "bell\u{FFFD}null\u{FFFD}")
    }
}
