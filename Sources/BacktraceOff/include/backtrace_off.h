#ifndef PYINSPECT_BACKTRACE_OFF_H
#define PYINSPECT_BACKTRACE_OFF_H
// Linked into the pyinspect executable only (backtrace_off.c): Swift's crash backtracer stays off unless
// SWIFT_BACKTRACE asks for it. Referenced from main.swift so the linker keeps the object.
int pyi_backtrace_was_turned_off(void);
#endif
