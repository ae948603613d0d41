// The one file of the profiler that knows CPython 3.11's internal structs: the interpreter's thread list,
// `_PyInterpreterFrame`, code objects and str/bytes objects. The sampler (profile_sampler.c) reads other
// threads' frames through these functions without the GIL, so every read goes through process_vm_readv on
// our own pid: a pointer freed meanwhile gives EFAULT (or stale bytes we then validate), never a crash. This
// is how py-spy reads frames, from inside the process.
#define _GNU_SOURCE
#define Py_BUILD_CORE 1
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "internal/pycore_runtime.h"
#include "internal/pycore_interp.h"
#include "internal/pycore_frame.h"
#include "profile_internal.h"
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static pid_t own_pid;

static int safe_read(uintptr_t address, void *out, size_t size) {
    if (address == 0) return -1;
    struct iovec local = {out, size};
    struct iovec remote = {(void *)address, size};
    return process_vm_readv(own_pid, &local, 1, &remote, 1, 0) == (ssize_t)size ? 0 : -1;
}

int pyi_prof_layout_check(char *error, size_t size) {
#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030C0000
    snprintf(error, size, "the profiler supports CPython 3.11 only");
    return -1;
#else
    if ((Py_Version >> 16) != (PY_VERSION_HEX >> 16)) {
        snprintf(error, size, "libpython %lx does not match the headers pyinspect was built with (%x)",
                 (unsigned long)Py_Version, PY_VERSION_HEX);
        return -1;
    }
    own_pid = getpid();
    char probe;
    if (safe_read((uintptr_t)&own_pid, &probe, 1) != 0) {
        snprintf(error, size, "process_vm_readv on our own pid failed (seccomp or an old kernel?)");
        return -1;
    }
    return 0;
#endif
}

void pyi_prof_after_fork(void) { own_pid = getpid(); }

// The thread list is walked holding the runtime's HEAD_LOCK (`_PyRuntime.interpreters.mutex`, what
// pystate.c's HEAD_LOCK takes): a thread state is unlinked under it and freed right after, so while we hold
// it no thread state of the list can be freed under us. It is a plain lock, not the GIL: holding it only
// delays threads being created or ending by the length of one walk, and we take no other lock meanwhile.
// Fork resets it in the child (_PyRuntimeState_ReInitThreads).
int pyi_prof_threads_lock(void) {
    PyThread_type_lock mutex = _PyRuntime.interpreters.mutex;
    if (mutex == NULL) return -1;
    PyThread_acquire_lock(mutex, WAIT_LOCK);
    return 0;
}

void pyi_prof_threads_unlock(void) {
    PyThread_type_lock mutex = _PyRuntime.interpreters.mutex;
    if (mutex != NULL) PyThread_release_lock(mutex);
}

uintptr_t pyi_prof_first_thread(void) {
    PyInterpreterState *interp = _PyRuntime.interpreters.main;
    PyThreadState *head = NULL;
    if (interp == NULL || safe_read((uintptr_t)&interp->threads.head, &head, sizeof head) != 0) return 0;
    return (uintptr_t)head;
}

// Read directly, not through process_vm_readv: the caller holds HEAD_LOCK, so a listed thread state cannot be
// freed, and its cframe is either its own root_cframe or one on the stack of a thread running Python (alive,
// and it cannot delete its thread state while we hold the lock). Speed is the point: the current frame is
// read nanoseconds after the cframe pointer, where a system call between them let the thread return from that
// frame first (a generator resumed for a few hundred nanoseconds was read as garbage and read again, later,
// elsewhere: 0.02 of the samples where py-spy, which stops the process, gives 0.1).
int pyi_prof_read_thread(uintptr_t tstate, pyi_prof_thread *out) {
    const PyThreadState *state = (const PyThreadState *)tstate;
    if (state == NULL || state->interp != _PyRuntime.interpreters.main) return -1;   // not a thread state of ours
    out->next = (uintptr_t)state->next;
    out->native_id = state->native_thread_id;
    _PyCFrame *cframe = __atomic_load_n((_PyCFrame *const *)&state->cframe, __ATOMIC_RELAXED);
    out->current_frame =
        cframe == NULL ? 0
                       : (uintptr_t)__atomic_load_n((_PyInterpreterFrame *const *)&cframe->current_frame, __ATOMIC_RELAXED);
    return 0;
}

// One frame: its code object (validated as a code object), the code-unit index executing, whether the frame
// is incomplete (pushed but not started: faulthandler and frame objects skip those), and the next frame out.
int pyi_prof_read_frame(uintptr_t address, pyi_prof_frame *out, const pyi_prof_frame *same_code) {
    _PyInterpreterFrame frame;
    if (safe_read(address, &frame, offsetof(_PyInterpreterFrame, localsplus)) != 0) return -1;
    uintptr_t code_address = (uintptr_t)frame.f_code;
    if (same_code != NULL && same_code->code == code_address) {
        out->key = same_code->key;
        out->first_traceable = same_code->first_traceable;
    } else {
        PyCodeObject code;
        if (safe_read(code_address, &code, offsetof(PyCodeObject, co_code_adaptive)) != 0) return -1;
        if (Py_TYPE((PyObject *)&code) != &PyCode_Type) return -1;
        out->first_traceable = code._co_firsttraceable;
        out->key.qualname = (uintptr_t)code.co_qualname;
        out->key.filename = (uintptr_t)code.co_filename;
        out->key.linetable = (uintptr_t)code.co_linetable;
        out->key.first_line = code.co_firstlineno;
    }
    uintptr_t first = code_address + offsetof(PyCodeObject, co_code_adaptive);
    intptr_t lasti = ((intptr_t)frame.prev_instr - (intptr_t)first) / (intptr_t)sizeof(_Py_CODEUNIT);
    out->code = code_address;
    out->previous = (uintptr_t)frame.previous;
    out->lasti = (int)lasti;
    out->incomplete = frame.owner != FRAME_OWNED_BY_GENERATOR && lasti < out->first_traceable;
    out->generator = frame.owner == FRAME_OWNED_BY_GENERATOR;
    return 0;
}

// UTF-8 of a str object (truncated to size - 1 bytes). -1 when it is not a readable str.
int pyi_prof_read_text(uintptr_t address, char *out, size_t size) {
    PyCompactUnicodeObject header;
    if (size == 0 || safe_read(address, &header, sizeof header) != 0) return -1;
    PyTypeObject *type = Py_TYPE((PyObject *)&header);
    if (type != &PyUnicode_Type) return -1;
    PyASCIIObject *ascii = &header._base;
    if (!ascii->state.compact || !ascii->state.ready) return -1;
    Py_ssize_t length = ascii->length;
    if (length < 0 || length > 4096) length = 4096;
    unsigned kind = ascii->state.kind;
    uintptr_t data = address + (ascii->state.ascii ? sizeof(PyASCIIObject) : sizeof(PyCompactUnicodeObject));
    size_t used = 0;
    unsigned char chunk[256 * 4];
    Py_ssize_t done = 0;
    while (done < length) {
        Py_ssize_t count = length - done > 256 ? 256 : length - done;
        if (safe_read(data + (uintptr_t)(done * kind), chunk, (size_t)count * kind) != 0) return -1;
        for (Py_ssize_t i = 0; i < count; i++) {
            uint32_t c = kind == 1 ? chunk[i] : kind == 2 ? ((uint16_t *)chunk)[i] : ((uint32_t *)chunk)[i];
            unsigned char encoded[4];
            size_t n;
            if (c < 0x80) { encoded[0] = (unsigned char)c; n = 1; }
            else if (c < 0x800) { encoded[0] = 0xC0 | (c >> 6); encoded[1] = 0x80 | (c & 0x3F); n = 2; }
            else if (c < 0x10000) {
                if (c >= 0xD800 && c <= 0xDFFF) c = 0xFFFD;   // a lone surrogate: not valid UTF-8
                encoded[0] = 0xE0 | (c >> 12); encoded[1] = 0x80 | ((c >> 6) & 0x3F); encoded[2] = 0x80 | (c & 0x3F); n = 3;
            } else {
                encoded[0] = 0xF0 | (c >> 18); encoded[1] = 0x80 | ((c >> 12) & 0x3F);
                encoded[2] = 0x80 | ((c >> 6) & 0x3F); encoded[3] = 0x80 | (c & 0x3F); n = 4;
            }
            if (used + n >= size) goto done;
            memcpy(out + used, encoded, n);
            used += n;
        }
        done += count;
    }
done:
    out[used] = '\0';
    return 0;
}

// The bytes of a bytes object (co_linetable), up to `capacity`. Returns the length, or -1.
long pyi_prof_read_bytes(uintptr_t address, unsigned char *out, size_t capacity) {
    PyBytesObject header;
    if (safe_read(address, &header, offsetof(PyBytesObject, ob_sval)) != 0) return -1;
    if (Py_TYPE((PyObject *)&header) != &PyBytes_Type) return -1;
    Py_ssize_t length = Py_SIZE((PyObject *)&header);
    if (length < 0 || (size_t)length > capacity) return -1;
    if (length > 0 && safe_read(address + offsetof(PyBytesObject, ob_sval), out, (size_t)length) != 0) return -1;
    return (long)length;
}

// A generator-owned frame lives inside its generator/coroutine object (gi_iframe): the object's address.
// Whether the frame at `address` holds `object` in one of its locals or value-stack slots. Slots above the
// stack's top are scanned too (3.11 does not keep stacktop while a frame runs), so a value popped a moment ago
// counts: the question asked is "did this frame just drive that generator", which such a slot also answers.
int pyi_prof_frame_holds(uintptr_t address, uintptr_t object) {
    _PyInterpreterFrame frame;
    if (safe_read(address, &frame, offsetof(_PyInterpreterFrame, localsplus)) != 0) return 0;
    PyCodeObject code;
    if (safe_read((uintptr_t)frame.f_code, &code, offsetof(PyCodeObject, co_code_adaptive)) != 0) return 0;
    if (Py_TYPE((PyObject *)&code) != &PyCode_Type) return 0;
    long slots = (long)code.co_nlocalsplus + (long)code.co_stacksize;
    if (slots <= 0 || slots > 4096) return 0;
    uintptr_t first = address + offsetof(_PyInterpreterFrame, localsplus);
    uintptr_t chunk[128];
    for (long done = 0; done < slots;) {
        long count = slots - done > 128 ? 128 : slots - done;
        if (safe_read(first + (uintptr_t)done * sizeof(uintptr_t), chunk, (size_t)count * sizeof(uintptr_t)) != 0)
            return 0;
        for (long i = 0; i < count; i++)
            if (chunk[i] == object) return 1;
        done += count;
    }
    return 0;
}

uintptr_t pyi_prof_generator_of_frame(uintptr_t frame) {
    return frame - offsetof(PyGenObject, gi_iframe);
}
