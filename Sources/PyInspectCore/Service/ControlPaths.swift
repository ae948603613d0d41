import Glibc

/// Where control sockets live. `run --control PATH` uses PATH; without it, the socket is
/// `<runtime dir>/pyinspect-<pyinspect's pid>.sock`, the runtime directory being $XDG_RUNTIME_DIR, else
/// /tmp/pyinspect-<uid>/ (created mode 0700). Clients name a target by that path or by pyinspect's pid.
public enum ControlPaths {
    public static func runtimeDirectory() -> String {
        if let runtime = environmentValue("XDG_RUNTIME_DIR"), runtime.hasPrefix("/") { return runtime }
        return "/tmp/pyinspect-\(getuid())"
    }

    public static func defaultSocket(pyinspectPid: Int32) -> String {
        runtimeDirectory() + "/pyinspect-\(pyinspectPid).sock"
    }

    /// The pyinspect pid a default socket's name carries (`pyinspect-<pid>.sock`); nil for any other name.
    public static func pyinspectPid(ofSocket path: String) -> Int32? {
        let name = PathText.lastComponent(path)
        guard name.hasPrefix("pyinspect-"), name.hasSuffix(".sock") else { return nil }
        let digits = name.dropFirst("pyinspect-".count).dropLast(".sock".count)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int32(digits)
    }

    /// True when `path` is a default socket left by a pyinspect that no longer runs (killed with SIGKILL: nothing
    /// ran to remove it): its pid is gone and nobody accepts on it.
    public static func isStale(_ path: String) -> Bool {
        guard let pid = pyinspectPid(ofSocket: path), pid > 0, kill(pid, 0) != 0, errno == ESRCH else { return false }
        var status = stat()
        guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFSOCK, status.st_uid == getuid() else {
            return false
        }
        if let fd = try? ControlSocket.connect(to: path) {
            close(fd)
            return false
        }
        return true
    }

    /// Removes the stale default sockets in `directory` (isStale); returns their paths. `run` sweeps its runtime
    /// directory before making its own socket, so sockets of killed runs do not pile up.
    @discardableResult
    public static func removeStaleSockets(in directory: String) -> [String] {
        var removed: [String] = []
        for name in directoryEntryNames(directory) ?? [] where name.hasPrefix("pyinspect-") && name.hasSuffix(".sock") {
            let path = directory + "/" + name
            if isStale(path), unlink(path) == 0 { removed.append(path) }
        }
        return removed
    }

    /// A client's TARGET: digits are a pyinspect pid, anything else a socket path.
    public static func socket(forTarget target: String) -> String {
        if !target.isEmpty, target.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let pid = Int32(target) {
            return defaultSocket(pyinspectPid: pid)
        }
        return target
    }

    /// Makes /tmp/pyinspect-<uid> if it is the runtime directory, then checks that only this user can enter
    /// the directory that will hold `socketPath`. nil when fine, else the one-line reason.
    public static func prepareDirectory(for socketPath: String) -> String? {
        let directory = PathText.deletingLastComponent(socketPath)
        let ownDefault = "/tmp/pyinspect-\(getuid())"
        if directory == ownDefault, access(directory, F_OK) != 0, mkdir(directory, 0o700) != 0, errno != EEXIST {
            return "cannot create \(directory): \(String(cString: strerror(errno)))"
        }
        var status = stat()
        guard lstat(directory.isEmpty ? "." : directory, &status) == 0 else {
            return "cannot use \(directory) for the control socket: \(String(cString: strerror(errno)))"
        }
        guard (status.st_mode & S_IFMT) == S_IFDIR else { return "\(directory) is not a directory" }
        guard status.st_uid == getuid() else {
            return "\(directory) belongs to another user: the control socket needs a directory of its own user"
        }
        guard status.st_mode & 0o077 == 0 else {
            return "\(directory) can be entered by other users (mode \(String(status.st_mode & 0o777, radix: 8))): "
                + "put the control socket in a directory only you can enter (mode 0700)"
        }
        return nil
    }
}
