/// One asyncio task still pending when the target was stopped (docs/schema/findings.schema.json).
public struct TaskReport: Codable, Sendable, Equatable {
    public var name: String
    /// The thread running its loop.
    public var thread: String?
    /// The line it waits at.
    public var site: SourceSite?
    /// Where it was created.
    public var created: SourceSite?
    /// What it waits for, in words.
    public var waitsFor: String?
    /// Its coroutine chain, innermost first.
    public var stack: [StackFrame]

    public init(name: String, thread: String?, site: SourceSite?, created: SourceSite?, waitsFor: String?,
                stack: [StackFrame]) {
        self.name = name
        self.thread = thread
        self.site = site
        self.created = created
        self.waitsFor = waitsFor
        self.stack = stack
    }

    enum CodingKeys: String, CodingKey { case name, thread, site, created, waitsFor = "waits_for", stack }
}
