// This target has no code: it exists for its linker setting. What links the PyInspectCore library product (an
// embedder, the test bundles) gets the shared libpython3.11.so from it. The executables link the static archive
// instead and do not depend on this target, so they carry no DT_NEEDED on libpython3.11.so.1.0 (Package.swift).
