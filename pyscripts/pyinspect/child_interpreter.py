"""Points multiprocessing at pyinspect-python when sys.executable must stay the virtualenv's own python.

In an activated virtualenv, sys.executable is `$VIRTUAL_ENV/bin/python`, as python3 there reports it: tools
such as pyperf start it with a cleaned environment and it must still find the virtualenv. multiprocessing's
children are started through pyinspect-python instead, so they run under the host; they receive sys.path
from the parent, virtualenv included. multiprocessing is not imported here (it costs start-up time): the
executable is set when the target first imports multiprocessing.spawn.
"""
from . import import_hooks


def install(executable):
    import_hooks.after_import("multiprocessing.spawn", lambda spawn: spawn.set_executable(executable))
