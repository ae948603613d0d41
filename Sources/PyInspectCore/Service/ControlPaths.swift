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
