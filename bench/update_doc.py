#!/usr/bin/python3
"""Replace one benchmark's section of docs/benchmarks.md.

Usage: bench/update_doc.py NAME < section.md

Each benchmark owns the text between <!-- bench:NAME --> and
<!-- /bench:NAME -->; sections keep their order, new ones go at the end.
The machine the figures came from is recorded in the header.
"""
import os
import platform
import re
import subprocess
import sys

HEADER = """# Benchmarks

Every figure here is written by a script in `bench/`, which runs maskclean and
the reference (scikit-learn, ipykernel, Python) side by side in one run on the
same machine. Re-run with `bench/run` (all) or `bench/<name>` (one).

"""


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.platform()}"


def main():
    name = sys.argv[1]
    body = sys.stdin.read().strip()
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(top, "docs", "benchmarks.md")
    text = open(path).read() if os.path.exists(path) else HEADER
    date = subprocess.run(["date", "-u", "+%Y-%m-%d %H:%M UTC"],
                          capture_output=True, text=True).stdout.strip()
    section = (f"<!-- bench:{name} -->\n{body}\n\n"
               f"_Measured {date} on {machine()}._\n<!-- /bench:{name} -->")
    pat = re.compile(rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->",
                     re.S)
    if pat.search(text):
        text = pat.sub(lambda m: section, text)
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
