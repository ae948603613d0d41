import Glibc

/// `pyinspect run`'s side of the control socket: made before the fork (pyinspect is still single-threaded), so
/// the target inherits a socket that already listens, and removed when the target has ended.
enum ControlListener {
    struct Listening {
        var fd: Int32
        var path: String
    }

    /// The listening socket; nil when the default socket could not be made (the run goes on without one);
    /// a failure status when the `--control PATH` the user asked for cannot be used (one line on stderr).
    static func open(for request: RunRequest) -> Result<Listening?, StatusFailure> {
        let explicit = request.controlPath.map { absolutePath($0) }
        let path = explicit ?? ControlPaths.defaultSocket(pyinspectPid: getpid())
        if let problem = ControlPaths.prepareDirectory(for: path) {
            guard explicit != nil else { return .success(nil) }
            writeError("--control: \(problem)")
            return .failure(StatusFailure(status: ExitStatus.usage))
        }
        if explicit == nil { ControlPaths.removeStaleSockets(in: PathText.deletingLastComponent(path)) }
        do {
            return .success(Listening(fd: try ControlSocket.listen(at: path), path: path))
        } catch {
            guard explicit != nil else { return .success(nil) }
            writeError("--control: \(error)")
            return .failure(StatusFailure(status: ExitStatus.usage))
        }
    }

    static func close(fd: Int32, path: String?) {
        guard fd >= 0, let path else { return }
        Glibc.close(fd)
        var status = stat()
        if lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFSOCK { unlink(path) }
    }

    struct StatusFailure: Error {
        var status: Int32
    }
}
