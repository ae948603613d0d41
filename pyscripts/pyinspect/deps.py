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
_main_module = [None]  # `-m NAME`: __main__ is NAME's (its distribution's, the standard library's)
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
    elif target.get("kind") == "module":
        _main_module[0] = target.get("value")
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

def _packaging(submodule):
    """Debian's `packaging.<submodule>`, imported as `_pyinspect_packaging.<submodule>` (its imports are relative):
    not in sys.path, not under the target's own `packaging` name. Only what a check needs is imported:
    `specifiers` alone costs half of `requirements`, which adds the marker parser and its tokenizer's patterns.
    The caller removes it from sys.modules."""
    import importlib
    if _PRIVATE not in sys.modules:
        import importlib.util
        spec = importlib.util.spec_from_file_location(
            _PRIVATE, os.path.join(_PACKAGING_DIR, "__init__.py"), submodule_search_locations=[_PACKAGING_DIR])
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load packaging from {_PACKAGING_DIR} (apt-get install python3-packaging)")
        module = importlib.util.module_from_spec(spec)
        sys.modules[_PRIVATE] = module
        # packaging.utils imports wheel tags (Tag, parse_tag) for wheel file names, which deps never parses;
        # packaging.tags probes sysconfig, platform and the ELF header at import: two thirds of `specifiers`'
        # import. A stand-in takes its place in this private copy only.
        tags = type(sys)(f"{_PRIVATE}.tags")
        tags.Tag = tags.parse_tag = None
        sys.modules[tags.__name__] = tags
        try:
            spec.loader.exec_module(module)
        except BaseException:
            _forget_packaging()
            raise
    return importlib.import_module(f"{_PRIVATE}.{submodule}")


def _forget_packaging():
    for name in [name for name in sys.modules if name == _PRIVATE or name.startswith(_PRIVATE + ".")]:
        del sys.modules[name]


def _facts():
    # Modules first: what the end step imports itself (csv, tomllib, packaging...) is not the target's.
    sys_path = [entry for entry in sys.path if isinstance(entry, str)]
    loaded = [(name, module) for name, module in list(sys.modules.items())
              if not name.startswith(("_pyinspect", "pyinspect"))]
    sites = dict(_first_import)
    try:
        with _StandardLibraryOnly():
            return _environment(sys_path, loaded, sites)
    finally:
        _forget_packaging()


class _StandardLibraryOnly:
    """While the end step runs, what it imports comes from the standard library itself, not from the target's
    folder: a local random.py or email.py the target imported must not stand in for the real one. sys.path and
    the target's modules are put back afterwards (the target has ended)."""

    def __enter__(self):
        stdlib = _stdlib_dir()
        self.kept_path = list(sys.path)
        self.hidden = {}
        for name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None)
            if (isinstance(file, str) and name.split(".", 1)[0] in sys.stdlib_module_names
                    and not file.startswith(stdlib)):
                self.hidden[name] = sys.modules.pop(name)
        sys.path[:] = [entry for entry in self.kept_path
                       if isinstance(entry, str) and entry.startswith(stdlib.rstrip(os.sep))]
        return self

    def __exit__(self, *exc_info):
        sys.path[:] = self.kept_path
        sys.modules.update(self.hidden)
        return False


def _canonical(name):
    # packaging.utils.canonicalize_name (runs of "-", "_", "." become one "-") without `re`
    name = name.lower().replace("_", "-").replace(".", "-")
    while "--" in name:
        name = name.replace("--", "-")
    return name


def _environment(sys_path, loaded, sites):
    problems = []
    cache = _Cache()

    # Every distribution on sys.path, in sys.path order: the first of a name is the one importlib and pip use.
    entries = [entry or os.getcwd() for entry in sys_path]
    found = []  # (canonical, Distribution, location, facts)
    seen_paths = set()
    for entry in entries:
        for dist in _distributions_in(entry, problems):
            if dist.path in seen_paths:
                continue
            seen_paths.add(dist.path)
            facts = cache.distribution(dist)
            if not facts["name"]:
                problems.append(f"no Name in {dist.path}")
                continue
            found.append((_canonical(facts["name"]), dist, entry, facts))

    winners = {}
    copies = {}
    for canonical, dist, location, facts in found:
        winners.setdefault(canonical, (dist, location, facts))
        copies.setdefault(canonical, []).append({"version": facts["version"], "path": dist.path})
    duplicates = []
    for canonical, listed in copies.items():
        if len(listed) > 1:
            folders = {os.path.dirname(copy["path"]) for copy in listed}
            duplicates.append({"name": winners[canonical][2]["name"], "copies": listed,
                               "same_directory": len(folders) == 1})

    # Top-level modules each distribution installs (RECORD, installed-files.txt, else top_level.txt).
    owners = {}  # (location, top) -> [(display name, Distribution)], more than one when they share it
    provides = {}  # top -> [(display name, version, Distribution)]
    for canonical, (dist, location, facts) in winners.items():
        for top in facts["tops"]:
            owners.setdefault((location, top), []).append((facts["name"], dist))
            provides.setdefault(top, []).append((facts["name"], facts["version"], dist))
    shared = _shared_modules(provides)

    versions = {canonical: winner[2]["version"] for canonical, winner in winners.items()}
    names = {canonical: winner[2]["name"] for canonical, winner in winners.items()}

    # pip check: each requirement of each distribution, markers evaluated with extra "" (no extras requested).
    checker = _Checker(versions, cache)
    requirement_problems = []
    checked = 0
    for canonical, (dist, _, facts) in sorted(winners.items()):
        name, version = facts["name"], facts["version"]
        for text in facts["requires"]:
            verdict, detail, wanted = checker.check(text)
            if verdict == "error":
                problems.append(f"{name} {version}: {detail}")
                continue
            if verdict == "skip":
                continue
            checked += 1
            if verdict == "ok":
                continue
            requirement_problems.append({
                "distribution": name, "version": version, "requirement": detail,
                "required": names.get(wanted, wanted), "installed": versions.get(wanted)})

    modules = _modules(loaded, sites, entries, owners, provides, versions)
    project = _project(versions, names, problems)
    cache.save()
    return {
        "sys_path": sys_path, "distribution_count": len(winners), "requirements_checked": checked,
        "duplicates": duplicates, "shared_modules": shared, "requirement_problems": requirement_problems,
        "project": project, "modules": modules, "problems": problems,
    }


def _split_requirement(text):
    """(name, specifier text, marker text) of a plain PEP 508 requirement (`name[extras] specifiers; marker`,
    old-style `name (specifiers)`), None for anything else (a URL): those go to packaging's own parser. Only
    splits: the specifiers and the marker are still read by packaging when they must be."""
    requirement, _, marker = text.partition(";")
    requirement = requirement.strip()
    end = 0
    while end < len(requirement) and (requirement[end].isalnum() or requirement[end] in "._-"):
        end += 1
    name, rest = requirement[:end], requirement[end:].strip()
    if rest.startswith("["):
        close = rest.find("]")
        if close < 0:
            return None
        rest = rest[close + 1:].strip()
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1].strip()
    if not name or "@" in rest or "[" in rest:
        return None
    return name, rest, marker.strip()


def _excluded_by_extra(marker):
    """True when the marker is an `and` of clauses one of which is `extra == "X"`: false with no extra requested,
    whatever the rest says. Anything else (`or`, parentheses) is left to packaging's markers."""
    if " or " in marker or "(" in marker:
        return False
    for clause in marker.split(" and "):
        compact = clause.replace(" ", "")
        if compact.startswith("extra==") and len(compact) > len("extra==") + 2 and compact[-1] in "\"'":
            return True
    return False


class _Checker:
    """Each requirement decided as `pip check` does, with packaging loaded only for what needs it: a requirement
    behind an extra is skipped and one with no specifier met by any installed version without it; a specifier
    is read by `packaging.specifiers` alone; `packaging.requirements` (and its markers) only for one that is not
    met, to evaluate its marker. Verdicts are kept in the cache, keyed by the requirement and the version it was
    checked against."""

    def __init__(self, versions, cache):
        self.versions = versions
        self.cache = cache
        self.specifier_sets = {}

    def check(self, text):
        """(verdict, detail, canonical name required): "skip" (marker false here), "ok", "unmet" (detail: the
        requirement as packaging writes it), "error" (detail: why it cannot be read)."""
        parts = _split_requirement(text)
        if parts is None:
            return self._full(text)
        name, specifier, marker = parts
        canonical = _canonical(name)
        if marker and _excluded_by_extra(marker):
            return "skip", None, canonical
        installed = self.versions.get(canonical)
        if installed is not None and not specifier:
            return "ok", None, canonical
        key = f"{text}\0{installed or ''}"
        known = self.cache.verdict(key)
        if known is not None:
            return known[0], known[1], canonical
        decided = None
        if installed is not None:
            try:
                if self._specifier_set(specifier).contains(installed, prereleases=True):
                    decided = ("ok", None, canonical)
            except Exception:  # an invalid specifier or installed version: the full parse decides
                pass
        if decided is None:
            decided = self._full(text)
        if decided[0] != "error":
            self.cache.remember_verdict(key, decided[0], decided[1])
        return decided

    def _specifier_set(self, text):
        specifier_set = self.specifier_sets.get(text)
        if specifier_set is None:
            specifier_set = self.specifier_sets[text] = _packaging("specifiers").SpecifierSet(text)
        return specifier_set

    def _full(self, text):
        try:
            requirement = _packaging("requirements").Requirement(text)
        except Exception as error:
            return "error", f"unreadable requirement {text!r}: {error}", None
        canonical = _canonical(requirement.name)
        installed = self.versions.get(canonical)
        if installed is not None and _satisfies(requirement, installed):
            return "ok", None, canonical
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            return "skip", None, canonical
        return "unmet", str(requirement), canonical


def _satisfies(requirement, version):
    try:
        return requirement.specifier.contains(version, prereleases=True)
    except Exception:  # an invalid installed version: pip reports it as a conflict too
        return False


class _Cache:
    """What the end step learnt about this interpreter's distributions, kept between runs in
    $XDG_CACHE_HOME/pyinspect (~/.cache/pyinspect), one file per interpreter prefix: each distribution's
    name, version, requirements and top-level modules, keyed by its folder and the times its folder and metadata
    file were written; each requirement's verdict, keyed by the requirement and the version it was checked
    against. An unchanged environment is read again without METADATA, RECORD or packaging. Only what this run
    saw is written back, and files not written for 30 days are removed; a cache that cannot be read or written is
    ignored (PYINSPECT_DEPS_CACHE=0 turns it off)."""

    FORMAT = 1

    def __init__(self):
        self.path = None
        self.old_distributions, self.old_verdicts = {}, {}
        self.distributions, self.verdicts = {}, {}
        self.changed = False
        if os.environ.get("PYINSPECT_DEPS_CACHE") == "0":
            return
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        if not os.path.isabs(base):
            return
        self.identity = [self.FORMAT, sys.prefix, sys.executable, sys.version]
        self.path = os.path.join(base, "pyinspect", "deps-" + sys.prefix.strip(os.sep).replace(os.sep, "_")[-120:] + ".json")
        try:
            with open(self.path, encoding="utf-8") as source:
                saved = fastjson.loads(source.read())
        except (OSError, ValueError, UnicodeDecodeError):
            return
        if isinstance(saved, dict) and saved.get("identity") == self.identity:
            self.old_distributions = saved.get("distributions") or {}
            self.old_verdicts = saved.get("verdicts") or {}

    def distribution(self, dist):
        """{name, version, requires, tops} of one distribution, from the cache when its files are unchanged."""
        stamp = dist.stamp()
        old = self.old_distributions.get(dist.path)
        if stamp is not None and isinstance(old, dict) and old.get("stamp") == stamp:
            facts = old
        else:
            facts = {"stamp": stamp, "name": dist.header("name"), "version": dist.header("version"),
                     "requires": dist.requires(), "tops": sorted(_top_level(dist))}
            self.changed = True
        self.distributions[dist.path] = facts
        return facts

    def verdict(self, key):
        known = self.old_verdicts.get(key)
        if isinstance(known, list) and len(known) == 2:
            self.verdicts[key] = known
            return known
        return None

    def remember_verdict(self, key, verdict, detail):
        self.verdicts[key] = [verdict, detail]
        self.changed = True

    def save(self):
        if self.path is None:
            return
        if not self.changed and self.old_distributions.keys() == self.distributions.keys() \
                and self.old_verdicts.keys() == self.verdicts.keys():
            return
        try:
            os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
            partial = f"{self.path}.{os.getpid()}"
            with open(partial, "w", encoding="utf-8") as out:
                out.write(fastjson.dumps({"identity": self.identity, "distributions": self.distributions,
                                          "verdicts": self.verdicts}))
            os.replace(partial, self.path)
        except OSError:
            return
        self._prune(os.path.dirname(self.path))

    @staticmethod
    def _prune(folder, days=30):
        """Removes the files of environments not inspected for `days` (temporary virtualenvs), when writing."""
        import time
        oldest = time.time() - days * 86400
        try:
            for name in os.listdir(folder):
                path = os.path.join(folder, name)
                if name.startswith("deps-") and os.stat(path).st_mtime < oldest:
                    os.remove(path)
        except OSError:
            pass


def _top_level(dist):
    """The top-level module and package names a distribution installs: from its file list (RECORD,
    installed-files.txt), else top_level.txt."""
    files = dist.files()
    if files is None:
        tops = set()
        for line in (dist.read_text("top_level.txt") or "").splitlines():
            top = line.strip().split("/", 1)[0]
            if top.isidentifier():
                tops.add(top)
        return tops
    return {top for top in map(_top_of, files) if top is not None}


def _top_of(file):
    """The top-level module a file installed relative to its sys.path entry belongs to, or None."""
    first, separator, _ = file.partition("/")
    if not first or first in ("..", "__pycache__") or first.endswith((".dist-info", ".egg-info", ".data")):
        return None
    if separator:
        return first if first.isidentifier() else None
    if first.endswith(".py"):
        top = first[:-3]
    elif first.endswith((".so", ".pyd")):
        top = first.split(".", 1)[0]
    else:
        return None
    return top if top.isidentifier() else None


def _shared_modules(provides):
    """Top-level modules two distributions write the same file of (`shared/__init__.py` twice: the last install
    overwrote the other's). Sharing a namespace package is not: each writes its own files under it, whether a
    PEP 420 folder, a pkg_resources one (`namespace_packages.txt`, a `*-nspkg.pth`, or the `__init__.py` each
    declares) or a pkgutil one written with the same content (same RECORD hash). A module and a package of one
    name (pytest's `py.py` shim beside the `py` package) write different files: the package wins by design."""
    shared = []
    for top, listed in sorted(provides.items()):
        if len(listed) < 2:
            continue
        writers = {}  # file -> [(name, version, hash, folder)]
        for name, version, dist in listed:
            for file, digest in _written(dist, top).items():
                writers.setdefault(file, []).append((name, version, digest, os.path.dirname(dist.path)))
        clashes = {}
        for file, who in sorted(writers.items()):
            if len(who) < 2:
                continue
            digests = {digest for _, _, digest, _ in who}
            if len(digests) == 1 and None not in digests:
                continue  # the same content written twice (a pkgutil namespace __init__.py)
            clashes[file] = who
        if not clashes:
            continue
        involved = []
        for who in clashes.values():
            for name, version, _, _ in who:
                if (name, version) not in involved:
                    involved.append((name, version))
        folders = {folder for who in clashes.values() for _, _, _, folder in who}
        shared.append({"module": top, "distributions": [{"name": n, "version": v} for n, v in involved],
                       "files": list(clashes)[:3], "same_directory": len(folders) == 1})
    return shared


def _written(dist, top):
    """{file relative to the sys.path entry: RECORD hash or None} that `dist` writes of the module `top`,
    without bytecode and without a namespace package's `__init__.py` it declares in namespace_packages.txt.
    With no file list, the file the import system would load, found on disk. Kept on `dist`: the modules table
    asks again for every module of a shared namespace."""
    known = dist.written.get(top)
    if known is None:
        known = dist.written[top] = _written_files(dist, top)
    return known


def _written_files(dist, top):
    declared = {line.strip().replace(".", "/") + "/__init__.py"
                for line in (dist.read_text("namespace_packages.txt") or "").splitlines() if line.strip()}
    files = dist.files(with_hashes=True)
    if files is None:
        folder = os.path.dirname(dist.path)
        if top + "/__init__.py" in declared:
            return {}
        for candidate in (top + "/__init__.py", top + ".py"):
            if os.path.isfile(os.path.join(folder, candidate)):
                return {candidate: None}
        return {}
    return {file: digest for file, digest in files
            if _top_of(file) == top and file not in declared and "/__pycache__/" not in file
            and not file.endswith(".pyc")}


class _Distribution:
    """One installed distribution, read as importlib.metadata finds and reads it (`NAME.dist-info/METADATA`,
    `NAME.egg-info/PKG-INFO` or an egg-info file, `EGG/EGG-INFO`), with a plain header parser: email.parser
    and importlib.metadata's own import cost more than the whole check on 200 distributions."""

    def __init__(self, path, metadata_file):
        self.path = path
        self._metadata_file = metadata_file
        self._headers = None
        self.written = {}  # top-level module -> {file: hash} (_written)

    def stamp(self):
        """When the folder and the metadata file were last written (a reinstall rewrites both), for the cache."""
        try:
            folder = os.stat(self.path)
            metadata = os.stat(self._metadata_file) if self._metadata_file != self.path else folder
        except OSError:
            return None
        return [folder.st_mtime_ns, metadata.st_mtime_ns, metadata.st_size]

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

    def files(self, with_hashes=False):
        """The files it installed, relative to its sys.path entry: RECORD's (dist-info) or installed-files.txt's
        (egg-info, written relative to the egg-info folder); None when there is no such list. With hashes:
        (file, RECORD's hash or None) pairs."""
        if self.path.endswith(".dist-info"):
            text = self.read_text("RECORD")
            if text is None:
                return None
            rows = []
            for line in text.splitlines():
                if line.startswith('"'):
                    import csv  # a path with a comma: quoted (the standard library's csv)
                    rows += [row for row in csv.reader([line]) if row]
                else:
                    rows.append(line.split(","))
            if with_hashes:
                return [(row[0], row[1] if len(row) > 1 and row[1] else None) for row in rows]
            return [row[0] for row in rows]
        text = self.read_text("installed-files.txt")
        if text is None:
            return None
        base = os.path.basename(self.path)
        paths = [os.path.normpath(os.path.join(base, line.strip())) for line in text.splitlines() if line.strip()]
        return [(path, None) for path in paths] if with_hashes else paths


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
        if child.endswith(".dist-info"):
            path = os.path.join(entry, child)
            found.append(_Distribution(path, os.path.join(path, "METADATA")))
        elif child.endswith(".egg-info"):
            path = os.path.join(entry, child)
            found.append(_Distribution(path, os.path.join(path, "PKG-INFO") if os.path.isdir(path) else path))
        elif child.endswith(".egg"):
            info = os.path.join(entry, child, "EGG-INFO")
            if os.path.isdir(info):
                found.append(_Distribution(info, os.path.join(info, "PKG-INFO")))
    return found


def _stdlib_dir():
    return os.path.dirname(os.__file__) + os.sep


def _owner(candidates, file, entry, top):
    """The distribution that wrote `file` among those installing `top` in `entry` (pytest's py.py and the py
    package share the name `py`), else the first."""
    if not candidates:
        return None
    if len(candidates) > 1 and file.startswith(entry + os.sep):
        relative = file[len(entry) + 1:]
        for name, dist in candidates:
            if relative in _written(dist, top):
                return name
    return candidates[0][0]


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
        if name == "__main__" and _main_module[0]:
            top = _main_module[0].split(".", 1)[0]
        owner = _owner(owners.get((entry, top)) if entry is not None else None, file, entry, top)
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
    for (location, top), listed in owners.items():
        by_top.setdefault(top, listed[0][0])
    for name, site in sorted(sites.items()):
        owner = by_top.get(name.split(".", 1)[0])
        if name in loaded_names or owner is None:
            continue
        rows.append({"name": name, "file": None, "origin": "distribution", "distribution": owner,
                     "version": versions.get(_canonical(owner)), "site": {"file": site[0], "line": site[1]},
                     "import_failed": True})
    return rows


def _project(versions, names, problems):
    """The project's declared requirements (pyproject.toml's [project] dependencies, requirements*.txt and the
    files they include with -r) of the script's project and the working directory's, each compared with what
    is installed."""
    declared = []
    included = set()
    for folder, listing in _project_folders():
        for entry in listing:
            if entry == "pyproject.toml":
                declared += _pyproject(os.path.join(folder, entry), problems)
            elif _is_requirements_file(entry):
                declared += _requirements_txt(os.path.join(folder, entry), problems, included)
    rows = []
    for file, line, text, lock_style in declared:
        try:
            requirement = _packaging("requirements").Requirement(text)
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
                     "satisfied": installed is not None and _satisfies(requirement, installed),
                     "pinned": pinned, "lock_style": lock_style})
    return rows


def _is_requirements_file(name):
    return name.startswith("requirements") and name.endswith(".txt")


def _project_folders():
    """(folder, sorted listing) of the script's project, then the working directory: the script's project is
    the nearest folder up from the script's that holds a pyproject.toml or a requirements*.txt (`src/app/main.py`
    run from anywhere), not above the repository's root (a folder with .git) nor the home folder."""
    starts = []
    if _script[0] is not None:
        starts.append((os.path.dirname(os.path.realpath(_script[0])), True))
    starts.append((os.path.realpath(os.getcwd()), False))
    home = os.path.realpath(os.path.expanduser("~"))
    found = []
    for folder, walk_up in starts:
        while True:
            try:
                listing = sorted(os.listdir(folder))
            except OSError:
                break
            if any(entry == "pyproject.toml" or _is_requirements_file(entry) for entry in listing):
                if folder not in [known for known, _ in found]:
                    found.append((folder, listing))
                break
            parent = os.path.dirname(folder)
            if not walk_up or ".git" in listing or folder == home or parent == folder:
                break
            folder = parent
    return found


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


def _requirements_txt(path, problems, included):
    """(path, line, requirement, True) of each named requirement in a requirements file, as pip reads it:
    lines continued with a backslash joined, per-requirement options (--hash) cut off, files included with
    -r / --requirement followed; other options (-e, -c, --index-url), URLs and paths skipped."""
    out = []
    real = os.path.realpath(path)
    if real in included:
        return out
    included.add(real)
    try:
        with open(path, encoding="utf-8") as source:
            lines = source.read().splitlines()
    except (OSError, UnicodeDecodeError) as error:
        problems.append(f"{path}: {error}")
        return out
    number = 0
    while number < len(lines):
        first = number + 1
        content = lines[number]
        number += 1
        while content.rstrip().endswith("\\") and number < len(lines):
            content = content.rstrip()[:-1] + " " + lines[number]
            number += 1
        text = content.split(" #", 1)[0].strip()
        if text.startswith("#"):
            continue
        words = text.split()
        if not words:
            continue
        if words[0] in ("-r", "--requirement") or words[0].startswith(("-r", "--requirement=")):
            name = words[1] if words[0] in ("-r", "--requirement") and len(words) > 1 else \
                words[0].split("=", 1)[1] if words[0].startswith("--requirement=") else words[0][2:]
            if name:
                out += _requirements_txt(os.path.join(os.path.dirname(path), name), problems, included)
            continue
        if text.startswith("-"):  # -e, -c, --index-url ...
            continue
        text = text.split(" --", 1)[0].split("\t--", 1)[0].strip()
        if "://" in words[0] or text.startswith((".", "/", "~")) or words[0].endswith((".whl", ".zip", ".tar.gz")):
            continue  # a URL or a path: no name to compare
        out.append((path, first, text, True))
    return out
