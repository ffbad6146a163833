"""The patient-history service: a validated history in, one typed result per patient out
(risk, conformal set, coverage and warnings; reasons on request).

The page, ``predict``, ``score`` and the bench all call :func:`analyse`, so what a clinician
sees can be reproduced from a shell; the timeline's SHAP is asked for apart (:func:`explain`),
and a new prediction-set level is :func:`set_level`. Both return new results.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

from medcore import conformal, uploads
from medcore.history import deep, grid, io, synthetic, weights
from medcore.history import explain as attribution
from medcore.history import mapping as hist_mapping
from medcore.history import variables as V

log = logging.getLogger(__name__)
CHUNK = 2000  # patients gridded and scored at a time
# Coverage below these gets a warning beside the risk, as prominent as the risk itself; the
# measured thresholds (key variables, the weight training stays carried) are in weights.py.
MIN_WEIGHT = 0.5  # share of the model's weight, for a model without a measured table
MAX_ROWS_LOST = 0.1  # share of the file's rows that may fail to reach the model unexplained
MIN_HOURS = 24  # hours of data
METHOD = attribution.METHOD  # what the reasons and the timeline are measured with
VARIABLES = attribution.VARIABLES  # the columns of an explanation's arrays
WINDOW_HOURS = attribution.WINDOW_HOURS  # the reasons' time windows


@dataclass(frozen=True)
class PatientResult:
    """One patient's result. The page's table, the CSV, ``predict`` and the report read it;
    :meth:`row` is its JSON-able form (``top_reasons`` and ``not_measured`` only once
    explained)."""

    patient_id: str
    model: str
    risk: float                          # calibrated, rounded as shown
    base_rate: float                     # deaths among the stays the model learned from
    percentile: int | None               # share (%) of held-out stays with a lower risk
    risk_words: str                      # the risk beside the base rate and the percentile
    high_risk: bool                      # risk >= threshold (the alert threshold)
    threshold: float
    threshold_meaning: str               # what the alert threshold catches on held-out stays
    prediction_set: list[str] | None     # conformal set at ``level``; None without calibration
    level: float | None
    member_spread: dict | None           # the members' min, max and SD (ensembles)
    n_observations: int
    variables_given: int
    variables_total: int
    not_given: list[str]
    weight_given: float                  # share of the model's weight the variables carry
    last_hour: float | None
    coverage: str
    warnings: list[str]
    synthetic: bool
    # SHAP over 48 h x variables (None until explained); the timeline draws it
    explanation: attribution.Explanation | None = field(default=None, repr=False,
                                                        compare=False)
    # the validated history the patient was read from: :func:`explain` rebuilds its grid
    source: io.HistoryData | None = field(default=None, repr=False, compare=False)

    @property
    def top_reasons(self) -> list[dict] | None:
        """The three (variable, 6 h window) cells that moved the risk most (None: unexplained)."""
        return None if self.explanation is None else self.explanation.reasons

    @property
    def not_measured(self) -> float | None:
        """How far the cells that were not measured moved the risk, in total."""
        return None if self.explanation is None else round(self.explanation.not_measured, 5)

    @property
    def reason_text(self) -> str:
        """The top reasons in one line, as the table shows them ("" until explained)."""
        return "" if self.explanation is None else attribution.reason_text(self.top_reasons)

    def to_row(self) -> dict:
        """The JSON-able row ``predict``, the CSV and the site profile read."""
        out = {f.name: getattr(self, f.name) for f in fields(self)
               if f.name not in ("explanation", "source")}
        if self.explanation is not None:
            out.update(top_reasons=self.top_reasons, not_measured=self.not_measured)
        return out


def _pre(bundle) -> dict:
    return bundle.extras["preprocess"]


def _scored_chunks(bundle, records):
    """(patients, risks, members' risks or None) per chunk of CHUNK patients, in order.

    Why chunks: the grid with summary channels is about 80 kB per patient, so a 10,000-patient
    cohort built at once would hold ~0.8 GB; chunks keep memory flat whatever the upload size.
    """
    pre = _pre(bundle)
    patients = list(pd.unique(records["patient_id"]))
    codes = pd.Categorical(records["patient_id"], categories=patients).codes
    for lo in range(0, len(patients), CHUNK):
        part = patients[lo:lo + CHUNK]
        rec = records[(codes >= lo) & (codes < lo + len(part))]
        g = grid.build(rec, pre["stats"], part, pre.get("summary"))
        yield part, *deep.risks_and_members(bundle.model, g.x, pre["temperature"])


def _weights(bundle) -> dict[str, float]:
    """Each variable's share of the model's weight (mean |SHAP| on set C, from the card)."""
    imp = {r["variable"]: r["mean_abs_shap"] for r in bundle.card.get("global_importance", [])}
    total = sum(imp.values()) or 1.0
    return {v: imp.get(v, 0.0) / total for v in V.KNOWN}


def _file_warning(hist: io.HistoryData) -> str:
    """A warning when more than MAX_ROWS_LOST of the file's rows did not reach the model for a
    reason other than a stated one (set aside by name, duplicates, outside 0-48 h), naming the
    biggest reasons and the unknown names with most rows (mark them *not used* if they are
    not model variables)."""
    report = hist.report
    if not report.rows_in or report.rows_lost / report.rows_in <= MAX_ROWS_LOST:
        return ""
    unknown = sorted((e for e in hist.mapping if e.status == "unknown" and e.rows),
                     key=lambda e: -e.rows)
    names = (" Names not recognised, most rows first: "
             + ", ".join(f"{e.label} ({e.rows:,})" for e in unknown[:5])
             + "; pick their variable in the mapping, or set them not to be used."
             if unknown else "")
    why = sorted({**report.dropped, **{k: n for k, n in report.ignored.items()
                                       if not k.startswith("outside the first")}}.items(),
                 key=lambda kv: -kv[1])
    return (f"{report.rows_lost:,} of {report.rows_in:,} rows of the file "
            f"({report.rows_lost / report.rows_in:.0%}) did not reach the model: "
            + "; ".join(f"{why} ({n:,})" for why, n in why[:3])
            + ". Check the columns, the mapping and the validation report." + names)


def _named(variables: list[str], w: dict[str, float]) -> str:
    return ", ".join(f"{v} ({w[v]:.0%})" for v in variables)


_CONTEXT: dict[str, dict] = {}


def risk_context(bundle) -> dict:
    """What a risk means for ``bundle``, measured, never tuned on test data.

    The base rate is the share of deaths among the stays the model learned from (its card's
    training counts). The held-out stays are its calibration cases: set-A stays scored by a
    model that never trained on them. The alert threshold is the risk at which, on those
    stays, the share of deaths caught (sensitivity) and the share of alerts that die (PPV)
    are best balanced (the challenge's event-1 rule); both are stated beside every alert.
    """
    if bundle.id in _CONTEXT:
        return _CONTEXT[bundle.id]
    counts = bundle.card["dataset"]["counts"]["train"]
    base = counts["died_in_hospital"] / (counts["died_in_hospital"] + counts["survived"])
    cal = bundle.extras.get("calibration")
    if cal is None:  # no held-out cases shipped: the card's threshold, its own metrics
        m = bundle.card["metrics"]
        ctx = {"base_rate": base, "held_out": np.zeros(0), "threshold": m["threshold"],
               "sensitivity": m["sensitivity"], "ppv": m["ppv"], "flagged": None, "n": m["n"],
               "where": "set-C test stays"}
    else:
        p, y = np.asarray(cal["p"], float), np.asarray(cal["y"], int)
        cuts = np.unique(np.round(p, 4))
        sens = np.array([(p[y == 1] >= c).mean() for c in cuts])
        ppv = np.array([y[p >= c].mean() if (p >= c).any() else 0.0 for c in cuts])
        best = int(np.argmax(np.minimum(sens, ppv)))
        thr = float(cuts[best])
        ctx = {"base_rate": base, "held_out": np.sort(p), "threshold": thr,
               "sensitivity": float(sens[best]), "ppv": float(ppv[best]),
               "flagged": float((p >= thr).mean()), "n": int(len(p)),
               "where": "set-A stays the model never trained on"}
    ctx["meaning"] = (f"High-risk alert at {ctx['threshold']:.1%} or more: on {ctx['n']:,} "
                      f"{ctx['where']} it caught {ctx['sensitivity']:.0%} of the deaths, and "
                      f"{ctx['ppv']:.0%} of the stays it flagged died"
                      + (f" ({ctx['flagged']:.0%} of stays flagged)." if ctx["flagged"]
                         is not None else "."))
    _CONTEXT[bundle.id] = ctx
    return ctx


def risk_words(risk: float, ctx: dict) -> tuple[int | None, str]:
    """(percentile, words): the risk beside the training ICU's base rate and its place among
    held-out stays."""
    held = ctx["held_out"]
    pct = int(np.searchsorted(held, risk, side="left") * 100 // len(held)) if len(held) else None
    ratio = risk / ctx["base_rate"]
    rel = ("about the same as" if 0.8 <= ratio <= 1.25 else "below" if ratio < 1
           else f"{ratio:.1f} times")
    text = (f"{risk:.1%} risk of in-hospital death, {rel} the average of the ICU the model "
            f"learned from ({ctx['base_rate']:.1%} died)")
    if pct is not None:
        text += f"; higher than {pct}% of {len(held):,} held-out stays"
    return pct, text + "."


def coverage(bundle, hist: io.HistoryData) -> dict[str, dict]:
    """Per patient: the variables given in 0-48 h, their share of the model's weight, the last
    observed hour and the warnings that must stand beside the risk."""
    rec = hist.records
    inside = rec[(rec["minutes"] >= 0) & (rec["minutes"] <= 48 * 60)]
    given = pd.crosstab(inside["patient_id"], inside["variable"]).reindex(
        index=hist.patients, columns=list(V.KNOWN), fill_value=0) > 0
    last_h = (inside.groupby("patient_id")["minutes"].max() / 60).reindex(hist.patients)
    w = _weights(bundle)
    order = sorted(V.KNOWN, key=lambda v: -w[v])
    measured = weights.for_model(bundle.id)
    keys = weights.key_variables(bundle.id)
    low = measured["weight_given_low"] if measured else MIN_WEIGHT
    file_warn = _file_warning(hist)
    out = {}
    for pid, row in zip(hist.patients, given.to_numpy(), strict=True):
        have = [v for v, g in zip(V.KNOWN, row, strict=True) if g]
        missing = [v for v in order if v not in have]
        share = float(sum(w[v] for v in have))
        warnings = []
        lost_keys = [v for v in keys if v not in have]
        if lost_keys:
            warnings.append(f"Not given: {_named(lost_keys, w)} of {bundle.id}'s weight. "
                            f"{'It is' if len(lost_keys) == 1 else 'They are'} among the "
                            f"variables it weighs most, given for at least "
                            f"{weights.KEY_PRESENT:.0%} of the stays it learned from; the risk "
                            "is not reliable without them.")
        if share < low:
            warnings.append(f"The variables given carry {share:.0%} of {bundle.id}'s weight; "
                            f"{100 - weights.LOW_PERCENTILE}% of the stays it learned from "
                            f"carried at least {low:.0%}. Heaviest not given: "
                            f"{_named(missing[:5], w)}. The risk is not reliable.")
        if file_warn:
            warnings.append(file_warn)
        end = last_h.get(pid)
        if end is not None and np.isfinite(end) and end < MIN_HOURS:
            warnings.append(f"Data end at hour {end:.0f} of 48; the model reads the hours after "
                            "as not measured.")
        text = (f"risk from {len(have)} of {len(V.KNOWN)} variables ({share:.0%} of "
                f"{bundle.id}'s weight)"
                + (f"; not given: {', '.join(missing[:8])}{' …' if len(missing) > 8 else ''}"
                   if missing else ""))
        out[pid] = {"variables_given": len(have), "variables_total": len(V.KNOWN),
                    "not_given": missing, "weight_given": round(share, 3),
                    "last_hour": None if end is None or not np.isfinite(end) else round(end, 1),
                    "coverage": text, "warnings": warnings}
    return out


def spread(members: np.ndarray | None) -> dict | None:
    """The members' risks for one patient as min, max and SD (``None`` for a single model)."""
    if members is None:
        return None
    return {"min": round(float(members.min()), 4), "max": round(float(members.max()), 4),
            "sd": round(float(members.std()), 4), "members": int(members.size)}


def prediction_sets(bundle, risks: np.ndarray, level: float) -> list[list[str]] | None:
    """Each patient's conformal set at ``level``: {survived}, {died_in_hospital} or both
    (uncertain); ``None`` for a model shipped without calibration cases."""
    cal = bundle.extras.get("calibration")
    if cal is None:
        return None
    return conformal.named_sets(conformal.binary(risks), conformal.binary(cal["p"]), cal["y"],
                                deep.CLASS_NAMES, level)


def set_level(bundle, results: list[PatientResult], level: float) -> list[PatientResult]:
    """New results with their prediction sets at another level (no model call; the inputs
    are unchanged)."""
    sets = prediction_sets(bundle, np.array([r.risk for r in results], float), level)
    if sets is None:
        return list(results)
    return [replace(r, prediction_set=s, level=level) for r, s in zip(results, sets, strict=True)]


def analyse(bundle, hist: io.HistoryData, *, level: float | None = None, explain_top: int = 0,
            progress: Callable[[float, str], None] | None = None) -> list[PatientResult]:
    """One result per patient: calibrated risk, high-risk flag, conformal set at ``level``, the
    members' spread (ensembles), coverage with its warnings, and for the first ``explain_top``
    patients (0: none) the top 3 reasons from measured data (:func:`explain`)."""
    level = conformal.LEVEL if level is None else level
    counts = hist.records.groupby("patient_id", sort=False).size()
    cover = coverage(bundle, hist)
    ctx = risk_context(bundle)
    out: list[PatientResult] = []
    for part, risk, each in _scored_chunks(bundle, hist.records):
        shown = np.round(risk.astype(float), 4)  # sets from the risk the user sees
        sets = prediction_sets(bundle, shown, level)
        for i, pid in enumerate(part):
            pct, words = risk_words(float(shown[i]), ctx)
            out.append(PatientResult(
                patient_id=pid, model=bundle.id, risk=float(shown[i]),
                base_rate=round(ctx["base_rate"], 4), percentile=pct, risk_words=words,
                high_risk=bool(shown[i] >= ctx["threshold"]),
                threshold=round(float(ctx["threshold"]), 4), threshold_meaning=ctx["meaning"],
                prediction_set=None if sets is None else sets[i],
                level=None if sets is None else level,
                member_spread=spread(None if each is None else each[i]),
                n_observations=int(counts.get(pid, 0)), **cover[pid],
                synthetic=str(pid).startswith(synthetic.PREFIX), source=hist))
    n = max(0, min(explain_top, len(out)))
    if n:
        out = explain(bundle, out[:n], progress=progress) + out[n:]
    return out


def explain(bundle, results: list[PatientResult], *,
            progress: Callable[[float, str], None] | None = None) -> list[PatientResult]:
    """New results with their expected-gradient SHAP (the reasons and the timeline read it).

    Each patient is explained alone with one seed, from the history it was read from, so the
    answer does not depend on who else is asked for; results already explained are kept.
    ``progress`` gets the share done and what is being done.
    """
    todo = [r for r in results if r.explanation is None]
    if any(r.source is None for r in todo):
        raise ValueError("explain needs results from analyse (they carry their history).")
    text = f"Explaining {len(todo)} patient(s) with {METHOD} ({bundle.id})…"
    pre = _pre(bundle)
    found: dict[tuple[int, str], attribution.Explanation] = {}
    done = 0
    for source in {id(r.source): r.source for r in todo}.values():
        patients = [r.patient_id for r in todo if r.source is source]
        rec = source.records[source.records["patient_id"].isin(set(patients))]
        g = grid.build(rec, pre["stats"], patients, pre.get("summary"))

        def step(share: float, before: int = done, n: int = len(patients)) -> None:
            if progress:
                progress((before + share * n) / len(todo), text)

        for e in attribution.explain_grid(bundle.model, bundle.extras["background"], g, step):
            found[(id(source), e.patient_id)] = e
        done += len(patients)
    return [r if r.explanation is not None
            else replace(r, explanation=found[(id(r.source), r.patient_id)]) for r in results]


def predict_paths(bundle, paths: list[Path], mapping_file: Path | None = None,
                  explain_top: int | None = None) -> list[dict]:
    """One dict per file; a bad file gives ``{"file", "error"}`` and never stops the others.

    ``mapping_file`` is a mapping downloaded from the page (names, units, accepted proposals);
    ``explain_top``: how many patients of each file get their reasons (``None``: every one).
    """
    user, columns = hist_mapping.read_file(mapping_file)

    def answer(name: str, data: bytes) -> dict:
        hist = io.load_upload(name, data, user, columns)
        return {"file": name, "model": bundle.id, "report": hist.report.as_dict(),
                "mapping": [_entry_row(e) for e in hist.mapping],
                "patients": [r.to_row() for r in analyse(
                    bundle, hist, explain_top=len(hist.patients) if explain_top is None
                    else explain_top)]}

    return uploads.per_file(paths, answer)


def _entry_row(e: hist_mapping.Entry) -> dict:
    return {"source": e.source, "unit": e.unit, "variable": e.variable, "read_as": e.read_as,
            "conversion": e.conversion, "use": e.use, "status": e.status, "rows": e.rows,
            "note": e.note}
