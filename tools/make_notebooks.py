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

SETUP_DEMO = '''demo = make_demo("demo-data", n_images=1500, error_rate=0.1, seed=0)
ds = load_coco(demo["annotations"], images=demo["images"])
X = embed(ds, size=32)
Z = PCA(n_components=256).fit_transform(X)
y = ds.labels()
ds'''

PICK = '''Ztr, Zte, ytr, yte = train_test_split(Z, y, test_size=0.25, seed=0)
clf = LogisticRegression(class_weight="balanced", max_iter=500)
clf.fit(Ztr, ytr)
cm = confusion_matrix(yte, clf.predict(Zte), classes=ds.classes)
pick = cm.pick_class()
pick'''

ITERATE = '''rv.next()
rv.simulate(demo["ground_truth"])
rv.apply()'''


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
    code('''pca = PCA(n_components=256)
Z = pca.fit_transform(X)
pca.explained_variance_ratio_.sum()'''),
    code('''Ztr, Zte, ytr, yte = train_test_split(Z, y, test_size=0.25, seed=0)
clf = LogisticRegression(class_weight="balanced", max_iter=500)
clf.fit(Ztr, ytr)
clf.score(Zte, yte)'''),
    md("""
## The confusion matrix

Rows are the true (labelled) classes, columns the predicted ones, each row
normalised to sum to one. The rule: find the largest value off the diagonal. If it
sits at true class A and predicted class C, many A-labelled samples look like C,
so C is where inconsistent labels are most likely. C becomes our class of interest.
"""),
    code('''cm = confusion_matrix(yte, clf.predict(Zte), classes=ds.classes)
cm'''),
    code('''pick = cm.pick_class()
pick'''),
    code("classification_report(yte, clf.predict(Zte), classes=ds.classes)"),
]

STEP3 = [
    md("""
# 3. Build the coreset service

The coreset service gives every sample an **importance**: how much it matters to a
logistic regression fitted on its class. Mislabelled, odd or badly masked samples
tend to score high, because the rest of the class does not explain them.
"""),
    code(SETUP_DEMO),
    code(PICK),
    code('''svc = CoresetTreeServiceLG(optimized_for="cleaning", classes=ds.classes)
svc.build(Z, y)
svc'''),
    md("The most important samples of the class of interest: the first ones to review."),
    code('''top = svc.get_cleaning_samples(class_size={pick["predicted"]: 24})
grid(ds, top, title="Most important")'''),
    md("""
For contrast, the least important ones: they should look like textbook members of
the class. `set_seen_indication(false)` forgets that the first batch was shown.
"""),
    code('''svc.set_seen_indication(false)
everything = svc.get_cleaning_samples(class_size={pick["predicted"]: "all"})
n = len(everything["idx"])
grid(ds, everything["idx"][n - 12:], importance=everything["importance"][n - 12:], title="Least important")'''),
]

STEP4 = [
    md("""
# 4. Clean over iterations

A review session keeps the whole loop in one place. Each iteration:

1. `rv.next()` takes the 60 most important samples not reviewed yet, writes a PNG
   per sample and a `review.csv`, and shows them as a grid;
2. you decide for each one: keep it, relabel it, or remove it;
3. `rv.apply()` applies the decisions, updates the coreset service and recomputes
   the 5-fold cross-validated AUC.

Every decision goes to an on-disk journal before the command returns, so nothing
is lost if the kernel dies; `resume_review("review")` brings the session back.
"""),
    code(SETUP_DEMO),
    code(PICK),
    code('''rv = ReviewSession(ds, Z, class_of_interest=pick["predicted"], dir="review", n=60)
rv'''),
    code("rv.next()"),
    md("""
A person reviewing this batch would write decisions like these (by instance
index), or edit the `action` column of `review/iter_001/review.csv` and call
`rv.load_csv()`:

```python
rv.relabel(123, "Shirt")
rv.remove(456)
rv.keep(789)
```

On the demo data a simulated reviewer answers from the ground-truth file instead.
It is never used for real data.
"""),
    code('''rv.simulate(demo["ground_truth"])
rv.apply()'''),
    code(ITERATE),
    code(ITERATE),
    code(ITERATE),
    code("rv.history"),
    code("rv.plateau()"),
]

STEP5 = [
    md("""
# 5. The final results

After a few iterations we look at what cleaning bought: AUC across iterations,
the number of samples fixed in each, and the corrected annotation file.
"""),
    code(SETUP_DEMO),
    code(PICK),
    code('''rv = ReviewSession(ds, Z, class_of_interest=pick["predicted"], dir="review", n=60, restart=true)
rv.next(); rv.simulate(demo["ground_truth"]); rv.apply()'''),
    code(ITERATE),
    code(ITERATE),
    code(ITERATE),
    code("rv.plot_auc()"),
    code("rv.plot_fixes()"),
    code("rv.history"),
    md("""
## Export

The corrected dataset is written back as COCO JSON: relabelled annotations get
their new `category_id`, removed ones are left out, every other field is kept.
"""),
    code('''rv.export("corrected.json")'''),
    code('''fixed = load_coco("corrected.json", images=demo["images"])
fixed'''),
]

WALK = [
    md("""
# maskclean walkthrough: finding and fixing mislabelled instances

This notebook runs the whole cleaning workflow on the built-in demo dataset, in
the order of the article that maskclean comes from:

1. an embedding of every instance, with its mask applied;
2. PCA to 256 dimensions;
3. a balanced logistic regression;
4. the confusion matrix picks the class most likely to hold bad labels;
5. a coreset service scores every sample's importance;
6. the top 60 unseen samples are reviewed: keep, relabel or remove;
7. the service is updated and the K-fold AUC recomputed;
8. repeat until the AUC stops improving, then plot AUC and fixes per iteration.
"""),
    md("## Load the data"),
    code('''demo = make_demo("demo-data", n_images=1500, error_rate=0.1, seed=0)
ds = load_coco(demo["annotations"], images=demo["images"])
ds'''),
    code("ds.summary()"),
    code("show(ds, 7)"),
    md("## Embed every instance and reduce to 256 dimensions"),
    code('''X = embed(ds, size=32)
pca = PCA(n_components=256)
Z = pca.fit_transform(X)
y = ds.labels()
Z.shape'''),
    md("## Train a balanced logistic regression and pick the class of interest"),
    code('''Ztr, Zte, ytr, yte = train_test_split(Z, y, test_size=0.25, seed=0)
clf = LogisticRegression(class_weight="balanced", max_iter=500)
clf.fit(Ztr, ytr)
clf.score(Zte, yte)'''),
    code('''cm = confusion_matrix(yte, clf.predict(Zte), classes=ds.classes)
cm'''),
    code('''#tag:pick
pick = cm.pick_class()
pick'''),
    md("## Importance from the coreset service"),
    code('''svc = CoresetTreeServiceLG(optimized_for="cleaning", classes=ds.classes)
svc.build(Z, y)
top = svc.get_cleaning_samples(class_size={pick["predicted"]: 18})
grid(ds, top, title="Most important samples of the class of interest")'''),
    md("""
## Clean, iteration by iteration

`rv.next()` shows the batch; a person would then call `rv.relabel(i, "Shirt")`,
`rv.remove(i)` or `rv.keep(i)`, or edit the batch's CSV and call `rv.load_csv()`.
Here the simulated reviewer answers from the demo's ground truth.
"""),
    code('''rv = ReviewSession(ds, Z, class_of_interest=pick["predicted"], dir="review", n=60, restart=true)
rv'''),
    code(ITERATE),
    code(ITERATE),
    code(ITERATE),
    code(ITERATE),
    code(ITERATE),
    code(ITERATE),
    md("## Results"),
    code('''#tag:summary
rv.history'''),
    code("rv.plot_auc()"),
    code("rv.plot_fixes()"),
    code('''#tag:export
rv.export("corrected.json")'''),
]

REAL = [
    md("""
# Cleaning a real COCO dataset

The same workflow on a COCO directory of your own: `annotations/instances_*.json`
and `images/<split>/`. Set the paths in the next cell. If you have precomputed
embeddings (for example ResNet50 features of the masked instances, one row per
non-crowd annotation in file order), give their `.npy` path; otherwise maskclean
computes its built-in embedding from the images.
"""),
    code('''#tag:parameters
coco_dir = "/data/coco"
split = "train2017"
features = none'''),
    code('''ds = load_coco(coco_dir + "/annotations/instances_" + split + ".json",
               images=coco_dir + "/images/" + split)
ds'''),
    code("ds.summary()"),
    code('''overlay(ds, 0)'''),
    code('''X = embed(ds, size=32)
X.shape'''),
    md("""
With many classes and few instances per class (as in a small sample), PCA can
keep at most as many components as there are instances; we ask for 256 or fewer.
"""),
    code('''pca = PCA(n_components=min(256, ds.n_instances - 1, X.shape[1]))
Z = pca.fit_transform(X)
y = ds.labels()
clf = LogisticRegression(class_weight="balanced", max_iter=500)
clf.fit(Z, y)
cm = confusion_matrix(y, clf.predict(Z), classes=ds.classes)
cm'''),
    code('''orange = ds.class_index("orange")
ds.count("orange")'''),
    code('''svc = CoresetTreeServiceLG(optimized_for="cleaning", classes=ds.classes)
svc.build(Z, y)
top = svc.get_cleaning_samples(class_size={"orange": 12})
grid(ds, top, title="oranges most worth a look")'''),
]

NOTEBOOKS = {
    "01_load.ipynb": STEP1,
    "02_pick_class.ipynb": STEP2,
    "03_coreset.ipynb": STEP3,
    "04_clean.ipynb": STEP4,
    "05_results.ipynb": STEP5,
    "walkthrough.ipynb": WALK,
    "real_coco.ipynb": REAL,
}


def main():
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for name, cells in NOTEBOOKS.items():
        with open(os.path.join(top, "notebooks", name), "w") as f:
            json.dump(notebook(cells), f, indent=1, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main()
