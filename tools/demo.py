#!/usr/bin/python3
"""./run demo: runs notebooks/walkthrough.ipynb headless through the installed
maskclean kernel on the built-in demo dataset, writes out/walkthrough.html (a
self-contained report) and prints a short summary."""
import ast
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nbrun  # noqa: E402
import notebooks  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    out = os.path.join(TOP, "out")
    print("maskclean demo: running notebooks/walkthrough.ipynb through the maskclean kernel ...",
          flush=True)
    # The walkthrough's review session of an earlier demo would be put aside.
    shutil.rmtree(os.path.join(out, "runs"), ignore_errors=True)
    nb = nbrun.execute(os.path.join(TOP, "notebooks", "walkthrough.ipynb"), out,
                       html="walkthrough.html")
    if nb is None:
        sys.exit(1)
    notebooks.check_common("walkthrough.ipynb", nb)
    pick = notebooks.check_pick("walkthrough.ipynb", nb)
    rows = notebooks.check_history("walkthrough.ipynb", nb, 6)
    rate, found = notebooks.check_closing("walkthrough.ipynb", nb)
    notebooks.check_export("walkthrough.ipynb", nb, out, "walkthrough")
    p = ast.literal_eval(pick)
    print(f"class of interest: {p['predicted']} ({p['value']:.0%} of the true "
          f"{p['true']} samples are predicted as {p['predicted']}, the largest confusion)")
    print("iteration  reviewed  errors found  (relabeled + removed)     AUC")
    for r in rows:
        split = f"({r[2]:.0f} + {r[3]:.0f})"
        print(f"{r[0]:>9.0f}  {r[1]:>8.0f}  {r[4]:>12.0f}  {split:<21}  {r[6]:.4f}")
    print(f"{found[found.index(':') + 1:].split('>')[0].strip()}")
    print(f"{rate[rate.index(':') + 1:].split('>')[0].strip()}")
    run = os.path.join(out, "runs", "walkthrough")
    print(f"report:    {os.path.join(out, 'walkthrough.html')}")
    print(f"corrected: {os.path.join(run, 'corrected.json')} "
          f"(changes in corrected.corrections.csv)")
    print(f"review:    {os.path.join(run, 'review')} (PNGs, CSVs, journal)")


if __name__ == "__main__":
    main()
