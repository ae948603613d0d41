"""`run --allocations`: turns what the host's allocation sampler recorded into a capture record.

The sampler (Sources/CPythonShim/alloc_sampler.c) keeps code objects and instruction offsets; here they become
file, line and function, with the facts the analysis needs: which frames are the standard library or installed
packages, and which are pyinspect's own (its helpers run in the target's interpreter too)."""
import os
import sys

from . import capture

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_LIBRARY_DIRS = tuple(sorted({os.path.dirname(os.__file__), sys.base_prefix + "/lib", sys.prefix + "/lib",
                              "/usr/lib/python3"}))
_saved = [False]


def _is_library(filename):
    return (filename.startswith("<") or filename.startswith(_LIBRARY_DIRS)
            or "/site-packages/" in filename or "/dist-packages/" in filename)


def save():
    """Once, in the target: stops sampling and writes the `allocations` record."""
    if _saved[0]:
        return
    _saved[0] = True
    import _pyinspect_native
    sampled = _pyinspect_native.allocations()
    if sampled is None:
        return
    frames = [{"file": file, "line": line, "function": function, "library": _is_library(file),
               "pyinspect": file.startswith(_PACKAGE_DIR)} for file, line, function in sampled["frames"]]
    stacks = [{"node": stack["node"], "truncated": stack["truncated"], "allocated_bytes": stack["allocated"],
               "allocations": stack["allocations"], "peak_bytes": stack["peak"], "live_bytes": stack["live"],
               "samples": stack["samples"]} for stack in sampled["stacks"]]
    capture.write({"record": "allocations", "sample_bytes": sampled["sample_bytes"],
                   "allocated_bytes": sampled["allocated_bytes"], "peak_bytes": sampled["peak_bytes"],
                   "live_bytes": sampled["live_bytes"], "samples": sampled["samples"],
                   "dropped": sampled["dropped"], "frames": frames, "nodes": sampled["nodes"], "stacks": stacks})
