"""Risks, reasons and timelines for uploaded histories, and the speed benchmark.

The page and the CLI both call these, so what a clinician sees can be reproduced from a shell.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from medcore import settings
from medcore.errors import InputError
from medcore.history import deep, explain, grid, io, synthetic

log = logging.getLogger(__name__)
CHUNK = 2000  # patients gridded and scored at a time


def _pre(bundle) -> dict:
    return bundle.extras["preprocess"]


def _scored_chunks(bundle, records, reasons: bool):
    """(patients, risks, attributions) per chunk of CHUNK patients, in order of appearance.

    Why chunks: the grid with summary channels is about 80 kB per patient, so a 10,000-patient
    cohort built at once would hold ~0.8 GB; chunks keep memory flat whatever the upload size.
    """
    import pandas as pd

    pre = _pre(bundle)
    patients = list(pd.unique(records["patient_id"]))
    codes = pd.Categorical(records["patient_id"], categories=patients).codes
    for lo in range(0, len(patients), CHUNK):
        part = patients[lo:lo + CHUNK]
        rec = records[(codes >= lo) & (codes < lo + len(part))]
        g = grid.build(rec, pre["stats"], part, pre.get("summary"))
        risk = deep.predict_proba(bundle.model, g.x, pre["temperature"])
        attr = explain.fast_per_variable(bundle.model, bundle.extras["background"], g.x) \
            if reasons else None
        yield part, risk, attr


def predict_records(bundle, hist: io.HistoryData, reasons: bool = True) -> list[dict]:
    """One dict per patient: calibrated risk, high-risk flag and the top 3 reasons."""
    pre = _pre(bundle)
    counts = hist.records.groupby("patient_id", sort=False).size()
    out = []
    for part, risk, attr in _scored_chunks(bundle, hist.records, reasons):
        for i, pid in enumerate(part):
            row = {"patient_id": pid, "risk": round(float(risk[i]), 4),
                   "high_risk": bool(risk[i] >= pre["threshold"]),
                   "threshold": round(float(pre["threshold"]), 4),
                   "n_observations": int(counts.get(pid, 0)),
                   "synthetic": str(pid).startswith(synthetic.PREFIX)}
            if attr is not None:
                row["top_reasons"] = explain.top_reasons(attr[i])
            out.append(row)
    return out


def predict_paths(bundle, paths: list[Path]) -> list[dict]:
    """One dict per file; a bad file gives ``{"file", "error"}`` and never stops the others."""
    results = []
    for path in paths:
        name = Path(path).name
        try:
            size = Path(path).stat().st_size
            if size > settings.MAX_UPLOAD_BYTES:
                raise InputError(f"{name} is over the upload limit (MAX_UPLOAD_BYTES).",
                                 "Split it into smaller files.")
            hist = io.load_upload(name, Path(path).read_bytes())
        except InputError as err:
            results.append({"file": name, "error": str(err)})
            continue
        except OSError as err:
            results.append({"file": name, "error": f"Could not read the file ({err.strerror})."})
            continue
        results.append({"file": name, "model": bundle.id, "report": hist.report.as_dict(),
                        "patients": predict_records(bundle, hist)})
    return results


def patient_timeline(bundle, hist: io.HistoryData, patient_id: str,
                     nsamples: int = 100) -> dict:
    """Hourly observed values and SHAP contribution per variable for one patient (for plots)."""
    pre = _pre(bundle)
    rec = hist.records[hist.records["patient_id"] == patient_id]
    g = grid.build(rec, pre["stats"], [patient_id], pre.get("summary"))
    risk = float(deep.predict_proba(bundle.model, g.x, pre["temperature"])[0])
    shap = explain.shap_per_variable(bundle.model, bundle.extras["background"], g.x, nsamples)[0]
    return {"patient_id": patient_id, "risk": risk, "variables": explain.VARIABLES,
            "observed": g.observed[0], "shap": shap, "hours": np.arange(grid.HOURS)}


def _timed(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def bench(bundle, quick: bool = False) -> dict:
    """Cohort throughput (target: 10,000 patients < 30 s), single-patient latency, SHAP time."""
    n = 500 if quick else 10_000
    rec = synthetic.records(n, seed=1)
    hist = io.HistoryData(rec, io.ValidationReport(rows_in=len(rec), rows_used=len(rec)))
    predict_records(bundle, io.HistoryData(rec.head(500), hist.report), reasons=False)  # warm-up
    score_ms = _timed(lambda: predict_records(bundle, hist, reasons=False), 1)[0]
    reasons_ms = _timed(lambda: predict_records(bundle, hist, reasons=True), 1)[0]
    one = io.HistoryData(synthetic.records(1, seed=2), hist.report)
    lat = _timed(lambda: predict_records(bundle, one), 5 if quick else 30)
    csv = synthetic.example_csv(100, seed=3)
    parse_ms = _timed(lambda: io.load_upload("bench.csv", csv), 1)[0]
    explain_ms = _timed(lambda: patient_timeline(bundle, one, one.patients[0]), 1 if quick else 3)
    per_10k_s = score_ms / 1000 * 10_000 / n
    figures = {
        "cohort_patients": n,
        "cohort_score_ms": round(score_ms, 1),
        "cohort_patients_per_s": round(n / score_ms * 1000, 1),
        "cohort_with_reasons_ms": round(reasons_ms, 1),
        "predict_p50_ms": round(float(np.percentile(lat, 50)), 1),
        "predict_p95_ms": round(float(np.percentile(lat, 95)), 1),
        "parse_rows_per_s": round(csv.count(b"\n") / parse_ms * 1000, 1),
        "explain_ms": round(float(np.median(explain_ms)), 1),
    }
    label = "10,000 patients scored" + ("" if n == 10_000 else f" (extrapolated from {n})")
    return {"figures": figures, "targets": [
        {"name": label, "value": round(per_10k_s * 1000, 1), "target": 30_000, "unit": "ms",
         "pass": bool(per_10k_s < 30.0)}]}
