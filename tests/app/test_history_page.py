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


def test_renders_with_breast_cancer_tab():
    at = _app().run()
    assert not at.exception
    assert at.title[0].value == "Patient history"
    assert any("malignant" in m.label.lower() for m in at.metric)


needs_model = pytest.mark.skipif(not registry.is_trained("history-rnn"),
                                 reason="history-rnn not trained")


@needs_model
def test_upload_good_then_bad_keeps_results():
    at = _app().run()
    at.file_uploader[0].upload("cohort.csv", synthetic.example_csv(3, seed=2), "text/csv").run()
    assert not at.exception
    table = at.dataframe[-1].value
    assert list(table["patient_id"]) == [f"SYNTHETIC-{i:05d}" for i in range(1, 4)]
    assert table["risk"].between(0, 1).all()
    # risks are drawn first, then the same table is redrawn with each patient's reasons
    assert not table["top_reasons"].str.contains("finding").any()
    assert (table["top_reasons"].str.len() > 10).all()
    at.file_uploader[0].set_value([
        ("cohort.csv", synthetic.example_csv(3, seed=2), "text/csv"),
        ("broken.csv", b"patient_id,time\nA,00:10\n", "text/csv")]).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("broken.csv" in e and "Missing required column" in e for e in errors)
    assert len(at.dataframe[-1].value) == 3  # the good file's results are still there


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
    assert len(at.dataframe[-1].value) == 5  # the example's 5 patients still scored
