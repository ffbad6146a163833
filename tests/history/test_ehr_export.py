"""A real hospital's export read as it comes: the EHR dictionaries' labels and units, component
scores, outputs to sum, alarm limits and settings, labs charted twice, urine pH, words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from medcore.history import agreement, data, exports, io, mapping

EXPORT = """stay_id,Charted Time,label,valuenum,value,valueuom,fluid
7,2150-01-01 08:00:00,Heart Rate,80,80,bpm,
7,2150-01-01 08:00:00,Non Invasive Blood Pressure systolic,120,120,mmHg,
7,2150-01-01 08:00:00,Arterial Blood Pressure mean,80,80,mmHg,
7,2150-01-01 08:00:00,Respiratory Rate,18,18,insp/min,
7,2150-01-01 08:00:00,Respiratory Rate (Set),14,14,insp/min,
7,2150-01-01 08:00:00,Heart rate Alarm - High,120,120,bpm,
7,2150-01-01 08:00:00,GCS - Eye Opening,4,Spontaneously,,
7,2150-01-01 08:00:00,GCS - Verbal Response,1,No Response-ETT,,
7,2150-01-01 08:00:00,GCS - Motor Response,6,Obeys Commands,,
7,2150-01-01 09:00:00,GCS - Eye Opening,3,To Speech,,
7,2150-01-01 09:00:00,Foley,50,50,mL,
7,2150-01-01 09:00:00,Void,20,20,mL,
7,2150-01-01 09:00:00,pH,7.35,7.35,units,Blood
7,2150-01-01 09:00:00,pH,6.0,6.0,units,Urine
7,2150-01-01 09:00:00,PH (Arterial),7.35,7.35,None,
7,2150-01-01 09:00:00,Creatinine,1.2,1.2,mg/dL,Blood
7,2150-01-01 09:00:00,Creatinine (serum),1.2,1.2,None,
7,2150-01-01 09:00:00,Ventilator Mode,,CMV/ASSIST,,
7,2150-01-01 09:00:00,Temperature Fahrenheit,98.6,98.6,°F,
7,2150-01-01 09:00:00,Admission Weight (lbs.),176,176,None,
7,,Age,,65 years,,
7,,Gender,,F,,
7,,Care Unit,,Medical Intensive Care Unit (MICU),,
"""


def _read(text: str = EXPORT) -> io.HistoryData:
    return io.load_upload("export.csv", text.encode())


def test_every_trap_of_a_real_export_is_read_as_a_clinician_would():
    h = _read()
    got = h.records.set_index(["minutes", "variable"])["value"]
    assert got[(0.0, "GCS")] == 11  # 4 + 1 + 6 charted together
    assert got[(60.0, "Urine")] == 70  # Foley + Void
    assert got[(60.0, "pH")] == 7.35 and (got.index == (60.0, "pH")).sum() == 1  # copy once
    assert (got.index == (60.0, "Creatinine")).sum() == 1
    assert got[(60.0, "MechVent")] == 1 and got[(0.0, "RespRate")] == 18
    assert got[(60.0, "Temp")] == pytest.approx(37.0, abs=1e-4)
    assert got[(60.0, "Weight")] == pytest.approx(176 * 0.45359237)
    assert got[(0.0, "Age")] == 65 and got[(0.0, "Gender")] == 0
    assert {"NISysABP", "MAP"} <= set(h.records["variable"])
    by = {e.source: e for e in h.mapping}
    for name in ("Respiratory Rate (Set)", "Heart rate Alarm - High", "pH (Urine)", "Care Unit"):
        assert by[name].status == "set aside" and not by[name].use, name
    assert not any(e.status == "unknown" for e in h.mapping)
    r = h.report
    assert r.ignored == {"GCS components without all three charted at the same time": 1}
    assert r.dropped == {} and r.rows_lost == 1
    assert r.set_aside[io.DUPLICATE] == 2
    assert any("alarm limit" in why for why in r.set_aside)


@pytest.mark.parametrize("name,variable,status", [
    ("Non Invasive Blood Pressure mean", "NIMAP", "matched"), ("ABPs", "SysABP", "matched"),
    ("noninvasivesystolic", "NISysABP", "matched"), ("respiration", "RespRate", "matched"),
    ("Heart Rate Alarm - Low", "", "set aside"), ("Resp Alarm - High", "", "set aside"),
    ("Tidal Volume (set)", "", "set aside"), ("SpO2 Desat Limit", "", "set aside"),
    ("Creatinine (Urine)", "Creatinine", "set aside"), ("Urine pH", "pH", "set aside"),
    ("O2 saturation pulseoxymetry", "SaO2", "proposed"), ("anchor_age", "Age", "matched"),
    ("Urine Out Foley", "Urine", "matched"), ("GCS Total", "GCS", "matched"),
])
def test_names_as_real_exports_write_them(name, variable, status):
    t = mapping.term(name)
    assert (t.variable, t.status) == (variable, status)


@pytest.mark.parametrize("unit,variable,expect", [
    ("insp/min", "RespRate", (1.0, 0.0)), ("breaths/min", "RespRate", (1.0, 0.0)),
    ("lbs.", "Weight", (0.45359237, 0.0)), ("units", "pH", (1.0, 0.0)),
    ("K/uL", "Platelets", (1.0, 0.0)), ("mEq/L", "Na", (1.0, 0.0)), ("°F", "Temp", None),
    ("None", "pH", (1.0, 0.0)), ("Inch", "Height", (2.54, 0.0)),
])
def test_units_as_real_exports_write_them(unit, variable, expect):
    got = mapping.factor(variable, unit)
    assert got is not None
    if expect is not None:
        assert got == expect


def test_age_and_sex_however_written():
    rows = "".join(f"{i},,{name},,{value},,\n" for i, (name, value) in enumerate([
        ("Age", "> 89"), ("age", "72 y"), ("Patient Age", "45yo"), ("Sex", "Male"),
        ("gender", "female"), ("Sex", "m")]))
    h = _read("stay_id,Charted Time,label,valuenum,value,valueuom,fluid\n" + rows
              + "0,2150-01-01 08:00,Heart Rate,80,80,bpm,\n")
    got = h.records.groupby("patient_id")["value"].first().to_dict()
    assert got == {"0": 89, "1": 72, "2": 45, "3": 1, "4": 0, "5": 1}


def test_care_unit_words_become_icutype():
    text = pd.Series(["Medical Intensive Care Unit (MICU)", "Trauma SICU (TSICU)",
                      "Coronary Care Unit (CCU)", "Cardiac Vascular Intensive Care Unit (CVICU)",
                      "Ward 5"])
    assert io._care_unit(text).tolist()[:4] == [3.0, 4.0, 1.0, 2.0]
    assert np.isnan(io._care_unit(text).iloc[4])


def test_vocabulary_agrees_with_the_hospital_dictionaries(data_dir):
    folder = data_dir / "ehr" / "vocabularies"
    if not (folder / "d_items.csv.gz").exists():
        pytest.skip("EHR dictionaries not in the data folder")
    items = pd.read_csv(folder / "d_items.csv.gz", dtype=str, keep_default_na=False)
    labs = pd.read_csv(folder / "d_labitems.csv.gz", dtype=str, keep_default_na=False)
    items, labs = items.set_index("itemid"), labs.set_index("itemid")
    for r in mapping.ehr_items():
        src = items if r["dictionary"].endswith("d_items") else labs
        d = src.loc[r["itemid"]]
        assert d["label"] == r["label"], r["itemid"]
        if src is items:
            assert (d["abbreviation"], d["unitname"]) == (r["abbreviation"], r["unit"])
        else:
            assert d["fluid"] == r["fluid"]
        assert r["variable"] in mapping.VARIABLES() or r["kind"] == "set aside"
    # every numeric alarm limit of the dictionary is set aside by its name, none read as a value
    alarms = items[(items["category"] == "Alarms") & (items["param_type"] == "Numeric")]
    assert len(alarms) > 20
    assert all(mapping.term(n).status == "set aside" for n in alarms["label"])
    # every urine lab is kept out of the blood variables
    urine = labs[labs["fluid"] == "Urine"]["label"]
    assert all(mapping.term(f"{n} (Urine)").status in ("set aside", "unknown") for n in urine)


def test_physionet_patients_written_as_an_ehr_export_score_like_the_original(data_dir,
                                                                              rnn_bundle):
    cohort = data.load_set(data_dir, "c")
    patients = cohort.patients[:40]
    records = cohort.records[cohort.records["patient_id"].isin(set(patients))]
    text = exports.to_ehr_csv(records, {p: 3 for p in patients}).decode()
    for trap in ("Charted Time", "Non Invasive Blood Pressure systolic", "°F", "lbs.",
                 "mmol/L", "GCS - Verbal Response", "Foley", "Void", "Alarm - High",
                 "Creatinine (serum)", ",Urine", "Respiratory Rate (Set)", "years,"):
        assert trap in text, trap
    found = agreement.compare([rnn_bundle], records, {p: 3 for p in patients})
    assert found["rows_lost"] == 0 and found["variables_recognised_share_median"] == 1.0
    assert found["models"]["history-rnn"]["within_tolerance"] >= 0.95


def test_time_column_found_by_its_common_names_or_picked():
    for header in ("Charted Time", "charttime", "Time", "chart_time", "Observation DateTime"):
        text = f"stay_id,{header},label,value\n1,2150-01-01 08:00,Heart Rate,80\n"
        assert io.read_table("t.csv", text.encode()).columns["time"] == header
    odd = "Stay,When Seen,What,Reading,Per\n1,2150-01-01 08:00,Heart Rate,80,bpm\n" \
          "1,2150-01-01 09:00,Heart Rate,90,bpm\n"
    with pytest.raises(io.SchemaError, match="time"):
        io.read_table("t.csv", odd.encode())
    assert io.csv_headers("t.csv", odd.encode()) == ["Stay", "When Seen", "What", "Reading",
                                                     "Per"]
    cols = {"patient_id": "Stay", "time": "When Seen", "variable": "What", "value": "Reading",
            "unit": "Per"}
    h = io.load_upload("t.csv", odd.encode(), columns=cols)
    assert h.records["minutes"].tolist() == [0.0, 60.0] and h.patients == ["1"]
    with pytest.raises(io.SchemaError, match="not in the file"):
        io.read_table("t.csv", odd.encode(), {"time": "Charted Time"})
    with pytest.raises(io.SchemaError, match="two roles"):
        io.read_table("t.csv", odd.encode(), {**cols, "value": "When Seen"})


def test_mapping_file_carries_the_columns(tmp_path, rnn_bundle):
    odd = b"Stay,When Seen,What,Reading\n1,2150-01-01 08:00,Heart Rate,80\n" \
          b"1,2150-01-01 09:00,Non Invasive Blood Pressure systolic,120\n"
    cols = {"patient_id": "Stay", "time": "When Seen", "variable": "What", "value": "Reading"}
    table = io.read_table("t.csv", odd, cols)
    saved = mapping.to_json(table.mapping(), table.columns)
    assert mapping.columns_from_json(saved)["time"] == "When Seen"
    assert mapping.columns_from_json(mapping.to_json(table.mapping())) is None  # old files
    (tmp_path / "t.csv").write_bytes(odd)
    (tmp_path / "m.json").write_bytes(saved)
    from medcore.history import service
    out = service.predict_paths(rnn_bundle, [tmp_path / "t.csv"], tmp_path / "m.json", 0)
    assert "error" not in out[0], out[0]
    assert out[0]["patients"][0]["variables_given"] == 2


def _stay(data_dir, drop: set[str] = frozenset()) -> pd.DataFrame:
    """A set-C stay that has every key variable of both models."""
    from medcore.history import weights

    c = data.load_set(data_dir, "c")
    keys = set(weights.key_variables("history-rnn")) | set(weights.key_variables("history-cnn"))
    for pid in c.patients[:50]:
        rec = c.records[c.records["patient_id"] == pid]
        if keys <= set(rec["variable"]) and rec["minutes"].max() > 40 * 60:
            return rec[~rec["variable"].isin(drop)]
    raise AssertionError("no full stay among the first 50")


def test_coverage_is_green_only_with_the_heavy_variables_and_the_rows(data_dir, rnn_bundle):
    from medcore.history import service

    full = _stay(data_dir)
    [row] = service.analyse(rnn_bundle, io.normalise(full), explain_top=0)
    assert row.warnings == []
    [row] = service.analyse(rnn_bundle, io.normalise(full[full["variable"] != "GCS"]),
                            explain_top=0)
    [why] = row.warnings
    assert why.startswith("Not given: GCS (") and "of history-rnn's weight" in why
    # a third of the rows unreadable (a unit not known): never green, the reason named
    bad = full.copy()
    hr = bad["variable"] == "HR"
    third = bad.index[hr][: max(1, len(bad) // 3)]
    text = bad.assign(unit="").astype({"value": str})
    text.loc[third, "variable"] = "Heart Rate (furlongs)"
    hist = io.normalise(text)
    assert hist.report.rows_lost / hist.report.rows_in > 0.1
    [row] = service.analyse(rnn_bundle, hist, explain_top=0)
    assert any("did not reach the model" in w and "furlongs" in w for w in row.warnings)


def test_coverage_table_is_measured_from_the_data_and_cards(data_dir, rnn_bundle, cnn_bundle):
    from medcore.history import weights

    cohort = data.load_set(data_dir, "a")
    again = weights.measure(cohort.records, {b.id: b.card for b in (rnn_bundle, cnn_bundle)})
    assert again == weights.table()
    assert "GCS" in weights.key_variables("history-rnn")


def test_risk_in_words_with_base_rate_percentile_and_a_stated_alert(rnn_bundle):
    from medcore.history import service

    ctx = service.risk_context(rnn_bundle)
    cal = rnn_bundle.extras["calibration"]
    p, y = np.asarray(cal["p"]), np.asarray(cal["y"])
    assert ctx["base_rate"] == pytest.approx(y.mean(), abs=0.002)  # ~14 %: the training ICU
    flagged = p >= ctx["threshold"]
    assert ctx["sensitivity"] == pytest.approx(flagged[y == 1].mean())
    assert ctx["ppv"] == pytest.approx(y[flagged].mean())
    assert flagged.mean() < 0.25  # an alert, not a third of the ICU
    assert f"{ctx['sensitivity']:.0%} of the deaths" in ctx["meaning"]
    pct, words = service.risk_words(0.275, ctx)
    assert pct == int((p < 0.275).mean() * 100)
    assert "13.9% died" in words and f"higher than {pct}%" in words
    assert "high risk" not in words.lower()


def test_report_states_the_alert_and_names_codes_with_their_variable(rnn_bundle):
    from medcore import report
    from medcore.history import service
    from medcore.report import history as history_report

    text = ("patient_id,time,variable,value,unit\nP,00:00,8867-4,400,/min\n"
            "P,00:10,8867-4,90,/min\nP,00:00,Age,70,years\n")
    hist = io.load_upload("p.csv", text.encode())
    assert any("8867-4 (HR) 1" in n for n in hist.report.notes)  # the variable, not the code
    [row] = service.analyse(rnn_bundle, hist, explain_top=0)
    html = report.build(history_report.case(rnn_bundle, row, "p.csv"))
    assert "The model leans" not in html and "high risk</" not in html
    assert "died" in html and "High-risk alert at" in html


def test_picking_a_variable_in_the_editor_uses_it():
    table = io.read_table("t.csv", b"patient_id,time,variable,value\nA,00:00,Pulse Ox Local,97\n"
                                   b"A,00:00,HR,80\nA,01:00,Pulse Ox Local,95\n")
    before = [{"source": e.source, "unit": e.unit, "variable": e.variable, "read_as": "",
               "use": e.use} for e in table.mapping()]
    after = [dict(r) for r in before]
    after[0]["variable"] = "SaO2"  # picked; *use* untouched
    changed = mapping.edits(before, after)
    assert [(e.source, e.variable, e.use) for e in changed] == [("Pulse Ox Local", "SaO2", True)]
    hist = io.to_history(table, table.mapping(changed))
    assert (hist.records["variable"] == "SaO2").sum() == 2
    after[1]["variable"] = None  # cleared: no longer used
    assert [e.use for e in mapping.edits(before, after)] == [True, False]


def test_gcs_components_by_loinc_code_are_summed():
    text = ("patient_id,time,variable,value\nA,00:00,9267-6,3\nA,00:00,9270-0,4\n"
            "A,00:00,9268-4,5\nA,00:00,8867-4,80\n")
    h = io.load_upload("t.csv", text.encode())
    assert h.records.set_index("variable")["value"]["GCS"] == 12


def test_unread_names_are_named_in_the_warning_until_set_aside(rnn_bundle):
    from medcore.history import service

    rows = "".join(f"A,{h:02d}:00,Heart Rate,{80 + h}\nA,{h:02d}:00,Braden Score,{h % 5}\n"
                   for h in range(30))
    text = "patient_id,time,variable,value\nA,00:00,Age,70\n" + rows
    hist = io.load_upload("t.csv", text.encode())
    [row] = service.analyse(rnn_bundle, hist, explain_top=0)
    assert any("Braden Score (30)" in w for w in row.warnings)
    keep_out = [mapping.Entry("Braden Score", "", "", "", False)]
    hist = io.load_upload("t.csv", text.encode(), keep_out)
    [row] = service.analyse(rnn_bundle, hist, explain_top=0)
    assert not any("did not reach the model" in w for w in row.warnings)
