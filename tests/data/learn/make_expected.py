#!/usr/bin/python3
"""Writes the expected values of the learn tests (tests/check_{pca,logreg,
metrics}.c), computed once by scikit-learn 1.2.1. Run from anywhere:
    /usr/bin/python3 tests/data/learn/make_expected.py
scikit-learn is not needed at test time; the JSON files are committed."""
import json
import os

import numpy as np
import sklearn
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (confusion_matrix, precision_recall_fscore_support,
                             roc_auc_score, accuracy_score)
from sklearn.utils.class_weight import compute_class_weight

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.RandomState(20240611)


def dump(name, obj):
    obj["generator"] = "make_expected.py, scikit-learn %s" % sklearn.__version__
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(obj, f, indent=1)


def tolist(a):
    return np.asarray(a).tolist()


# ---------------------------------------------------------------- PCA
n, d = 50, 7
X = rng.randn(n, d) @ np.diag([9.0, 5.0, 3.0, 1.0, 0.5, 0.3, 0.1]) @ np.linalg.qr(rng.randn(d, d))[0]
X += rng.randn(d) * 4
pca = PCA(n_components=3, svd_solver="full").fit(X)
dump("pca.json", {
    "X": tolist(X), "n_components": 3,
    "components": tolist(pca.components_), "mean": tolist(pca.mean_),
    "explained_variance": tolist(pca.explained_variance_),
    "explained_variance_ratio": tolist(pca.explained_variance_ratio_),
    "transform": tolist(pca.transform(X)),
})

# ---------------------------------------------------------------- logistic regression
n, d, K = 90, 5, 3
y = np.r_[np.zeros(45), np.ones(30), np.full(15, 2)].astype(int)
means = rng.randn(K, d) * 1.2
X = means[y] + rng.randn(n, d) * np.array([1.0, 3.0, 0.5, 10.0, 1.0]) + np.array([0, 5, -2, 40, 1])
w = rng.uniform(0.5, 2.0, n)
w[rng.choice(n, 12, replace=False)] = 0.0
Xt = rng.randn(8, d) * 3 + np.array([0, 5, -2, 40, 1])


def objective(clf, X, y, s, C):
    Z = X @ clf.coef_.T + clf.intercept_
    m = Z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(Z - m).sum(axis=1)) + m[:, 0]
    ce = lse - Z[np.arange(len(y)), y]
    return float((s * ce).sum() + 0.5 / C * (clf.coef_ ** 2).sum())


cases = []
for name, C, cw, use_w in [("plain", 1.0, None, False), ("balanced", 0.5, "balanced", False),
                           ("dict_weighted", 2.0, {0: 1.0, 1: 2.0, 2: 0.5}, True),
                           ("balanced_removed", 1.0, "balanced", True)]:
    keep = (w > 0) if use_w else np.ones(n, bool)
    Xk, yk = X[keep], y[keep]
    wk = w[keep] if use_w else np.ones(keep.sum())
    # newton-cg: lbfgs stops on scipy's ftol before the optimum is exact
    clf = LogisticRegression(C=C, class_weight=cw, solver="newton-cg", tol=1e-8, max_iter=1000)
    clf.fit(Xk, yk, sample_weight=wk)
    if cw == "balanced":
        cwv = compute_class_weight("balanced", classes=np.arange(K), y=yk)
    elif isinstance(cw, dict):
        cwv = np.array([cw[k] for k in range(K)])
    else:
        cwv = np.ones(K)
    s = wk * cwv[yk]
    cases.append({
        "name": name, "C": C,
        "class_weight": cw if not isinstance(cw, dict) else [cw[k] for k in range(K)],
        "use_weights": use_w,
        "coef": tolist(clf.coef_), "intercept": tolist(clf.intercept_),
        "objective": objective(clf, Xk, yk, s, C),
        "decision": tolist(clf.decision_function(Xt)),
        "proba": tolist(clf.predict_proba(Xt)),
        "predict": tolist(clf.predict(Xt)),
        "score_train": float(clf.score(Xk, yk)),
    })
dump("logreg.json", {"X": tolist(X), "y": tolist(y), "w": tolist(w), "Xtest": tolist(Xt),
                     "cases": cases})

# ---------------------------------------------------------------- metrics
K = 5
yt = rng.randint(0, K, 120)
yp = np.where(rng.rand(120) < 0.6, yt, rng.randint(0, K, 120))
yp[yt == 0] = np.where(rng.rand((yt == 0).sum()) < 0.5, 3, yp[yt == 0])  # A=0 confused as C=3
yt[:3] = 4  # make class 4 rows nonuniform
cw = rng.uniform(0.2, 3.0, 120)
cm = confusion_matrix(yt, yp, labels=np.arange(K))
cmn = confusion_matrix(yt, yp, labels=np.arange(K), normalize="true")
off = cmn.copy()
np.fill_diagonal(off, -1)
a, c = np.unravel_index(np.argmax(off), off.shape)
p, r, f, sup = precision_recall_fscore_support(yt, yp, labels=np.arange(K), zero_division=0)
cmw = confusion_matrix(yt, yp, labels=np.arange(K), sample_weight=cw)
pw, rw, fw, supw = precision_recall_fscore_support(yt, yp, labels=np.arange(K),
                                                   sample_weight=cw, zero_division=0)
# AUC with ties: scores rounded to one decimal.
yb = (rng.rand(200) < 0.3).astype(int)
sb = np.round(rng.rand(200) * 0.6 + 0.4 * yb, 1)
wb = rng.uniform(0.0, 2.0, 200)
wb[:20] = 0.0
proba = rng.dirichlet(np.ones(K), 120)
proba[np.arange(120), yt] += 0.3
proba = np.round(proba / proba.sum(axis=1, keepdims=True), 2)
per_class = [roc_auc_score(yt == k, proba[:, k]) for k in range(K)]
dump("metrics.json", {
    "k": K, "y_true": tolist(yt), "y_pred": tolist(yp), "w": tolist(cw),
    "counts": tolist(cm), "normalized": tolist(cmn),
    "pick": {"true": int(a), "predicted": int(c), "value": float(cmn[a, c])},
    "precision": tolist(p), "recall": tolist(r), "f1": tolist(f), "support": tolist(sup),
    "accuracy": float(accuracy_score(yt, yp)),
    "weighted_counts": tolist(cmw), "weighted_precision": tolist(pw),
    "weighted_recall": tolist(rw), "weighted_f1": tolist(fw),
    "weighted_accuracy": float(accuracy_score(yt, yp, sample_weight=cw)),
    "binary_y": tolist(yb), "binary_score": tolist(sb), "binary_w": tolist(wb),
    "binary_auc": float(roc_auc_score(yb, sb)),
    "binary_auc_weighted": float(roc_auc_score(yb, sb, sample_weight=wb)),
    "proba": tolist(proba), "ovr_auc": per_class, "ovr_macro": float(np.mean(per_class)),
})


# ---------------------------------------------------------------- cross-validated AUC
# The folds are maskclean's (splitmix64, runtime/split.c), replayed here.
M64 = (1 << 64) - 1


class SplitMix:
    def __init__(self, seed):
        self.s = seed & M64

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & M64
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def below(self, n):
        limit = M64 - (M64 % n)
        while True:
            r = self.next()
            if r < limit:
                return r % n

    def shuffle(self, a):
        for i in range(len(a), 1, -1):
            j = self.below(i)
            a[i - 1], a[j] = a[j], a[i - 1]


def kfold(y, w, K, k, seed):
    rng_ = SplitMix(seed)
    fold = np.full(len(y), -1)
    nxt = 0
    for c in range(K):
        idx = [i for i in range(len(y)) if w[i] > 0 and y[i] == c]
        rng_.shuffle(idx)
        for i in idx:
            fold[i] = nxt
            nxt = (nxt + 1) % k
    return fold


n, d, K = 150, 4, 3
y = rng.randint(0, K, n)
X = rng.randn(K, d)[y] * 0.8 + rng.randn(n, d)
w = np.ones(n)
w[rng.choice(n, 15, replace=False)] = 0.0
w[rng.choice(n, 20, replace=False)] *= 2.0
folds, seed = 4, 7
fold = kfold(y, w, K, folds, seed)
per = np.zeros(K)
fold_macro = []
for f in range(folds):
    tr, te = (fold >= 0) & (fold != f), fold == f
    clf = LogisticRegression(C=1.0, class_weight="balanced", solver="newton-cg", tol=1e-8,
                             max_iter=1000)
    clf.fit(X[tr], y[tr], sample_weight=w[tr])
    pr = clf.predict_proba(X[te])
    a = [roc_auc_score(y[te] == k, pr[:, k], sample_weight=w[te]) for k in range(K)]
    per += np.array(a) / folds
    fold_macro.append(float(np.mean(a)))
dump("cv.json", {"X": tolist(X), "y": tolist(y), "w": tolist(w), "folds": folds, "seed": seed,
                 "fold": tolist(fold), "per_class": tolist(per),
                 "macro": float(per.mean()), "fold_macro": fold_macro})
print("wrote pca.json logreg.json metrics.json cv.json")
