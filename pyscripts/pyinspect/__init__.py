"""The Python half of pyinspect: capture helpers that run inside the target's interpreter.

Loaded by the host as the private package ``_pyinspect`` (sys.path is left alone). Helpers return plain data
(JSON text); analysis and reports live in the Swift host.
"""
