#ifndef PYINSPECT_BACKTRACE_OFF_H
#define PYINSPECT_BACKTRACE_OFF_H
// Linked into the pyinspect executable only: backtrace_off.c keeps Swift's crash backtracer off unless
// SWIFT_BACKTRACE asks for it. Nothing to call: it works through .preinit_array and a constructor.
#endif
