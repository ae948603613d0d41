# A package run with `pyinspect profile -m entry_package.tool` (from Tests/Fixtures/profile), the way
# `python -m json.tool` runs: runpy's frames, then the module's own <module>, then its main().
