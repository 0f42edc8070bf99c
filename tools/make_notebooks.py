#!/usr/bin/python3
"""Writes the bundled notebooks in notebooks/ from the cell lists below.

Edit the cells here, then run tools/make_notebooks.py; the .ipynb files are
committed so that Jupyter users can open them directly. A code cell whose text
starts with "#tag:NAME" gets the cell tag NAME (tools/notebooks.py and
tools/demo.py find cells by tag); the tag line is not written.
"""
import json
import os

KERNELSPEC = {"name": "maskclean", "display_name": "maskclean", "language": "maskclean"}
LANGINFO = {"name": "maskclean", "codemirror_mode": "python", "pygments_lexer": "python",
            "file_extension": ".mc", "mimetype": "text/x-maskclean"}

# The set-up of 02-05: notebooks/setup.mc defines demo_setup(), which builds
# what 01_load builds step by step.
SETUP_DEMO = '''run("setup.mc")
demo, ds, X, pca, Z, y = demo_setup()
ds'''


DECIDE = """
Each tile shows the sample's **annotation id** (`#4162`), its current label, the
label the model suggests with its out-of-fold probability (in red when it is not
the current label) and the score that ranked it. The same ids name the PNG files
and the rows of `review.csv` in the batch's folder, and are what the review
methods take. A person reviewing this batch writes decisions like these:

```python
rv.relabel(4162, "Shirt")        # an id shown on a tile of this batch
rv.remove([4170, 4188])
rv.keep_rest()                   # every other sample of the batch is right
```

or fills in the `action` column of the batch's `review.csv` and calls
`rv.load_csv()`, which says how many rows it read per action. A decision on a
sample outside the open batch is refused; `rv.fix(id, "Shirt")` (or
`rv.fix(id, remove=True)`) corrects any other sample and is recorded as a fix
outside the batch. `rv.apply()` refuses while a sample of the batch is
undecided, and says how many.

On the demo data a simulated reviewer answers from the ground-truth file
instead. It is never used for real data.
"""

HISTORY = """
## Results

The history has one row per iteration: samples reviewed, relabeled, removed,
fixed (relabeled + removed, as in `rv.plot_fixes()`), corrections outside the
batch, and the AUC. It can be indexed: `rv.history[-1]` is the last row,
`rv.history["fixed"]` a column.
"""


def md(text):
    return ("markdown", text.strip("\n"))


def code(text):
    return ("code", text.strip("\n"))


def notebook(cells):
    out = []
    for kind, text in cells:
        cell = {"cell_type": kind, "metadata": {}, "source": text}
        if kind == "code":
            if text.startswith("#tag:"):
                tag, text = text.split("\n", 1)
                cell["metadata"]["tags"] = [tag[5:].strip()]
                cell["source"] = text
            cell.update({"execution_count": None, "outputs": []})
        out.append(cell)
    return {"cells": out, "metadata": {"kernelspec": KERNELSPEC, "language_info": LANGINFO},
            "nbformat": 4, "nbformat_minor": 5}


STEP1 = [
    md("""
# 1. Load the features and the metadata

Cleaning labels starts with two things for every instance: its **metadata** (which
image, which class, which mask) and an **embedding**, a vector that describes what
the masked object looks like.

This notebook uses the built-in demo dataset. `make_demo` turns Debian's
Fashion-MNIST into a COCO-style instance segmentation dataset: several clothing
items per image, a mask for each item's visible silhouette, and a known share of
deliberate mistakes (a shirt labelled as a coat, a mask that covers two items).
The same seed always gives the same files.
"""),
    code('''demo = make_demo("demo-data", n_images=1500, error_rate=0.1, seed=0)
demo'''),
    md("""
`load_coco` reads the annotation file. Images are not decoded now; they are read
only when an instance is drawn or embedded, so a file the size of COCO train
loads in seconds.
"""),
    code('''ds = load_coco(demo["annotations"], images=demo["images"])
ds'''),
    code("ds.summary()"),
    md("""
## One instance, three ways

The raw image, the attention view (everything outside the labelled object is
dimmed), and the mask drawn over the image. The middle one is often the
quickest way to see what was actually labelled.
"""),
    code("show(ds, 7)"),
    md("""
## Embeddings

Each instance is cropped to its box, its background is zeroed with the mask, and
the crop is described by masked pixels, a histogram of gradients and colour
histograms. With real COCO you can pass precomputed ResNet50 features instead:
`load_npy("features.npy", dataset=ds)` (one row per annotation, in file order).
"""),
    code('''X = embed(ds, size=32)
X.shape'''),
]

STEP2 = [
    md("""
# 2. Pick a class to clean

We train a logistic regression on the embeddings reduced to 256 dimensions by PCA,
with balanced class weights so that small classes count as much as large ones.
The confusion matrix then tells us where the model and the labels disagree most.
"""),
    code(SETUP_DEMO),
    md("The share of the embedding's variance the 256 components keep:"),
    code("pca.explained_variance_ratio_.sum()"),
    md("""
## Out-of-fold predictions

Every sample is predicted by a model trained on the other four fifths of the
data (5-fold cross-validation), so no sample is judged by a model that saw its
label, and every sample counts, not only a test split.
"""),
    code('''clf = LogisticRegression(class_weight="balanced", max_iter=500)
P = cross_val_predict(clf, Z, y, method="predict_proba")
classification_report(y, P.argmax(axis=1), classes=ds.classes)'''),
    md("""
## The confusion matrix

Rows are the labelled classes (with their number of samples), columns the
predicted ones, each row normalised to sum to one. `pick_class()` ranks every
(label, prediction) pair by its expected number of wrong labels (from the
out-of-fold probabilities), skipping pairs whose labelled class has fewer than 10
samples, and names the labelled class of the top pair.
"""),
    code('''cm = confusion_matrix(y, P, classes=ds.classes)
cm'''),
    code('''pick = cm.pick_class()
pick'''),
    code("cm.pairs(5)"),
    md("""
The article's rule is kept as `rule="article"`: the largest off-diagonal rate.
If it sits at labelled class A and predicted class C, the article reviews C.
The two rules can disagree; `pick["rule"]` says which one picked.
"""),
    code('''article = cm.pick_class(rule="article")
f"expected errors: {pick['class']}; the article's rule: {article['class']}"'''),
]

STEP3 = [
    md("""
# 3. Build the coreset service

The coreset service gives every sample an **importance**: how much it matters to a
logistic regression fitted on its class. Mislabelled, odd or badly masked samples
tend to score high, because the rest of the class does not explain them. Beside
it, the service ranks samples by other methods (`ranking_methods()`), among them
`hybrid`, the default of the review.
"""),
    code(SETUP_DEMO),
    code('''clf = LogisticRegression(class_weight="balanced", max_iter=500)
cm = confusion_matrix(y, cross_val_predict(clf, Z, y, method="predict_proba"),
                      classes=ds.classes)
pick = cm.pick_class()
pick["class"]'''),
    code('''svc = CoresetTreeServiceLG(optimized_for="cleaning", classes=ds.classes)
svc.build(Z, y)
svc'''),
    md("""
The article's step: the most important samples of the suspected class, the
first ones to review.
"""),
    code('''top = svc.get_cleaning_samples(class_size={pick["class"]: 24})
grid(ds, top, title=f"Most important samples of {pick['class']}")'''),
    md("""
For contrast, the least important ones: they should look like textbook members of
the class. `set_seen_indication(False)` forgets that the first batch was shown.
"""),
    code('''svc.set_seen_indication(False)
everything = svc.get_cleaning_samples(class_size={pick["class"]: "all"})
n = len(everything["idx"])
grid(ds, everything["idx"][n - 12:], importance=everything["importance"][n - 12:],
     title=f"Least important samples of {pick['class']}")'''),
    md("""
The review's default looks at every class at once: the top samples across all
classes by `hybrid`, a score that compares samples of different classes, so
errors are found wherever they are, not only in the suspected class.
"""),
    code('''svc.set_seen_indication(False)
top = svc.get_cleaning_samples(size=24, method="hybrid")
grid(ds, top["idx"], notes=[f"hybrid score {s:.3f}" for s in top["importance"]],
     title="Top samples of all classes by hybrid")'''),
    code("ranking_methods()"),
]

STEP4 = [
    md("""
# 4. Clean over iterations

A review session keeps the whole loop in one place. Each iteration:

1. `rv.next()` takes the 60 highest-ranked samples not reviewed yet, writes a PNG
   per sample and a `review.csv`, and shows them as tiles;
2. you decide for each one: keep it, relabel it, or remove it;
3. `rv.apply()` applies the decisions, updates the coreset service and recomputes
   the 5-fold cross-validated AUC.

By default the session ranks every class by `hybrid` (`class_of_interest=None`);
`class_of_interest` also takes the suspected class (`pick["class"]`, as the
article does) or a list of classes. It writes everything under its own folder,
`runs/04_clean/review`, which one kernel at a time may write. Every decision
goes to an on-disk journal before the command returns, so nothing is lost if the
kernel dies.
"""),
    code(SETUP_DEMO),
    code('''rv = ReviewSession(ds, Z, dir="runs/04_clean/review", n=60, restart=True)
rv'''),
    md("## The first iteration, step by step"),
    code("rv.next()"),
    md(DECIDE),
    code('''rv.simulate(demo["ground_truth"])
rv.apply()'''),
    md("""
## Two more iterations

The same three steps in a loop; `rv.plateau()` says whether the AUC has stopped
improving (it gained less than 0.002 over the last 2 iterations).
"""),
    code('''for iteration in range(2):
    display(rv.next())
    rv.simulate(demo["ground_truth"])
    rec = rv.apply()
    print(f"iteration {rec['iteration']}: {rec['fixed']} of {rec['reviewed']} fixed, "
          f"AUC {rec['auc']:.4f}")
rv.plateau()'''),
    code("rv.history"),
    md("""
## After a restart

Every decision was journaled before its command returned. In a new kernel (or
after a crash), `resume_review` brings the session back exactly, open batch and
pending decisions included. Here it replaces `rv` in the same kernel.
"""),
    code('''rv = resume_review("runs/04_clean/review", ds)
rv'''),
]

# The article's loop: up to 10 iterations of 60, each batch shown, stopped at
# the AUC plateau. The walkthrough, the hard demo and real_coco run it.
LOOP_MD = """
## Clean, iteration by iteration

The article's loop, at most 10 iterations. Each iteration:

1. `rv.next()` takes the 60 highest-ranked samples not reviewed yet and shows
   them as tiles (one PNG per sample and a `review.csv` go to the batch's
   folder);
2. the batch is reviewed: keep, relabel or remove each sample;
3. `rv.apply()` applies the decisions, updates the coreset service and
   recomputes the 5-fold cross-validated AUC.

**When to stop:** the loop ends when the AUC plateaus, that is when it gained
less than 0.002 over the last 2 iterations (`auc[t] - auc[t-2] < 0.002`,
which `rv.plateau()` tests), or after 10 iterations. The article's AUC
plateaued after about 4 of its 10.
"""


def loop(decide):
    """The loop cell; decide is the line that decides the open batch."""
    return f"""#tag:loop
max_iterations = 10
for iteration in range(1, max_iterations + 1):
    batch = rv.next()
    if batch is None:
        print("nothing left to review")
        break
    display(batch)
    {decide}
    rec = rv.apply()
    auc = rv.history["AUC"]
    gain = auc[-1] - auc[max(0, len(auc) - 3)]
    print(f"iteration {{iteration}}: {{rec['fixed']}} of {{rec['reviewed']}} samples fixed "
          f"({{rec['relabeled']}} relabeled, {{rec['removed']}} removed); "
          f"AUC {{rec['auc']:.4f}}, {{gain:+.4f}} over the last 2 iterations")
    if rv.plateau():
        print(f"The AUC has plateaued: stopping after {{iteration}} iterations.")
        break"""


WHY_ALL = """
The pick says which class the model suspects most. The review still ranks
**every class** by the `hybrid` score (`ReviewSession`'s default,
`class_of_interest=None`): a review limited to one class can find at most the
errors that class holds, while a score that compares samples across classes
finds them wherever they are (docs/coreset.md measures both). To review the
picked class only, as the article does, pass `class_of_interest=pick["class"]`.
"""

WALK = [
    md("""
# maskclean walkthrough: finding and fixing mislabelled instances

This notebook runs the whole cleaning workflow on the built-in demo dataset, in
the order of the article that maskclean comes from:

1. an embedding of every instance, with its mask applied;
2. PCA to 256 dimensions;
3. a balanced logistic regression;
4. the confusion matrix shows the class most likely to hold bad labels;
5. a coreset service scores every sample;
6. the top 60 unseen samples are reviewed: keep, relabel or remove;
7. the service is updated and the K-fold AUC recomputed;
8. repeat until the AUC plateaus, then plot AUC and fixes per iteration.
"""),
    md("## Load the data"),
    code('''demo = make_demo("demo-data", n_images=1500, error_rate=0.1, seed=0)
ds = load_coco(demo["annotations"], images=demo["images"])
ds'''),
    md("""
One instance three ways: the image, the attention view (everything outside the
labelled object dimmed) and the mask drawn over the image.
"""),
    code("show(ds, 7)"),
    md("## Embed every instance and reduce to 256 dimensions"),
    code('''X = embed(ds, size=32)
pca = PCA(n_components=256)
Z = pca.fit_transform(X)
y = ds.labels()
Z.shape'''),
    md("""
## Which class is suspected? (the article's step 4)

A balanced logistic regression predicts every sample from a model that did not
see it (5-fold out-of-fold probabilities). The confusion matrix of those
predictions shows, per labelled class (rows, with their number of samples),
where the model disagrees with the labels; `pick_class()` ranks the
(label, prediction) pairs by the expected number of wrong labels.
"""),
    code('''clf = LogisticRegression(class_weight="balanced", max_iter=500)
P = cross_val_predict(clf, Z, y, method="predict_proba")
cm = confusion_matrix(y, P, classes=ds.classes)
cm'''),
    code('''#tag:pick
pick = cm.pick_class()
pick'''),
    code("cm.pairs(5)"),
    md(WHY_ALL),
    md(LOOP_MD),
    code('''rv = ReviewSession(ds, Z, dir="runs/walkthrough/review", n=60, restart=True)
rv'''),
    md(DECIDE),
    code(loop('rv.simulate(demo["ground_truth"])    # a person: rv.relabel(id, "Shirt"), '
              'rv.remove(id), rv.keep_rest()')),
    md(HISTORY),
    code('''#tag:summary
rv.history'''),
    code("rv.plot_auc()"),
    code("rv.plot_fixes()"),
    md("""
## What the review fixed

The share of the reviewed samples that needed a fix (the article reports 11.83%),
the errors found per iteration beside what a review in random order finds on
average over the same candidates (from the ground truth), and a gallery of the
fixed samples, old label → new label or removed.
"""),
    code('''#tag:rate
rv.plot_fix_rate()'''),
    code('''#tag:found
rv.plot_found()'''),
    code('''#tag:gallery
rv.gallery()'''),
    md("""
## Export

The corrected dataset is written back as COCO JSON (relabelled annotations get
their new `category_id`, removed ones are left out, every other field is kept),
and beside it `corrected.corrections.csv` lists every change by annotation id.
"""),
    code('''#tag:export
rv.export("runs/walkthrough/corrected.json")'''),
]

HARD = [
    md("""
# The workflow on data shaped like real data

The standard demo has ten classes of similar sizes and errors spread evenly.
Real datasets do not: a few large classes and many small ones, classes with a
few dozen instances, categories with none, the same photo several times
(augmented copies), and errors concentrated around a small class.
`make_demo(..., hard=True)` builds such a dataset: Zipf-like class sizes, two
classes of 36 instances, an empty category, each scene three times as
near-duplicates (mirrored or shifted, colours jittered) that repeat its labels
and its errors, and label errors toward and away from the smallest class.

This notebook runs the default workflow on it, unchanged, to show that it holds.
"""),
    code('''demo = make_demo("hard-data", n_images=500, hard=True, seed=0)
ds = load_coco(demo["annotations"], images=demo["images"])
ds'''),
    md("""
The load warns about the empty category. The summary shows the imbalance: a
class with more than a third of the instances beside two of about 40.
"""),
    code("ds.summary()"),
    code('''X = embed(ds, size=32)
Z = PCA(n_components=256).fit_transform(X)
y = ds.labels()
clf = LogisticRegression(class_weight="balanced", max_iter=500)
P = cross_val_predict(clf, Z, y, method="predict_proba")
cm = confusion_matrix(y, P, classes=ds.classes)
cm'''),
    md("""
The empty category is left off the matrix. The pick ranks pairs by their
expected number of wrong labels, and skips pairs whose labelled class has fewer
than 10 samples (too few to trust), with a warning naming them.
"""),
    code('''#tag:pick
pick = cm.pick_class()
pick'''),
    code("cm.pairs(5)"),
    md(WHY_ALL),
    md(LOOP_MD),
    code('''rv = ReviewSession(ds, Z, dir="runs/hard_demo/review", n=60, restart=True)
rv'''),
    code(loop('rv.simulate(demo["ground_truth"])    # the simulated reviewer')),
    code('''#tag:summary
rv.history'''),
    md("""
## Does it hold?

The errors found per iteration beside what a random order finds on average over
the same candidates: the ranking keeps finding errors many times faster than
random, in the large classes and the small ones. The gallery shows what was
fixed, tiny classes included.
"""),
    code('''#tag:found
rv.plot_found()'''),
    code('''#tag:rate
rv.plot_fix_rate()'''),
    code("rv.plot_auc()"),
    code('''#tag:gallery
rv.gallery()'''),
]

STEP5 = [
    md("""
# 5. The final results

The cleaning loop until the AUC plateaus, then what cleaning bought: AUC across
iterations, the number of samples fixed in each, and the corrected annotation
file.
"""),
    code(SETUP_DEMO),
    md(LOOP_MD),
    code('''rv = ReviewSession(ds, Z, dir="runs/05_results/review", n=60, restart=True)
rv'''),
    code(loop('rv.simulate(demo["ground_truth"])    # the simulated reviewer')),
    code("rv.plot_auc()"),
    code("rv.plot_fixes()"),
    code('''#tag:summary
rv.history'''),
    md("""
## What the review fixed

The share of reviewed samples that needed a fix (the article reports 11.83%),
the errors found per iteration beside what reviewing in a random order finds on
average over the same candidates, and every fixed sample with its old and new
label.
"""),
    code("rv.plot_fix_rate()"),
    code("rv.plot_found()"),
    code("rv.gallery()"),
    md("""
## Export

The corrected dataset is written back as COCO JSON: relabelled annotations get
their new `category_id`, removed ones are left out, every other field is kept.
Beside it, `corrected.corrections.csv` lists every change by annotation id and
names the JSON it belongs to by its SHA-256.
"""),
    code('''rv.export("runs/05_results/corrected.json")'''),
    code('''fixed = load_coco("runs/05_results/corrected.json", images=demo["images"])
fixed'''),
]

REAL = [
    md("""
# Cleaning a real COCO dataset

The whole workflow on a COCO directory of your own:
`annotations/instances_<split>.json` and `images/<split>/`. Set the paths in
the next cell, and choose the embedding:

- `features`: the path of a `.npy` of precomputed embeddings (for example
  ResNet50 features of the masked instances, one row per kept annotation in
  file order), or `None`;
- `model`: without features, an ONNX network that `embed` runs on every masked
  instance (docs/embeddings.md shows how to export torchvision's ResNet50), or
  `None` for maskclean's built-in embedding.

So that the review can be measured, the notebook first corrupts a share
`noise` of the labels (in a copy of the annotation file) and a simulated
reviewer answers with the original labels. For a real review set `noise = 0`
and decide each batch yourself (see the walkthrough). No class is named
anywhere: the data decides.
"""),
    code("""#tag:parameters
coco_dir = "/data/coco"
split = "train2017"
features = None
model = None
noise = 0.1"""),
    code("""ds = load_coco(f"{coco_dir}/annotations/instances_{split}.json",
               images=f"{coco_dir}/images/{split}")
ds"""),
    code("ds.summary()"),
    code("overlay(ds, 0)"),
    md("""
## Injected label errors

A reproducible share of the instances gets another class, drawn among the
classes that have instances. `truth` keeps the original labels for the
simulated reviewer; the corrupted copy is `real_coco-noisy.json`, beside the notebook.
"""),
    code("""truth = ds.labels()
present = [c for c in range(len(ds.classes)) if ds.count(c) > 0]
state = 2024

def draw(n):
    \"\"\"A reproducible pseudo-random integer in [0, n).\"\"\"
    global state
    state = (state * 1103515245 + 12345) % 2147483648
    return state // 65536 % n

noisy = list(truth)
corrupted = {}
if len(present) > 1:
    while len(corrupted) < round(noise * len(ds)):
        i = draw(len(ds))
        if i in corrupted:
            continue
        new = truth[i]
        while new == truth[i]:
            new = present[draw(len(present))]
        noisy[i] = new
        corrupted[i] = True
ds.export("real_coco-noisy.json", labels=noisy)
ds = load_coco("real_coco-noisy.json", images=f"{coco_dir}/images/{split}")
print(f"{len(corrupted)} of {len(ds)} labels corrupted")"""),
    md("""
## The embedding

Precomputed features when a `.npy` was given, else a CNN's when a model was
given, else the built-in one. Then PCA to 256 dimensions (or fewer on a small
dataset: PCA keeps at most one component less than the number of instances).
"""),
    code("""#tag:embedding
if features is not None:
    X = load_npy(features, dataset=ds)
elif model is not None:
    X = embed(ds, model=model)
else:
    X = embed(ds, size=32)
Z = PCA(n_components=min(256, len(ds) - 1, X.shape[1])).fit_transform(X)
y = ds.labels()
Z.shape"""),
    md("""
## Which class is suspected?

Out-of-fold probabilities of a balanced logistic regression, their confusion
matrix (classes without instances are left off) and the pick. Pairs whose
labelled class has fewer than `min_support` samples are skipped; on a small
sample like the test's, classes have a handful of instances, so the threshold
follows the data's size.
"""),
    code("""clf = LogisticRegression(class_weight="balanced", max_iter=500)
P = cross_val_predict(clf, Z, y, method="predict_proba")
cm = confusion_matrix(y, P, classes=ds.classes)
cm"""),
    code("""#tag:pick
min_support = min(10, max(2, len(ds) // 100))
pick = cm.pick_class(min_support=min_support)
pick"""),
    md(WHY_ALL),
    md("""
## Clean, iteration by iteration

The same loop as the walkthrough: at most 10 iterations of `n` samples (60,
or fewer on a small dataset), stopped when the AUC gained less than 0.002 over
the last 2 iterations (`rv.plateau()`). The simulated reviewer relabels each
sample whose label was corrupted back to its original class and keeps the
others.
"""),
    code("""n = min(60, max(10, len(ds) // 10))
rv = ReviewSession(ds, Z, dir="runs/real_coco/review", n=n, restart=True)

def simulated_review(rv):
    \"\"\"Answers the open batch from the labels before the injected errors.\"\"\"
    for ann_id in rv.batch:
        i = rows[ann_id]
        if i in corrupted:
            rv.relabel(ann_id, truth[i])
    rv.keep_rest()

rows = {ds.annotation(i)["id"]: i for i in range(len(ds))}
rv"""),
    code(loop("simulated_review(rv)    # a person: rv.relabel(id, ...), rv.remove(id), "
              "rv.keep_rest()")),
    code("""#tag:summary
rv.history"""),
    code("""#tag:found
reviewed = sum(rv.history["reviewed"])
found = sum(1 for i in corrupted if rv.labels[i] == truth[i])
expected = reviewed * len(corrupted) / len(ds)
print(f"injected errors found: {found} of {len(corrupted)} in {reviewed} reviewed; "
      f"a random order finds {expected:.1f} on average")"""),
    code("rv.plot_auc()"),
    code("rv.plot_fixes()"),
    code("rv.gallery()"),
    code("""#tag:export
rv.export("runs/real_coco/corrected.json")"""),
]

NOTEBOOKS = {
    "01_load.ipynb": STEP1,
    "02_pick_class.ipynb": STEP2,
    "03_coreset.ipynb": STEP3,
    "04_clean.ipynb": STEP4,
    "05_results.ipynb": STEP5,
    "walkthrough.ipynb": WALK,
    "real_coco.ipynb": REAL,
    "hard_demo.ipynb": HARD,
}


def main():
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for name, cells in NOTEBOOKS.items():
        with open(os.path.join(top, "notebooks", name), "w") as f:
            json.dump(notebook(cells), f, indent=1, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main()
