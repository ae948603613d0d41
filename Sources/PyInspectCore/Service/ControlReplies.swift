/// The control socket's reply lines: `{"ok": true, "<command>": {...}}` or `{"ok": false, "error": "..."}`.
enum ControlReplies {
    static func quoted(_ text: String) -> String { (try? HelperJSONEncoder.encode(text)) ?? "\"\"" }

    static func error(_ message: String, extra: String = "") -> String {
        "{\"ok\":false,\"error\":\(quoted(message))\(extra.isEmpty ? "" : "," + extra)}\n"
    }

    static func ok(_ key: String, json body: String) -> String {
        "{\"ok\":true,\"\(key)\":\(body)}\n"
    }

    static func ok<Body: Encodable>(_ key: String, _ body: Body) -> String {
        guard let text = try? HelperJSONEncoder.encode(body) else { return error("cannot encode the \(key) reply") }
        return ok(key, json: text)
    }
}
