// Nothing is imported into Swift from here: this module gives CPythonShim Python's headers (the cflags of
// `pkg-config python3`, which carries no libraries). Swift reaches Python through CPythonShim's plain-C functions.
// Linking is decided elsewhere: the executables link libpython3.11.a, the library product links the shared
// libpython through CPythonEmbed.
