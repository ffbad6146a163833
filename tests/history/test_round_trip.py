"""Real PhysioNet patients rewritten as a hospital export and as FHIR score as the original;
explanations cite only what was measured; coverage warnings stand beside thin data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from medcore.history import data, exports, io, service, synthetic


@pytest.fixture(scope="module")
def set_c_patients(data_dir):
    c = data.load_set(data_dir, "c")
    pats = c.patients[:60]
    return c.records[c.records["patient_id"].isin(set(pats))]


def _risks(bundle, hist) -> pd.Series:
    rows = service.analyse(bundle, hist, explain_top=0)
    return pd.Series({r.patient_id: r.risk for r in rows})


@pytest.mark.parametrize("fixture", ["rnn_bundle", "cnn_bundle"])
def test_hospital_csv_and_fhir_give_the_original_risks(fixture, request, set_c_patients):
    bundle = request.getfixturevalue(fixture)
    rec = set_c_patients
    original = _risks(bundle, io.load_upload("physionet.csv", synthetic.to_csv(rec)))
    hosp_bytes = exports.to_hospital_csv(rec)
    assert b"Temperature (degF)" in hosp_bytes and b"Weight (lb)" in hosp_bytes
    assert b"2024-03-01T" in hosp_bytes and b"Glucose (mmol/L)" in hosp_bytes
    hospital = io.load_upload("hospital.csv", hosp_bytes)
    assert {"'Temperature' degF -> degC", "'Weight' lb -> kg",
            "'Glucose' mmol/L -> mg/dL"} <= set(hospital.report.converted)
    fhir = io.load_upload("bundle.ndjson", exports.to_fhir_ndjson(rec))
    for other in (_risks(bundle, hospital), _risks(bundle, fhir)):
        assert list(other.index) == list(original.index)
        assert np.abs(other - original).max() <= 0.005


def _ends_at_hour_20(n_vars_missing: bool = False) -> bytes:
    rec = synthetic.records(1, seed=5)
    rec = rec[rec["minutes"] < 20 * 60]
    if n_vars_missing:
        rec = rec[rec["variable"].isin(["HR", "Age"])]
    return synthetic.to_csv(rec)


def test_reasons_never_cite_hours_after_the_last_observation(rnn_bundle):
    hist = io.load_upload("p.csv", _ends_at_hour_20())
    [row] = service.analyse(rnn_bundle, hist, explain_top=1)
    assert row.last_hour < 20
    for r in row.top_reasons:
        if r["window"] != "admission":
            start, end = (int(x) for x in r["window"].removesuffix(" h").split("-"))
            assert start < 20 and end <= 20
    e = row.explanation
    assert not e.measured[20:].any()  # hours 20-47 are "not measured"
    assert e.not_measured != 0  # absence moves the model: reported apart, not as a reason
    assert any("Data end at hour" in w for w in row.warnings)


def test_reasons_never_cite_variables_the_file_did_not_give(rnn_bundle):
    hist = io.load_upload("p.csv", _ends_at_hour_20(n_vars_missing=True))
    [row] = service.analyse(rnn_bundle, hist, explain_top=1)
    assert {r["variable"] for r in row.top_reasons} <= {"HR", "Age"}
    assert row.variables_given == 2
    assert row.coverage.startswith("risk from 2 of 40 variables (")
    assert "; not given:" in row.coverage
    assert any("carry" in w and "not reliable" in w for w in row.warnings)


def test_table_reasons_are_read_off_the_timeline_array(rnn_bundle):
    hist = io.load_upload("p.csv", synthetic.example_csv(3, seed=9))
    rows = service.analyse(rnn_bundle, hist, explain_top=3)
    again = service.explain(rnn_bundle, service.analyse(rnn_bundle, hist, explain_top=0))
    for row, e in zip(rows, again, strict=True):
        assert row.top_reasons == e.explanation.reasons


def test_most_rows_unused_warns_beside_the_risk(rnn_bundle):
    good = synthetic.records(1, seed=2)
    junk = pd.DataFrame({"patient_id": good["patient_id"].iloc[0], "minutes": 60.0,
                         "variable": [f"LOCAL{i}" for i in range(3 * len(good))], "value": 1.0})
    hist = io.load_upload("p.csv", synthetic.to_csv(pd.concat([good, junk])))
    [row] = service.analyse(rnn_bundle, hist, explain_top=0)
    assert hist.report.share_used < 0.5
    assert any("rows of the file" in w and "did not reach the model" in w
               for w in row.warnings)
