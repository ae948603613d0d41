"""Children in a virtualenv: a cleaned-environment subprocess and a spawn pool both see the virtualenv."""
import multiprocessing
import os
import subprocess
import sys


def probe(_):
    import only_in_venv
    return only_in_venv.MARK, os.path.basename(os.readlink("/proc/self/exe"))


if __name__ == "__main__":
    clean = subprocess.run([sys.executable, "-c", "import only_in_venv, sys; print(only_in_venv.MARK, sys.prefix)"],
                           env={}, capture_output=True, text=True)
    print("clean-env:", clean.stdout.strip() or clean.stderr.strip().splitlines()[-1])
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        print("spawn:", pool.map(probe, [0])[0])
