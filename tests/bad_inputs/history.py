"""Bad-input corpus for the patient-history uploader, generated in code."""

from __future__ import annotations

import json

from medcore.history import synthetic
from tests.bad_inputs import Case

HEADER = b"patient_id,time,variable,value\n"


def _rows(pid: str, n: int, start: int = 0) -> bytes:
    return b"".join(f"{pid},{(start + i) // 60:02d}:{(start + i) % 60:02d},HR,{60 + i % 40}\n"
                    .encode() for i in range(n))


def _fhir(*resources: dict) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in resources)


def _obs(oid: str, value: float | None = 80.0, time: str | None = "2024-03-01T08:00:00Z",
         code: str = "8867-4", unit: str = "/min") -> dict:
    res = {"resourceType": "Observation", "id": oid, "status": "final",
           "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
           "subject": {"reference": "Patient/p1"}}
    if value is not None:
        res["valueQuantity"] = {"value": value, "code": unit}
    if time is not None:
        res["effectiveDateTime"] = time
    return res


def cases() -> list[Case]:
    good = synthetic.example_csv(2, seed=1)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(40)
    return [
        Case("empty", "empty.csv", b"", "EmptyInputError"),
        Case("whitespace only", "blank.csv", b"  \n\n \t\n", "EmptyInputError"),
        Case("png named csv", "image.csv", png, "UnsupportedFormatError", "wrong type"),
        Case("pdf named csv", "doc.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
             "UnsupportedFormatError"),
        Case("binary with NUL bytes", "blob.csv", bytes(range(256)) * 4, "UnsupportedFormatError"),
        Case("semicolon delimiter, decimal comma", "semi.csv",
             b"patient_id;time;variable;value\nP1;00:10;Temp;37,5\nP1;01:10;HR;88\n", "ok"),
        Case("tab delimiter", "tab.tsv", good.replace(b",", b"\t"), "ok"),
        Case("utf-8 BOM", "bom.csv", b"\xef\xbb\xbf" + good, "ok"),
        Case("non-UTF-8 (Latin-1) text", "latin1.csv",
             HEADER + "Jos\u00e9,00:05,HR,80\nJos\u00e9,01:05,HR,84\n".encode("latin-1"), "ok"),
        Case("PhysioNet column names", "physionet.csv",
             b"record_id,time,parameter,value\n132539,00:00,Age,54\n132539,00:07,HR,73\n"
             b"132539,00:00,Height,-1\n", "ok"),
        Case("missing value column", "nocol.csv", b"patient_id,time,variable\nP1,00:10,HR\n",
             "SchemaError"),
        Case("single column", "one.csv", b"hello\nworld\n", "SchemaError"),
        Case("extra columns", "extra.csv",
             b"patient_id,time,variable,value,unit,comment\nP1,00:10,HR,80,bpm,ok\n", "ok"),
        Case("header only", "header.csv", HEADER, "SchemaError"),
        Case("all values non-numeric", "text.csv", HEADER + b"P1,00:10,HR,high\n", "SchemaError"),
        Case("one million rows", "big.csv", HEADER + b"P1,00:00,HR,80\n" * 1_000_000,
             "FileTooLargeError"),
        Case("patient with one event", "single.csv", HEADER + b"P1,03:00,HR,101\n", "ok"),
        Case("patient with 10,000 events", "many.csv", HEADER + _rows("P1", 10_000), "ok"),
        Case("patient over MAX_EVENTS_PER_PATIENT beside a normal one", "huge.csv",
             HEADER + _rows("BIG", 20_500) + b"P2,00:10,HR,80\nP2,01:00,HR,90\n", "ok"),
        Case("mixed date formats", "dates.csv",
             HEADER + b"P1,2024-03-01 08:00,HR,80\nP1,01/03/2024 09:30,HR,90\n"
             b"P1,2024-03-01T10:00:00,HR,95\n", "ok"),
        Case("duplicates, out of order, missing values", "messy.csv",
             HEADER + b"P1,02:00,HR,90\nP1,01:00,HR,85\nP1,01:00,HR,85\nP1,03:00,HR,\n"
             b",04:00,HR,70\nP1,xx,HR,70\n", "ok"),
        Case("FHIR: malformed JSON", "bundle.json",
             b'{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": ',
             "CorruptFileError"),
        Case("FHIR: only resources of other types", "other.ndjson",
             _fhir({"resourceType": "MedicationRequest", "id": "m1"},
                   {"resourceType": "Condition", "id": "c1"}), "SchemaError"),
        Case("FHIR: a resource of another type beside a good Observation", "mixed.ndjson",
             _fhir({"resourceType": "Patient", "id": "p1", "gender": "female",
                    "birthDate": "1950-01-01"}, {"resourceType": "MedicationRequest", "id": "m1"},
                   _obs("o1"), _obs("o2", 84.0, "2024-03-01T09:00:00Z")), "ok"),
        Case("FHIR: Observations without a value or a time", "gaps.ndjson",
             _fhir(_obs("o1"), _obs("no-value", None), _obs("no-time", 90.0, None),
                   _obs("o4", 85.0, "2024-03-01T10:00:00Z")), "ok"),
        Case("a unit nobody knows", "units.csv",
             b"patient_id,time,variable,value,unit\nP1,00:10,Glucose,5.5,furlongs\n"
             b"P1,00:20,HR,80,bpm\n", "ok"),
        Case("a unit that contradicts the values", "fahrenheit.csv",
             b"patient_id,time,variable,value,unit\nP1,00:10,Temp,98.6,Cel\n"
             b"P1,00:20,HR,80,bpm\n", "ok"),
        Case("unbalanced quote", "quote.csv", HEADER + b'P1,00:10,"HR,80\nP1,00:20,HR,81\n',
             "CorruptFileError", "an opening quote never closed"),
    ]
