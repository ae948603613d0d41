extension String {
    /// Right-aligned in a column of `width` characters (never cut), for the terminal summaries' tables.
    func leftPad(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
