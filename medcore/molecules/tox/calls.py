"""Calls a chemist can trust: per assay, one rule turns a probability into a word and a colour.

Why: Tox21's assays are rare (3 to 16 % of molecules active), so a cut-off chosen for
sensitivity (Youden's J) sits at probabilities of 0.015-0.05 and calls most molecules active.
Here an assay calls "active" only where it was precise on molecules it never trained on:

- threshold: on the random split's validation molecules measured for the assay, the cut-off
  with the highest F1 among those whose precision is at least ``MIN_PRECISION`` with at least
  ``MIN_TRUE_POSITIVES`` actives above it; none -> the assay makes no call;
- gate: the assay makes no call when, on the random split's test molecules at that threshold,
  fewer than ``MIN_TRUE_POSITIVES`` molecules are called or the Wilson 95 % lower bound of
  precision is not above ``LIFT_K`` x the assay's base rate (it cannot separate). The test
  split is read once, by ``evaluate``, after the thresholds are fixed; the gate can only
  withhold an assay's calls, never move a threshold;
- members' disagreement: a call whose ensemble members' SD exceeds ``sd_cut`` is "uncertain".
  The cut is measured on validation calls: the highest cut on ``SD_GRID`` with at least
  ``SD_MIN_CALLS`` calls at or above it whose precision is at least ``SD_DROP`` under that of
  the calls below it;
- far from training (``domain``) or a prediction set that is not {active} turns a call into
  "uncertain"; a probability below the threshold whose set is {active} is "uncertain" too
  (the set and the threshold disagree); below the threshold otherwise is "below threshold",
  which says the model makes no active call, not that the molecule is inactive.

``decide`` is the only place a word is made: the table, the detail view, the report, the CSV
and the Generator's filter read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FILE = "calls.json"
MIN_PRECISION = 0.5
MIN_TRUE_POSITIVES = 5
LIFT_K = 2.0
SD_GRID = tuple(round(0.05 + 0.025 * k, 3) for k in range(11))  # 0.05 .. 0.30
SD_DROP = 0.10
SD_MIN_CALLS = 20

ACTIVE, UNCERTAIN, BELOW, NO_CALL = "active", "uncertain", "below threshold", "no call"
COLOURS = {ACTIVE: "#d62728", UNCERTAIN: "#ff7f0e", BELOW: "#7f7f7f", NO_CALL: "#bdbdbd"}
BACKGROUNDS = {ACTIVE: "#fbd5d5", UNCERTAIN: "#ffe8cc", BELOW: "#f0f0f0", NO_CALL: "#ffffff"}

RULE = (f"Active only at or above the assay's threshold: on the random split's validation "
        f"molecules, the cut-off with the highest F1 among those with precision >= "
        f"{MIN_PRECISION} and >= {MIN_TRUE_POSITIVES} actives above it. No call for an assay "
        f"with no such cut-off, or whose precision at it on the test molecules (Wilson 95 % "
        f"lower bound) is not above {LIFT_K:g} x its base rate. A call is uncertain when the "
        "ensemble members disagree (SD over the measured cut), the molecule is far from "
        "training, or the prediction set is not {active}; below the threshold is no call of "
        "activity, not a call of inactivity.")


def _r(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(float(x), digits)


def _ranked(y: np.ndarray, p: np.ndarray):
    """Cumulative counts down the probabilities (ties kept together at their lowest rank)."""
    order = np.argsort(-p, kind="stable")
    ps, ys = p[order], y[order]
    tp = np.cumsum(ys)
    n = np.arange(1, len(ys) + 1)
    last = np.r_[ps[1:] != ps[:-1], True]  # the last position of each tied value
    return ps[last], tp[last], n[last]


def choose_threshold(y: np.ndarray, p: np.ndarray) -> dict:
    """The validation rule for one assay (labels measured for it only)."""
    y, p = np.asarray(y, float), np.asarray(p, float)
    n_active = int(y.sum())
    if n_active == 0:
        return {"threshold": None, "n_molecules": len(y), "n_active": 0}
    ps, tp, n = _ranked(y, p)
    precision, sensitivity = tp / n, tp / n_active
    f1 = 2 * precision * sensitivity / np.maximum(precision + sensitivity, 1e-12)
    ok = (precision >= MIN_PRECISION) & (tp >= MIN_TRUE_POSITIVES)
    if not ok.any():
        return {"threshold": None, "n_molecules": len(y), "n_active": n_active}
    i = int(np.argmax(np.where(ok, f1, -1.0)))
    return {"threshold": _r(ps[i]), "n_molecules": len(y), "n_active": n_active,
            "n_called": int(n[i]), "precision": _r(precision[i]),
            "sensitivity": _r(sensitivity[i])}


def choose_sd_cut(sd: list[np.ndarray], y: list[np.ndarray]) -> dict:
    """The members' SD above which validation calls are clearly less precise (pooled over the
    assays' calls; see the module docstring); None when no cut qualifies."""
    s, t = np.concatenate(sd), np.concatenate(y)
    rows, cut = [], None
    for c in SD_GRID:
        hi = s >= c
        p_hi = float(t[hi].mean()) if hi.any() else None
        p_lo = float(t[~hi].mean()) if (~hi).any() else None
        rows.append({"cut": c, "calls_at_or_above": int(hi.sum()), "precision_at_or_above":
                     _r(p_hi), "precision_below": _r(p_lo)})
        if hi.sum() >= SD_MIN_CALLS and p_hi is not None and p_lo is not None \
                and p_hi <= p_lo - SD_DROP:
            cut = c
    return {"sd_cut": cut, "n_calls": len(t), "curve": rows,
            "rule": f"highest cut on {SD_GRID[0]}-{SD_GRID[-1]} (step 0.025) with >= "
                    f"{SD_MIN_CALLS} validation calls at or above it whose precision is at "
                    f"least {SD_DROP} under that of the calls below it"}


def fit(p_val: np.ndarray, sd_val: np.ndarray, y_val: np.ndarray, y_train: np.ndarray,
        assays: list[str]) -> dict:
    """``calls.json``: per assay its base rate (training split) and validation threshold; the
    members' SD cut. Reads validation and training labels only."""
    per, sds, ys = {}, [], []
    for j, a in enumerate(assays):
        m = ~np.isnan(y_val[:, j])
        choice = choose_threshold(y_val[m, j], p_val[m, j])
        measured = y_train[~np.isnan(y_train[:, j]), j]
        choice["base_rate"] = _r(measured.mean()) if len(measured) else None
        per[a] = choice
        if choice["threshold"] is not None:
            called = m & (p_val[:, j] >= choice["threshold"])
            sds.append(sd_val[called, j])
            ys.append(y_val[called, j])
    sd = choose_sd_cut(sds, ys) if sds else {"sd_cut": None, "n_calls": 0, "curve": []}
    return {"rule": RULE, "min_precision": MIN_PRECISION,
            "min_true_positives": MIN_TRUE_POSITIVES, "lift_k": LIFT_K, "members_sd": sd,
            "assays": per}


def save(folder: Path, cfg: dict) -> None:
    (Path(folder) / FILE).write_text(json.dumps(cfg, indent=1) + "\n")


def load(folder: Path) -> dict | None:
    path = Path(folder) / FILE
    return json.loads(path.read_text()) if path.exists() else None


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson interval of a proportion k / n (sound at the few calls rare assays get)."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    mid = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(mid - half), float(mid + half)


def held_out(cfg: dict, p_test: np.ndarray, y_test: np.ndarray, assays: list[str]) -> dict:
    """The card's ``metrics.calls``: per assay precision and sensitivity at its threshold on
    the test molecules measured for it, the Wilson interval, and whether it makes calls."""
    per = {}
    for j, a in enumerate(assays):
        c = cfg["assays"][a]
        t, base = c["threshold"], c["base_rate"]
        m = ~np.isnan(y_test[:, j])
        y, p = y_test[m, j], p_test[m, j]
        row = {"n_molecules": int(m.sum()), "n_active": int(y.sum())}
        if t is None:
            per[a] = row | {"makes_calls": False,
                            "why_not": "no validation cut-off reaches the precision rule"}
            continue
        called = p >= t
        tp, n = int(y[called].sum()), int(called.sum())
        lo, hi = wilson(tp, n)
        row |= {"n_called": n, "true_positives": tp,
                "precision": _r(tp / n) if n else None, "precision_ci95": [_r(lo), _r(hi)],
                "sensitivity": _r(tp / y.sum()) if y.sum() else None}
        ok = n >= MIN_TRUE_POSITIVES and base is not None and lo > LIFT_K * base
        row["makes_calls"] = bool(ok)
        if not ok:
            row["why_not"] = (f"on the test molecules precision's 95 % lower bound {lo:.2f} "
                              f"is not above {LIFT_K:g} x base rate {base:.3f}"
                              if n >= MIN_TRUE_POSITIVES else
                              f"only {n} test molecules at or above the threshold")
        per[a] = row
    making = [a for a, r in per.items() if r["makes_calls"]]
    return {"assays_making_calls": making, "per_assay": per}


@dataclass(frozen=True)
class Assay:
    """What one assay's calls rest on, as the page shows it."""

    name: str
    threshold: float | None
    base_rate: float | None
    precision: float | None       # on the test molecules, at the threshold
    precision_ci95: list | None
    sensitivity: float | None
    makes_calls: bool
    why_not: str = ""


@dataclass(frozen=True)
class Rules:
    assays: dict[str, Assay]
    sd_cut: float | None

    @classmethod
    def of(cls, bundle) -> Rules:
        cfg = bundle.extras["calls"]
        held = bundle.card["metrics"]["calls"]["per_assay"]
        out = {}
        for a, c in cfg["assays"].items():
            h = held[a]
            out[a] = Assay(a, c["threshold"], c["base_rate"], h.get("precision"),
                           h.get("precision_ci95"), h.get("sensitivity"), h["makes_calls"],
                           h.get("why_not", ""))
        return cls(out, cfg["members_sd"]["sd_cut"])

    def table(self) -> list[dict]:
        """One row per assay: base rate, threshold and its held-out figures (for display)."""
        rows = []
        for a in self.assays.values():
            ci = a.precision_ci95
            rows.append({
                "assay": a.name, "base rate": a.base_rate, "threshold": a.threshold,
                "held-out precision": a.precision,
                "precision 95% CI": f"{ci[0]:.2f}-{ci[1]:.2f}" if ci else "",
                "held-out sensitivity": a.sensitivity,
                "makes calls": "yes" if a.makes_calls else f"no call: {a.why_not}"})
        return rows


def decide(rules: Rules, assay: str, p: float, sd: float, far: bool,
           prediction_set: list[str]) -> tuple[str, str]:
    """(word, why) for one molecule and assay: the one rule behind every call on screen."""
    a = rules.assays[assay]
    if not a.makes_calls:
        return NO_CALL, a.why_not
    if p < a.threshold:
        if prediction_set == ["active"]:
            return UNCERTAIN, ("below the threshold but the prediction set is {active}")
        return BELOW, ""
    why = []
    if rules.sd_cut is not None and sd > rules.sd_cut:
        why.append(f"members disagree (SD {sd:.3f} > {rules.sd_cut:.3f})")
    if far:
        why.append("far from the training molecules")
    if prediction_set != ["active"]:
        why.append("prediction set {" + ", ".join(prediction_set) + "}")
    return (UNCERTAIN, "; ".join(why)) if why else (ACTIVE, "")


def lift(p: float, base_rate: float | None) -> float | None:
    """The probability as a multiple of the assay's base rate."""
    return None if not base_rate else round(p / base_rate, 1)
