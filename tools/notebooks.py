#!/usr/bin/python3
"""Executes every bundled notebook through the installed kernel (nbconvert) and
checks what a reader relies on in the saved outputs.

    tools/notebooks.py [WORKDIR [NAME...]]

Each notebook runs in its own folder under WORKDIR (default build/notebooks),
without the review sessions ("runs/") of an earlier run; NAMEs run only those
(README.md: the README's "your own data" snippet, run on tinycoco).
real_coco.ipynb runs on tests/data/coco/tinycoco three times, once per branch
of its embedding (built-in, a .npy, an ONNX model: real_coco.ipynb,
real_coco.npy, real_coco.onnx): its "parameters" cell is replaced, as
papermill would. Prints one line per notebook and a closing "N passed,
N failed" line.
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
# what the kernel shows pictures as: JPEG for grids of photos, PNG otherwise
PICTURE_MIMES = ("image/png", "image/jpeg")


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
        for mime in PICTURE_MIMES:
            if mime in data:
                md = out.get("metadata", {}).get(mime, {})
                assert md.get("width") and md.get("height"), \
                    f"{name}: {mime} without width/height"


def check_pictures(name, nb, at_least):
    n = sum(mimes(nb).get(mime, 0) for mime in PICTURE_MIMES)
    assert n >= at_least, f"{name}: {n} pictures, expected at least {at_least}"


def text_of(nb, tag):
    """The text/plain of the cell tagged tag (its last output that has one)."""
    texts = ["".join(out["data"]["text/plain"]) for out in tagged(nb, tag)["outputs"]
             if "text/plain" in out.get("data", {})]
    assert texts, f"cell {tag} has no output"
    return texts[-1]


def stream_text(cell):
    """What the cell printed."""
    return "".join("".join(out["text"]) for out in cell["outputs"]
                   if out["output_type"] == "stream")


def history_rows(nb):
    """rv.history as rows: iteration, reviewed, relabeled, removed, fixed,
    outside batch, AUC, macro AUC, total reviewed (as numbers)."""
    text = text_of(nb, "summary")
    rows = [line.split() for line in text.splitlines() if line.strip()[:1].isdigit()]
    return text, [[float(x) for x in r[:9]] for r in rows]


def check_history(name, nb, monotone=True):
    """The iteration log: at least one iteration, fixed = relabeled +
    removed, errors found, and (when monotone) the AUC not falling: on the
    demos each fix helps; on 42 real instances embedded by an untrained
    network one relabel can move the AUC either way."""
    text, rows = history_rows(nb)
    assert len(rows) >= 2, f"{name}: history has {len(rows)} rows:\n{text}"
    for r in rows:
        assert r[4] == r[2] + r[3], f"{name}: fixed is not relabeled + removed:\n{text}"
    found = sum(r[4] for r in rows)
    assert found > 0, f"{name}: the review found no errors:\n{text}"
    auc = [r[6] for r in rows]
    for a, b in zip(auc, auc[1:]):
        assert b >= a or not monotone, f"{name}: AUC fell from {a} to {b} across iterations:\n{text}"
    return rows


PLATEAU_GAIN, PLATEAU_WINDOW, MAX_ITERATIONS = 0.002, 2, 10


def check_loop(name, nb, rows):
    """The article's loop (the cell tagged loop): at most 10 iterations, each
    batch displayed, stopped at the first plateau (the AUC gained less than
    0.002 over the last 2 iterations) or after 10. The history shows the AUC
    to 4 decimals: gains within 0.0001 of the threshold are not judged."""
    iterations = len(rows) - 1
    assert 1 <= iterations <= MAX_ITERATIONS, f"{name}: {iterations} iterations"
    auc = [r[6] for r in rows]

    def gain(t):
        return auc[t] - auc[t - PLATEAU_WINDOW] if t >= PLATEAU_WINDOW else None

    for t in range(1, iterations):
        g = gain(t)
        assert g is None or g > PLATEAU_GAIN - 1e-4, \
            f"{name}: the AUC had plateaued at iteration {t} (gain {g:.4f}) but the loop went on"
    cell = tagged(nb, "loop")
    text = stream_text(cell)
    if iterations < MAX_ITERATIONS and "nothing left to review" not in text:
        g = gain(iterations)
        assert g is not None and g < PLATEAU_GAIN + 1e-4, \
            f"{name}: the loop stopped after {iterations} iterations without a plateau"
        assert "The AUC has plateaued" in text, f"{name}: the loop does not say why it stopped"
    # review batches are grids of photos: shown as JPEG
    batches = [out for out in cell["outputs"] if "image/jpeg" in out.get("data", {})]
    assert len(batches) >= iterations, \
        f"{name}: {len(batches)} batches displayed in {iterations} iterations"
    return iterations


def check_figure(name, nb, tag):
    """The cell tagged tag shows a picture; returns its description."""
    cell = tagged(nb, tag)
    pics = [out for out in cell["outputs"]
            if any(m in out.get("data", {}) for m in PICTURE_MIMES)]
    assert pics, f"{name}: cell {tag} shows no picture"
    return "".join(pics[-1]["data"]["text/plain"])


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
    assert float(m.group(1)) >= 5 * float(m.group(3)), \
        f"{name}: the review finds less than 5x what a random order finds: {found}"
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


def check_walkthrough(name, nb, workdir, run=None):
    """The walkthrough's shape: the pick shown, the loop, the closing
    figures, and the export when run names the notebook's folder."""
    check_pick(name, nb)
    rows = check_history(name, nb)
    iterations = check_loop(name, nb, rows)
    rate, found = check_closing(name, nb)
    if run:
        check_export(name, nb, workdir, run)
    return rows, iterations, rate, found


def check_real(name, nb, workdir, shape, find_all):
    """real_coco: the embedding its parameters chose (the shape of Z), the
    loop, the injected errors found (all of them when find_all), the export."""
    text = text_of(nb, "embedding").strip()
    assert text == f"[{shape[0]}, {shape[1]}]", \
        f"{name}: Z.shape is {text}, expected {list(shape)} from the chosen embedding"
    rows = check_history(name, nb, monotone=False)
    check_loop(name, nb, rows)
    found = stream_text(tagged(nb, "found"))
    m = re.search(r"injected errors found: ([0-9]+) of ([0-9]+) in ([0-9]+) reviewed", found)
    assert m and int(m.group(2)) > 0, f"{name}: {found}"
    assert int(m.group(1)) == sum(r[2] for r in rows), \
        f"{name}: {found.strip()}, but the history relabeled {sum(r[2] for r in rows):.0f}"
    if find_all:
        assert m.group(1) == m.group(2), f"{name}: {found.strip()}"
    path = os.path.join(workdir, "runs", "real_coco", "corrected.json")
    assert os.path.exists(path), f"{name}: {path} was not written"


# real_coco runs three times on tinycoco's train split (42 instances), once
# per branch of its embedding cell: the parameters' embedding lines, the shape
# of Z it gives (the built-in embedding: PCA to 41 components; the .npy of
# tinycoco_npy: its 32 columns; tests/data/cnn/tiny_resnet.onnx: 16), and
# whether every injected error must be found (the .npy's features separate
# the original classes).
REAL_VARIANTS = {
    "real_coco.ipynb": ("features = None\nmodel = None", (42, 41), False),
    "real_coco.npy": ("features = {npy!r}\nmodel = None", (42, 32), True),
    "real_coco.onnx": ("features = None\nmodel = {onnx!r}", (42, 16), False),
}


def check(name, nb, workdir):
    if name in REAL_VARIANTS:
        check_pictures(name, nb, 4)
        _, shape, find_all = REAL_VARIANTS[name]
        check_real(name, nb, workdir, shape, find_all)
    elif name == "walkthrough.ipynb":
        check_pictures(name, nb, 12)
        check_walkthrough(name, nb, workdir, "walkthrough")
    elif name == "05_results.ipynb":
        check_pictures(name, nb, PICTURES[name])
        check_loop(name, nb, check_history(name, nb))
    elif name == "hard_demo.ipynb":
        check_pictures(name, nb, 6)
        check_walkthrough(name, nb, workdir)
    else:
        check_pictures(name, nb, PICTURES[name])


# The article's steps: the pictures each shows at least.
PICTURES = {"01_load.ipynb": 1, "02_pick_class.ipynb": 1, "03_coreset.ipynb": 3,
            "04_clean.ipynb": 3, "05_results.ipynb": 6}
NAMES = sorted(PICTURES) + ["hard_demo.ipynb", "walkthrough.ipynb"] + list(REAL_VARIANTS)


def tinycoco_npy(path):
    """A .npy for tinycoco's train split, one row per kept (non-crowd)
    annotation in file order: its category one-hot over 32 columns plus a
    little seeded noise, features that separate the original classes."""
    import numpy as np
    tiny = os.path.join(TEST_DATA, "coco", "tinycoco", "annotations", "instances_train2017.json")
    anns = [a for a in json.load(open(tiny))["annotations"] if not a.get("iscrowd")]
    rng = np.random.default_rng(0)
    X = rng.normal(0, 0.05, (len(anns), 32))
    for r, a in enumerate(anns):
        X[r, a["category_id"] % 32] += 1.0
    np.save(path, X)


def parameterise(workdir, variant):
    """A copy of real_coco.ipynb whose parameters point at tinycoco and at
    the variant's embedding, as papermill would."""
    nb = json.load(open(os.path.join(TOP, "notebooks", "real_coco.ipynb")))
    tiny = os.path.realpath(os.path.join(TEST_DATA, "coco", "tinycoco"))
    if not os.path.isdir(tiny):
        raise AssertionError(f"{tiny}: the COCO test data is missing")
    os.makedirs(workdir, exist_ok=True)
    npy = os.path.join(os.path.realpath(workdir), "tinycoco-features.npy")
    if variant == "real_coco.npy":
        tinycoco_npy(npy)
    onnx = os.path.realpath(os.path.join(TEST_DATA, "cnn", "tiny_resnet.onnx"))
    embedding = REAL_VARIANTS[variant][0].format(npy=npy, onnx=onnx)
    tagged(nb, "parameters")["source"] = \
        f'coco_dir = "{tiny}"\nsplit = "train2017"\n{embedding}\nnoise = 0.1'
    out = os.path.join(workdir, "..", variant.replace(".", "_") + ".params.ipynb")
    json.dump(nb, open(out, "w"))
    return out


def readme_snippet(workdir):
    """README.md's "your own data" snippet, run through the kernel on
    tinycoco's train split as a user would: input() is answered after
    marking, in the batch's review.csv, the first sample removed and the
    second relabeled. It must finish with those decisions applied."""
    import csv
    from jupyter_client.manager import start_new_kernel

    readme = open(os.path.join(TOP, "README.md")).read()
    m = re.search(r"On your own data.*?```python\n(.*?)```", readme, re.S)
    assert m, "README.md: no \"your own data\" snippet"
    tiny = os.path.realpath(os.path.join(TEST_DATA, "coco", "tinycoco"))
    code = m.group(1).replace('"coco/', f'"{tiny}/') + "\nrv.history[-1]"
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    km, kc = start_new_kernel(kernel_name="maskclean", cwd=workdir)
    answered, out = [], []

    def decide(msg):
        path = re.search(r"in (\S+/review\.csv)", msg["content"]["prompt"])
        assert path, f"README.md: input() does not name the CSV: {msg['content']['prompt']}"
        path = os.path.join(workdir, path.group(1))
        rows = list(csv.DictReader(open(path)))
        rows[0]["action"] = "remove"
        if len(rows) > 1:
            rows[1]["action"] = "relabel"
            rows[1]["new_label"] = "orange" if rows[1]["label"] == "person" else "person"
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        answered.append(path)
        kc.input("")

    def keep(msg):
        c = msg["content"]
        if msg["msg_type"] == "error":
            out.append(f"{c['ename']}: {c['evalue']}")
        elif msg["msg_type"] == "execute_result":
            out.append(c["data"]["text/plain"])

    try:
        reply = kc.execute_interactive(code, timeout=600, output_hook=keep, stdin_hook=decide,
                                       allow_stdin=True)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "ok", f"README.md: the snippet failed: {out}"
    assert answered, "README.md: the snippet never asked for decisions"
    last = out[-1] if out else ""
    assert "'removed': 1" in last and "'relabeled': 1" in last, \
        f"README.md: the decisions were not applied: {last}"


def main():
    work = sys.argv[1] if len(sys.argv) > 1 else os.path.join(TOP, "build", "notebooks")
    only = sys.argv[2:]
    passed = failed = 0
    for name in NAMES:
        if only and name not in only:
            continue
        path = os.path.join(TOP, "notebooks", name)
        wd = os.path.join(work, name.replace(".ipynb", "").replace(".", "_"))
        # Review sessions of an earlier run would be resumed or put aside:
        # each run starts without them.
        shutil.rmtree(os.path.join(wd, "runs"), ignore_errors=True)
        try:
            if name in REAL_VARIANTS:
                path = parameterise(wd, name)
            nb = nbrun.execute(path, wd)
            if nb is None:
                raise AssertionError(f"{name}: nbconvert --execute failed")
            check_common(name, nb)
            check(name, nb, wd)
            print(f"notebook {name}: ok")
            passed += 1
        except AssertionError as e:
            print(f"notebook {name}: FAILED: {e}")
            failed += 1
    if not only or "README.md" in only:
        try:
            readme_snippet(os.path.join(work, "readme"))
            print("README.md snippet: ok")
            passed += 1
        except AssertionError as e:
            print(f"README.md snippet: FAILED: {e}")
            failed += 1
    print(f"notebooks: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
