import FoundationEssentials
import Glibc

/// The allocations part of the terminal summary: the totals, then the lines that held most at the peak.
public enum AllocationSummary {
    public static func lines(_ section: AllocationSection, limit: Int = 8) -> [String] {
        let how = section.exact ? "every allocation" : "sampled every \(formatBytes(Int64(section.sampleBytes)))"
        var lines = ["  allocations (\(how)): peak \(formatBytes(section.peakBytes)), "
            + "\(formatBytes(section.allocatedBytes)) allocated, \(formatBytes(section.liveBytesAtExit)) still allocated at exit"]
        if section.sites.isEmpty { return lines }
        lines.append("    at peak     at exit   allocated  site")
        for site in section.sites.prefix(limit) {
            let place = "\(PathText.lastComponent(site.file)):\(site.line) \(site.function)"
            lines.append("    \(formatBytes(site.peakBytes).leftPad(9))  \(formatBytes(site.liveBytesAtExit).leftPad(9))  "
                + "\(formatBytes(site.allocatedBytes).leftPad(9))  \(place)\(site.library ? " (library)" : "")")
        }
        if section.siteCount > limit {
            lines.append("    … \(section.siteCount - limit) more sites in the JSON report")
        }
        return lines
    }
}
