import Glibc

/// The terminal's mode while `pyinspect top` draws: keys arrive one at a time, unechoed, and Ctrl-C is a key
/// (ISIG off) so that quitting always goes through `restore`. The saved mode is put back on every way out.
final class TerminalMode {
    private var saved = termios()
    private(set) var active = false

    /// Raw keys on stdin; false (nothing changed) when stdin is not a terminal.
    func enterRawKeys() -> Bool {
        guard isatty(STDIN_FILENO) == 1, tcgetattr(STDIN_FILENO, &saved) == 0 else { return false }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG)
        withUnsafeMutableBytes(of: &raw.c_cc) { bytes in
            bytes[Int(VMIN)] = 1
            bytes[Int(VTIME)] = 0
        }
        guard tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0 else { return false }
        active = true
        return true
    }

    func restore() {
        guard active else { return }
        var mode = saved
        tcsetattr(STDIN_FILENO, TCSANOW, &mode)
        active = false
    }

    /// Columns of the terminal on stdout (100 when unknown).
    static func columns() -> Int {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 100 }
        return Int(size.ws_col)
    }
}
