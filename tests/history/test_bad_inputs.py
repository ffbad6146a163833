"""Every case of the history bad-input corpus: a correct result or the documented error."""

from __future__ import annotations

import pytest

from medcore import errors
from medcore.history import io
from medcore.history.io import load_upload
from tests.bad_inputs.history import cases

CASES = cases()

# What a correct result means for the valid-but-unusual cases.
CHECKS = {
    "semicolon delimiter, decimal comma": lambda h: h.records["value"].tolist() == [37.5, 88.0],
    "tab delimiter": lambda h: len(h.patients) == 2,
    "utf-8 BOM": lambda h: h.patients[0] == "SYNTHETIC-00001",
    "non-UTF-8 (Latin-1) text": lambda h: h.patients == ["Jos\u00e9"],
    "PhysioNet column names": lambda h: h.patients == ["132539"] and len(h.records) == 2,
    "extra columns": lambda h: h.records.shape == (1, 4),
    "patient with one event": lambda h: h.records["minutes"].tolist() == [180.0],
    "patient with 10,000 events": lambda h: len(h.records) == 10_000,
    "patient over MAX_EVENTS_PER_PATIENT beside a normal one": lambda h: h.patients == ["P2"],
    "mixed date formats": lambda h: len(h.records) == 3 and h.records["minutes"].min() == 0,
    "duplicates, out of order, missing values":
        lambda h: h.records["minutes"].tolist() == [60.0, 120.0]
        and sum(h.report.dropped.values()) + h.report.set_aside.get(io.DUPLICATE, 0) == 4,
    "FHIR: a resource of another type beside a good Observation":
        lambda h: h.patients == ["p1"] and h.records["variable"].tolist().count("HR") == 2
        and any("MedicationRequest" in why for why in h.report.dropped),
    "FHIR: Observations without a value or a time":
        lambda h: h.records["value"].tolist() == [80.0, 85.0]
        and any("without a time" in why for why in h.report.dropped)
        and any("without a numeric value" in why for why in h.report.dropped)
        and any("no-value" in n for n in h.report.notes),
    "a unit nobody knows":
        lambda h: h.records["variable"].tolist() == ["HR"]
        and any("'furlongs' is not known" in why for why in h.report.ignored),
    "a unit that contradicts the values":
        lambda h: h.records["variable"].tolist() == ["HR"]
        and any("implausible" in why and "degF" in why for why in h.report.ignored),
}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case):
    if case.expect == "ok":
        hist = load_upload(case.filename, case.data)
        assert CHECKS[case.name](hist), case.name
        r = hist.report
        inside = hist.records["minutes"].between(0, 48 * 60)
        assert r.rows_used == int(inside.sum())
        # every row is accounted for exactly once: used, not used (ignored) or dropped
        assert r.rows_in == (r.rows_used + sum(r.ignored.values()) + sum(r.dropped.values())
                             + sum(r.set_aside.values()))
    else:
        cls = getattr(errors, case.expect)
        with pytest.raises(cls) as info:
            load_upload(case.filename, case.data)
        assert case.filename in str(info.value) or info.value.fix, "message must help the user"
        assert info.value.fix, "every error says how to fix it"


def test_every_ok_case_is_checked():
    assert {c.name for c in CASES if c.expect == "ok"} == set(CHECKS)
