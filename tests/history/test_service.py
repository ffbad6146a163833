"""predict_paths, timelines and bench against the shipped history-rnn (skipped until trained)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from medcore.history import explain, io, rnn, service, synthetic


def test_predict_paths_good_and_bad(rnn_bundle, tmp_path):
    good = tmp_path / "cohort.csv"
    good.write_bytes(synthetic.example_csv(4, seed=11))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"patient_id;time\nA;00:10\n")
    out = rnn.predict_paths(rnn_bundle, [good, bad])
    json.dumps(out)  # JSON-able
    assert out[1]["file"] == "bad.csv" and "Missing required column" in out[1]["error"]
    pats = out[0]["patients"]
    assert [p["patient_id"] for p in pats] == [f"SYNTHETIC-{i:05d}" for i in range(1, 5)]
    for p in pats:
        assert 0 < p["risk"] < 1 and p["synthetic"] and len(p["top_reasons"]) == 3
        assert p["high_risk"] == (p["risk"] >= p["threshold"])
    assert out[0]["report"]["rows_used"] > 100


def test_risk_is_deterministic_and_order_free(rnn_bundle):
    rec = synthetic.records(3, seed=4)
    a = service.predict_records(rnn_bundle, io.HistoryData(rec, io.ValidationReport()), False)
    shuffled = rec.sample(frac=1, random_state=0)
    b = service.predict_records(rnn_bundle, io.HistoryData(shuffled, io.ValidationReport()),
                                False)
    assert {p["patient_id"]: p["risk"] for p in a} == {p["patient_id"]: p["risk"] for p in b}


def test_timeline_shapes_and_sign(rnn_bundle):
    hist = io.load_upload("one.csv", synthetic.example_csv(1, seed=3))
    t = service.patient_timeline(rnn_bundle, hist, hist.patients[0], nsamples=30)
    assert t["observed"].shape == (48, len(explain.VARIABLES) - 3)
    assert t["shap"].shape == (48, len(explain.VARIABLES))
    assert np.isfinite(t["shap"]).all() and np.abs(t["shap"]).sum() > 0
    assert 0 < t["risk"] < 1


def test_bench_quick_reports_target(rnn_bundle):
    b = rnn.bench(rnn_bundle, quick=True)
    f = b["figures"]
    assert all(k.endswith(("_ms", "_per_s")) or k == "cohort_patients" for k in f)
    assert f["cohort_patients"] == 500 and f["predict_p95_ms"] >= f["predict_p50_ms"] > 0
    t = b["targets"][0]
    assert t["unit"] == "ms" and t["target"] == 30_000 and t["pass"] == (t["value"] < 30_000)


def test_chunked_scoring_equals_one_pass(rnn_bundle, monkeypatch):
    """Cohorts are gridded in chunks to bound memory; the chunk size must not change a risk."""
    rec = synthetic.records(5, seed=6)
    hist = io.HistoryData(rec, io.ValidationReport())
    whole = service.predict_records(rnn_bundle, hist)
    monkeypatch.setattr(service, "CHUNK", 2)
    parts = service.predict_records(rnn_bundle, hist)
    assert [p["patient_id"] for p in parts] == [p["patient_id"] for p in whole]
    for a, b in zip(parts, whole, strict=True):
        assert a["risk"] == pytest.approx(b["risk"], abs=1e-4)
        assert [r["variable"] for r in a["top_reasons"]] == \
            [r["variable"] for r in b["top_reasons"]]
