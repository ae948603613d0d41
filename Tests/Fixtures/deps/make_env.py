"""Builds a virtualenv with hand-written distributions for DepsCommandTests (no network):
    /usr/bin/python3 make_env.py VENV SCENARIO
Scenarios: conflicts (every environment finding kind), healthy (none; a requirement whose marker excludes this
Python), namespaces (namespace packages shared the ways Debian and pip install them, Debian's stale metadata:
one clash among them), many N (N distributions requiring each other, for bench/deps_bench.py)."""
import os
import subprocess
import sys


def site_packages(venv):
    return os.path.join(venv, "lib", f"python{sys.version_info[0]}.{sys.version_info[1]}", "site-packages")


def dist_info(where, name, version, requires=(), modules=(), namespace=(), record=True, top_level=None):
    """A wheel-installed distribution: NAME-VERSION.dist-info with METADATA and RECORD, and its modules
    (a regular package per name in `modules`, a directory without __init__.py per name in `namespace`)."""
    folder = os.path.join(where, f"{name.replace('-', '_')}-{version}.dist-info")
    os.makedirs(folder, exist_ok=True)
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Dist: {requirement}" for requirement in requires]
    with open(os.path.join(folder, "METADATA"), "w") as out:
        out.write("\n".join(lines) + "\n\n")
    files = []
    for module in modules:
        os.makedirs(os.path.join(where, module), exist_ok=True)
        path = os.path.join(where, module, "__init__.py")
        with open(path, "w") as out:
            out.write(f"DISTRIBUTION = {name!r}\n")
            for requirement in requires:
                bare = requirement.split(";")[0].split("[")[0]
                for stop in "<>=!~ ":
                    bare = bare.split(stop)[0]
                if ";" not in requirement:  # a missing requirement stays an ImportError the module survives
                    out.write(f"try:\n    import {bare.replace('-', '_')}\nexcept ImportError:\n    pass\n")
        files.append(f"{module}/__init__.py")
    for module in namespace:
        os.makedirs(os.path.join(where, module), exist_ok=True)
        part = f"part_{name.replace('-', '_')}.py"
        with open(os.path.join(where, module, part), "w") as out:
            out.write("")
        files.append(f"{module}/{part}")
    if top_level is not None:
        with open(os.path.join(folder, "top_level.txt"), "w") as out:
            out.write("\n".join(top_level) + "\n")
    if record:
        base = os.path.basename(folder)
        files += [f"{base}/METADATA", f"{base}/RECORD"]
        with open(os.path.join(folder, "RECORD"), "w") as out:
            out.write("".join(f"{file},,\n" for file in files))


def egg_info(where, name, version, requires=(), modules=()):
    folder = os.path.join(where, f"{name}-{version}-py3.11.egg-info")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "PKG-INFO"), "w") as out:
        out.write(f"Metadata-Version: 1.1\nName: {name}\nVersion: {version}\n")
    with open(os.path.join(folder, "requires.txt"), "w") as out:
        out.write("\n".join(requires) + "\n")
    with open(os.path.join(folder, "top_level.txt"), "w") as out:
        out.write("\n".join(modules) + "\n")
    for module in modules:
        os.makedirs(os.path.join(where, module), exist_ok=True)
        with open(os.path.join(where, module, "__init__.py"), "w") as out:
            out.write("")


def conflicts(venv):
    site = site_packages(venv)
    # alpha: a version conflict (beta) and a missing requirement (gamma), both imported by the fixture target;
    # a requirement excluded by its marker and one behind an extra: neither is a finding.
    dist_info(site, "alpha", "1.0", requires=[
        "beta>=2.0", "gamma>=1.0", 'delta>=1; python_version < "3.0"', 'zeta; extra == "fast"'], modules=["alpha"])
    dist_info(site, "beta", "1.5", modules=["beta"])
    # Requirements not imported by the target: a conflict (egg-info) and a missing one.
    egg_info(site, "eggy", "0.3", requires=["beta>=3"], modules=["eggy"])
    dist_info(site, "lonely", "2.0", requires=["absent-dist"], modules=["lonely"])
    # Two distributions writing the same regular package; two sharing a namespace directory (no finding).
    dist_info(site, "omega", "1.0", modules=["shared"], namespace=["nsparts"])
    dist_info(site, "psi", "2.0", modules=["shared"], namespace=["nsparts"])
    # The same distribution twice on sys.path: a .pth adds a second folder after site-packages.
    extra = os.path.join(venv, "extra-site")
    dist_info(extra, "beta", "2.5", modules=[])
    with open(os.path.join(site, "zz_extra.pth"), "w") as out:
        out.write(extra + "\n")


def healthy(venv):
    site = site_packages(venv)
    dist_info(site, "gamma", "1.2", requires=["beta>=1.0,<2", 'delta>=1; python_version < "3.0"',
                                              'epsilon; sys_platform == "win32"'], modules=["gamma"])
    dist_info(site, "beta", "1.5", modules=["beta"])


def write(path, text=""):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as out:
        out.write(text)


def debian_egg_info(where, name, version, top_level, namespaces=(), folder_name=None):
    """An egg-info as Debian's python3-* packages ship it: PKG-INFO, top_level.txt, no file list."""
    folder = os.path.join(where, folder_name or f"{name}-{version}.egg-info")
    write(os.path.join(folder, "PKG-INFO"), f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    write(os.path.join(folder, "top_level.txt"), "\n".join(top_level) + "\n")
    if namespaces:
        write(os.path.join(folder, "namespace_packages.txt"), "\n".join(namespaces) + "\n")


def record(where, name, version, files):
    """A dist-info whose RECORD lists `files` ({path: content}), written with their sha256 as pip does."""
    import base64
    import hashlib
    folder = f"{name.replace('-', '_')}-{version}.dist-info"
    write(os.path.join(where, folder, "METADATA"), f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n")
    rows = []
    for path, content in files.items():
        write(os.path.join(where, path), content)
        digest = base64.urlsafe_b64encode(hashlib.sha256(content.encode()).digest()).rstrip(b"=").decode()
        rows.append(f"{path},sha256={digest},{len(content)}")
    rows += [f"{folder}/METADATA,,", f"{folder}/RECORD,,"]
    write(os.path.join(where, folder, "RECORD"), "\n".join(rows) + "\n")


def namespaces(venv):
    site = site_packages(venv)
    # Debian's lazr.uri and lazr.restfulclient: pkg_resources namespace `lazr` (namespace_packages.txt), its
    # __init__.py removed by Debian (a PEP 420 folder), no file list.
    for name, sub in (("lazr.uri", "uri"), ("lazr.restfulclient", "restfulclient")):
        debian_egg_info(site, name, "1.0", ["lazr"], namespaces=["lazr"])
        write(os.path.join(site, "lazr", sub, "__init__.py"))
    # pip's install of a pkg_resources namespace: a *-nspkg.pth each, no zope/__init__.py in RECORD.
    for name, sub in (("zope.event", "event"), ("zope.interface", "interface")):
        record(site, name, "5.0", {f"{name}-5.0-py3.11-nspkg.pth": "import sys\n", f"zope/{sub}/__init__.py": ""})
    # pkgutil-style namespace: each ships the same google/__init__.py (same hash in both RECORDs).
    extend = "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n"
    for name, sub in (("google-auth", "auth"), ("google-api-core", "api_core")):
        record(site, name, "2.0", {"google/__init__.py": extend, f"google/{sub}/__init__.py": ""})
    # PEP 420 folders shared by two, and one module file both write: the one real clash here.
    record(site, "plugins-a", "1.0", {"plugins/a.py": "", "plugins/common.py": "A = 1\n"})
    record(site, "plugins-b", "1.0", {"plugins/b.py": "", "plugins/common.py": "B = 1\n"})
    # pytest's py.py shim beside the py package (different files: the package wins by design).
    record(site, "pytest", "7.2.1", {"py.py": "import sys\n", "pytest/__init__.py": "",
                                     "pytest/__main__.py": "import py\nprint('pytest main')\n"})
    debian_egg_info(site, "py", "1.11.0", ["py"])
    write(os.path.join(site, "py", "__init__.py"))
    # Debian's cryptography: a dist-info and an egg-info of the same version in one folder (stale metadata),
    # and a pair that disagree on the version (one of them is wrong: a conflict).
    record(site, "cryptography", "38.0.4", {"cryptography/__init__.py": ""})
    debian_egg_info(site, "cryptography", "38.0.4", ["cryptography"], folder_name="cryptography.egg-info")
    record(site, "chardet", "5.1.0", {"chardet/__init__.py": ""})
    debian_egg_info(site, "chardet", "4.0.0", ["chardet"], folder_name="chardet.egg-info")


def many(venv, count):
    site = site_packages(venv)
    for index in range(count):
        requires = [f"pkg{index - 1:03d}>=1.0"] if index else []
        dist_info(site, f"pkg{index:03d}", "1.0", requires=requires, modules=[f"pkg{index:03d}"])


def main():
    venv, scenario = sys.argv[1], sys.argv[2]
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", venv], check=True)
    if scenario == "conflicts":
        conflicts(venv)
    elif scenario == "healthy":
        healthy(venv)
    elif scenario == "namespaces":
        namespaces(venv)
    elif scenario == "many":
        many(venv, int(sys.argv[3]))
    else:
        sys.exit(f"unknown scenario {scenario}")


if __name__ == "__main__":
    main()
