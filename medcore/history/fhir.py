"""Read patient histories from FHIR R4 JSON (a Bundle, one resource, or NDJSON) into long rows.

Why plain ``json`` and not ``fhir.resources`` (pydantic models of every R4 resource): the reader
must take 10,000 patients (~1.5 M Observations) as NDJSON within 90 s on 2 cores, and a resource
model validates every nested element of every resource, work this reader does not need; it
also rejects a whole Bundle for one bad field, whereas this reader must skip and report a bad
resource and keep the rest. It reads a few fields (subject, effective time, code, value,
component; Patient birthDate and gender; Encounter period start) and checks each of them here.

The rows keep the LOINC code as ``variable`` and the ISO time as given; the caller maps codes
to model variables and turns timestamps into minutes since each patient's first time (an
Encounter's start, where given: Age and Gender are placed there).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from medcore.errors import CorruptFileError, EmptyInputError, SchemaError
from medcore.history.accounting import ValidationReport

COLUMNS = ["patient_id", "time", "variable", "value", "unit"]
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ADMISSION = datetime(2100, 1, 1, tzinfo=UTC)
_YEAR_S = 365.25 * 86400
_BIRTH = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_NEEDED = ("FHIR input needs Observation resources with a LOINC code (code.coding system "
           "http://loinc.org), a valueQuantity and an effectiveDateTime, each with "
           "subject.reference \"Patient/<id>\"; add Patient resources with birthDate and gender "
           "for Age and Gender.")
_FIXES = {  # how to repair the resources skipped for each reason
    "malformed JSON line": "Each line of NDJSON must be one complete JSON resource.",
    "JSON without a FHIR resourceType": "Every resource needs \"resourceType\".",
    "Bundle entry without a resource": "Put each resource under entry[].resource.",
    "Observation marked entered-in-error": "These results were withdrawn and are not used.",
    "Observation without a subject (patient reference)":
        "Add subject.reference = \"Patient/<id>\".",
    "Observation whose subject is not a Patient": "Point subject.reference at a Patient.",
    "Observation without a time (effectiveDateTime)":
        "Add effectiveDateTime, e.g. 2024-01-01T08:00:00Z.",
    "Observation without a numeric value (valueQuantity)":
        "Give the measurement as valueQuantity {value, unit, code}.",
    "Observation without a code": "Add code.coding with system http://loinc.org and the code.",
    "Observation with malformed fields": "Check its fields against the FHIR R4 Observation.",
    "Patient without an id": "Give each Patient an id that Observations refer to.",
    "Patient without any Observation": "Add its Observations, or leave the Patient out.",
}


@dataclass
class _State:
    """What the reader has collected so far; rows are tuples in the order of ``COLUMNS``."""

    rows: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    patients: dict[str, tuple[dict, str]] = field(default_factory=dict)
    skipped: dict[str, list] = field(default_factory=dict)  # reason -> [count, first 5 labels]
    seen: Counter = field(default_factory=Counter)  # resourceType -> count
    other: Counter = field(default_factory=Counter)  # resourceTypes that are not read
    urn: dict[str, str] = field(default_factory=dict)  # Bundle fullUrl -> Patient id
    admitted: dict[str, str] = field(default_factory=dict)  # Patient id -> Encounter start
    n_read: int = 0
    n_comparator: int = 0

    def skip(self, reason: str, label: str) -> None:
        entry = self.skipped.setdefault(reason, [0, []])
        entry[0] += 1
        if len(entry[1]) < 5:
            entry[1].append(label)


def looks_like_fhir(data: bytes) -> bool:
    """True when the upload is JSON naming a resourceType, so the caller routes it here."""
    head = data[:4096].removeprefix(b"\xef\xbb\xbf")
    return head.lstrip()[:1] == b"{" and b'"resourceType"' in head


def read_fhir(filename: str, data: bytes, report: ValidationReport) -> pd.DataFrame:
    """Rows ``patient_id, time, variable, value, unit`` (all strings) from FHIR R4 JSON.

    Bad resources are skipped and counted in ``report`` so that one of them never costs the
    other patients; only a file with no usable Observation at all raises.
    """
    st = _State()
    text = _decode(data, report)
    doc = _whole_document(filename, text)
    if doc is None:
        _read_ndjson(text, st)
    elif not isinstance(doc, dict) or "resourceType" not in doc:
        keys = (f"keys {', '.join(list(doc)[:6])}" if isinstance(doc, dict)
                else f"a JSON {type(doc).__name__}")
        raise SchemaError(f"{filename} is JSON but not FHIR: it has no \"resourceType\" "
                          f"(found: {keys}).",
                          "Export the history as a FHIR R4 Bundle or NDJSON (Bulk Data export), "
                          "or upload a CSV with the header patient_id,time,variable,value.")
    else:
        _take(doc, "the file", st)
    report.rows_in += st.n_read
    if not st.rows:
        _raise_no_observation(filename, st)
    obs = pd.DataFrame(st.rows, columns=COLUMNS)
    st.rows = []
    people = _patient_rows(obs, st, report)
    _report(st, report)
    if people:
        obs = pd.concat([obs, pd.DataFrame(people, columns=COLUMNS)], ignore_index=True)
    return obs


def _decode(data: bytes, report: ValidationReport) -> str:
    """FHIR JSON is UTF-8; read other bytes anyway, since only names and displays suffer."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.notes.append("The file is not UTF-8; unreadable characters were replaced. "
                            "Export FHIR JSON as UTF-8.")
        return data.decode("utf-8-sig", errors="replace")


def _whole_document(filename: str, text: str) -> object | None:
    """The parsed JSON document, or None when the text is NDJSON (one resource per line)."""
    if not text.strip():
        raise EmptyInputError(f"{filename} is empty.",
                              "Upload a FHIR R4 Bundle (JSON) or NDJSON, one resource per line.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        # "Extra data": the first document parsed and more follows, as in NDJSON; a malformed
        # first line of NDJSON still leaves other lines that parse as objects.
        if err.msg == "Extra data" or _some_line_is_object(text):
            return None
        raise CorruptFileError(
            f"{filename} is not valid JSON: {err.msg} (line {err.lineno}, column {err.colno}).",
            "Upload a complete FHIR R4 Bundle (JSON) or NDJSON with one resource per line; a "
            "truncated download or a missing comma or bracket near that spot is the usual cause."
        ) from None


def _some_line_is_object(text: str) -> bool:
    """Whether one of the first 20 lines is a JSON object by itself (NDJSON, not a Bundle)."""
    lines = [line for line in text.split("\n", 40)[:40] if line.strip()][:20]
    for line in lines:
        try:
            if isinstance(json.loads(line), dict):
                return True
        except json.JSONDecodeError:
            continue
    return False


def _read_ndjson(text: str, st: _State) -> None:
    """One resource per line; a malformed line is skipped and the others still read."""
    loads = json.loads
    for i, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            res = loads(line)
        except json.JSONDecodeError:
            st.n_read += 1
            st.skip("malformed JSON line", f"line {i}")
            continue
        _take(res, f"line {i}", st)


def _take(res: object, where: str, st: _State) -> None:
    """Dispatch one resource by its type; Bundles open into their entries."""
    if isinstance(res, dict) and res.get("resourceType") == "Bundle":
        _read_bundle(res, where, st)
        return
    st.n_read += 1
    if not isinstance(res, dict) or not isinstance(res.get("resourceType"), str):
        st.skip("JSON without a FHIR resourceType", where)
        return
    kind = res["resourceType"]
    st.seen[kind] += 1
    if kind == "Observation":
        try:
            _observation(res, where, st)
        except (AttributeError, TypeError, ValueError):
            st.skip("Observation with malformed fields", f"Observation {res.get('id')} ({where})")
    elif kind == "Patient":
        pid = res.get("id")
        if not pid or not isinstance(pid, str | int):
            st.skip("Patient without an id", f"Patient ({where})")
        else:
            st.patients.setdefault(str(pid), (res, where))
    elif kind == "Encounter" and _encounter(res, st):
        pass
    else:
        st.other[kind] += 1


def _encounter(res: dict, st: _State) -> bool:
    """Keep an Encounter's start as its patient's admission (time zero of the 48 h)."""
    ref = (res.get("subject") or {}).get("reference")
    start = (res.get("period") or {}).get("start")
    pid = _patient_id(ref, st.urn) if isinstance(ref, str) else None
    if pid is None or not isinstance(start, str):
        return False
    if pid not in st.admitted or start < st.admitted[pid]:
        st.admitted[pid] = start
    return True


def _read_bundle(doc: dict, where: str, st: _State) -> None:
    """Entries of a Bundle; Patient fullUrls are noted first so urn:uuid references resolve."""
    entries = doc.get("entry") or []
    if not isinstance(entries, list):
        entries = []
    for e in entries:
        res = e.get("resource") if isinstance(e, dict) else None
        if isinstance(res, dict) and res.get("resourceType") == "Patient" and res.get("id"):
            url = e.get("fullUrl")
            if isinstance(url, str):
                st.urn[url] = str(res["id"])
    prefix = "Bundle" if where == "the file" else f"{where}: Bundle"
    for i, e in enumerate(entries):
        res = e.get("resource") if isinstance(e, dict) else None
        if res is None:
            st.n_read += 1
            st.skip("Bundle entry without a resource", f"{prefix}.entry[{i}]")
        else:
            _take(res, f"{prefix}.entry[{i}]", st)


def _observation(res: dict, where: str, st: _State) -> None:
    """Rows from one Observation: its own value and one per component with a value."""
    label = f"Observation {res.get('id')} ({where})"
    if res.get("status") == "entered-in-error":
        return st.skip("Observation marked entered-in-error", label)
    ref = (res.get("subject") or {}).get("reference")
    if not ref or not isinstance(ref, str):
        return st.skip("Observation without a subject (patient reference)", label)
    pid = _patient_id(ref, st.urn)
    if pid is None:
        return st.skip("Observation whose subject is not a Patient", label)
    if not pid:
        return st.skip("Observation without a subject (patient reference)", label)
    time = (res.get("effectiveDateTime") or (res.get("effectivePeriod") or {}).get("start")
            or res.get("effectiveInstant"))
    if not isinstance(time, str) or not time.strip():
        return st.skip("Observation without a time (effectiveDateTime)", label)
    rows, found_value = [], False
    for part in (res, *(res.get("component") or ())):
        value = _value(part, st)
        if value is None:
            continue
        found_value = True
        code = _code(part.get("code"))
        if code is not None:
            rows.append((pid, time, code, value[0], value[1]))
    if rows:
        st.rows.extend(rows)
    else:
        st.skip("Observation without a code" if found_value
                else "Observation without a numeric value (valueQuantity)", label)


def _patient_id(ref: str, urn: dict[str, str]) -> str | None:
    """Patient id from "Patient/123", a full URL, or a Bundle urn:uuid; None if not a Patient."""
    if ref in urn:
        return urn[ref]
    if ref.startswith("urn:"):
        return ref.rsplit(":", 1)[-1]  # a urn:uuid with no Patient in the Bundle: keep the uuid
    parts = ref.split("/_history/", 1)[0].rstrip("/").split("/")
    if len(parts) == 1:
        return parts[0]
    return parts[-1] if parts[-2] == "Patient" else None


def _value(part: dict, st: _State) -> tuple[str, str] | None:
    """(value, unit) as strings from valueQuantity, valueInteger or valueDecimal."""
    q = part.get("valueQuantity")
    if q is not None:
        v = q.get("value")
        unit = q.get("code") or q.get("unit") or ""
        if q.get("comparator"):
            st.n_comparator += 1
    else:
        v = part.get("valueInteger", part.get("valueDecimal"))
        unit = ""
    if type(v) not in (int, float) or not math.isfinite(v):  # bool is not a number here
        return None
    return str(v), str(unit)


def _code(concept: object) -> str | None:
    """The LOINC code, else the concept's text, else the first coding's display."""
    if not isinstance(concept, dict):
        return None
    coding = concept.get("coding") or []
    for c in coding:
        if c.get("system") == LOINC and c.get("code"):
            return str(c["code"])
    text = concept.get("text") or (coding[0].get("display") if coding else None)
    return str(text) if text else None


def _first_times(obs: pd.DataFrame) -> dict[str, tuple[str, float]]:
    """Each patient's earliest observation: (time as given, seconds since 1970).

    Parses each distinct time string once; offsets are honoured, so mixed zones compare right.
    """
    codes, uniq = pd.factorize(obs["time"])
    stamps = pd.to_datetime(pd.Series(np.asarray(uniq, dtype=object)), format="ISO8601",
                            errors="coerce", utc=True)
    secs = stamps.dt.as_unit("s").astype("int64").to_numpy(float)
    secs[stamps.isna().to_numpy()] = np.nan
    row_secs = pd.Series(secs[codes])
    ok = row_secs.notna().to_numpy()
    first = row_secs[ok].groupby(obs["patient_id"].to_numpy()[ok]).idxmin()
    times = obs["time"].to_numpy()
    return {str(pid): (times[i], float(secs[codes[i]])) for pid, i in first.items()}


def _birth_seconds(birth: object) -> tuple[float, bool] | None:
    """Seconds since 1970 of a birthDate, and whether it was partial (mid-point used)."""
    m = _BIRTH.fullmatch(birth) if isinstance(birth, str) else None
    if m is None:
        return None
    year, month, day = m.groups()
    try:
        when = datetime(int(year), int(month or 7), int(day or (15 if month else 1)), tzinfo=UTC)
    except ValueError:
        return None
    return when.timestamp(), day is None


def _patient_rows(obs: pd.DataFrame, st: _State,
                  report: ValidationReport) -> list[tuple[str, str, str, str, str]]:
    """Age and Gender rows at admission (the Encounter's start), else the earliest observation.

    Their time is the patient's time zero: with no Encounter, the 48 h start at the first
    observation.
    """
    first = _first_times(obs) if st.patients else {}
    if st.admitted:
        admitted = pd.DataFrame({"patient_id": list(st.admitted),
                                 "time": list(st.admitted.values())})
        first.update(_first_times(admitted))
    rows, no_gender, no_birth, partial = [], [], [], 0
    for pid, (res, where) in st.patients.items():
        if pid not in first:
            st.skip("Patient without any Observation", f"Patient {pid} ({where})")
            continue
        time, t = first[pid]
        birth = _birth_seconds(res.get("birthDate"))
        age = (t - birth[0]) / _YEAR_S if birth else -1.0
        if age >= 0:
            rows.append((pid, time, "Age", str(round(age, 1)), "a"))
            partial += birth[1]
        else:
            no_birth.append(pid)
        gender = {"male": "1", "female": "0"}.get(res.get("gender"))
        if gender is None:
            no_gender.append(f"{pid} ({res.get('gender') or 'none'})")
        else:
            rows.append((pid, time, "Gender", gender, ""))
    report.fix("Patient birthDate with only a year or month (mid-point used for Age)", partial)
    if no_birth:
        report.notes.append(f"No Age for {len(no_birth):,} Patient(s) without a readable "
                            f"birthDate before their first Observation: {_names(no_birth)}. "
                            "Give birthDate as YYYY-MM-DD.")
    if no_gender:
        report.notes.append(f"No Gender for {len(no_gender):,} Patient(s) whose gender is not "
                            f"male or female: {_names(no_gender)}. The models take male/female "
                            "only; the others are read as unknown.")
    return rows


def _names(labels: list[str], n: int = 5) -> str:
    more = f" and {len(labels) - n:,} more" if len(labels) > n else ""
    return ", ".join(labels[:n]) + more


def _report(st: _State, report: ValidationReport) -> None:
    """Counts and notes for everything that was skipped, with the fix for each reason."""
    if st.other:
        kinds = ", ".join(sorted(st.other))
        report.drop(f"FHIR resource of another type ({kinds})", sum(st.other.values()))
        counts = ", ".join(f"{k} {n:,}" for k, n in sorted(st.other.items()))
        report.notes.append(f"Skipped FHIR resources of other types ({counts}): only "
                            "Observation and Patient are read.")
    for reason, (n, labels) in st.skipped.items():
        report.drop(reason, n)
        more = f" and {n - len(labels):,} more" if n > len(labels) else ""
        report.notes.append(f"{reason}: {', '.join(labels)}{more}. {_FIXES[reason]}")
    report.fix("valueQuantity with a comparator (<, >) read as its number", st.n_comparator)


def _raise_no_observation(filename: str, st: _State) -> None:
    """The file holds nothing to predict from: say what it holds and what is needed."""
    found = [f"{k} {n:,}" for k, n in sorted(st.seen.items())]
    found += [f"{reason}: {n:,}" for reason, (n, _) in st.skipped.items()
              if not reason.startswith("Observation")]
    why = [f"{n:,} {reason[len('Observation '):]}" for reason, (n, _) in st.skipped.items()
           if reason.startswith("Observation")]
    skipped = f"; Observations skipped: {', '.join(why)}" if why else ""
    what = "no usable Observation" if st.seen else "no FHIR resource"
    raise SchemaError(f"{filename} holds {what} (found: {', '.join(found) or 'nothing'}"
                      f"{skipped}).", _NEEDED)


def to_bundle(records: pd.DataFrame, loinc: dict[str, str], units: dict[str, str]) -> dict:
    """A FHIR Bundle (Patient, Encounter, Observation) of clean long records, for tests and
    benchmarks.

    Admission (the Encounter's start) is 2100-01-01T00:00:00Z; Age and Gender become
    Patient.birthDate and gender.
    """
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": r} for r in _resources(records, loinc, units)]}


def to_ndjson(records: pd.DataFrame, loinc: dict[str, str], units: dict[str, str]) -> bytes:
    """The same resources as :func:`to_bundle`, one JSON resource per line."""
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    return "".join(dumps(r) + "\n" for r in _resources(records, loinc, units)).encode()


def _resources(records: pd.DataFrame, loinc: dict[str, str], units: dict[str, str]) -> list[dict]:
    """Patients first (in order of appearance), then one Observation per record."""
    pids = records["patient_id"].astype(str).tolist()
    minutes = records["minutes"].astype(float).tolist()
    names = records["variable"].astype(str).tolist()
    values = records["value"].astype(float).tolist()
    patients: dict[str, dict] = {}
    observations = []
    admission = ADMISSION.strftime("%Y-%m-%dT%H:%M:%SZ")
    for pid, m, name, v in zip(pids, minutes, names, values, strict=True):
        if pid not in patients:
            observations.append({"resourceType": "Encounter", "id": f"{pid}-icu",
                                 "status": "finished", "subject": {"reference": f"Patient/{pid}"},
                                 "period": {"start": admission}})
        patient = patients.setdefault(pid, {"resourceType": "Patient", "id": pid})
        if math.isnan(v) or math.isnan(m):
            continue
        if name == "Age" and "birthDate" not in patient:
            born = ADMISSION - timedelta(days=round(v * 365.25))
            patient["birthDate"] = born.date().isoformat()
        elif name == "Gender" and "gender" not in patient and v in (0, 1):
            patient["gender"] = "male" if v == 1 else "female"
        elif name not in ("Age", "Gender"):
            code: dict = {"text": name}
            if name in loinc:
                code["coding"] = [{"system": LOINC, "code": loinc[name], "display": name}]
            quantity: dict = {"value": v}
            if units.get(name):
                quantity.update(unit=units[name], system=UCUM, code=units[name])
            when = ADMISSION + timedelta(seconds=round(m * 60))
            observations.append({
                "resourceType": "Observation", "id": f"{pid}-{len(observations)}",
                "status": "final", "code": code, "subject": {"reference": f"Patient/{pid}"},
                "effectiveDateTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "valueQuantity": quantity})
    return [*patients.values(), *observations]
