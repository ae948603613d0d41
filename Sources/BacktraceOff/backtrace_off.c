// Start-up: Swift's runtime sets up its crash backtracer in every process that loads libswiftCore: before it reads
// `enable` it looks for the swift-backtrace executable beside the runtime (dladdr over the runtime's symbols), then
// installs signal handlers: ~0.55 M instructions of every `pyinspect run` (callgrind). pyinspect reports crashes
// itself (the target's fatal-signal dump), so its executable turns the backtracer off unless the user set
// SWIFT_BACKTRACE.
//
// How: libswiftCore's initializer reads `environ`. The executable's .preinit_array function runs before any shared
// library's initializer, but libc's own initializer then resets `environ` to the original array the kernel gave
// (a setenv made here is lost). So the variable goes into that original array: one entry's pointer is swapped for
// "SWIFT_BACKTRACE=enable=no,swift-backtrace=/dev/null" (the path given, the runtime skips its lookup; with
// enable=no it is never used), and a constructor of the executable, which runs after libswiftCore's initializer
// and before main, puts the entry back. Between the two only the libraries' initializers run, and none of them
// reads the swapped entry (never a SWIFT_ one, whose reader is libswiftCore). The target never sees the variable.
#include <string.h>
#include "backtrace_off.h"

static char backtrace_setting[] = "SWIFT_BACKTRACE=enable=no,swift-backtrace=/dev/null";
// volatile: the optimizer evaluates constructors at compile time as if they ran first, found nothing swapped,
// and deleted the restore (and then the swap); .preinit_array runs before them.
static char **volatile swapped_slot;
static char *volatile swapped_entry;

static void backtrace_off(int argc, char **argv, char **envp) {
    (void)argc;
    (void)argv;
    if (envp == NULL) return;
    char **slot = NULL;
    for (char **entry = envp; *entry; entry++) {
        if (strncmp(*entry, "SWIFT_BACKTRACE=", 16) == 0) return;  // the user's setting wins
        if (strncmp(*entry, "SWIFT_", 6) != 0) slot = entry;       // the last entry the runtime does not read
    }
    if (slot == NULL) return;
    swapped_slot = slot;
    swapped_entry = *slot;
    *slot = backtrace_setting;
}

__attribute__((section(".preinit_array"), used)) static void (*const run_before_libraries)(int, char **, char **) =
    backtrace_off;

// Priority 101: before the executable's other constructors (child_stacks.c reads the environment in one).
__attribute__((constructor(101))) static void backtrace_entry_restored(void) {
    if (swapped_slot) *swapped_slot = swapped_entry;
    swapped_slot = NULL;
}
