"""Names, units and proposals: the vocabulary tables, the mapping step and its file."""

from __future__ import annotations

import pytest

from medcore.errors import SchemaError
from medcore.history import io, mapping
from medcore.history import variables as V

HOSPITAL = (b"MRN,Date/Time,Heart Rate,SpO2,Systolic BP,Resp Rate,Creatinine (mg/dL),"
            b"Temperature,Sex,Weight (lb)\n"
            b"A1,2024-03-01T08:00:00,120,91,88,28,2.1,101.3,M,180\n"
            b"A1,2024-03-01T09:00:00,125,90,85,30,,102.0,,\n"
            b"A1,2024-03-01T10:00:00,130,89,82,32,2.4,,,\n")


def test_every_model_variable_has_unit_range_and_a_name():
    variables = mapping.VARIABLES()
    assert set(variables) == set(V.KNOWN)
    for v in variables.values():
        assert v.unit and v.low < v.high
        assert mapping.factor(v.name, v.unit) == (1.0, 0.0)
    terms = mapping.vocabulary()
    assert all(t["source"] for t in terms)
    named = {t["variable"] for t in terms if t["kind"] in ("name", "loinc")}
    assert named == set(V.KNOWN)


@pytest.mark.parametrize("name,variable", [
    ("heart rate", "HR"), ("Pulse", "HR"), ("8867-4", "HR"), ("temp", "Temp"),
    ("8310-5", "Temp"), ("Resp_Rate", "RespRate"), ("WBC", "WBC"), ("6690-2", "WBC"),
    ("Lactic acid", "Lactate"), ("2160-0", "Creatinine"), ("Systolic BP", "NISysABP"),
    ("arterial systolic", "SysABP"), ("GCS", "GCS"), ("platelet count", "Platelets"),
    ("MAP", "MAP"), ("fio2", "FiO2"), ("body weight", "Weight"), ("8302-2", "Height"),
])
def test_names_abbreviations_and_loinc_codes(name, variable):
    assert mapping.lookup(name)[:2] == (variable, "matched")


@pytest.mark.parametrize("variable,unit,value,expected", [
    ("Temp", "degF", 98.6, 37.0), ("Temp", "[degF]", 212, 100.0), ("Weight", "lb", 220.462, 100),
    ("Height", "in", 70, 177.8), ("Creatinine", "umol/L", 88.42, 1.0),
    ("Glucose", "mmol/L", 5.55, 100.0), ("FiO2", "%", 40, 0.4), ("HR", "/min", 80, 80),
    ("Temp", "Cel", 37, 37), ("Platelets", "10*9/L", 200, 200), ("Creatinine", "µmol/L", 88.42, 1),
])
def test_unit_conversions(variable, unit, value, expected):
    f, off = mapping.factor(variable, unit)
    assert value * f + off == pytest.approx(expected, rel=2e-3)


def test_hospital_export_is_mapped_converted_and_counted():
    h = io.load_upload("hosp.csv", HOSPITAL)
    by = {e.source: e for e in h.mapping}
    assert by["Weight"].conversion == "lb -> kg" and by["Weight"].use
    assert by["Creatinine"].unit == "mg/dL" and by["Creatinine"].use
    # no unit given and 101 is impossible in degC: read as degF, and said so
    assert by["Temperature"].read_as == "degF" and "read as degF" in by["Temperature"].note
    temps = h.records.loc[h.records["variable"] == "Temp", "value"]
    assert temps.round(1).tolist() == [38.5, 38.9]
    # SpO2 is not SaO2: proposed, not used until accepted
    assert by["SpO2"].variable == "SaO2" and by["SpO2"].status == "proposed"
    assert not by["SpO2"].use and "SaO2" not in set(h.records["variable"])
    assert h.records.loc[h.records["variable"] == "Gender", "value"].tolist() == [1.0]
    r = h.report
    assert r.rows_used == len(h.records) == 15  # 18 values less the 3 SpO2
    assert r.ignored["'SpO2' proposed as SaO2, not accepted"] == 3
    assert r.rows_in == r.rows_used + sum(r.ignored.values()) + sum(r.dropped.values())


def test_user_accepts_a_proposal_and_corrects_a_unit_through_the_file():
    table = io.read_table("hosp.csv", HOSPITAL)
    entries = table.mapping()
    for e in entries:
        if e.source == "SpO2":
            e.use = True
        if e.source == "Temperature":  # the user says these were Celsius after all
            e.read_as = "degC"
    saved = mapping.to_json(entries)
    user = mapping.from_json(saved)
    h = io.to_history(table, table.mapping(user))
    by = {e.source: e for e in h.mapping}
    assert by["SpO2"].use and by["SpO2"].status == "user"
    assert h.records.loc[h.records["variable"] == "SaO2", "value"].tolist() == [91, 90, 89]
    # the user's unit contradicts the values: used as asked, but the warning stays
    assert by["Temperature"].use and "implausible" in by["Temperature"].note


def test_a_unit_that_contradicts_the_values_is_withheld_with_a_fix():
    csv = b"patient_id,time,variable,value,unit\nP1,00:10,Temp,98.6,Cel\nP1,01:10,HR,80,bpm\n"
    h = io.load_upload("t.csv", csv)
    e = next(e for e in h.mapping if e.source == "Temp")
    assert not e.use and e.status == "check unit"
    assert "as degF they fit" in e.note
    assert "Temp" not in set(h.records["variable"])


def test_an_unknown_unit_is_withheld_with_the_accepted_units():
    csv = b"patient_id,time,variable,value,unit\nP1,00:10,Glucose,5,furlongs\nP1,01:10,HR,80,\n"
    h = io.load_upload("t.csv", csv)
    e = next(e for e in h.mapping if e.source == "Glucose")
    assert not e.use and "not known" in e.note and "mmol/L" in e.note


def test_mapping_file_errors_are_clear():
    with pytest.raises(SchemaError, match="not a medcore history mapping"):
        mapping.from_json(b"{not json", "m.json")
    with pytest.raises(SchemaError, match="Download the mapping"):
        mapping.from_json(b'{"entries": []}', "m.json")


def test_hours_column_is_read_as_hours():
    h = io.load_upload("t.csv", b"patient_id,hours,variable,value\nP1,1.5,HR,80\nP1,2,HR,82\n")
    assert h.records["minutes"].tolist() == [90.0, 120.0]


def test_user_maps_an_unknown_name_and_keeps_proposal_notes():
    csv = (b"patient_id,time,variable,value\nP1,00:10,Pulsfrequenz,80\nP1,01:10,SpO2,95\n"
           b"P1,02:10,HR,82\n")
    table = io.read_table("t.csv", csv)
    user = [mapping.Entry("Pulsfrequenz", "", "HR", "", True),
            mapping.Entry("SpO2", "", "SaO2", "%", True)]  # the page shows the model's unit
    h = io.to_history(table, table.mapping(user))
    by = {e.source: e for e in h.mapping}
    assert by["Pulsfrequenz"].use and by["Pulsfrequenz"].variable == "HR"
    assert "pulse oximetry" in by["SpO2"].note  # accepting keeps the reason it was a proposal
    assert sorted(h.records["variable"]) == ["HR", "HR", "SaO2"]


def test_text_columns_of_a_wide_export_are_left_out_and_named():
    csv = (b"MRN,Date/Time,Ward,Heart Rate,Comment\n"
           b"A1,2024-03-01T08:00:00,ICU-3,120,ok\nA1,2024-03-01T09:00:00,ICU-3,118,\n")
    h = io.load_upload("export.csv", csv)
    r = h.report
    assert r.rows_in == r.rows_used == 2 and not r.dropped  # the ward is not a measurement
    assert any("left out: Ward, Comment" in n for n in r.notes)
