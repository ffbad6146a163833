"""FHIR R4 reader: Bundles, NDJSON, components, references, bad resources and a round trip."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from medcore.errors import CorruptFileError, EmptyInputError, SchemaError
from medcore.history.accounting import ValidationReport
from medcore.history.fhir import COLUMNS, looks_like_fhir, read_fhir, to_bundle, to_ndjson

T0 = "2024-03-01T08:00:00Z"
T1 = "2024-03-01T09:30:00Z"


def obs(oid, pid, code, value, unit="/min", time=T0, **extra):
    res = {"resourceType": "Observation", "id": oid, "status": "final",
           "code": {"coding": [{"system": "http://snomed.info/sct", "code": "364075005"},
                               {"system": "http://loinc.org", "code": code}]},
           "subject": {"reference": f"Patient/{pid}"}, "effectiveDateTime": time,
           "valueQuantity": {"value": value, "unit": "beats/minute", "code": unit}}
    res.update(extra)
    return res


def patient(pid, birth="1970-03-01", gender="male"):
    return {"resourceType": "Patient", "id": pid, "birthDate": birth, "gender": gender}


def resources():
    return [patient("p1"), obs("o1", "p1", "8867-4", 80), obs("o2", "p1", "8867-4", 82.5, time=T1),
            patient("p2", birth="1990-03-01", gender="female"),
            obs("o3", "p2", "8310-5", 37.2, unit="Cel", time=T1)]


def bundle(items):
    return json.dumps({"resourceType": "Bundle", "type": "collection",
                       "entry": [{"resource": r} for r in items]}, indent=2).encode()


def ndjson(items, extra_lines=()):
    return ("\n".join([json.dumps(r) for r in items] + list(extra_lines)) + "\n").encode()


def read(data, name="h.json"):
    report = ValidationReport()
    return read_fhir(name, data, report), report


def as_set(df):
    return set(map(tuple, df[COLUMNS].to_numpy().tolist()))


EXPECTED = {
    ("p1", T0, "8867-4", "80", "/min"), ("p1", T1, "8867-4", "82.5", "/min"),
    ("p1", T0, "Age", "54.0", "a"), ("p1", T0, "Gender", "1", ""),
    ("p2", T1, "8310-5", "37.2", "Cel"), ("p2", T1, "Age", "34.0", "a"),
    ("p2", T1, "Gender", "0", ""),
}


def test_bundle_with_two_patients_gives_expected_rows():
    df, report = read(bundle(resources()))
    assert list(df.columns) == COLUMNS
    assert all(isinstance(v, str) for v in df.to_numpy().ravel())
    assert as_set(df) == EXPECTED and len(df) == len(EXPECTED)
    assert report.rows_in == 5 and not report.dropped


def test_ndjson_gives_the_same_rows_as_the_bundle():
    df, report = read(ndjson(resources(), extra_lines=["", "  "]), "h.ndjson")
    assert as_set(df) == EXPECTED and report.rows_in == 5


def test_single_resource_and_looks_like_fhir():
    data = json.dumps(obs("o1", "p1", "8867-4", 80)).encode()
    df, _ = read(data)
    assert as_set(df) == {("p1", T0, "8867-4", "80", "/min")}
    assert looks_like_fhir(b"\xef\xbb\xbf  \n" + data) and looks_like_fhir(bundle(resources()))
    assert not looks_like_fhir(b"patient_id,time,variable,value\n")
    assert not looks_like_fhir(b'{"a": 1}')


def test_blood_pressure_panel_gives_one_row_per_component():
    def comp(code, value):
        return {"code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                "valueQuantity": {"value": value, "unit": "mmHg", "code": "mm[Hg]"}}

    bp = obs("bp", "p1", "85354-9", 0, time=T1,
             component=[comp("8480-6", 120), comp("8462-4", 80), {"code": {"text": "note"}}])
    del bp["valueQuantity"]
    df, report = read(ndjson([patient("p1"), bp]))
    assert as_set(df) == {("p1", T1, "8480-6", "120", "mm[Hg]"),
                          ("p1", T1, "8462-4", "80", "mm[Hg]"),
                          ("p1", T1, "Age", "54.0", "a"), ("p1", T1, "Gender", "1", "")}
    assert not report.dropped


def test_urn_uuid_references_map_to_the_patient_id():
    doc = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:aaaa-1", "resource": patient("p1")},
        {"fullUrl": "urn:uuid:bbbb-2", "resource": obs("o1", "x", "8867-4", 80)}]}
    doc["entry"][1]["resource"]["subject"] = {"reference": "urn:uuid:aaaa-1"}
    df, _ = read(json.dumps(doc).encode())
    assert set(df["patient_id"]) == {"p1"} and "Age" in set(df["variable"])


def test_codes_units_and_values_fall_back():
    text_only = obs("o1", "p1", "x", 5, time=T0)
    text_only["code"] = {"text": "Lactate"}
    display = obs("o2", "p1", "x", 7, time=T0)
    display["code"] = {"coding": [{"system": "local", "code": "L1", "display": "GCS"}]}
    unit_only = obs("o3", "p1", "8867-4", 81)
    unit_only["valueQuantity"] = {"value": 81, "unit": "bpm"}
    integer = obs("o4", "http://srv/fhir/Patient/p1/_history/3", "8867-4", 0,
                  effectivePeriod={"start": T1})
    integer["subject"] = {"reference": "http://srv/fhir/Patient/p1/_history/3"}
    del integer["valueQuantity"], integer["effectiveDateTime"]
    integer["valueInteger"] = 90
    df, _ = read(ndjson([text_only, display, unit_only, integer]))
    assert as_set(df) == {("p1", T0, "Lactate", "5", "/min"), ("p1", T0, "GCS", "7", "/min"),
                          ("p1", T0, "8867-4", "81", "bpm"), ("p1", T1, "8867-4", "90", "")}


def test_age_uses_birthdate_and_the_earliest_observation():
    items = [patient("p1", birth="2000-01-01", gender="other"),
             obs("late", "p1", "8867-4", 80, time="2030-07-02T00:00:00Z"),
             obs("early", "p1", "8867-4", 80, time="2030-07-02T01:00:00+02:00"),
             patient("p2", birth="1980"), obs("o", "p2", "8867-4", 70, time="2020-07-02")]
    df, report = read(ndjson(items))
    age = df[df.variable == "Age"].set_index("patient_id")
    assert age.loc["p1", "value"] == "30.5" and age.loc["p1", "time"].endswith("+02:00")
    assert age.loc["p2", "value"] == "40.0"  # year only: mid-year birth
    assert "Gender" not in set(df[df.patient_id == "p1"].variable)
    assert any("gender" in n and "p1 (other)" in n for n in report.notes)
    assert report.fixed["Patient birthDate with only a year or month (mid-point used for Age)"] == 1


def test_malformed_bundle_raises_corrupt_file_error_with_position():
    data = bundle(resources())[:-40]
    with pytest.raises(CorruptFileError, match=r"line \d+, column \d+"):
        read(data)
    with pytest.raises(CorruptFileError, match="not valid JSON"):
        read(b"patient_id,time,variable,value\nA,00:00,HR,80\n")
    with pytest.raises(EmptyInputError):
        read(b"  \n")


def test_malformed_ndjson_line_is_dropped_and_the_rest_read():
    lines = [json.dumps(r) for r in resources()]
    lines.insert(0, '{"resourceType": "Observation", "id": ')
    lines.insert(3, "not json")
    df, report = read("\n".join(lines).encode())
    assert as_set(df) == EXPECTED
    assert report.dropped["malformed JSON line"] == 2 and report.rows_in == 7
    assert any(n.startswith("malformed JSON line: line 1, line 4.") for n in report.notes)


def test_other_resource_types_are_dropped_not_errors():
    items = [*resources(), {"resourceType": "Encounter", "id": "e1"},
             {"resourceType": "MedicationRequest", "id": "m1"},
             {"resourceType": "Encounter", "id": "e2"}]
    df, report = read(bundle(items))
    assert as_set(df) == EXPECTED
    assert report.dropped["FHIR resource of another type (Encounter, MedicationRequest)"] == 3
    assert any("Encounter 2, MedicationRequest 1" in n for n in report.notes)


@pytest.mark.parametrize(("change", "reason"), [
    (lambda r: r.pop("valueQuantity"), "Observation without a numeric value (valueQuantity)"),
    (lambda r: r.update(valueQuantity={"value": "80"}),
     "Observation without a numeric value (valueQuantity)"),
    (lambda r: r.pop("effectiveDateTime"), "Observation without a time (effectiveDateTime)"),
    (lambda r: r.pop("subject"), "Observation without a subject (patient reference)"),
    (lambda r: r.update(subject={"reference": "Group/g1"}),
     "Observation whose subject is not a Patient"),
    (lambda r: r.update(code={}), "Observation without a code"),
    (lambda r: r.update(status="entered-in-error"), "Observation marked entered-in-error"),
    (lambda r: r.update(subject="Patient/p3"), "Observation with malformed fields"),
])
def test_bad_observation_is_skipped_and_named_while_others_read(change, reason):
    items = resources()
    bad = [obs(f"bad-{i}", "p3", "8867-4", 99) for i in range(7)]
    for r in bad:
        change(r)
    df, report = read(ndjson([*items[:2], *bad, *items[2:]]))
    assert as_set(df) == EXPECTED
    assert report.dropped == {reason: 7}
    note = next(n for n in report.notes if n.startswith(reason))
    assert "Observation bad-0 (line 3)" in note and "bad-4" in note and "bad-5" not in note
    assert "and 2 more" in note


def test_patient_without_observation_is_dropped():
    df, report = read(ndjson([*resources(), patient("lonely")]))
    assert as_set(df) == EXPECTED
    assert report.dropped == {"Patient without any Observation": 1}


def test_no_usable_observation_raises_schema_error_saying_what_was_found():
    bad = obs("o1", "p1", "8867-4", 80)
    del bad["effectiveDateTime"]
    data = ndjson([patient("p1"), bad, {"resourceType": "Encounter", "id": "e"}])
    with pytest.raises(SchemaError) as err:
        read(data)
    msg = str(err.value)
    assert "Encounter 1, Observation 1, Patient 1" in msg and "without a time" in msg
    assert "LOINC" in msg and "valueQuantity" in msg and "effectiveDateTime" in msg


def test_json_that_is_not_fhir_raises_schema_error():
    with pytest.raises(SchemaError, match="not FHIR.*found: keys patients"):
        read(b'{"patients": [{"id": 1}]}')
    with pytest.raises(SchemaError, match="found: a JSON list"):
        read(b'[{"id": 1}]')
    with pytest.raises(SchemaError, match="no FHIR resource"):
        read(b'{"id": 1}\n{"id": 2}\n')
    with pytest.raises(SchemaError, match="no FHIR resource"):
        read(b'{"resourceType": "Bundle", "entry": []}')


def test_round_trip_through_bundle_and_ndjson():
    records = pd.DataFrame({
        "patient_id": ["132539"] * 5 + ["132540"] * 3,
        "minutes": [0, 0, 7, 37, 37.5, 0, 0, 60],
        "variable": ["Age", "Gender", "HR", "HR", "Lactate", "Age", "Gender", "Temp"],
        "value": [54.0, 0.0, 73.0, 77.5, 1.3, 76.0, 1.0, 36.9],
    })
    loinc, units = {"HR": "8867-4", "Temp": "8310-5"}, {"HR": "/min", "Temp": "Cel"}
    # Age and Gender sit at admission, the Encounter's start: time zero as in the records
    want = {
        ("132539", "2100-01-01T00:07:00Z", "8867-4", "73.0", "/min"),
        ("132539", "2100-01-01T00:37:00Z", "8867-4", "77.5", "/min"),
        ("132539", "2100-01-01T00:37:30Z", "Lactate", "1.3", ""),
        ("132539", "2100-01-01T00:00:00Z", "Age", "54.0", "a"),
        ("132539", "2100-01-01T00:00:00Z", "Gender", "0", ""),
        ("132540", "2100-01-01T01:00:00Z", "8310-5", "36.9", "Cel"),
        ("132540", "2100-01-01T00:00:00Z", "Age", "76.0", "a"),
        ("132540", "2100-01-01T00:00:00Z", "Gender", "1", ""),
    }
    df, report = read(json.dumps(to_bundle(records, loinc, units)).encode())
    assert as_set(df) == want and not report.dropped
    df, _ = read(to_ndjson(records, loinc, units), "h.ndjson")
    assert as_set(df) == want
