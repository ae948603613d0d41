// Nothing is imported into Swift from here: this module exists so SwiftPM links libpython with the flags
// of `pkg-config python3-embed`. Swift reaches Python through CPythonShim's plain-C functions.
