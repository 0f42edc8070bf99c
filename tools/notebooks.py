#!/usr/bin/python3
"""Executes every bundled notebook through the installed kernel (nbconvert) and
checks what a reader relies on in the saved outputs.

    tools/notebooks.py [WORKDIR]

Each notebook runs in its own folder under WORKDIR (default build/notebooks),
without the review sessions ("runs/") of an earlier run.
real_coco.ipynb runs on tests/data/coco/tinycoco: its "parameters" cell is
replaced, as papermill would. Prints one line per notebook and a closing
"N passed, N failed" line.
"""
import hashlib
import json
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nbrun  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEST_DATA = os.environ.get("MC_TEST_DATA", os.path.join(TOP, "tests", "data"))


def outputs(nb, kind=None):
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if kind is None or out["output_type"] == kind:
                yield cell, out


def mimes(nb):
    found = {}
    for _, out in outputs(nb):
        for mime in out.get("data", {}):
            found[mime] = found.get(mime, 0) + 1
    return found


def tagged(nb, tag):
    for cell in nb["cells"]:
        if tag in cell.get("metadata", {}).get("tags", []):
            return cell
    raise AssertionError(f"no cell tagged {tag}")


def check_common(name, nb):
    errors = [out for _, out in outputs(nb, "error")]
    assert not errors, f"{name}: error output: {errors[0].get('ename')}: {errors[0].get('evalue')}"
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("execution_count"), f"{name}: a code cell did not run"
    for _, out in outputs(nb):
        data = out.get("data", {})
        if data:
            assert "text/plain" in data, f"{name}: an output without text/plain"
        if "image/png" in data:
            md = out.get("metadata", {}).get("image/png", {})
            assert md.get("width") and md.get("height"), f"{name}: PNG without width/height"


def check_pictures(name, nb, at_least):
    n = mimes(nb).get("image/png", 0)
    assert n >= at_least, f"{name}: {n} pictures, expected at least {at_least}"


def text_of(nb, tag):
    """The text/plain of the cell tagged tag (its last output that has one)."""
    texts = ["".join(out["data"]["text/plain"]) for out in tagged(nb, tag)["outputs"]
             if "text/plain" in out.get("data", {})]
    assert texts, f"cell {tag} has no output"
    return texts[-1]


def history_rows(nb):
    """rv.history as rows: iteration, reviewed, relabeled, removed, fixed,
    outside batch, AUC, macro AUC, total reviewed (as numbers)."""
    text = text_of(nb, "summary")
    rows = [line.split() for line in text.splitlines() if line.strip()[:1].isdigit()]
    return text, [[float(x) for x in r[:9]] for r in rows]


def check_history(name, nb, iterations):
    """The iteration log: one row per iteration, fixed = relabeled + removed,
    errors found, AUC not falling."""
    text, rows = history_rows(nb)
    assert len(rows) == iterations + 1, f"{name}: history has {len(rows)} rows:\n{text}"
    for r in rows:
        assert r[4] == r[2] + r[3], f"{name}: fixed is not relabeled + removed:\n{text}"
    found = sum(r[4] for r in rows)
    assert found > 0, f"{name}: the review found no errors:\n{text}"
    auc = [r[6] for r in rows]
    for a, b in zip(auc, auc[1:]):
        assert b >= a, f"{name}: AUC fell from {a} to {b} across iterations:\n{text}"
    return rows


def check_figure(name, nb, tag):
    """The cell tagged tag shows a picture; returns its description."""
    cell = tagged(nb, tag)
    pngs = [out for out in cell["outputs"] if "image/png" in out.get("data", {})]
    assert pngs, f"{name}: cell {tag} shows no picture"
    return "".join(pngs[-1]["data"]["text/plain"])


def check_closing(name, nb):
    """The closing figures: the % of reviewed samples fixed agrees with the
    history, the review finds more errors than a random order would, and the
    gallery holds every fix."""
    _, rows = history_rows(nb)
    reviewed = sum(r[1] for r in rows)
    fixed = sum(r[4] for r in rows)
    outside = sum(r[5] for r in rows)
    rate = check_figure(name, nb, "rate")
    m = re.search(r"([0-9.]+)% of ([0-9]+) reviewed samples fixed", rate)
    assert m, f"{name}: the % fixed figure says {rate}"
    assert int(m.group(2)) == reviewed and abs(float(m.group(1)) - 100 * fixed / reviewed) < 0.06, \
        f"{name}: {rate}, the history says {fixed:.0f} of {reviewed:.0f}"
    found = check_figure(name, nb, "found")
    m = re.search(r"errors found: ([0-9]+) in ([0-9]+) reviewed; random order: ([0-9.]+) expected",
                  found)
    assert m, f"{name}: the found-errors figure says {found}"
    assert int(m.group(1)) == fixed, f"{name}: {found}, the history says {fixed:.0f}"
    assert float(m.group(1)) > 2 * float(m.group(3)), \
        f"{name}: the review finds no more than twice a random order: {found}"
    gallery = check_figure(name, nb, "gallery")
    m = re.search(r"Fixed samples: ([0-9]+) \(([0-9]+) relabeled, ([0-9]+) removed\)", gallery)
    assert m and int(m.group(1)) == fixed + outside, \
        f"{name}: the gallery says {gallery}, the history {fixed + outside:.0f} fixes"
    return rate, found


def check_pick(name, nb):
    """The class of interest, as the confusion-matrix rule picked it."""
    text = text_of(nb, "pick")
    assert "'predicted': '" in text and "'true': '" in text, f"{name}: no class picked: {text}"
    return text


def check_export(name, nb, workdir, run):
    """The corrected COCO JSON: written, valid, with the fixes in it, and the
    corrections log naming it by its hash."""
    text = text_of(nb, "export")
    path = os.path.join(workdir, "runs", run, "corrected.json")
    assert os.path.exists(path), f"{name}: {path} was not written ({text})"
    fixed = json.load(open(path))
    original = json.load(open(os.path.join(workdir, "demo-data", "annotations.json")))
    assert len(fixed["annotations"]) < len(original["annotations"]), \
        f"{name}: corrected.json removed no annotation"
    before = {a["id"]: a["category_id"] for a in original["annotations"]}
    relabeled = sum(1 for a in fixed["annotations"] if before[a["id"]] != a["category_id"])
    assert relabeled > 0, f"{name}: corrected.json relabeled no annotation"
    log = os.path.join(workdir, "runs", run, "corrected.corrections.csv")
    first = open(log).readline()
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    assert first.strip() == f"# corrections of corrected.json sha256={digest}", \
        f"{name}: {log} does not name its JSON: {first}"


CHECKS = {
    "01_load.ipynb": lambda nb, wd: check_pictures("01", nb, 1),
    "02_pick_class.ipynb": lambda nb, wd: check_pictures("02", nb, 1),
    "03_coreset.ipynb": lambda nb, wd: check_pictures("03", nb, 2),
    "04_clean.ipynb": lambda nb, wd: check_pictures("04", nb, 4),
    "05_results.ipynb": lambda nb, wd: check_pictures("05", nb, 9),
    "walkthrough.ipynb": lambda nb, wd: (check_pictures("walkthrough", nb, 12),
                                         check_pick("walkthrough", nb),
                                         check_history("walkthrough", nb, 6),
                                         check_closing("walkthrough", nb),
                                         check_export("walkthrough", nb, wd, "walkthrough")),
    "real_coco.ipynb": lambda nb, wd: check_pictures("real_coco", nb, 3),
}


def parameterise(path, workdir):
    """A copy of real_coco.ipynb whose parameters point at tinycoco."""
    nb = json.load(open(path))
    tiny = os.path.realpath(os.path.join(TEST_DATA, "coco", "tinycoco"))
    if not os.path.isdir(tiny):
        raise AssertionError(f"{tiny}: the COCO test data is missing")
    cell = tagged(nb, "parameters")
    cell["source"] = f'coco_dir = "{tiny}"\nsplit = "train2017"\nfeatures = none'
    os.makedirs(workdir, exist_ok=True)
    out = os.path.join(workdir, "..", "real_coco.params.ipynb")
    json.dump(nb, open(out, "w"))
    return out


def main():
    work = sys.argv[1] if len(sys.argv) > 1 else os.path.join(TOP, "build", "notebooks")
    passed = failed = 0
    for name in sorted(CHECKS):
        path = os.path.join(TOP, "notebooks", name)
        wd = os.path.join(work, name[:-6])
        # Review sessions of an earlier run would be resumed or put aside:
        # each run starts without them.
        shutil.rmtree(os.path.join(wd, "runs"), ignore_errors=True)
        try:
            if name == "real_coco.ipynb":
                path = parameterise(path, wd)
            nb = nbrun.execute(path, wd)
            if nb is None:
                raise AssertionError(f"{name}: nbconvert --execute failed")
            check_common(name, nb)
            CHECKS[name](nb, wd)
            print(f"notebook {name}: ok")
            passed += 1
        except AssertionError as e:
            print(f"notebook {name}: FAILED: {e}")
            failed += 1
    print(f"notebooks: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
