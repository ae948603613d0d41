"""`pyinspect deps`: where each module the target imported came from, and the facts of the distributions on its
sys.path, saved to a file when the target ends (docs/deps.md).

While the target runs, one finder on sys.meta_path only notes the line that first imported each module (it finds
nothing itself). At the end, the distributions are read where importlib.metadata finds them (dist-info, egg-info on
sys.path) and Debian's `packaging` (loaded under a private name, removed again: the target never sees it)
evaluates their requirements and markers as `pip check` does. The Swift side turns these facts into findings (Analysis/DepsAnalysis.swift).
"""
import os
import sys

from . import fastjson

_first_import = {}  # module name -> [file, line] of the statement that first imported it
_skipped_dirs = ()  # importlib's and our own frames are not the importing line
_script = [None]  # the target script's absolute path (Python removes __main__.__file__ after running it)
_PACKAGING_DIR = "/usr/lib/python3/dist-packages/packaging"  # Debian's python3-packaging
_PRIVATE = "_pyinspect_packaging"


class _ImportSites:
    """Notes the importing line, then lets the real finders find the module."""

    def find_spec(self, name, path=None, target=None):
        if name not in _first_import:
            frame = sys._getframe(1)
            while frame is not None:
                filename = frame.f_code.co_filename
                if not (filename.startswith("<frozen importlib") or filename.startswith(_skipped_dirs)):
                    _first_import[name] = [filename, frame.f_lineno]
                    break
                frame = frame.f_back
        return None


def install(target):
    global _skipped_dirs
    import importlib
    if target.get("kind") == "script":
        _script[0] = os.path.abspath(target["value"])
    _skipped_dirs = (os.path.dirname(importlib.__file__) + os.sep, os.path.dirname(__file__) + os.sep)
    sys.meta_path.insert(0, _ImportSites())


def save(path):
    """Writes the facts to `path` (JSON); a failure is written there too, so the report can say why."""
    try:
        facts = _facts()
    except Exception as error:  # the report says the section is missing and why; the run goes on
        facts = {"error": repr(error)[:500]}
    with open(path, "w", encoding="utf-8") as out:
        out.write(fastjson.dumps(facts))


# ---- the end of the run ----------------------------------------------------------------------------------

def _packaging():
    """Debian's `packaging`, imported as `_pyinspect_packaging` (its imports are relative): not in sys.path,
    not under the target's own `packaging` name. The caller removes it from sys.modules."""
    import importlib.util
    if _PRIVATE in sys.modules:
        return sys.modules[_PRIVATE]
    spec = importlib.util.spec_from_file_location(
        _PRIVATE, os.path.join(_PACKAGING_DIR, "__init__.py"), submodule_search_locations=[_PACKAGING_DIR])
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load packaging from {_PACKAGING_DIR} (apt-get install python3-packaging)")
    module = importlib.util.module_from_spec(spec)
    sys.modules[_PRIVATE] = module
    spec.loader.exec_module(module)
    import importlib
    for name in ("requirements", "specifiers", "version", "markers"):
        importlib.import_module(f"{_PRIVATE}.{name}")
    return module


def _forget_packaging():
    for name in [name for name in sys.modules if name == _PRIVATE or name.startswith(_PRIVATE + ".")]:
        del sys.modules[name]


def _facts():
    # Modules first: what the end step imports itself (importlib.metadata, email, csv...) is not the target's.
    sys_path = [entry for entry in sys.path if isinstance(entry, str)]
    loaded = [(name, module) for name, module in list(sys.modules.items())
              if not name.startswith(("_pyinspect", "pyinspect"))]
    sites = dict(_first_import)
    try:
        packaging = _import_from_stdlib_only()
        return _environment(packaging, sys_path, loaded, sites)
    finally:
        _forget_packaging()


def _import_from_stdlib_only():
    """Imports what the end step needs from the standard library itself, not from the target's folder: a
    local random.py or email.py the target imported must not stand in for the real one. sys.path and the
    target's modules are put back before anything else runs (the target has ended)."""
    stdlib = _stdlib_dir()
    kept_path = list(sys.path)
    hidden = {}
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if (isinstance(file, str) and name.split(".", 1)[0] in sys.stdlib_module_names
                and not file.startswith(stdlib)):
            hidden[name] = sys.modules.pop(name)
    sys.path[:] = [entry for entry in kept_path if isinstance(entry, str) and entry.startswith(stdlib.rstrip(os.sep))]
    try:
        if any(os.path.exists(os.path.join(folder, "pyproject.toml")) for folder in _project_folders()):
            import tomllib  # noqa: F401
        return _packaging()
    finally:
        sys.path[:] = kept_path
        sys.modules.update(hidden)


def _canonical(name):
    # packaging.utils.canonicalize_name without `re` at every call site
    out = []
    previous_separator = False
    for character in name.lower():
        if character in "-_.":
            if not previous_separator:
                out.append("-")
            previous_separator = True
        else:
            out.append(character)
            previous_separator = False
    return "".join(out)


def _environment(packaging, sys_path, loaded, sites):
    Requirement = packaging.requirements.Requirement
    problems = []

    # Every distribution on sys.path, in sys.path order: the first of a name is the one importlib and pip use.
    entries = [entry or os.getcwd() for entry in sys_path]
    found = []  # (canonical, Distribution, path, location, name, headers)
    seen_paths = set()
    for entry in entries:
        for dist in _distributions_in(entry, problems):
            if dist.path in seen_paths:
                continue
            seen_paths.add(dist.path)
            name = dist.header("name")
            if not name:
                problems.append(f"no Name in {dist.path}")
                continue
            found.append((_canonical(name), dist, dist.path, entry, name, dist))

    winners = {}
    copies = {}
    for canonical, dist, dist_path, location, name, meta in found:
        winners.setdefault(canonical, (dist, dist_path, location, name, meta))
        copies.setdefault(canonical, []).append({"version": meta.header("version"), "path": dist_path})
    duplicates = [{"name": winners[name][3], "copies": listed} for name, listed in copies.items() if len(listed) > 1]

    # Top-level modules each distribution installs (RECORD, else top_level.txt), and the regular ones among them.
    owners = {}  # (location, top) -> display name
    provides = {}  # top -> [(display name, version, regular)]
    for canonical, (dist, dist_path, location, name, meta) in winners.items():
        for top, regular in _top_level(dist).items():
            owners.setdefault((location, top), name)
            provides.setdefault(top, []).append((name, meta.header("version"), regular))
    shared = [{"module": top, "distributions": [{"name": n, "version": v} for n, v, regular in listed if regular]}
              for top, listed in sorted(provides.items()) if sum(1 for item in listed if item[2]) > 1]

    versions = {canonical: winner[4].header("version") for canonical, winner in winners.items()}
    names = {canonical: winner[3] for canonical, winner in winners.items()}

    # pip check: each requirement of each distribution, markers evaluated with extra "" (no extras requested).
    requirement_problems = []
    checked = 0
    for canonical, (dist, dist_path, _, name, meta) in sorted(winners.items()):
        version = meta.header("version")
        for text in dist.requires():
            try:
                requirement = Requirement(text)
            except Exception as error:
                problems.append(f"{name} {version}: unreadable requirement {text!r}: {error}")
                continue
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            checked += 1
            wanted = _canonical(requirement.name)
            installed = versions.get(wanted)
            if installed is not None and _satisfies(requirement, installed, problems):
                continue
            requirement_problems.append({
                "distribution": name, "version": version, "requirement": str(requirement),
                "required": names.get(wanted, requirement.name), "installed": installed})

    modules = _modules(loaded, sites, entries, owners, provides, versions)
    return {
        "sys_path": sys_path, "distribution_count": len(winners), "requirements_checked": checked,
        "duplicates": duplicates, "shared_modules": shared, "requirement_problems": requirement_problems,
        "project": _project(Requirement, versions, names, problems), "modules": modules, "problems": problems,
    }


def _satisfies(requirement, version, problems):
    try:
        return requirement.specifier.contains(version, prereleases=True)
    except Exception:  # an invalid installed version: pip reports it as a conflict too
        return False


def _top_level(dist):
    """{top-level name: regular?}: regular when the distribution writes `top.py`, `top/__init__.py` or an
    extension module; a directory alone (a namespace package part) is not. From RECORD, else top_level.txt."""
    tops = {}
    files = dist.files()
    if files is not None:
        for file in files:
            parts = file.split("/")
            first = parts[0]
            if not first or first in ("..", "__pycache__") or first.endswith((".dist-info", ".egg-info", ".data")):
                continue
            if len(parts) == 1:
                if first.endswith(".py"):
                    top = first[:-3]
                elif first.endswith((".so", ".pyd")):
                    top = first.split(".", 1)[0]
                else:
                    continue
                if top.isidentifier():
                    tops[top] = True
            elif first.isidentifier():
                tops[first] = tops.get(first, False) or (len(parts) == 2 and parts[1] == "__init__.py")
        return tops
    for line in (dist.read_text("top_level.txt") or "").splitlines():
        top = line.strip().split("/", 1)[0]
        if top.isidentifier():
            tops[top] = True
    return tops


class _Distribution:
    """One installed distribution, read as importlib.metadata finds and reads it (`NAME.dist-info/METADATA`,
    `NAME.egg-info/PKG-INFO` or an egg-info file, `EGG/EGG-INFO`), with a plain header parser: email.parser
    and importlib.metadata's own import cost more than the whole check on 200 distributions."""

    def __init__(self, path, metadata_file):
        self.path = path
        self._metadata_file = metadata_file
        self._headers = None

    def read_text(self, name):
        if not os.path.isdir(self.path):
            return None
        try:
            with open(os.path.join(self.path, name), encoding="utf-8") as source:
                return source.read()
        except (OSError, UnicodeDecodeError):
            return None

    def _parsed(self):
        if self._headers is None:
            self._headers = []
            try:
                with open(self._metadata_file, encoding="utf-8", errors="replace") as source:
                    text = source.read()
            except OSError:
                text = ""
            for line in text.split("\n"):
                line = line.rstrip("\r")
                if not line.strip():
                    break  # the headers end at the first blank line; the description follows
                if line[0] in " \t" and self._headers:
                    key, value = self._headers[-1]
                    self._headers[-1] = (key, value + " " + line.strip())
                    continue
                key, separator, value = line.partition(":")
                if separator:
                    self._headers.append((key.strip().lower(), value.strip()))
        return self._headers

    def header(self, key):
        return next((value for name, value in self._parsed() if name == key), None)

    def requires(self):
        listed = [value for name, value in self._parsed() if name == "requires-dist"]
        if listed or self.path.endswith(".dist-info"):
            return listed
        return _egg_requires(self.read_text("requires.txt") or "")

    def files(self):
        """RECORD's paths (dist-info), None when there is no RECORD."""
        text = self.read_text("RECORD") if self.path.endswith(".dist-info") else None
        if text is None:
            return None
        paths = []
        for line in text.splitlines():
            if line.startswith('"'):
                import csv  # a path with a comma: quoted (the standard library's csv, loaded by then or cheap)
                paths += [row[0] for row in csv.reader([line]) if row]
            else:
                paths.append(line.split(",", 1)[0])
        return paths


def _egg_requires(text):
    """requires.txt as Requires-Dist lines: `[extra]`, `[:marker]`, `[extra:marker]` sections become markers
    (importlib.metadata's rule)."""
    section = ""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        extra, _, marker = section.partition(":")
        conditions = ([f'extra == "{extra}"'] if extra else []) + ([f"({marker})"] if marker else [])
        out.append(line + ("; " + " and ".join(conditions) if conditions else ""))
    return out


def _distributions_in(entry, problems):
    try:
        children = os.listdir(entry)
    except OSError:
        return []
    found = []
    for child in children:
        path = os.path.join(entry, child)
        if child.endswith(".dist-info"):
            found.append(_Distribution(path, os.path.join(path, "METADATA")))
        elif child.endswith(".egg-info"):
            found.append(_Distribution(path, os.path.join(path, "PKG-INFO") if os.path.isdir(path) else path))
        elif child.endswith(".egg") and os.path.isdir(os.path.join(path, "EGG-INFO")):
            info = os.path.join(path, "EGG-INFO")
            found.append(_Distribution(info, os.path.join(info, "PKG-INFO")))
    return found


def _stdlib_dir():
    return os.path.dirname(os.__file__) + os.sep


def _modules(loaded, sites, entries, owners, provides, versions):
    """One row per imported module: its file, where it came from, the line that first imported it."""
    stdlib = _stdlib_dir()
    stdlib_names = sys.stdlib_module_names
    local_dirs = {os.path.realpath(entries[0])} if entries else set()
    local_dirs.add(os.path.realpath(os.getcwd()))
    # Module files are spelled from their sys.path entry: matched as spelled, resolved only when that fails
    # (os.path.realpath for every module was the end step's largest cost).
    plain_entries = sorted(set(entries), key=len, reverse=True)
    real_entries = None
    rows = []
    for name, module in sorted(loaded, key=lambda item: item[0]):
        top = name.split(".", 1)[0]
        file = getattr(module, "__file__", None)
        if not isinstance(file, str):
            spec = getattr(module, "__spec__", None)
            origin = getattr(spec, "origin", None)
            file = origin if isinstance(origin, str) and origin.startswith("/") else None
        row = {"name": name, "file": file}
        site = sites.get(name)
        if site is not None:
            row["site"] = {"file": site[0], "line": site[1]}
        if name == "__main__" and _script[0] is not None:
            file = _script[0]
            row["file"] = file
        if file is None:
            row["origin"] = "standard library" if top in stdlib_names or name in sys.builtin_module_names else "built-in"
            rows.append(row)
            continue
        real = file
        entry = next((entry for entry in plain_entries if file.startswith(entry + os.sep)), None)
        if entry is None:
            if real_entries is None:
                real_entries = sorted(((os.path.realpath(e), e) for e in set(entries)), key=lambda pair: -len(pair[0]))
            real = os.path.realpath(file)
            entry = next((plain for resolved, plain in real_entries if real.startswith(resolved + os.sep)), None)
        owner = owners.get((entry, top)) if entry is not None else None
        if owner is not None:
            row["origin"] = "distribution"
            row["distribution"] = owner
            row["version"] = versions.get(_canonical(owner))
        elif any(path.startswith(stdlib) and "-packages" + os.sep not in path[len(stdlib):] for path in (file, real)):
            row["origin"] = "standard library"
        else:
            row["origin"] = "local"
            if "." not in name and entry is not None and os.path.realpath(entry) in local_dirs:
                shadows = []
                if name in stdlib_names:
                    shadows.append("standard library")
                shadows += [provider for provider, _, _ in provides.get(name, [])]
                if shadows:
                    row["shadows"] = shadows
        rows.append(row)
    # Imports that failed (an ImportError the conflict caused) leave no module behind: a distribution's module
    # the target tried to import counts as imported too.
    loaded_names = {name for name, _ in loaded}
    by_top = {}
    for (location, top), owner in owners.items():
        by_top.setdefault(top, owner)
    for name, site in sorted(sites.items()):
        owner = by_top.get(name.split(".", 1)[0])
        if name in loaded_names or owner is None:
            continue
        rows.append({"name": name, "file": None, "origin": "distribution", "distribution": owner,
                     "version": versions.get(_canonical(owner)), "site": {"file": site[0], "line": site[1]},
                     "import_failed": True})
    return rows


def _project(Requirement, versions, names, problems):
    """The project's declared requirements (pyproject.toml's [project] dependencies, requirements*.txt) from
    the script's folder and the working directory, each compared with what is installed."""
    declared = []
    for folder in _project_folders():
        try:
            listing = sorted(os.listdir(folder))
        except OSError:
            continue
        for entry in listing:
            path = os.path.join(folder, entry)
            if entry == "pyproject.toml":
                declared += _pyproject(path, problems)
            elif entry.startswith("requirements") and entry.endswith(".txt"):
                declared += _requirements_txt(path, problems)
    rows = []
    for file, line, text, lock_style in declared:
        try:
            requirement = Requirement(text)
        except Exception as error:
            problems.append(f"{file}:{line}: unreadable requirement {text!r}: {error}")
            continue
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        wanted = _canonical(requirement.name)
        installed = versions.get(wanted)
        specifiers = list(requirement.specifier)
        pinned = (any(spec.operator in ("==", "===") and "*" not in spec.version for spec in specifiers)
                  if lock_style else bool(specifiers))
        rows.append({"file": file, "line": line, "requirement": str(requirement),
                     "name": names.get(wanted, requirement.name), "installed": installed,
                     "satisfied": installed is not None and _satisfies(requirement, installed, problems),
                     "pinned": pinned, "lock_style": lock_style})
    return rows


def _project_folders():
    """The script's folder, then the working directory."""
    folders = []
    if _script[0] is not None:
        folders.append(os.path.dirname(os.path.realpath(_script[0])))
    cwd = os.path.realpath(os.getcwd())
    if cwd not in folders:
        folders.append(cwd)
    return folders


def _pyproject(path, problems):
    import tomllib
    try:
        with open(path, "rb") as source:
            raw = source.read()
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as error:
        problems.append(f"{path}: {error}")
        return []
    dependencies = data.get("project", {}).get("dependencies", [])
    lines = raw.decode("utf-8").splitlines()
    out = []
    for text in dependencies if isinstance(dependencies, list) else []:
        if not isinstance(text, str):
            continue
        line = next((number for number, content in enumerate(lines, 1)
                     if f'"{text}"' in content or f"'{text}'" in content), 0)
        out.append((path, line, text, False))
    return out


def _requirements_txt(path, problems):
    out = []
    try:
        with open(path, encoding="utf-8") as source:
            lines = source.read().splitlines()
    except (OSError, UnicodeDecodeError) as error:
        problems.append(f"{path}: {error}")
        return out
    for number, content in enumerate(lines, 1):
        text = content.split(" #", 1)[0].strip()
        if not text or text.startswith(("#", "-")):  # comments and options (-r, -e, --index-url ...)
            continue
        out.append((path, number, text, True))
    return out
