// Start-up: Swift's runtime sets up its crash backtracer in every process that loads libswiftCore (it looks for
// the swift-backtrace executable beside the runtime, write-protects its settings, installs signal handlers):
// ~0.5 M instructions of every `pyinspect run` (callgrind). pyinspect reports crashes itself (the target's
// fatal-signal dump), so its executable turns the backtracer off unless the user set SWIFT_BACKTRACE:
// libswiftCore's initializer reads the variable, and a .preinit_array function of the executable runs before any
// shared library's initializer. A constructor of the executable (run after libswiftCore's, before main) removes the
// variable again, so the target and its children never see it in their environment.
#include <stdlib.h>
#include "backtrace_off.h"

static int set_here;

static void backtrace_off(int argc, char **argv, char **envp) {
    (void)argc;
    (void)argv;
    (void)envp;
    // The path too: the runtime looks for swift-backtrace (dladdr over its own symbols, ~0.5 M instructions)
    // before it reads `enable`, unless a path is given; with enable=no the path is never used.
    if (getenv("SWIFT_BACKTRACE") == NULL)
        set_here = setenv("SWIFT_BACKTRACE", "enable=no,swift-backtrace=/dev/null", 0) == 0;
}

__attribute__((section(".preinit_array"), used)) static void (*const run_before_libraries)(int, char **, char **) =
    backtrace_off;

__attribute__((constructor)) static void backtrace_variable_removed(void) {
    if (set_here) unsetenv("SWIFT_BACKTRACE");
    set_here = 0;
}
