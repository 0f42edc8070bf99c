#!/usr/bin/python3
"""Executes every bundled notebook through the installed kernel (nbconvert) and
checks what a reader relies on in the saved outputs.

    tools/notebooks.py [WORKDIR]

Each notebook runs in its own folder under WORKDIR (default build/notebooks).
real_coco.ipynb runs on tests/data/coco/tinycoco: its "parameters" cell is
replaced, as papermill would. Prints one line per notebook and a closing
"N passed, N failed" line.
"""
import json
import os
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


def check_history(name, nb, iterations):
    """The iteration log: one row per iteration, errors found, AUC not falling."""
    text = "".join(tagged(nb, "summary")["outputs"][0]["data"]["text/plain"])
    rows = [line.split() for line in text.splitlines() if line.strip()[:1].isdigit()]
    assert len(rows) == iterations + 1, f"{name}: history has {len(rows)} rows:\n{text}"
    found = sum(int(r[2]) + int(r[3]) for r in rows)
    assert found > 0, f"{name}: the review found no errors:\n{text}"
    auc = [float(r[4]) for r in rows]
    for a, b in zip(auc, auc[1:]):
        assert b >= a, f"{name}: AUC fell from {a} to {b} across iterations:\n{text}"
    return rows


def check_pick(name, nb):
    """The class of interest, as the confusion-matrix rule picked it."""
    text = "".join(tagged(nb, "pick")["outputs"][0]["data"]["text/plain"])
    assert "'predicted': '" in text and "'true': '" in text, f"{name}: no class picked: {text}"
    return text


def check_export(name, nb, workdir):
    """The corrected COCO JSON: written, valid, with the fixes in it."""
    text = "".join(tagged(nb, "export")["outputs"][0]["data"]["text/plain"])
    path = os.path.join(workdir, "corrected.json")
    assert os.path.exists(path), f"{name}: {path} was not written ({text})"
    fixed = json.load(open(path))
    original = json.load(open(os.path.join(workdir, "demo-data", "annotations.json")))
    assert len(fixed["annotations"]) < len(original["annotations"]), \
        f"{name}: corrected.json removed no annotation"
    before = {a["id"]: a["category_id"] for a in original["annotations"]}
    relabeled = sum(1 for a in fixed["annotations"] if before[a["id"]] != a["category_id"])
    assert relabeled > 0, f"{name}: corrected.json relabeled no annotation"


CHECKS = {
    "01_load.ipynb": lambda nb, wd: check_pictures("01", nb, 1),
    "02_pick_class.ipynb": lambda nb, wd: check_pictures("02", nb, 1),
    "03_coreset.ipynb": lambda nb, wd: check_pictures("03", nb, 2),
    "04_clean.ipynb": lambda nb, wd: check_pictures("04", nb, 1),
    "05_results.ipynb": lambda nb, wd: check_pictures("05", nb, 2),
    "walkthrough.ipynb": lambda nb, wd: (check_pictures("walkthrough", nb, 5),
                                         check_pick("walkthrough", nb),
                                         check_history("walkthrough", nb, 6),
                                         check_export("walkthrough", nb, wd)),
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
