#!/usr/bin/python3
"""./run demo: runs notebooks/walkthrough.ipynb headless through the installed
maskclean kernel on the built-in demo dataset, writes out/walkthrough.html (a
self-contained report) and prints a short summary."""
import ast
import json
import os
import re
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
    rows, iterations, rate, found = notebooks.check_walkthrough("walkthrough.ipynb", nb, out,
                                                                "walkthrough")
    pick = ast.literal_eval(notebooks.text_of(nb, "pick"))
    truth = json.load(open(os.path.join(out, "demo-data", "ground_truth.json")))
    reviewed = sum(r[1] for r in rows)
    fixed = sum(r[4] for r in rows)
    random = float(re.search(r"random order: ([0-9.]+) expected", found).group(1))
    stop = ("because the AUC plateaued" if "The AUC has plateaued" in
            notebooks.stream_text(notebooks.tagged(nb, "loop")) else "at the 10-iteration limit")
    print(f"suspected class: {pick['class']} ({pick['count']} of its {pick['support']} samples "
          f"predicted as {pick['predicted']}); the review ranked every class")
    print(f"iterations: {iterations} of at most {notebooks.MAX_ITERATIONS}, stopped {stop}")
    print("iteration  reviewed  errors found  (relabeled + removed)     AUC")
    for r in rows:
        split = f"({r[2]:.0f} + {r[3]:.0f})"
        print(f"{r[0]:>9.0f}  {r[1]:>8.0f}  {r[4]:>12.0f}  {split:<21}  {r[6]:.4f}")
    print(f"errors found: {fixed:.0f} in {reviewed:.0f} reviewed ({100 * fixed / reviewed:.1f}%), "
          f"of the {truth['n_errors']} injected; a random order finds {random:.1f}")
    print(f"AUC: {rows[0][6]:.4f} -> {rows[-1][6]:.4f}")
    run = os.path.join(out, "runs", "walkthrough")
    print(f"report:    {os.path.join(out, 'walkthrough.html')}")
    print(f"corrected: {os.path.join(run, 'corrected.json')} "
          f"(changes in corrected.corrections.csv)")
    print(f"review:    {os.path.join(run, 'review')} (PNGs, CSVs, journal)")


if __name__ == "__main__":
    main()
