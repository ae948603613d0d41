// Shared between the profiler's .c files (profile_layout.c knows CPython's structs, profile_sampler.c does
// the sampling); not public.
#ifndef PYINSPECT_PROFILE_INTERNAL_H
#define PYINSPECT_PROFILE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uintptr_t next;            // next thread state of the interpreter's list
    unsigned long native_id;   // gettid() of the thread
    uintptr_t current_frame;   // innermost _PyInterpreterFrame, 0 when it runs no Python
} pyi_prof_thread;

// What identifies a code object's text: if any of these differ, the address was reused by another code object.
typedef struct {
    uintptr_t qualname, filename, linetable;
    int first_line;
} pyi_prof_code_key;

typedef struct {
    uintptr_t code, previous;
    int lasti;                 // code units from the start of the bytecode
    int incomplete, generator;
    int first_traceable;       // the code's _co_firsttraceable: kept to read the next frame of the same code
    pyi_prof_code_key key;
} pyi_prof_frame;

int pyi_prof_layout_check(char *error, size_t size);
void pyi_prof_after_fork(void);
int pyi_prof_threads_lock(void);
void pyi_prof_threads_unlock(void);
uintptr_t pyi_prof_first_thread(void);
int pyi_prof_read_thread(uintptr_t tstate, pyi_prof_thread *out);
// `same_code`: a frame read just before (or NULL); when this frame runs the same code object, the code is not
// read again (a recursion's frames all share one: half the reads of a deep walk).
int pyi_prof_read_frame(uintptr_t address, pyi_prof_frame *out, const pyi_prof_frame *same_code);
int pyi_prof_read_text(uintptr_t address, char *out, size_t size);
long pyi_prof_read_bytes(uintptr_t address, unsigned char *out, size_t capacity);

uintptr_t pyi_prof_generator_of_frame(uintptr_t frame);
int pyi_prof_frame_holds(uintptr_t address, uintptr_t object);

#endif
