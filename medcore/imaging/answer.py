"""One answer per film, read from its prediction set (so the two can never disagree).

Why this shape: a decision thresholded on the probability beside a separately calibrated set
gave two answers (a film "pneumonia" whose set was {normal}). Here the set is the answer:
one class -> that class; both -> "uncertain"; none -> "fits neither".

The probability is the network's, recalibrated (Platt: a line on its log-odds) on the
calibration half of the official test films, where it runs far too confident (temperature
scaling on validation films carved from the training folder does not carry over to the test
films). The set is split-conformal on that probability (score 1 - P(true class)) with the same
calibration films, so on films like them it holds the true class at the chosen level. At
another pneumonia prevalence the probability is moved by Bayes' rule and the calibration films
are re-weighted by the ratio of the class shares (weighted conformal under label shift,
Podkopaev & Ramdas 2021), so probability, set and decision move together and the decided class
is always the likelier one.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from medcore import calibration, conformal

FILE = "answer.json"
# Conventional levels only: below about 0.9 the sets of this model turn empty near P = 0.5, and
# "fits neither" would then be the answer for a film the model finds a toss-up.
LEVELS = tuple(round(0.90 + 0.01 * i, 2) for i in range(10))
MAX_WRONG = 0.05  # the rule's bound on "wrong and shown as a decision" inside the calibration half
SPLITS = 50  # random halvings of the calibration half the level is chosen over
STATUS_OF_SIZE = {0: "fits_neither", 1: "decided", 2: "uncertain"}
WORDS = {"decided": "the only class in its prediction set",
         "uncertain": "uncertain: both classes are in its prediction set",
         "fits_neither": "fits neither class: its prediction set is empty"}
RULE = ("The answer is read from the film's prediction set: one class -> that class; both -> "
        "uncertain; none -> fits neither. The default level is the one, among 0.90-0.99 in "
        f"steps of 0.01, that gives the most one-class answers while 'wrong and shown as a "
        f"decision' stays <= {MAX_WRONG:.0%}, averaged over {SPLITS} seeded halvings of the "
        "calibration half (recalibration and conformal quantile fitted on one half, measured on "
        "the other). Chosen on the calibration half only, before the other half was scored.")


def fit_recalibration(p_cal: np.ndarray, y_cal: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of Platt scaling on the network's log-odds."""
    from sklearn.linear_model import LogisticRegression

    z = calibration.logit(p_cal)[:, None]
    lr = LogisticRegression(C=1e6, max_iter=1000).fit(z, np.asarray(y_cal, int))
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def recalibrate(p: np.ndarray, params: dict) -> np.ndarray:
    """The network's P(pneumonia) -> the recalibrated one."""
    z = params["slope"] * calibration.logit(np.asarray(p, float)) + params["intercept"]
    return 1.0 / (1.0 + np.exp(-z))


def _weighted_quantile(scores: np.ndarray, weights: np.ndarray, extra: float,
                       level: float) -> float:
    """The ``level`` quantile of the scores weighted by ``weights`` with ``extra`` weight at
    +infinity (the new film, whose label is the one being tried)."""
    order = np.argsort(scores)
    cum = np.cumsum(weights[order]) / (weights.sum() + extra)
    k = int(np.searchsorted(cum, level - 1e-12))
    return float(scores[order][k]) if k < len(scores) else np.inf


def set_masks(p: np.ndarray, p_cal: np.ndarray, y_cal: np.ndarray, level: float,
              prevalence: float | None = None, base: float | None = None) -> np.ndarray:
    """(n, 2) booleans [normal, pneumonia] in each film's set, from recalibrated P(pneumonia).

    ``prevalence``/``base``: read the films where pneumonia has share ``prevalence`` when the
    calibration films have ``base``; both probabilities move and the calibration films are
    weighted by the class-share ratio. Without them this is plain split conformal.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    y_cal = np.asarray(y_cal, int)
    p, p_cal = np.asarray(p, float), np.asarray(p_cal, float)
    ratio = np.ones(2)
    if prevalence is not None and base is not None and prevalence != base:
        p = calibration.move_prevalence(p, base, prevalence)
        p_cal = calibration.move_prevalence(p_cal, base, prevalence)
        ratio = np.array([(1 - prevalence) / (1 - base), prevalence / base])
    probs_cal = conformal.binary(p_cal)
    scores = 1.0 - probs_cal[np.arange(len(y_cal)), y_cal]
    weights = ratio[y_cal]
    # One quantile for both classes, the larger of the two the new film's possible labels
    # give: still valid for either, and it keeps the band symmetric about P = 0.5 so that a
    # decided class is always the likelier one.
    q = max(_weighted_quantile(scores, weights, ratio[c], level) for c in (0, 1))
    return (1.0 - conformal.binary(p)) <= q


def read(mask: np.ndarray, class_names: list[str]) -> tuple[str, str | None, list[str]]:
    """(status, prediction, set names) for one film's set: the one rule every screen uses."""
    names = [n for n, inside in zip(class_names, mask, strict=True) if inside]
    status = STATUS_OF_SIZE[len(names)]
    return status, (names[0] if status == "decided" else None), names


def band(p_cal: np.ndarray, y_cal: np.ndarray, level: float, prevalence: float | None = None,
         base: float | None = None, grid: int = 2001) -> dict[str, float]:
    """Where the answers change on the probability axis (at ``prevalence``): below ``normal_below``
    the set is {normal}; at or above ``pneumonia_from`` {pneumonia}; between, both or none."""
    xs = np.linspace(0.0, 1.0, grid)
    probs = xs if prevalence is None or base is None else \
        calibration.move_prevalence(xs, prevalence, base)  # the grid at the reading prevalence
    masks = set_masks(probs, p_cal, y_cal, level, prevalence, base)
    only_normal = masks[:, 0] & ~masks[:, 1]
    only_pneu = masks[:, 1] & ~masks[:, 0]
    lo = float(xs[only_normal].max()) if only_normal.any() else 0.0
    hi = float(xs[only_pneu].min()) if only_pneu.any() else 1.0
    return {"normal_below": round(lo, 4), "pneumonia_from": round(hi, 4)}


def figures(p: np.ndarray, y: np.ndarray, flagged: np.ndarray, p_cal: np.ndarray,
            y_cal: np.ndarray, level: float) -> dict:
    """Shares of all films: flagged, decided, uncertain, fits neither, wrong and shown as a
    decision; coverage of the sets over the unflagged films."""
    y, flagged = np.asarray(y, int), np.asarray(flagged, bool)
    masks = set_masks(p, p_cal, y_cal, level)
    size = masks.sum(axis=1)
    shown = ~flagged
    decided = shown & (size == 1)
    wrong = decided & ~masks[np.arange(len(y)), y]
    n = max(len(y), 1)
    return {"n": int(len(y)), "flagged": round(float(flagged.sum() / n), 4),
            "decided": round(float(decided.sum() / n), 4),
            "uncertain": round(float((shown & (size == 2)).sum() / n), 4),
            "fits_neither": round(float((shown & (size == 0)).sum() / n), 4),
            "wrong_and_decided": round(float(wrong.sum() / n), 4),
            "coverage_unflagged": round(float(masks[shown, :][np.arange(shown.sum()),
                                                              y[shown]].mean()), 4)
            if shown.any() else None}


def choose_level(p_raw: np.ndarray, y: np.ndarray, seed: int = 0) -> dict:
    """The pre-committed rule (:data:`RULE`) on the calibration half only."""
    from sklearn.model_selection import StratifiedShuffleSplit

    y = np.asarray(y, int)
    splitter = StratifiedShuffleSplit(SPLITS, test_size=0.5, random_state=seed)
    decided = np.zeros(len(LEVELS))
    wrong = np.zeros(len(LEVELS))
    for fit, held in splitter.split(np.zeros(len(y)), y):
        params = dict(zip(("slope", "intercept"), fit_recalibration(p_raw[fit], y[fit]),
                          strict=True))
        pf, ph = recalibrate(p_raw[fit], params), recalibrate(p_raw[held], params)
        for i, lv in enumerate(LEVELS):
            f = figures(ph, y[held], np.zeros(len(held), bool), pf, y[fit], lv)
            decided[i] += f["decided"] / SPLITS
            wrong[i] += f["wrong_and_decided"] / SPLITS
    ok = wrong <= MAX_WRONG
    best = int(np.argmax(np.where(ok, decided, -1.0))) if ok.any() else int(np.argmin(wrong))
    return {"level": float(LEVELS[best]),
            "decided_within_calibration": round(float(decided[best]), 4),
            "wrong_and_decided_within_calibration": round(float(wrong[best]), 4)}


def fit(p_raw_cal: np.ndarray, y_cal: np.ndarray, prevalence: float) -> dict:
    """Everything ``answer.json`` holds, from the calibration films' network probabilities."""
    slope, intercept = fit_recalibration(p_raw_cal, y_cal)
    return {"slope": round(slope, 6), "intercept": round(intercept, 6),
            "prevalence": prevalence, **choose_level(p_raw_cal, y_cal), "rule": RULE,
            "calibrated_on": "the calibration half of the official test films "
                             f"({len(y_cal)} films, stratified, seed 0)"}


def save(params: dict, folder: Path) -> None:
    (Path(folder) / FILE).write_text(json.dumps(params, indent=2))


def load(folder: Path) -> dict:
    return json.loads((Path(folder) / FILE).read_text())
