"""Held-out metrics clinicians ask for, with seeded bootstrap 95% intervals.

One implementation shared by every model, so a card, ``evaluate`` and the bench agree.
All values are rounded to 4 decimals: cards store exactly what ``evaluate`` prints.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn import metrics as skm

DIGITS = 4


def _r(x: float) -> float:
    return round(float(x), DIGITS)


def expected_calibration_error(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> float:
    """ECE with equal-width bins: mean |observed rate - mean predicted| weighted by bin size."""
    y, p = np.asarray(y, float), np.asarray(p, float)
    bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
    total = 0.0
    for b in range(n_bins):
        sel = bins == b
        if sel.any():
            total += sel.mean() * abs(y[sel].mean() - p[sel].mean())
    return float(total)


def event1_score(y: np.ndarray, p: np.ndarray) -> float:
    """PhysioNet 2012 event-1 score: max over thresholds of min(sensitivity, PPV)."""
    precision, recall, _ = skm.precision_recall_curve(y, p)
    return float(np.max(np.minimum(precision, recall)))


def _confusion(y: np.ndarray, pred: np.ndarray) -> tuple[int, int, int, int]:
    tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
    return int(tn), int(fp), int(fn), int(tp)


def binary_point_metrics(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, float]:
    """Threshold-free and thresholded metrics for one set of predictions (unrounded).

    Why not ``roc_auc_score``, ``average_precision_score`` and ``confusion_matrix`` here: this
    runs 1,000 times per bootstrap, and their input checks cost more than the sums. ROC-AUC is
    what ``roc_auc_score`` computes (``auc`` over ``roc_curve``), average precision its step
    integral over ``precision_recall_curve`` (the same curve gives event-1), and the counts a
    ``bincount`` of (truth, call): equal to the scikit-learn functions to the last bit (tested).
    """
    y = np.asarray(y).astype(int).ravel()
    p = np.asarray(p, float).ravel()
    pred = (p >= threshold).astype(int)
    tn, fp, fn, tp = (int(v) for v in np.bincount(2 * y + pred, minlength=4))
    auc = ap = event1 = float("nan")
    if len(np.unique(y)) == 2:
        fpr, tpr, _ = skm.roc_curve(y, p)
        precision, recall, _ = skm.precision_recall_curve(y, p)
        auc = skm.auc(fpr, tpr)
        ap = float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))
        event1 = float(np.max(np.minimum(precision, recall)))

    def ratio(a: int, b: int) -> float:
        return a / b if b else float("nan")

    return {
        "roc_auc": auc,
        "pr_auc": ap,
        "accuracy": (tp + tn) / len(y),
        "sensitivity": ratio(tp, tp + fn),
        "specificity": ratio(tn, tn + fp),
        "ppv": ratio(tp, tp + fp),
        "npv": ratio(tn, tn + fn),
        "f1": ratio(2 * tp, 2 * tp + fp + fn),
        "brier": skm.brier_score_loss(y, p),
        "ece": expected_calibration_error(y, p),
        "event1": event1,
    }


def bootstrap_ci(
    y: np.ndarray,
    p: np.ndarray,
    fn: Callable[[np.ndarray, np.ndarray], dict[str, float]],
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, list[float]]:
    """Percentile 95% intervals of every metric ``fn`` returns, resampling cases."""
    rng = np.random.default_rng(seed)
    y, p = np.asarray(y), np.asarray(p)
    samples: dict[str, list[float]] = {}
    n = len(y)
    for _ in range(n_boot):
        idx = rng.integers(0, n, n)
        if y.ndim == 1 and len(np.unique(y[idx])) < 2:
            continue
        for k, v in fn(y[idx], p[idx]).items():
            samples.setdefault(k, []).append(v)
    return {
        k: [_r(np.nanpercentile(v, 2.5)), _r(np.nanpercentile(v, 97.5))] for k, v in samples.items()
    }


def binary_report(
    y: np.ndarray, p: np.ndarray, threshold: float, n_boot: int = 1000, seed: int = 0
) -> dict:
    """Rounded metrics at ``threshold`` plus ``ci95`` intervals and counts."""
    y = np.asarray(y).astype(int).ravel()
    p = np.asarray(p, float).ravel()
    point = binary_point_metrics(y, p, threshold)
    out: dict = {k: _r(v) for k, v in point.items()}
    out["threshold"] = _r(threshold)
    out["n"] = int(len(y))
    out["n_positive"] = int(y.sum())
    if n_boot:
        out["ci95"] = bootstrap_ci(y, p, lambda a, b: binary_point_metrics(a, b, threshold),
                                   n_boot, seed)
    return out


def binary_curves(y: np.ndarray, p: np.ndarray, threshold: float, n_bins: int = 10) -> dict:
    """ROC points, reliability bins and the confusion matrix, for the Model cards plots."""
    y = np.asarray(y).astype(int).ravel()
    p = np.asarray(p, float).ravel()
    fpr, tpr, _ = skm.roc_curve(y, p)
    keep = np.unique(np.linspace(0, len(fpr) - 1, min(len(fpr), 200)).astype(int))
    bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
    calib = [
        {"mean_predicted": _r(p[bins == b].mean()), "observed": _r(y[bins == b].mean()),
         "count": int((bins == b).sum())}
        for b in range(n_bins) if (bins == b).any()
    ]
    tn, fp, fn, tp = _confusion(y, (p >= threshold).astype(int))
    return {
        "roc": {"fpr": [_r(v) for v in fpr[keep]], "tpr": [_r(v) for v in tpr[keep]]},
        "calibration": calib,
        "confusion": {"labels": ["negative", "positive"], "matrix": [[tn, fp], [fn, tp]]},
    }


def multiclass_point_metrics(y: np.ndarray, proba: np.ndarray) -> dict[str, float]:
    """Accuracy, macro-F1 and macro one-vs-rest ROC-AUC (unrounded)."""
    y = np.asarray(y).astype(int).ravel()
    pred = np.asarray(proba).argmax(axis=1)
    labels = list(range(proba.shape[1]))
    out = {
        "accuracy": skm.accuracy_score(y, pred),
        "macro_f1": skm.f1_score(y, pred, average="macro", labels=labels),
    }
    try:
        out["roc_auc"] = skm.roc_auc_score(y, proba, multi_class="ovr", labels=labels)
    except ValueError:
        out["roc_auc"] = float("nan")
    return out


def multiclass_report(
    y: np.ndarray, proba: np.ndarray, class_names: list[str], n_boot: int = 1000, seed: int = 0
) -> dict:
    """Rounded multiclass metrics, per-class ROC-AUC, confusion matrix and 95% intervals."""
    y = np.asarray(y).astype(int).ravel()
    proba = np.asarray(proba, float)
    out: dict = {k: _r(v) for k, v in multiclass_point_metrics(y, proba).items()}
    out["per_class_roc_auc"] = {
        name: _r(skm.roc_auc_score(y == i, proba[:, i])) for i, name in enumerate(class_names)
    }
    out["per_class_error"] = {
        name: _r(1 - (proba[y == i].argmax(1) == i).mean()) for i, name in enumerate(class_names)
    }
    out["confusion"] = {
        "labels": list(class_names),
        "matrix": skm.confusion_matrix(y, proba.argmax(1), labels=range(len(class_names))).tolist(),
    }
    out["n"] = int(len(y))
    if n_boot:
        out["ci95"] = bootstrap_ci(y, proba, multiclass_point_metrics, n_boot, seed)
    return out
