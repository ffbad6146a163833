"""Speed of the history models (history-rnn, history-cnn) on the upload path users run:
cohorts as hospital CSV and FHIR NDJSON files, one patient's latency and reasons, and the share
of scoring time the prediction sets take."""

from __future__ import annotations

import numpy as np
import pandas as pd

from medcore import conformal
from medcore.bench.training import times_ms
from medcore.history import exports, io, service, synthetic

PER_FILE = 250  # patients per file in the benchmark's cohorts (FHIR: ~33 MB each)


def _upload_and_score(bundle, files: list[tuple[str, bytes]]) -> int:
    """The page's path for each file: read, map, clean, score (no reasons)."""
    return sum(len(service.analyse(bundle, io.load_upload(name, data), explain_top=0))
               for name, data in files)


def bench_history(bundle, quick: bool = False) -> dict:
    """Cohorts through the upload path (hospital CSV, FHIR NDJSON), latency and SHAP time.

    10,000 patients do not fit one upload (50 MB, 500,000 lines), so they go as files of
    ``PER_FILE`` patients, as a user would send them.
    """
    n = 500 if quick else 10_000
    rec = synthetic.records(n, seed=1)
    ids = list(pd.unique(rec["patient_id"]))
    parts = [rec[rec["patient_id"].isin(set(ids[i:i + PER_FILE]))]
             for i in range(0, n, PER_FILE)]
    hosp = [(f"bench-{i}.csv", exports.to_hospital_csv(p)) for i, p in enumerate(parts)]
    ndjson = [(f"bench-{i}.ndjson", exports.to_fhir_ndjson(p)) for i, p in enumerate(parts)]
    _upload_and_score(bundle, hosp[:1])  # warm-up
    hosp_ms = times_ms(lambda: _upload_and_score(bundle, hosp), 1)[0]
    fhir_ms = times_ms(lambda: _upload_and_score(bundle, ndjson), 1)[0]
    clean = io.HistoryData(rec, io.ValidationReport(rows_in=len(rec), rows_used=len(rec)))
    score_ms = times_ms(lambda: service.analyse(bundle, clean, explain_top=0), 1)[0]
    sets_ms = _sets_ms(bundle, n)
    one = io.HistoryData(synthetic.records(1, seed=2), clean.report)
    lat = times_ms(lambda: service.analyse(bundle, one, explain_top=0), 5 if quick else 30)
    explain_ms = times_ms(lambda: service.analyse(bundle, one, explain_top=1), 3 if quick else 10)
    scale = 10_000 / n
    figures = {
        "cohort_patients": n,
        "hospital_csv_ms": round(hosp_ms, 1),
        "fhir_ndjson_ms": round(fhir_ms, 1),
        "cohort_score_ms": round(score_ms, 1),
        "cohort_patients_per_s": round(n / score_ms * 1000, 1),
        "predict_p50_ms": round(float(np.percentile(lat, 50)), 1),
        "predict_p95_ms": round(float(np.percentile(lat, 95)), 1),
        "explain_ms": round(float(np.median(explain_ms)), 1),
        "conformal_sets_ms": round(sets_ms, 2),
    }
    overhead = 100 * sets_ms / score_ms
    note = "" if n == 10_000 else f" (extrapolated from {n})"
    return {"figures": figures, "targets": [
        {"name": f"10,000 patients as hospital CSV, mapped and scored{note}",
         "value": round(hosp_ms * scale, 1), "target": 40_000, "unit": "ms",
         "pass": bool(hosp_ms * scale <= 40_000)},
        {"name": f"10,000 patients as FHIR NDJSON, mapped and scored{note}",
         "value": round(fhir_ms * scale, 1), "target": 90_000, "unit": "ms",
         "pass": bool(fhir_ms * scale <= 90_000)},
        {"name": f"Conformal sets' share of scoring time ({n:,} patients)",
         "value": round(overhead, 2), "target": 5, "unit": "%", "pass": bool(overhead <= 5)}]}


def _sets_ms(bundle, n: int) -> float:
    """Median time of the prediction-set step ``analyse`` adds for ``n`` patients (in
    chunks of ``service.CHUNK``, as there): timed alone, since 5 % of a cohort's scoring is
    inside the noise of timing the whole twice."""
    risks = np.round(np.random.default_rng(0).random(n), 4)

    def step() -> None:
        for lo in range(0, n, service.CHUNK):
            service.prediction_sets(bundle, risks[lo:lo + service.CHUNK], conformal.LEVEL)

    return float(np.median(times_ms(step, 5)))
