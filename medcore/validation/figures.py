"""What a site measures on its own labelled cases: discrimination with a bootstrap interval,
calibration (reliability curve, ECE, slope and intercept), the calls at the shipped threshold,
the prediction sets' coverage, the same per subgroup, and the wrong-and-confident cases first.

Keys are the ones the cards use (``roc_auc``, ``ece``, ``sensitivity`` ...), so the page and the
report put a site's figure beside the card's held-out one. Counts and curves come from
scikit-learn (``roc_curve``, ``confusion_matrix``, ``calibration_curve``) through
``medcore.metrics``, the implementation the cards use.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from medcore import metrics
from medcore.calibration import logit
from medcore.errors import InputError

MIN_CASES = 50  # fewer and a bootstrap interval or a fitted map says little
MIN_PER_CLASS = 10
MIN_SUBGROUP = 20  # a subgroup's figures are shown from this many cases
N_BINS = 10
N_WRONG = 20  # wrong-and-confident cases listed


class TooFewCasesError(InputError):
    """Too few labelled cases (or of one class) to measure or recalibrate a model."""


def check_enough(y: np.ndarray, class_names: list[str], what: str = "") -> None:
    """Refuse fewer than :data:`MIN_CASES` cases or :data:`MIN_PER_CLASS` of any class."""
    y = np.asarray(y, int)
    where = f" for {what}" if what else ""
    if len(y) < MIN_CASES:
        raise TooFewCasesError(
            f"Only {len(y)} labelled cases{where}; local validation needs at least {MIN_CASES}.",
            "Add labelled cases (every case needs a label that matches one of its inputs).")
    counts = np.bincount(y, minlength=len(class_names))
    short = [f"{n} '{c}'" for c, n in zip(class_names, counts, strict=True) if n < MIN_PER_CLASS]
    if short:
        raise TooFewCasesError(
            f"Too few cases of a class{where}: {', '.join(short)}; each class needs at least "
            f"{MIN_PER_CLASS}.", "Add labelled cases of that class.")


def clean(obj):
    """JSON-ready: NaN and infinity become None, numpy scalars plain numbers."""
    if isinstance(obj, dict):
        return {k: clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _r(x: float) -> float:
    return round(float(x), metrics.DIGITS)


def logistic_on_logit(z: np.ndarray, y: np.ndarray, iters: int = 100) -> tuple[float, float]:
    """Slope and intercept of an unpenalised logistic regression of ``y`` on one feature ``z``
    by Newton's method: what ``LogisticRegression(C=np.inf)`` fits (tested equal), in well
    under a millisecond, since recalibration fits it dozens of times per output."""
    z, y = np.asarray(z, float).ravel(), np.asarray(y, float).ravel()
    x = np.stack([z, np.ones_like(z)], axis=1)
    w = np.zeros(2)
    for _ in range(iters):
        q = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -500, 500)))
        grad = x.T @ (y - q)
        hess = (x * (q * (1 - q))[:, None]).T @ x + 1e-9 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        w += step
        if np.abs(step).max() < 1e-10:
            break
    return float(w[0]), float(w[1])


def calibration_line(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """Calibration slope and intercept: unpenalised logistic regression of the outcome on the
    model's logit (1 and 0 for a calibrated model; a slope under 1 means risks too extreme)."""
    slope, intercept = logistic_on_logit(logit(p), y)
    return {"calibration_slope": _r(slope), "calibration_intercept": _r(intercept)}


def reliability(y: np.ndarray, p: np.ndarray, n_bins: int = N_BINS) -> dict:
    """The reliability curve (``calibration_curve``, equal-width bins) with each bin's count."""
    y, p = np.asarray(y, int), np.asarray(p, float)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=n_bins, strategy="uniform")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    counts = np.bincount(np.searchsorted(edges[1:-1], p, side="right"), minlength=n_bins)
    return {"prob_pred": [_r(v) for v in prob_pred], "prob_true": [_r(v) for v in prob_true],
            "count": [int(c) for c in counts if c]}


def set_figures(sets: np.ndarray, y: np.ndarray) -> dict:
    """Coverage and size of boolean (n, classes) prediction sets on labelled cases."""
    sets, y = np.asarray(sets, bool), np.asarray(y, int)
    size = sets.sum(axis=1)
    covered = sets[np.arange(len(y)), y]
    return {"coverage": _r(covered.mean()), "set_size": _r(size.mean()),
            "share_uncertain": _r((size > 1).mean()), "share_empty": _r((size == 0).mean()),
            "coverage_per_class": [_r(covered[y == c].mean()) if (y == c).any() else None
                                   for c in range(sets.shape[1])]}


def boot_samples(y: np.ndarray, p: np.ndarray, counts: np.ndarray) -> dict[str, np.ndarray]:
    """ROC-AUC and ECE of many bootstrap resamples at once; ``counts`` (resamples, n) says how
    often each case was drawn. The AUC is the Mann-Whitney statistic (ties count a half), which
    is what ``roc_auc_score`` computes on the resampled cases (tested); NaN where a resample
    lacks a class."""
    y, p = np.asarray(y, int), np.asarray(p, float)
    order = np.argsort(p, kind="mergesort")
    ys, ps, w = y[order], p[order], np.asarray(counts, float)[:, order]
    starts = np.flatnonzero(np.r_[True, np.diff(ps) != 0])
    pos = np.add.reduceat(w * ys, starts, axis=1)
    neg = np.add.reduceat(w * (1 - ys), starts, axis=1)
    below = np.cumsum(neg, axis=1) - neg
    n_pos, n_neg = pos.sum(1), neg.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = (pos * (below + 0.5 * neg)).sum(1) / (n_pos * n_neg)
    bins = np.minimum((ps * N_BINS).astype(int), N_BINS - 1)
    onehot = np.eye(N_BINS)[bins]
    ece = np.abs((w * ys) @ onehot - (w * ps) @ onehot).sum(1) / w.sum(1)
    return {"roc_auc": auc, "ece": ece}


def _fast_ci(y: np.ndarray, p: np.ndarray, n_boot: int, seed: int,
             block: int = 100) -> dict[str, list[float]]:
    """Percentile 95 % intervals of ROC-AUC and ECE over ``n_boot`` resamples of the cases,
    in blocks (a resample is a row of draw counts, so memory stays ``block`` x n)."""
    rng = np.random.default_rng(seed)
    n = len(y)
    got: dict[str, list[np.ndarray]] = {"roc_auc": [], "ece": []}
    for lo in range(0, n_boot, block):
        b = min(block, n_boot - lo)
        draws = rng.integers(0, n, (b, n)) + n * np.arange(b)[:, None]
        counts = np.bincount(draws.ravel(), minlength=b * n).reshape(b, n)
        for k, v in boot_samples(y, p, counts).items():
            got[k].append(v)
    out = {}
    for k, parts in got.items():
        v = np.concatenate(parts)
        out[k] = ([_r(np.nanpercentile(v, 2.5)), _r(np.nanpercentile(v, 97.5))]
                  if np.isfinite(v).any() else [None, None])
    return out


def wrong_and_confident(y: np.ndarray, proba: np.ndarray, decided: np.ndarray,
                        class_names: list[str], ids: list[str], n: int = N_WRONG) -> list[dict]:
    """The wrong calls, the most confident first (probability the model gave its call)."""
    y = np.asarray(y, int)
    conf = proba[np.arange(len(y)), decided]
    wrong = np.flatnonzero(decided != y)
    order = wrong[np.argsort(-conf[wrong], kind="stable")][:n]
    return [{"case": ids[i], "label": class_names[y[i]], "call": class_names[decided[i]],
             "probability_of_call": _r(conf[i])} for i in order]


def binary(y: np.ndarray, p: np.ndarray, threshold: float, class_names: list[str], *,
           sets: np.ndarray | None = None, flagged: np.ndarray | None = None,
           ids: list[str] | None = None, n_boot: int = 1000, seed: int = 0) -> dict:
    """Every figure for P(positive) ``p`` against 0/1 labels ``y`` at ``threshold``."""
    y, p = np.asarray(y, int).ravel(), np.asarray(p, float).ravel()
    point = metrics.binary_point_metrics(y, p, threshold)
    out: dict = {k: _r(v) for k, v in point.items()}
    out.update(n=int(len(y)), n_positive=int(y.sum()), threshold=_r(threshold),
               share_positive=_r((p >= threshold).mean()))
    if len(np.unique(y)) == 2:
        out.update(calibration_line(y, p))
    out["calibration"] = reliability(y, p)
    tn, fp, fn, tp = skm.confusion_matrix(y, (p >= threshold).astype(int), labels=[0, 1]).ravel()
    out["confusion"] = {"labels": list(class_names),
                        "matrix": [[int(tn), int(fp)], [int(fn), int(tp)]]}
    if flagged is not None:
        out["share_flagged"] = _r(np.asarray(flagged, bool).mean())
    if sets is not None:
        out["prediction_sets"] = set_figures(sets, y)
    if n_boot and len(np.unique(y)) == 2:
        out["ci95"] = _fast_ci(y, p, n_boot, seed)
    proba = np.stack([1 - p, p], axis=1)
    ids = ids if ids is not None else [str(i) for i in range(len(y))]
    out["wrong_and_confident"] = wrong_and_confident(y, proba, (p >= threshold).astype(int),
                                                     class_names, ids)
    return clean(out)


def top_label_ece(y: np.ndarray, proba: np.ndarray, n_bins: int = N_BINS) -> float:
    """ECE of the top class: its probability against whether it was right."""
    y = np.asarray(y, int)
    return metrics.expected_calibration_error(proba.argmax(1) == y, proba.max(1), n_bins)


def multiclass(y: np.ndarray, proba: np.ndarray, class_names: list[str], *,
               sets: np.ndarray | None = None, flagged: np.ndarray | None = None,
               ids: list[str] | None = None, n_boot: int = 1000, seed: int = 0) -> dict:
    """Every figure for (n, classes) probabilities: macro one-vs-rest ROC-AUC, per-class
    sensitivity (recall) and PPV (precision), top-label calibration, sets."""
    y, proba = np.asarray(y, int).ravel(), np.asarray(proba, float)
    out = metrics.multiclass_report(y, proba, class_names, n_boot, seed)
    decided = proba.argmax(1)
    prec, rec, _, _ = skm.precision_recall_fscore_support(
        y, decided, labels=list(range(len(class_names))), zero_division=np.nan)
    out["sensitivity"] = {c: _r(v) for c, v in zip(class_names, rec, strict=True)}
    out["ppv"] = {c: _r(v) for c, v in zip(class_names, prec, strict=True)}
    correct = (decided == y).astype(int)
    out["ece"] = _r(top_label_ece(y, proba))
    out["calibration"] = reliability(correct, proba.max(1))
    if flagged is not None:
        out["share_flagged"] = _r(np.asarray(flagged, bool).mean())
    if sets is not None:
        out["prediction_sets"] = set_figures(sets, y)
    ids = ids if ids is not None else [str(i) for i in range(len(y))]
    out["wrong_and_confident"] = wrong_and_confident(y, proba, decided, class_names, ids)
    return clean(out)


def per_subgroup(groups: dict[str, list[str]], figure, n: int) -> dict[str, dict]:
    """``figure(mask)`` for each value of each subgroup column with at least
    :data:`MIN_SUBGROUP` cases (no bootstrap); smaller groups only say how many cases."""
    out: dict[str, dict] = {}
    for column, values in groups.items():
        values = np.asarray([str(v) for v in values])
        if len(values) != n:
            raise ValueError(f"subgroup column {column} has {len(values)} values for {n} cases")
        out[column] = {}
        for value in sorted(set(values.tolist())):
            mask = values == value
            if mask.sum() < MIN_SUBGROUP:
                out[column][value] = {"n": int(mask.sum()),
                                      "note": f"under {MIN_SUBGROUP} cases: not measured"}
                continue
            try:
                got = figure(mask)
            except ValueError as err:  # a class absent from the subgroup
                out[column][value] = {"n": int(mask.sum()), "note": f"not measured: {err}"}
                continue
            got.pop("wrong_and_confident", None)
            out[column][value] = got
    return out
