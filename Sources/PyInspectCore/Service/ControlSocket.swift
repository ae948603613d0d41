import CPythonShim
import Glibc

/// The control socket's system calls: a Unix stream socket, one JSON request line in, one JSON reply line out.
/// Listening happens in pyinspect before it forks the target (single-threaded), so the target inherits a ready
/// descriptor; the target's server thread accepts on it.
public enum ControlSocket {
    /// Longest request line accepted, newline included.
    public static let maxRequestBytes = 4096
    /// Longest reply a client reads.
    public static let maxReplyBytes = 64 << 20
    /// Seconds a connected client may take to send its request.
    static let requestTimeoutSeconds = 2

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        /// errno of the call that failed.
        public var code: Int32
    }

    private static func failure(_ what: String) -> Failure {
        Failure(description: "\(what): \(String(cString: strerror(errno)))", code: errno)
    }

    private static func address(_ path: String) throws -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else {
            throw Failure(description: "socket path longer than \(capacity - 1) bytes: \(path)", code: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (offset, byte) in bytes.enumerated() { raw[offset] = byte }
        }
        return address
    }

    /// Binds and listens at `path` (mode 0600). A stale socket nobody answers on is replaced; a live one is not.
    /// The descriptor is moved near the top of the descriptor range (the target's own files keep the numbers
    /// they would get under python3) and is close-on-exec.
    public static func listen(at path: String) throws -> Int32 {
        var address = try address(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("cannot create the control socket") }
        var stale = stat()
        if lstat(path, &stale) == 0 {
            if (stale.st_mode & S_IFMT) == S_IFSOCK, (try? connect(to: path)).map({ close($0) }) == nil {
                unlink(path)
            } else {
                close(fd)
                throw Failure(description: "\(path) exists (another pyinspect's control socket?)", code: EEXIST)
            }
        }
        let oldMask = umask(0o177)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        umask(oldMask)
        guard bound == 0 else {
            let error = failure("cannot bind the control socket \(path)")
            close(fd)
            throw error
        }
        chmod(path, 0o600)
        guard Glibc.listen(fd, 16) == 0 else {
            let error = failure("cannot listen on \(path)")
            close(fd)
            unlink(path)
            throw error
        }
        return outOfTheWay(fd)
    }

    static func outOfTheWay(_ fd: Int32) -> Int32 {
        for floor: Int32 in [960, 200] {
            let moved = fcntl(fd, F_DUPFD_CLOEXEC, floor)
            if moved >= 0 {
                close(fd)
                return moved
            }
        }
        return fd
    }

    public static func connect(to path: String) throws -> Int32 {
        var address = try address(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("cannot create a socket") }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let error = failure("cannot connect to \(path)")
            close(fd)
            throw error
        }
        return fd
    }

    /// The connected peer's uid (SO_PEERCRED), nil if unknown.
    static func peerUid(_ fd: Int32) -> uid_t? {
        var uid = uid_t()
        return pyi_control_peer_uid(fd, &uid) == 0 ? uid : nil
    }

    static func setReceiveTimeout(_ fd: Int32, seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    public enum LineRead: Equatable {
        case line([UInt8])
        case tooLong
        case closed
    }

    /// Reads up to the first newline, at most `limit` bytes (the newline excluded from the result).
    public static func readLine(_ fd: Int32, limit: Int) -> LineRead {
        var collected: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while collected.count <= limit {
            let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0, errno == EINTR { continue }
            if got <= 0 { return collected.isEmpty ? .closed : .line(collected) }
            if let newline = chunk[0..<got].firstIndex(of: 0x0A) {
                collected.append(contentsOf: chunk[0..<newline])
                return collected.count < limit ? .line(collected) : .tooLong
            }
            collected.append(contentsOf: chunk[0..<got])
        }
        return .tooLong
    }

    /// Everything until the peer closes, at most `limit` bytes.
    public static func readAll(_ fd: Int32, limit: Int) -> [UInt8] {
        var collected: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while collected.count < limit {
            let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0, errno == EINTR { continue }
            if got <= 0 { break }
            collected.append(contentsOf: chunk[0..<got])
        }
        return collected
    }

    /// Writes all of `text`; false if the peer went away. MSG_NOSIGNAL: a client that left is no SIGPIPE.
    @discardableResult
    public static func send(_ fd: Int32, _ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0, errno == EINTR { continue }
            if sent <= 0 { return false }
            bytes = bytes.dropFirst(sent)
        }
        return true
    }
}
