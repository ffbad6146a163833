"""Parsing and cleaning of long-format histories, plus fuzzing of the CSV reader."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medcore.errors import InputError, SchemaError
from medcore.history import io, synthetic

HEADER = "patient_id,time,variable,value\n"


def test_times_in_three_formats_become_minutes():
    csv = (HEADER + "A,01:30,HR,80\nA,02:00:30,HR,81\nB,45,HR,70\n"
           "C,2024-01-01 10:00,HR,90\nC,2024-01-01 12:30,HR,91\n")
    rec = io.load_upload("t.csv", csv.encode()).records.set_index(["patient_id", "value"])
    assert rec.loc[("A", 80.0), "minutes"] == 90
    assert rec.loc[("A", 81.0), "minutes"] == pytest.approx(120.5)
    assert rec.loc[("B", 70.0), "minutes"] == 45
    assert rec.loc[("C", 91.0), "minutes"] == 150  # relative to the patient's first timestamp


def test_timestamps_outside_the_nanosecond_range_do_not_crash():
    # Found by the CSV fuzz test: pandas reads ",00:10," as 0001-01-01 00:10 at microsecond
    # resolution, and subtracting a nanosecond epoch from it overflowed.
    csv = HEADER + "A,0001-01-01 00:10,HR,80\nA,0001-01-01 01:10,HR,81\nB,\",00:10,\",HR,70\n"
    rec = io.load_upload("t.csv", csv.encode()).records.set_index(["patient_id", "value"])
    assert rec.loc[("A", 81.0), "minutes"] == 60
    assert rec.loc[("A", 80.0), "minutes"] == 0


def test_report_counts_each_reason():
    csv = (HEADER + "A,02:00,hr,90\nA,01:00,HR,85\nA,01:00,HR,85\nA,03:00,HR,\n"
           "A,00:00,Height,-1\nA,05:00,ICD10:I50,1\n")
    h = io.load_upload("t.csv", csv.encode())
    r = h.report
    assert r.rows_in == 6 and r.rows_used == 2  # the ICD-10 code is not a model variable
    assert r.ignored["names the models do not read"] == 1
    assert {(e.source, e.variable) for e in h.mapping if e.use} == {
        ("hr", "HR"), ("HR", "HR"), ("Height", "Height")}
    assert r.fixed["out of time order (sorted)"] == 1
    assert r.set_aside[io.DUPLICATE] == 1  # counted once, not a loss of the record
    assert r.dropped["missing or non-numeric value"] == 1
    assert r.dropped["value -1 (PhysioNet code for 'not recorded')"] == 1
    assert any("ICD10:I50" in n for n in r.notes)
    assert h.records["minutes"].is_monotonic_increasing
    assert "HR" in set(h.records["variable"])


def test_missing_columns_name_them():
    with pytest.raises(SchemaError, match="time"):
        io.load_upload("t.csv", b"patient_id,variable,value\nA,HR,80\n")


def test_synthetic_round_trip():
    rec = synthetic.records(3, seed=5)
    back = io.load_upload("s.csv", synthetic.to_csv(rec)).records
    assert len(back) == len(rec)
    assert back["patient_id"].str.startswith(synthetic.PREFIX).all()
    pd.testing.assert_series_equal(back["value"].reset_index(drop=True),
                                   rec["value"].reset_index(drop=True), check_names=False)


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_fuzz_any_bytes(data):
    try:
        h = io.load_upload("fuzz.csv", data)
    except InputError:
        return
    assert h.report.rows_used == len(h.records) > 0


_cell = st.one_of(st.text(max_size=12), st.sampled_from(["HR", "00:10", "-1", "1e400", "nan",
                                                         "12:99", "99999:00", "", '"']))


@settings(max_examples=80, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_cell, min_size=1, max_size=6), max_size=30),
       st.sampled_from([",", ";", "\t"]))
def test_fuzz_csv_shaped_text(rows, sep):
    text = HEADER.replace(",", sep) + "\n".join(sep.join(r) for r in rows)
    try:
        h = io.load_upload("fuzz.csv", text.encode("utf-8", "surrogatepass"))
    except InputError:
        return
    except UnicodeEncodeError:
        return
    assert h.records["value"].notna().all() and h.records["minutes"].notna().all()


@functools.cache
def _fitted() -> tuple[dict, dict]:
    """Grid statistics and summary parameters fitted once on synthetic stays (no data needed)."""
    from medcore.history import grid, summary

    rec = synthetic.records(30, seed=0)
    return grid.fit_stats(rec), summary.fit(rec, list(pd.unique(rec["patient_id"])))


_value = st.one_of(st.floats(allow_nan=False, allow_infinity=False, width=64),
                   st.integers(-10**12, 10**12))


@settings(max_examples=60, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["A", "B"]), st.integers(-600, 4000),
                          st.sampled_from(["HR", "Urine", "Age", "GCS", "pH", "FOO"]), _value),
                min_size=1, max_size=40))
def test_fuzz_parsed_uploads_grid_to_finite_model_input(rows):
    """Whatever io accepts, the model input (grid + whole-stay summaries) is finite."""
    from medcore.history import grid, summary

    text = HEADER + "\n".join(f"{p},{m},{v},{x!r}" for p, m, v, x in rows)
    try:
        h = io.load_upload("fuzz.csv", text.encode())
    except InputError:
        return
    stats, params = _fitted()
    g = grid.build(h.records, stats, None, params)
    assert g.x.shape == (len(g.patients), grid.HOURS, grid.n_channels() + summary.n_channels())
    assert np.isfinite(g.x).all()
    assert not np.isinf(g.observed).any()  # NaN marks unobserved hours; nothing overflows
