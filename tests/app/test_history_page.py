"""AppTest of pages/history.py: renders, scores an upload, shows a bad file's error beside it."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from medcore import registry
from medcore.history import synthetic
from tests.bad_inputs.history import cases

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
PAGE = str(Path(__file__).parents[2] / "pages" / "history.py")


def _app() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=120)


def test_renders_with_variables_and_units():
    at = _app().run()
    assert not at.exception
    assert at.title[0].value == "Patient history"
    units = at.dataframe[0].value
    assert {"variable", "unit", "description"} <= set(units.columns)
    assert units.set_index("variable").loc["Temp", "unit"] == "degC"


needs_model = pytest.mark.skipif(not registry.is_trained("history-rnn"),
                                 reason="history-rnn not trained")


@needs_model
def test_upload_good_then_bad_keeps_results():
    at = _app().run()
    at.file_uploader[0].upload("cohort.csv", synthetic.example_csv(3, seed=2), "text/csv").run()
    assert not at.exception
    table = _risks(at)
    assert list(table["patient_id"]) == [f"SYNTHETIC-{i:05d}" for i in range(1, 4)]
    assert table["risk (history-rnn)"].between(0, 1).all()
    assert table["risk (history-cnn)"].between(0, 1).all()
    assert (table["top reasons"].str.len() > 10).all()
    assert table["coverage"].str.startswith("risk from").all()
    at.file_uploader[0].set_value([
        ("cohort.csv", synthetic.example_csv(3, seed=2), "text/csv"),
        ("broken.csv", b"patient_id,time\nA,00:10\n", "text/csv")]).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("broken.csv" in e and "Missing required column" in e for e in errors)
    assert len(_risks(at)) == 3  # the good file's results are still there


@needs_model
def test_try_example_and_corpus_errors_shown():
    at = _app().run()
    at.button[0].click().run()
    assert not at.exception
    assert any("synthetic" in w.value.lower() for w in at.warning)
    bad = [c for c in cases() if c.expect != "ok" and len(c.data) < 100_000]
    at.file_uploader[0].set_value([(c.filename, c.data, "text/csv") for c in bad]).run()
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert all(c.filename in shown for c in bad)
    assert len(_risks(at)) == 5  # the example's 5 patients still scored


@needs_model
def test_hospital_export_shows_mapping_and_coverage():
    at = _app().run()
    at.button[1].click().run()
    assert not at.exception
    maps = [d.value for d in at.dataframe if "read_as" in d.value.columns]
    assert maps, "the mapping step is shown before the risks"
    m = maps[0].set_index("source")
    assert m.loc["SpO2", "variable"] == "SaO2" and not m.loc["SpO2", "use"]
    assert m.loc["Temperature", "read_as"] == "degF"
    table = _risks(at)
    assert len(table) == 3 and table["coverage"].str.contains("not given").all()
    report = " ".join(md.value for md in at.markdown)
    assert "rows used by the model" in report and "'SpO2' proposed as SaO2, not accepted" in report


def _risks(at: AppTest):
    return next(d.value for d in reversed(at.dataframe) if "coverage" in d.value.columns)


@needs_model
def test_prediction_sets_follow_the_level_and_uncertain_is_not_a_decision():
    at = _app().run()
    at.file_uploader[0].upload("cohort.csv", synthetic.example_csv(12, seed=5), "text/csv").run()
    assert not at.exception
    table = _risks(at)
    calls = table["outcome (history-rnn)"]
    assert calls.isin(["survived", "died_in_hospital"]).sum() + \
        calls.str.startswith("uncertain").sum() == len(table)
    assert table["members (history-rnn)"].str.match(r"0\.\d{3}-[01]\.\d{3}").all()
    assert "members (history-cnn)" not in table  # a single model has no members
    at.slider(key="history_level_set").set_value(0.99).run()
    wide = _risks(at)["outcome (history-rnn)"]
    assert wide.str.startswith("uncertain").sum() > calls.str.startswith("uncertain").sum()
    uncertain = [i for i, c in enumerate(wide) if c.startswith("uncertain")]
    at.selectbox(key="history_patient").set_value(
        at.selectbox(key="history_patient").options[uncertain[0]]).run()
    shown = " ".join(md.value for md in at.markdown)
    assert ":orange[uncertain: {survived, died_in_hospital}]" in shown
    assert "**uncertain" not in shown
