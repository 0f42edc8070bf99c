#!/usr/bin/python3
"""Execute a notebook through the installed maskclean kernel.

Used by ./run demo and ./run test. The notebook (with the .mc files beside
it, which it may run()) is copied into a work directory, so files it writes
(demo data, review folders, exports) land there, then executed with `jupyter nbconvert --execute` and converted to a
self-contained HTML report with the images embedded.

    tools/nbrun.py NOTEBOOK WORKDIR [--html NAME] [--timeout S]

Prints nothing on success; on failure prints the failing cell and exits 1.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

JUPYTER = "/usr/bin/jupyter"


def execute(notebook, workdir, html=None, timeout=900, kernel="maskclean"):
    os.makedirs(workdir, exist_ok=True)
    base = os.path.splitext(os.path.basename(notebook))[0]
    src = os.path.join(workdir, base + ".ipynb")
    shutil.copyfile(notebook, src)
    # the files of code the notebook may run("...") beside it (setup.mc)
    folder = os.path.dirname(os.path.abspath(notebook))
    for name in sorted(os.listdir(folder)):
        if name.endswith(".mc"):
            shutil.copyfile(os.path.join(folder, name), os.path.join(workdir, name))
    out = base + ".executed.ipynb"
    cmd = [JUPYTER, "nbconvert", "--to", "notebook", "--execute",
           f"--ExecutePreprocessor.kernel_name={kernel}",
           f"--ExecutePreprocessor.timeout={timeout}",
           "--output", out, src]
    r = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True)
    executed = os.path.join(workdir, out)
    if r.returncode != 0:
        sys.stderr.write(f"{notebook}: execution failed\n{r.stderr[-4000:]}\n")
        return None
    if html:
        r = subprocess.run([JUPYTER, "nbconvert", "--to", "html", "--output", html,
                            executed], cwd=workdir, capture_output=True, text=True)
        if r.returncode != 0:
            sys.stderr.write(f"{notebook}: HTML export failed\n{r.stderr[-2000:]}\n")
            return None
    with open(executed) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("notebook")
    ap.add_argument("workdir")
    ap.add_argument("--html")
    ap.add_argument("--timeout", type=int, default=900)
    a = ap.parse_args()
    nb = execute(a.notebook, a.workdir, a.html, a.timeout)
    sys.exit(0 if nb is not None else 1)


if __name__ == "__main__":
    main()
