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
    a = service.analyse(rnn_bundle, io.HistoryData(rec, io.ValidationReport()), explain_top=0)
    shuffled = rec.sample(frac=1, random_state=0)
    b = service.analyse(rnn_bundle, io.HistoryData(shuffled, io.ValidationReport()),
                        explain_top=0)
    assert {p.patient_id: p.risk for p in a} == {p.patient_id: p.risk for p in b}


def test_explanation_shapes_and_sum(rnn_bundle):
    hist = io.load_upload("one.csv", synthetic.example_csv(1, seed=3))
    e = service.explain(rnn_bundle, service.analyse(rnn_bundle, hist, explain_top=0))[0]
    e = e.explanation
    assert e.observed.shape == (48, len(explain.VARIABLES) - 3)
    assert e.shap.shape == e.measured.shape == (48, len(explain.VARIABLES))
    assert np.isfinite(e.shap).all() and np.abs(e.shap).sum() > 0
    assert len(e.reasons) == 3


@pytest.mark.slow
def test_bench_quick_reports_targets(rnn_bundle):
    from medcore.bench.history import bench_history

    b = bench_history(rnn_bundle, quick=True)
    f = b["figures"]
    assert all(k.endswith(("_ms", "_per_s")) or k == "cohort_patients" for k in f)
    assert f["cohort_patients"] == 500 and f["predict_p95_ms"] >= f["predict_p50_ms"] > 0
    hosp, fhir, sets = b["targets"]
    assert "hospital CSV" in hosp["name"] and hosp["target"] == 40_000
    assert "FHIR" in fhir["name"] and fhir["target"] == 90_000
    assert "Conformal" in sets["name"] and sets["target"] == 5 and sets["unit"] == "%"
    assert 0 < f["conformal_sets_ms"] < f["cohort_score_ms"]
    assert sets["value"] == pytest.approx(100 * f["conformal_sets_ms"] / f["cohort_score_ms"],
                                          abs=0.05)
    for t in b["targets"]:
        assert t["unit"] in ("ms", "%") and t["pass"] == (t["value"] <= t["target"])


def test_chunked_scoring_equals_one_pass(rnn_bundle, monkeypatch):
    """Cohorts are gridded in chunks to bound memory; the chunk size must not change a risk."""
    rec = synthetic.records(5, seed=6)
    hist = io.HistoryData(rec, io.ValidationReport())
    whole = service.analyse(rnn_bundle, hist, explain_top=5)
    monkeypatch.setattr(service, "CHUNK", 2)
    parts = service.analyse(rnn_bundle, hist, explain_top=5)
    assert [p.patient_id for p in parts] == [p.patient_id for p in whole]
    for a, b in zip(parts, whole, strict=True):
        assert a.risk == pytest.approx(b.risk, abs=1e-4)
        assert [r["variable"] for r in a.top_reasons] == \
            [r["variable"] for r in b.top_reasons]


@pytest.mark.slow
def test_cli_predict_and_score_take_the_page_mapping(rnn_bundle, tmp_path, capsys):
    from medcore import cli
    from medcore.history import mapping
    from tests.history.test_mapping import HOSPITAL

    export = tmp_path / "export.csv"
    export.write_bytes(HOSPITAL)
    table = io.read_table("export.csv", HOSPITAL)
    entries = table.mapping()
    for e in entries:
        e.use = e.use or e.source == "SpO2"  # the user accepts the proposal on the page
    saved = tmp_path / "mapping.json"
    saved.write_bytes(mapping.to_json(entries))
    assert cli.main(["predict", "history-rnn", str(export), "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)[0]
    assert cli.main(["predict", "history-rnn", str(export), "--mapping", str(saved),
                     "--json"]) == 0
    mapped = json.loads(capsys.readouterr().out)[0]
    spo2 = {m["source"]: m for m in mapped["mapping"]}["SpO2"]
    assert spo2["use"] and spo2["variable"] == "SaO2"
    assert mapped["report"]["rows_used"] == plain["report"]["rows_used"] + 3
    assert mapped["patients"][0]["risk"] != plain["patients"][0]["risk"]
    assert mapped["patients"][0]["warnings"]  # one patient, 3 hours: said beside the risk
    out = tmp_path / "scored"
    assert cli.main(["score", "history-rnn", str(export), "--out", str(out), "--mapping",
                     str(saved), "--json"]) == 0
    capsys.readouterr()
    row = json.loads((out / "chunk-00000.jsonl").read_text().splitlines()[0])
    assert row["patients"][0]["risk"] == mapped["patients"][0]["risk"]
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert cli.main(["predict", "history-rnn", str(export), "--mapping", str(bad)]) == 2
    assert "not a medcore history mapping" in capsys.readouterr().err
    assert cli.main(["predict", "dna-cnn", str(export), "--mapping", str(saved)]) == 2


def test_prediction_sets_follow_the_risk_and_the_level(rnn_bundle):
    """A set holds died_in_hospital iff the risk is high enough for the level; a higher level
    never shrinks a set; re-levelling without the model gives what scoring at that level gives."""
    hist = io.HistoryData(synthetic.records(20, seed=3), io.ValidationReport())
    rows = service.analyse(rnn_bundle, hist, explain_top=0)
    assert {r.level for r in rows} == {0.9}
    assert all(r.prediction_set for r in rows)  # two classes: a set is never empty at 90 %
    by_risk = sorted(rows, key=lambda r: r.risk)
    died = ["died_in_hospital" in r.prediction_set for r in by_risk]
    survived = ["survived" in r.prediction_set for r in by_risk]
    assert died == sorted(died) and survived == sorted(survived, reverse=True)
    high = service.set_level(rnn_bundle, rows, 0.99)
    low = service.set_level(rnn_bundle, rows, 0.5)
    for lo, mid, hi in zip(low, rows, high, strict=True):
        assert set(lo.prediction_set) <= set(mid.prediction_set) <= set(hi.prediction_set)
    assert sum(len(r.prediction_set) == 2 for r in high) > \
        sum(len(r.prediction_set) == 2 for r in low)
    again = service.analyse(rnn_bundle, hist, explain_top=0, level=0.99)
    assert [r.prediction_set for r in again] == [r.prediction_set for r in high]


def test_ensemble_reports_its_members_spread(rnn_bundle, cnn_bundle):
    """The fold ensemble's risk lies within its members' range (calibration is monotone); a
    single model has no spread."""
    hist = io.HistoryData(synthetic.records(8, seed=4), io.ValidationReport())
    for r in service.analyse(rnn_bundle, hist, explain_top=0):
        s = r.member_spread
        assert s["members"] == 5 and s["min"] - 1e-4 <= r.risk <= s["max"] + 1e-4
        assert s["sd"] <= s["max"] - s["min"] + 1e-9
    assert all(r.member_spread is None
               for r in service.analyse(cnn_bundle, hist, explain_top=0))
