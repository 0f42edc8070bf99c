#!/usr/bin/python3
"""./run demo: runs notebooks/walkthrough.ipynb headless through the installed
maskclean kernel on the built-in demo dataset, writes out/walkthrough.html (a
self-contained report) and prints a short summary."""
import ast
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nbrun  # noqa: E402
import notebooks  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    out = os.path.join(TOP, "out")
    print("maskclean demo: running notebooks/walkthrough.ipynb through the maskclean kernel ...",
          flush=True)
    nb = nbrun.execute(os.path.join(TOP, "notebooks", "walkthrough.ipynb"), out,
                       html="walkthrough.html")
    if nb is None:
        sys.exit(1)
    notebooks.check_common("walkthrough.ipynb", nb)
    pick = notebooks.check_pick("walkthrough.ipynb", nb)
    rows = notebooks.check_history("walkthrough.ipynb", nb, 6)
    notebooks.check_export("walkthrough.ipynb", nb, out)
    p = ast.literal_eval(pick)
    print(f"class of interest: {p['predicted']} ({p['value']:.0%} of the true "
          f"{p['true']} samples are predicted as {p['predicted']}, the largest confusion)")
    print("iteration  reviewed  errors found  (relabeled + removed)     AUC")
    for r in rows:
        split = f"({r[2]} + {r[3]})"
        print(f"{r[0]:>9}  {r[1]:>8}  {int(r[2]) + int(r[3]):>12}  {split:<21}  {r[4]}")
    total = sum(int(r[2]) + int(r[3]) for r in rows)
    reviewed = sum(int(r[1]) for r in rows)
    print(f"errors found: {total} in {reviewed} reviewed")
    print(f"report:    {os.path.join(out, 'walkthrough.html')}")
    print(f"corrected: {os.path.join(out, 'corrected.json')}")
    print(f"review:    {os.path.join(out, 'review')} (PNGs, CSVs, journal)")


if __name__ == "__main__":
    main()
