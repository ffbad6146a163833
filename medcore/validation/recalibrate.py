"""What a site may change without retraining, fitted on its own labelled cases: a calibration
map on the model's output, a decision threshold for a sensitivity or PPV it asks for, and the
prediction sets' quantiles (split conformal).

The local cases are cut once into two stratified halves. Everything is fitted on the first
("fit") half: the map (Platt or isotonic, chosen by 5-fold cross-validated log-loss inside that
half), the threshold and the conformal quantiles. The second ("check") half is touched only to
show what the fitted profile does on cases it did not see, before and after. The sets' guarantee
(a set holds the truth with probability at least the level) holds for new cases that are
exchangeable with the fit half: drawn from the same population, in no particular order.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold

from medcore import conformal
from medcore.calibration import logit
from medcore.errors import InputError
from medcore.validation import figures

LEVELS = conformal.CURVE_LEVELS
TARGETS = ("sensitivity", "ppv")
GUARANTEE = ("The sets hold the true class of a new case at least as often as their level, "
             "provided new cases are exchangeable with the local cases they were fitted on "
             "(same population, no drift in time or case mix).")
MIN_ISOTONIC = 100  # cases of each class in the fit half before isotonic is tried
EPS = 1e-4  # isotonic maps may reach 0 or 1: clipped for the log-loss that chooses the map


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))


def fit_platt(p: np.ndarray, y: np.ndarray) -> dict:
    """``sigmoid(a * logit(p) + b)``: logistic regression on the model's logit (unpenalised)."""
    a, b = figures.logistic_on_logit(logit(p), y)
    return {"method": "platt", "a": a, "b": b}


def fit_isotonic(p: np.ndarray, y: np.ndarray) -> dict:
    """A non-decreasing step map of the probability (``IsotonicRegression``), kept as its knots
    (``np.interp`` between them is what ``IsotonicRegression.predict`` computes); kept off 0
    and 1, which a few hundred cases cannot show."""
    floor = 1.0 / (2 * len(y))  # n cases cannot show a risk under about 1 / 2n
    iso = IsotonicRegression(y_min=floor, y_max=1.0 - floor, out_of_bounds="clip").fit(
        np.asarray(p, float), np.asarray(y, float))
    return {"method": "isotonic", "x": [float(v) for v in iso.X_thresholds_],
            "y": [float(v) for v in iso.y_thresholds_]}


def fit_temperature(proba: np.ndarray, y: np.ndarray) -> dict:
    """Multiclass: one temperature T on the log-probabilities (softmax(log p / T)); it keeps
    every argmax, so the calls do not change, only how sure they are."""
    logp = np.log(np.clip(np.asarray(proba, float), 1e-12, 1.0))
    y = np.asarray(y, int)

    def nll(log_t: float) -> float:
        return float(log_loss(y, _softmax(logp / np.exp(log_t)), labels=range(logp.shape[1])))

    res = minimize_scalar(nll, bounds=(-3, 3), method="bounded")
    return {"method": "temperature", "t": float(np.exp(res.x))}


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def apply_map(m: dict, p: np.ndarray) -> np.ndarray:
    """The recalibrated probabilities: P(positive) for binary maps, (n, k) for temperature."""
    p = np.asarray(p, float)
    if m["method"] == "platt":
        return _sigmoid(m["a"] * logit(p) + m["b"])
    if m["method"] == "isotonic":
        return np.interp(p, m["x"], m["y"])
    if m["method"] == "temperature":
        return _softmax(np.log(np.clip(p, 1e-12, 1.0)) / m["t"])
    raise ValueError(f"unknown calibration map {m['method']!r}")


def choose_map(p: np.ndarray, y: np.ndarray, seed: int = 0) -> dict:
    """Platt or isotonic, whichever has the lower 5-fold cross-validated log-loss on these
    cases, refitted on all of them; the choice and the losses are kept with the map. Isotonic
    is a candidate only from :data:`MIN_ISOTONIC` cases of each class: with fewer its steps
    are coarse (ties that cost ROC-AUC) and it overfits (scikit-learn's calibration guide)."""
    p, y = np.asarray(p, float), np.asarray(y, int)
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    candidates = [("platt", fit_platt)]
    if np.bincount(y, minlength=2).min() >= MIN_ISOTONIC:
        candidates.append(("isotonic", fit_isotonic))
    losses = {}
    for name, fit in candidates:
        oof = np.empty(len(y))
        for tr, te in folds.split(p, y):
            oof[te] = apply_map(fit(p[tr], y[tr]), p[te])
        losses[name] = round(float(log_loss(y, np.clip(oof, EPS, 1 - EPS), labels=[0, 1])), 4)
    best = min(losses, key=lambda k: (losses[k], k != "platt"))
    return {**(fit_platt if best == "platt" else fit_isotonic)(p, y), "cv_log_loss": losses}


def threshold_for(p: np.ndarray, y: np.ndarray, target: str, value: float) -> float:
    """The highest threshold whose sensitivity on these cases is at least ``value``, or the
    lowest whose PPV is at least ``value`` (the most cases called positive at that PPV)."""
    p, y = np.asarray(p, float), np.asarray(y, int)
    if not 0.0 < value < 1.0:
        raise InputError(f"The {target} asked for must lie between 0 and 1, got {value}.",
                         "Give it as a fraction, e.g. 0.9.")
    if target == "sensitivity":
        return _for_sensitivity(p, y, value)
    if target == "ppv":
        for t in np.unique(p):
            called = p >= t
            if y[called].mean() >= value:
                return float(t)
        raise InputError(f"No threshold reaches a PPV of {value:.0%} on these cases "
                         f"(the best is {_best_ppv(p, y):.0%}).", "Ask for a lower PPV.")
    raise InputError(f"Unknown target {target!r}.", f"Use one of: {', '.join(TARGETS)}.")


def _for_sensitivity(p: np.ndarray, y: np.ndarray, value: float) -> float:
    pos = np.sort(p[y == 1])[::-1]
    return float(pos[max(int(np.ceil(value * len(pos) - 1e-9)), 1) - 1])


def _best_ppv(p: np.ndarray, y: np.ndarray) -> float:
    return max(float(y[p >= t].mean()) for t in np.unique(p))


def quantiles(proba: np.ndarray, y: np.ndarray) -> dict[str, list[float]]:
    """Class-conditional conformal quantiles at every level of :data:`LEVELS` (None where a
    class has too few cases for the level: that class is then always in the set)."""
    return {str(lv): [None if not np.isfinite(q) else float(q)
                      for q in conformal.thresholds(proba, y, lv)] for lv in LEVELS}


def sets_at(q: dict[str, list], proba: np.ndarray, level: float) -> np.ndarray:
    """Boolean (n, k) sets from stored quantiles (a missing quantile keeps its class in)."""
    key = str(level)
    if key not in q:
        raise InputError(f"The site profile has prediction sets at "
                         f"{', '.join(q)} only, not {level}.", "Pick one of those levels.")
    qs = np.array([np.inf if v is None else v for v in q[key]])
    return conformal.prediction_sets(proba, qs)


def _as_proba(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, float)
    return conformal.binary(p) if p.ndim == 1 else p


def fit_task(p: np.ndarray, y: np.ndarray, class_names: list[str], threshold: float | None,
             *, target: str | None = None, value: float | None = None,
             shipped_q: np.ndarray | None = None, ids: list[str] | None = None,
             seed: int = 0, what: str = "") -> dict:
    """Fit the map, the threshold and the sets on the fit half; measure the shipped model and
    the recalibrated one on the check half. ``p`` is P(positive) (n,) for a binary task, or
    (n, k) class probabilities; ``threshold`` the shipped one (binary only)."""
    p, y = np.asarray(p, float), np.asarray(y, int)
    figures.check_enough(y, class_names, what)
    fit_i, check_i = conformal.halves(y, seed)
    level = conformal.LEVEL
    binary = p.ndim == 1
    q = quantiles(_as_proba(p[fit_i]), y[fit_i])
    if binary:
        m = choose_map(p[fit_i], y[fit_i], seed)
        mapped_fit = apply_map(m, p[fit_i])
        if target:
            thr = threshold_for(mapped_fit, y[fit_i], target, float(value))
            rule = f"{target} {value:.0%} on the {len(fit_i)} fit cases"
        else:  # the sensitivity the shipped threshold had on the fit cases
            sens = float((p[fit_i][y[fit_i] == 1] >= threshold).mean())
            thr = _for_sensitivity(mapped_fit, y[fit_i], sens)
            rule = (f"the shipped threshold's sensitivity on the {len(fit_i)} fit cases "
                    f"({sens:.0%})")
    else:
        m = fit_temperature(p[fit_i], y[fit_i])
        thr, rule = None, "the most probable class (a temperature keeps it)"
    task = {"kind": "binary" if binary else "multiclass", "classes": list(class_names),
            "n_cases": int(len(y)), "n_fit": int(len(fit_i)), "n_check": int(len(check_i)),
            "class_counts": [int(c) for c in np.bincount(y, minlength=len(class_names))],
            "map": m, "threshold": thr, "threshold_rule": rule, "shipped_threshold": threshold,
            "conformal_q": q, "level": level}
    ids_check = [ids[i] for i in check_i] if ids is not None else None
    if shipped_q is not None and np.ndim(shipped_q) == 2:  # one row of quantiles per case
        shipped_q = np.asarray(shipped_q)[check_i]
    before_sets = (conformal.prediction_sets(_as_proba(p[check_i]), shipped_q)
                   if shipped_q is not None else None)
    after = apply_task(task, p[check_i], level)
    if binary:
        kw = {"ids": ids_check, "n_boot": 0}
        check = {"before": figures.binary(y[check_i], p[check_i], threshold, class_names,
                                          sets=before_sets, **kw),
                 "after": figures.binary(y[check_i], after["probability"], thr, class_names,
                                         sets=after["sets"], **kw)}
    else:
        kw = {"ids": ids_check, "n_boot": 0}
        check = {"before": figures.multiclass(y[check_i], p[check_i], class_names,
                                              sets=before_sets, **kw),
                 "after": figures.multiclass(y[check_i], after["probability"], class_names,
                                             sets=after["sets"], **kw)}
    return {"task": task, "check": check, "guarantee": GUARANTEE}


def apply_task(task: dict, p: np.ndarray, level: float = conformal.LEVEL) -> dict:
    """A profile task applied to the model's own probabilities: the recalibrated probability,
    the decision and the prediction set (pure: arrays in, arrays out)."""
    p = np.asarray(p, float)
    prob = apply_map(task["map"], p)
    if task["kind"] == "binary":
        decision = (prob >= task["threshold"]).astype(int)
    else:
        decision = prob.argmax(axis=1)
    return {"probability": prob, "decision": decision,
            "sets": sets_at(task["conformal_q"], _as_proba(p), level)}
