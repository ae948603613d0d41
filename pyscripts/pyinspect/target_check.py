"""Checks a run target before it runs, so a missing module or a syntax error is a usage error of its own."""
import os
import sys

try:
    # compile() without building the `_ast` types first (~7 M instructions at every start-up); same errors.
    from _pyinspect_native import compile_check as _compile_check
except ImportError:  # an interpreter without pyinspect's native module
    def _compile_check(source, filename):
        compile(source, filename, "exec", dont_inherit=True)


def _one_line(error):
    if isinstance(error, SyntaxError):
        where = f"{error.filename}, line {error.lineno}" if error.lineno else str(error.filename)
        return f"syntax error in {where}: {error.msg}"
    return f"{type(error).__name__}: {error}"


def check(kind, value):
    """Returns None when the target can run, else (status_name, message)."""
    if kind == "script":
        try:
            with open(value, "rb") as source:
                code = source.read()
        except IsADirectoryError:
            if os.path.exists(os.path.join(value, "__main__.py")):
                return None
            return ("not_found", f"can't find '__main__' module in '{value}'")
        except OSError as error:
            return ("not_found", f"can't open file '{value}': {error.strerror}")
        if value.endswith((".zip", ".pyz")) or code[:2] == b"PK":
            return None
        try:
            _compile_check(code, value)
        except (SyntaxError, ValueError) as error:
            return ("syntax_error", _one_line(error))
        return None
    if kind == "code":
        try:
            _compile_check(value, "<string>")
        except (SyntaxError, ValueError) as error:
            return ("syntax_error", _one_line(error))
        return None
    return _check_module(value)


def _check_module(name):
    import importlib.util  # only -m needs it; scripts and -c start faster without
    # python3 -m puts the working directory first on sys.path; look with the same path, then restore it.
    cwd = os.getcwd()
    added = cwd not in sys.path[:1]
    if added:
        sys.path.insert(0, cwd)
    try:
        try:
            spec = importlib.util.find_spec(name)
        except ImportError as error:
            return ("not_found", f"No module named '{name}' ({error})")
        except (SyntaxError, ValueError) as error:
            return ("syntax_error", _one_line(error))
        if spec is None:
            return ("not_found", f"No module named '{name}'")
        if spec.submodule_search_locations is not None:
            main_name = name + ".__main__"
            try:
                main_spec = importlib.util.find_spec(main_name)
            except ImportError:
                main_spec = None
            if main_spec is None:
                return ("not_found", f"No module named '{main_name}'; '{name}' is a package and cannot be directly executed")
            spec = main_spec
        loader = spec.loader
        if loader is not None and hasattr(loader, "get_code"):
            try:
                loader.get_code(spec.name)
            except SyntaxError as error:
                return ("syntax_error", _one_line(error))
            except Exception:
                return None
        return None
    finally:
        if added:
            try:
                sys.path.remove(cwd)
            except ValueError:
                pass
