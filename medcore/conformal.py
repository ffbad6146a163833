"""Class-conditional (Mondrian) split conformal prediction sets for classifiers.

Why: a probability alone does not say how often the model's answer can be trusted. A split
conformal set at level 1 - alpha contains the true class of a new case with probability at least
1 - alpha, given only that calibration and new cases are exchangeable (Vovk et al. 2005;
Angelopoulos & Bates 2021). Mondrian: one quantile per class, so the guarantee holds for each
class, which matters where classes are imbalanced (74 % pneumonia in xray-cnn's validation).
A set with both classes means "uncertain"; an empty set means the case is unlike either class.
Written here (thirty lines of numpy) rather than with MAPIE, whose API changed across majors and
which would be one more dependency for a quantile.
"""

from __future__ import annotations

import numpy as np

LEVEL = 0.9  # the default the pages and the card use
CURVE_LEVELS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99)


def thresholds(p_cal: np.ndarray, y_cal: np.ndarray, level: float = LEVEL) -> np.ndarray:
    """Per class c, the conformal quantile of the scores 1 - p_c among calibration cases of class
    c (rank ceil((n_c + 1) * level)); infinite where a class has too few cases for the level."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    p_cal, y_cal = np.asarray(p_cal, float), np.asarray(y_cal, int)
    out = np.full(p_cal.shape[1], np.inf)
    for c in range(p_cal.shape[1]):
        scores = np.sort(1.0 - p_cal[y_cal == c, c])
        rank = int(np.ceil((len(scores) + 1) * level))
        if 0 < rank <= len(scores):
            out[c] = scores[rank - 1]
    return out


def marginal_thresholds(p_cal: np.ndarray, y_cal: np.ndarray, level: float = LEVEL
                        ) -> np.ndarray:
    """One conformal quantile of 1 - p_true over all calibration cases (rank
    ceil((n + 1) * level)), repeated for every class; infinite where too few cases.

    Why besides ``thresholds``: one quantile from all n cases moves less between calibration
    samples than k per-class quantiles from n / k cases each; the guarantee is then for all
    cases together, not for each class."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    p_cal, y_cal = np.asarray(p_cal, float), np.asarray(y_cal, int)
    scores = np.sort(1.0 - p_cal[np.arange(len(y_cal)), y_cal])
    rank = int(np.ceil((len(scores) + 1) * level))
    q = scores[rank - 1] if 0 < rank <= len(scores) else np.inf
    return np.full(p_cal.shape[1], q)


def prediction_sets(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """(n, k) booleans: class c is in the set when 1 - p_c <= its threshold. ``q`` is one
    threshold per class (k,), or one row per case (n, k) where cases were calibrated apart
    (dna-cnn's windows and short windows)."""
    q = np.asarray(q)
    return (1.0 - np.asarray(p, float)) <= (q if q.ndim == 2 else q[None, :])


def binary(p_positive: np.ndarray) -> np.ndarray:
    """(n,) P(positive) -> (n, 2) class probabilities [negative, positive]."""
    p = np.asarray(p_positive, float).ravel()
    return np.stack([1.0 - p, p], axis=1)


def report(p_test: np.ndarray, y_test: np.ndarray, p_cal: np.ndarray, y_cal: np.ndarray,
           class_names: list[str], level: float = LEVEL) -> dict:
    """Coverage and set size at ``level`` (overall and per class) on held-out cases, and the
    risk-coverage curve: per level, the share of cases with a single-class set and the error
    rate among them."""
    y_test = np.asarray(y_test, int)
    sets = prediction_sets(p_test, thresholds(p_cal, y_cal, level))
    covered = sets[np.arange(len(y_test)), y_test]
    size = sets.sum(axis=1)
    per_class = {name: {"coverage": (round(float(covered[y_test == c].mean()), 4)
                                     if (y_test == c).any() else None),
                        "n": int((y_test == c).sum())}
                 for c, name in enumerate(class_names)}
    curve = []
    for lv in CURVE_LEVELS:
        s = prediction_sets(p_test, thresholds(p_cal, y_cal, lv))
        single = s.sum(axis=1) == 1
        wrong = single & ~s[np.arange(len(y_test)), y_test]
        curve.append({"level": lv, "share_single": round(float(single.mean()), 4),
                      "error_among_single": round(float(wrong.sum() / max(single.sum(), 1)), 4)})
    return {"level": level, "coverage": round(float(covered.mean()), 4),
            "set_size": round(float(size.mean()), 4),
            "share_uncertain": round(float((size > 1).mean()), 4),
            "share_empty": round(float((size == 0).mean()), 4),
            "per_class": per_class, "n_calibration": int(len(y_cal)), "curve": curve}


def halves(y: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Stratified halves of a held-out part: calibration cases, then the cases coverage is
    measured on. Used where the only cases like the test cases are the test cases themselves
    (a validation part carved from training data can differ from them)."""
    from sklearn.model_selection import StratifiedShuffleSplit

    cal, rest = next(StratifiedShuffleSplit(1, test_size=0.5, random_state=seed)
                     .split(np.zeros(len(y)), y))
    return np.sort(cal), np.sort(rest)


def named_sets(p: np.ndarray, p_cal: np.ndarray, y_cal: np.ndarray, class_names: list[str],
               level: float = LEVEL) -> list[list[str]]:
    """Each case's set at ``level`` as the names of its classes (what pages and JSON show)."""
    sets = prediction_sets(p, thresholds(p_cal, y_cal, level))
    return [[n for n, inside in zip(class_names, row, strict=True) if inside] for row in sets]


def describe(names: list[str]) -> str:
    """``{pneumonia}``, ``{normal, pneumonia}`` or ``{}`` for one case's set."""
    return "{" + ", ".join(names) + "}"


def call(names: list[str], predicted: str | None = None,
         empty: str = "unlike every class (empty set)") -> str:
    """What a table shows for one case: the class when the set holds it alone (and it is
    ``predicted``, when given), else ``uncertain: {...}`` (never a decision), or ``empty`` for
    an empty set."""
    if len(names) == 1 and predicted in (None, names[0]):
        return names[0]
    return f"uncertain: {describe(names)}" if names else empty
