"""AppTest: the Drug discovery page renders, scores uploads, keeps results beside bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from medcore import registry

PAGE = str(Path(__file__).parents[2] / "pages" / "drugs.py")
needs_tox = pytest.mark.skipif(not registry.is_trained("tox-cnn"),
                               reason="tox-cnn is not trained (python -m medcore train tox-cnn)")
GOOD = b"CC(=O)Oc1ccccc1C(=O)O aspirin\nCn1c(=O)c2c(ncn2C)n(C)c1=O caffeine\nC1CC broken\n"


def _page() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=120).run()


def _errors(at: AppTest) -> str:
    return " ".join(e.value for e in at.error)


def _table(at: AppTest):
    """The results table (the page also shows error, threshold and glossary tables)."""
    return next(d.value for d in at.dataframe if "NR-AR" in d.value.columns)


def test_page_renders_without_input():
    at = _page()
    assert not at.exception
    assert at.title[0].value == "Drug discovery"
    assert any("Try an example" in b.label for b in at.button)


@needs_tox
def test_good_and_bad_files_each_get_their_answer():
    at = _page()
    at.file_uploader[0].set_value([("mols.smi", GOOD, "text/plain"),
                                   ("fake.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "text/csv"),
                                   ("table.csv", b"name,value\na,1\n", "text/csv")]).run()
    assert not at.exception
    errors = _errors(at)
    assert "fake.csv" in errors and "is a PNG image, not text" in errors
    assert "table.csv" in errors and "No SMILES column" in errors
    assert "1 of 3 rows could not be used" in errors
    table = _table(at)
    assert set(table["name"]) == {"mols.smi: aspirin", "mols.smi: caffeine"}
    assert ((table["NR-AR"] >= 0) & (table["NR-AR"] <= 1)).all()
    # The per-molecule SHAP view is there and the results survive a rerun.
    assert any(s.label == "Molecule" for s in at.selectbox)
    at.run()
    assert len(_table(at)) == 2


@needs_tox
def test_example_and_ambiguous_csv_column_choice():
    at = _page()
    next(b for b in at.button if "Try an example" in b.label).click().run()
    assert not at.exception
    assert len(_table(at)) >= 8
    assert any("Removed counter-ion Na+" in i.value for i in at.info)  # diclofenac sodium
    at.file_uploader[0].set_value([("two.csv", b"id,smiles_a,smiles_b\n1,CCO,c1ccccc1\n",
                                    "text/csv")]).run()
    choice = next(s for s in at.selectbox if "Which column" in s.label)
    choice.set_value("smiles_b").run()
    assert not at.exception
    assert "c1ccccc1" in set(_table(at)["smiles"])


@pytest.mark.skipif(not registry.is_trained("mol-gan"), reason="mol-gan is not trained")
def test_generator_tab_generates_without_data():
    at = _page()
    at.number_input(key="gen_n").set_value(60)
    at.slider(key="gen_qed").set_value(0.0)
    at.multiselect(key="gen_drop").set_value([])
    at.button(key="gen_go").click().run()
    assert not at.exception
    assert not _errors(at)
    kept = at.dataframe[-1].value
    assert len(kept) == 60 and kept["passes"].all()  # the realism filter delivers all 60
    realism = next(d.value for d in at.dataframe if "filtered" in d.value.columns)
    assert {"raw", "filtered", "training set"} <= set(realism.columns)


FORMULARY = (b"compound_id,Drug name,SMILES\n"
             b"F1,Lidocaine hydrochloride,CCN(CC)CC(=O)Nc1c(C)cccc1C.Cl\n"
             b"F2,Cisplatin,N.N.Cl[Pt]Cl\n"
             b"F3,Diclofenac sodium,[Na+].[O-]C(=O)Cc1ccccc1Nc1c(Cl)cccc1Cl\n"
             b"F4,Tetrayne,C#CC#CC#CC#C\n")


@needs_tox
def test_formulary_names_notes_thresholds_and_domain():
    at = _page()
    at.file_uploader[0].set_value([("formulary.csv", FORMULARY, "text/csv")]).run()
    assert not at.exception and not _errors(at)
    table = _table(at)
    assert list(table["name"]) == ["Lidocaine hydrochloride", "Cisplatin", "Diclofenac sodium",
                                   "Tetrayne"]
    notes = dict(zip(table["name"], table["note"], strict=True))
    assert notes["Lidocaine hydrochloride"] == "Removed HCl; scored the parent C14H22N2O."
    assert "metal Pt" in notes["Cisplatin"] and table["NR-AR"].isna().sum() == 1
    warned = " ".join(w.value for w in at.warning)
    assert "Cisplatin" in warned and "not scored" in warned
    far = dict(zip(table["name"], table["far_from_training"], strict=True))
    assert far["Tetrayne"] is True and far["Lidocaine hydrochloride"] is False
    assert any("not toxicity in general" in i.value for i in at.info)
    # The detail view opens on the top assay relative to threshold, not a fixed one.
    rows = at.session_state["drugs_rows"]
    first = next(r for r in rows if r.name == "Lidocaine hydrochloride")
    assert at.selectbox(key="drugs_assay_0").value == first.top_assay
    thresholds = next(t.value for t in at.table if "held-out precision" in t.value.columns)
    calling = thresholds["makes calls"] == "yes"
    assert len(thresholds) == 12 and calling.sum() >= 6
    assert (thresholds["threshold"][calling] > 0).all()
    assert (thresholds["held-out precision"][calling] > thresholds["base rate"][calling]).all()
    # an assay without a qualifying cut-off shows no threshold and says why it makes no call
    assert thresholds["threshold"][~calling].isna().all()
    assert thresholds["makes calls"][~calling].str.startswith("no call: ").all()
    assert any(h.value == "When is a molecule called active?" for h in at.subheader)
    at.selectbox(key="drugs_pick").set_value(2).run()  # Tetrayne among the scored molecules
    assert any("Far from training" in w.value for w in at.warning)
    assert at.selectbox(key="drugs_assay_2").value == rows[3].top_assay
