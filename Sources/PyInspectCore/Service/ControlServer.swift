import CPythonShim
import FoundationEssentials
import Glibc

/// In the target process: serves the control socket (`run --control`). Two native threads of the host,
/// announced (HostThread) so reports keep them out of the target's figures:
/// - the server accepts, checks the peer (SO_PEERCRED: only the target's own uid), reads one request line and
///   replies; it never takes the GIL, so it answers while a C call holds it;
/// - the worker, with a thread state kept for its life (host_thread_state.c), takes the GIL for the request's
///   bounded snapshot (service.py). When it cannot get the GIL within `gilWaitSeconds` the server answers that the
///   target holds the GIL, for how long and in which thread and stack, instead of hanging.
/// Thread-safety: the server owns its descriptors and GIL watch; the two threads share only `ControlJobSlot`.
enum ControlServer {
    static let gilWaitSeconds = 1.0
    static let jobSeconds = 300.0
    /// How often the idle server looks at who holds the GIL, to say how long a C call has held it.
    static let holderPollMilliseconds: Int32 = 250

    /// What a lazy start needs; set by `arm`, taken by the first start (callers hold the GIL, which serialises them).
    nonisolated(unsafe) private static var armed: (listenFD: Int32, path: String, helper: PythonHelper, capturePath: String)?

    /// The default socket: no thread until a client connects (control_lazy.c says how that is noticed), so a run
    /// nobody connects to keeps glibc's single-threaded fast paths. If the signal cannot be armed, starts at once.
    static func arm(listenFD: Int32, path: String, helper: PythonHelper, capturePath: String) {
        pyi_control_remove_at_exit(path)
        armed = (listenFD, path, helper, capturePath)
        if pyi_control_arm_lazy(listenFD, { ControlServer.startArmed() }) != 0 { startArmed() }
    }

    /// Starts an armed server now: pyinspect is starting a thread of its own anyway (the process leaves
    /// glibc's single-threaded mode), and a main thread held in a C call would never run the signal's handler.
    static func startIfArmed() {
        if pyi_control_armed() != 0 { _ = pyi_control_start_armed() }
    }

    private static func startArmed() {
        guard let armed else { return }
        self.armed = nil
        start(listenFD: armed.listenFD, path: armed.path, helper: armed.helper, capturePath: armed.capturePath)
    }

    static func start(listenFD: Int32, path: String, helper: PythonHelper, capturePath: String) {
        pyi_control_remove_at_exit(path)
        let slot = ControlJobSlot()
        _ = slot.startWorker(
            name: "pyinspect-control-worker", capturePath: capturePath,
            exitingReply: ControlReplies.error("the target is exiting"))
        NativeThread.start {
            HostThread.announce(name: "pyinspect-control-server", capturePath: capturePath)
            var watch = GILHolderWatch()
            let uid = getuid()
            while true {
                var waiting = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
                let ready = poll(&waiting, 1, holderPollMilliseconds)
                watch.observe()
                guard ready > 0 else { continue }
                let client = pyi_control_accept(listenFD)
                guard client >= 0 else { continue }
                serve(client, uid: uid, slot: slot, watch: &watch, helper: helper)
                close(client)
            }
        }
    }

    static func serve(_ client: Int32, uid: uid_t, slot: ControlJobSlot, watch: inout GILHolderWatch, helper: PythonHelper) {
        ControlSocket.setReceiveTimeout(client, seconds: ControlSocket.requestTimeoutSeconds)
        guard let peer = ControlSocket.peerUid(client), peer == uid else {
            ControlSocket.send(client, ControlReplies.error("refused: this target's control socket serves its own user only"))
            return
        }
        let request: ControlRequest
        switch ControlSocket.readLine(client, limit: ControlSocket.maxRequestBytes) {
        case .closed: return
        case .tooLong:
            ControlSocket.send(client, ControlReplies.error("request longer than \(ControlSocket.maxRequestBytes) bytes"))
            return
        case .line(let bytes):
            switch ControlRequest.parse(bytes) {
            case .failure(let error):
                ControlSocket.send(client, ControlReplies.error("bad request: \(error.description)"))
                return
            case .success(let parsed): request = parsed
            }
        }
        if request == .ping {
            ControlSocket.send(client, "{\"ok\":true,\"ping\":{\"pid\":\(getpid()),\"pyinspect_pid\":\(getppid())}}\n")
            return
        }
        switch slot.submit({ ControlService.answer(request, helper: helper) }, gilWaitSeconds: gilWaitSeconds, jobSeconds: jobSeconds) {
        case .done(let reply): ControlSocket.send(client, reply)
        case .gilUnavailable:
            watch.observe()
            ControlSocket.send(client, watch.reply(waited: gilWaitSeconds))
        }
    }
}

/// Who holds the GIL and since when, watched from the server thread without taking it: CPython's
/// switch_number does not move while one thread keeps the GIL.
struct GILHolderWatch {
    private var switchNumber: UInt = 0
    private var holder: UInt = 0
    private var since = GILHolderWatch.now()

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    mutating func observe() {
        var state = pyi_gil_holder_state()
        guard pyi_control_gil_holder(&state) == 0 else { return }
        if state.locked != 1 || state.switch_number != switchNumber || state.holder_native_id != holder {
            switchNumber = state.switch_number
            holder = state.locked == 1 ? state.holder_native_id : 0
            since = Self.now()
        }
    }

    func reply(waited: Double) -> String {
        guard holder != 0 else {
            return ControlReplies.error("the target did not let pyinspect take the GIL within \(waited) s; try again")
        }
        let seconds = max(Self.now() - since, waited)
        var buffer = [CChar](repeating: 0, count: 32768)
        _ = pyi_control_gil_holder_stack(&buffer, buffer.count)
        let stack = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let rounded = (seconds * 10).rounded() / 10
        let message = "the target holds the GIL in a C call for \(rounded) s (thread \(holder)): try again when it returns"
        let extra = "\"gil_held\":{\"seconds\":\(rounded),\"native_id\":\(holder),\"stack\":\(ControlReplies.quoted(stack))}"
        return ControlReplies.error(message, extra: extra)
    }
}
