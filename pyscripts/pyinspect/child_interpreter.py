"""Points multiprocessing at pyinspect-python when sys.executable must stay the virtualenv's own python.

In an activated virtualenv, sys.executable is `$VIRTUAL_ENV/bin/python`, as python3 there reports it: tools
such as pyperf start it with a cleaned environment and it must still find the virtualenv. multiprocessing's
children are started through pyinspect-python instead, so they run under the host; they receive sys.path
from the parent, virtualenv included. multiprocessing is not imported here (it costs start-up time): the
executable is set when the target first imports multiprocessing.spawn.
"""
import sys

_SPAWN = "multiprocessing.spawn"


class _SetExecutableOnImport:
    def __init__(self, executable):
        self.executable = executable

    def find_spec(self, name, path=None, target=None):
        if name != _SPAWN:
            return None
        sys.meta_path.remove(self)  # one use: find the real spec without coming back here
        import importlib.util
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        original_exec = spec.loader.exec_module
        executable = self.executable

        def exec_module(module):
            original_exec(module)
            module.set_executable(executable)

        spec.loader.exec_module = exec_module
        return spec


def install(executable):
    spawn = sys.modules.get(_SPAWN)
    if spawn is not None:
        spawn.set_executable(executable)
        return
    sys.meta_path.insert(0, _SetExecutableOnImport(executable))
