// pyinspect-python: the `sys.executable` of every target. python3's main() with pyinspect's path set-up, in C
// so that it starts as fast as python3 (children of multiprocessing and subprocess start through it).
#include "CPythonShim.h"

int main(int argc, char **argv) { return pyi_python_program_main(argc, argv); }
