"""AppTest of pages/genomics.py: renders, example works, good + bad uploads side by side."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from medcore import registry
from medcore.cards import load_card
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
    calls = set(table["class"])
    assert len(table) == 25 and all(c in {"EI", "IE", "N", "scan: see sites"}
                                    or c.startswith("uncertain: {") for c in calls), calls
    # each shape's default level (all shapes of the example: 60-nt windows and one scan)
    shipped = load_card(registry.model_folder("dna-cnn"))["metrics"]["conformal_by_shape"]
    assert set(table["level"].dropna()) == {shipped[k]["level"] for k in ("short_60",
                                                                          "scan_sites")}
    at.toggle(key="genomics_own_level").set_value(True).run()
    at.slider(key="genomics_level").set_value(0.8).run()
    assert set(at.dataframe[0].value["level"].dropna()) == {0.8}  # the user's level, for all
    at.toggle(key="genomics_own_level").set_value(False).run()
    assert (table["mode"] == "scan").sum() == 1 and table["model"].str.startswith("dna-cnn").all()
    assert any(c.value.startswith("Method: SHAP") for c in at.caption), "contribution drawn"
    fasta = b">up1\n" + synthetic.window("EI", np.random.default_rng(5)).encode()
    at.file_uploader[0].set_value([("good.fa", fasta, "text/plain"), (
        "protein.fa", b">p\nMKVLEFPQLLIEEPQWERTY\n", "text/plain")]).run()
    assert not at.exception
    errs = _errors(at)
    assert any("protein.fa" in e and "protein" in e for e in errs), errs
    names = list(at.dataframe[0].value["name"])
    assert "up1" in names and len(names) == 26  # other results kept


@needs_models
def test_scan_view_and_variant_effect():
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.button[0].click().run()
    long = len(at.dataframe[0].value) - 1
    at.selectbox[0].set_value(long).run()
    assert not at.exception
    assert any("scanned 3,000 nt" in h.value for h in at.subheader)
    assert any("no single class" in c.value for c in at.caption)
    # a bad variant: a clear message, the results stay
    at.session_state["genomics_view"] = "Variant effect"
    at.run()
    at.selectbox(key="variant_record").set_value(long).run()
    at.text_input(key="variant_text").input("800 Q>A").run()
    at.button(key="variant_go").click().run()
    assert any("variant" in e and "holds Q" in e for e in _errors(at)), _errors(at)
    assert len(at.session_state["genomics_results"]) == 25  # the results stay
    seq = synthetic.example_fasta().split(">synthetic_long_3000nt")[1].split("\n", 1)[1]
    base = seq.replace("\n", "")[800]  # the G of the planted donor's GT (junction after 800)
    at.text_input(key="variant_text").input(f"801 {base}>C").run()
    at.button(key="variant_go").click().run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert labels == ["acceptor gain", "acceptor loss", "donor gain", "donor loss"]
    assert any("801 G>C" in h.value for h in at.subheader)


@needs_models
def test_every_bad_variant_gets_a_message_and_keeps_the_results():
    from tests.bad_inputs.genomics import DNA60, VariantCase, variant_cases

    at = AppTest.from_file(PAGE, default_timeout=120).run()
    # the corpus's VCF lines name the record 'seq1' (CHROM = a record's name: its own bases)
    at.file_uploader[0].set_value([("one.fa", f">seq1\n{DNA60}\n".encode(),
                                    "text/plain")]).run()
    at.session_state["genomics_view"] = "Variant effect"
    at.run()
    cases = [*variant_cases(), VariantCase(  # a chromosome, on a record without coordinates
        "VCF line, no record with coordinates", f"chr1\t30\t.\t{DNA60[29]}\tA",
        "InvalidVariantError")]
    for case in cases:
        at.text_input(key="variant_text").input(case.text).run()
        at.button(key="variant_go").click().run()
        assert not at.exception, case.name
        errs = [e for e in _errors(at) if e.startswith("**variant")]
        if case.expect == "ok":
            assert not errs and len(at.metric) == 4, (case.name, errs)
        else:
            assert len(errs) == 1 and len(at.metric) == 0, (case.name, errs)
        assert [r.name for r in at.session_state["genomics_results"]] == ["seq1"], case.name


@needs_models
def test_embedding_map_shows_and_labels_every_record():
    import json

    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.button[0].click().run()
    at.session_state["genomics_view"] = "Embedding"
    at.run()
    assert not at.exception
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    points = sum(len(t["text"]) for t in chart["data"])  # x and y are binary-encoded
    labels = {name for t in chart["data"] for name in t["text"]}
    assert points == 25 and len(labels) == 25
    assert all("text" in t["mode"] for t in chart["data"])
    assert any("All 25 records" in c.value for c in at.caption)
