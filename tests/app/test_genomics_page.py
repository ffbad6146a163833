"""AppTest of pages/genomics.py: renders, example works, good + bad uploads side by side."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from medcore import registry
from medcore.genomics import synthetic

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
PAGE = str(Path(__file__).parents[2] / "pages" / "genomics.py")
needs_models = pytest.mark.skipif(
    not (registry.is_trained("dna-cnn") and registry.is_trained("dna-rnn")),
    reason="dna-cnn / dna-rnn not trained (python -m medcore train dna-cnn)")


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def test_page_renders_without_input():
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Genomics"
    assert any("Try an example" in i.value for i in at.info)


@needs_models
def test_example_then_upload_good_and_bad():
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.button[0].click().run()
    assert not at.exception
    assert any("synthetic" in w.value.lower() for w in at.warning)
    table = at.dataframe[0].value
    assert len(table) == 25 and set(table["class"]) <= {"EI", "IE", "N"}
    assert any(c.value.startswith("Method: SHAP") for c in at.caption), "contribution logo drawn"
    fasta = b">up1\n" + synthetic.window("EI", np.random.default_rng(5)).encode()
    at.file_uploader[0].set_value([("good.fa", fasta, "text/plain"), (
        "protein.fa", b">p\nMKVLEFPQLLIEEPQWERTY\n", "text/plain")]).run()
    assert not at.exception
    errs = _errors(at)
    assert any("protein.fa" in e and "protein" in e for e in errs), errs
    names = list(at.dataframe[0].value["name"])
    assert "up1" in names and len(names) == 26  # other results kept
