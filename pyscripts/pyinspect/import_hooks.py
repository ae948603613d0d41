"""Run a callback right after the target imports a module, so instruments for a module cost nothing until the
target uses it (importing threading or asyncio ourselves would cost milliseconds on every run).

One finder on sys.meta_path serves every registered module; it removes itself when nothing is left to wait for.
"""
import sys

_waiting = {}   # module name -> [callback(module)]
_finder = None


class _AfterImport:
    def find_spec(self, name, path=None, target=None):
        callbacks = _waiting.pop(name, None)
        if callbacks is None:
            return None
        _remove_finder_if_idle()
        # Find the real spec with the other finders, then wrap its exec_module. Asking them directly, not through
        # importlib.util.find_spec, leaves importlib.util unimported (the target's sys.modules as under python3).
        spec = None
        for finder in list(sys.meta_path):
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec = find(name, path, target)
            if spec is not None:
                break
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        original = spec.loader.exec_module

        def exec_module(module):
            original(module)
            for callback in callbacks:
                callback(module)

        spec.loader.exec_module = exec_module
        return spec


def _remove_finder_if_idle():
    global _finder
    if not _waiting and _finder is not None:
        try:
            sys.meta_path.remove(_finder)
        except ValueError:
            pass
        _finder = None


def after_import(name, callback):
    """callback(module) now if `name` is already imported, else right after the target imports it."""
    global _finder
    module = sys.modules.get(name)
    if module is not None:
        callback(module)
        return
    _waiting.setdefault(name, []).append(callback)
    if _finder is None:
        _finder = _AfterImport()
        sys.meta_path.insert(0, _finder)
