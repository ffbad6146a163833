"""AppTest of the Imaging page: renders, a good X-ray gets a result, a bad file a clear error."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from medcore import registry
from tests.bad_inputs.imaging import chest_like, encode
from tests.e2e import samples

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
PAGE = str(Path(__file__).parents[2] / "pages" / "imaging.py")
pytestmark = pytest.mark.skipif(
    not registry.is_trained("xray-cnn"),
    reason="xray-cnn not trained; run `python -m medcore train xray-cnn`")


def _page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def _markdown(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def test_renders_with_instructions():
    at = _page()
    assert at.title[0].value == "Imaging"
    assert any("Upload one or more chest X-rays" in i.value for i in at.info)


def test_good_then_bad_upload_keeps_result():
    at = _page()
    good = ("chest.png", samples.xray_png(0), "image/png")
    at.file_uploader[0].upload(*good).run()
    assert not at.exception
    assert "P(pneumonia) =" in _markdown(at)
    broken = ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png")
    at.file_uploader[0].set_value([good, broken]).run()  # the user adds a broken file
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("broken.png" in e and "damaged" in e for e in errors), errors
    assert "P(pneumonia) =" in _markdown(at), "the good file's result must remain"


def _probability(at: AppTest) -> float:
    text = _markdown(at)
    return float(text.split("P(pneumonia) = ")[1].split("*")[0])


def test_prevalence_rereads_the_probability():
    if registry.load("xray-cnn").extras.get("prevalence") is None:
        pytest.skip("the shipped xray-cnn has no deployment prevalence (v1)")
    at = _page()
    at.file_uploader[0].upload("chest.png", samples.xray_png(2), "image/png").run()
    default = _probability(at)
    at.number_input(key="imaging_prevalence").set_value(5.0).run()
    assert not at.exception
    assert 0.0 < _probability(at) < default  # the same image, read where pneumonia is rare
    assert "read at 5.0% pneumonia" in _markdown(at)


@pytest.mark.skipif(not registry.is_trained("xray-gan"), reason="xray-gan not trained")
def test_try_an_example_works_without_data():
    at = _page()
    at.button[0].click().run()
    assert not at.exception
    assert any("synthetic" in w.value.lower() for w in at.warning)
    assert "P(pneumonia) =" in _markdown(at)


def test_scope_is_said_above_the_uploader():
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    scope = [w.value for w in at.warning if "Who this model learned from" in w.value]
    assert scope and all(k in scope[0] for k in ("children aged 1-5", "Guangzhou",
                                                 "tuberculosis", "adults", "lateral"))


def test_not_an_xray_gets_no_probability_and_an_unlike_film_is_greyed():
    at = _page()
    drawing = ("chart.png", encode(chest_like(180) // 64 * 64), "image/png")
    noise = np.random.default_rng(0).integers(0, 256, (300, 300)).astype(np.uint8)
    at.file_uploader[0].set_value([("noise.png", encode(noise), "image/png"), drawing]).run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "not a chest X-ray" in errors and "noise" in errors
    assert "**P(pneumonia)" not in _markdown(at)  # nothing shown as a result
    table = at.dataframe[0].value
    assert set(table["status"]) <= {"withheld: not a chest X-ray",
                                    "withheld: unlike the training films"}
    assert {"warning", "notes", "model", "model_version", "threshold", "prediction_set",
            "level"} <= set(table.columns)
    assert (table["prediction_set"] == "").all()  # a withheld film has no set
    assert table["model_version"].str.match(r"v\d+, trained \d{4}-\d\d-\d\d, sha256 ").all()


def test_an_unlike_film_is_shown_greyed_not_as_a_result():
    """Test film 4 of the official split is one the second check flags (2 % of them are)."""
    at = _page()
    at.file_uploader[0].upload("film4.png", samples.xray_png(4), "image/png").run()
    assert not at.exception
    assert any("unlike the films the model learned from" in w.value for w in at.warning)
    text = _markdown(at)
    assert ":gray[P(pneumonia)" in text and "**P(pneumonia)" not in text


def test_the_answer_follows_the_level_the_user_picks():
    """The answer line names the level; the default is the card's, and moving the slider
    re-reads the same film's set (no second answer anywhere on the page)."""
    at = _page()
    at.file_uploader[0].upload("chest.png", samples.xray_png(2), "image/png").run()
    level = registry.load("xray-cnn").extras["answer"]["level"]

    def headline() -> str:
        return next(m for m in (x.value for x in at.markdown)
                    if "prediction set" in m and ("Answer:" in m or "Uncertain" in m
                                                  or "Fits neither" in m))

    assert f"at {level:.0%}" in headline()
    assert "threshold" not in _markdown(at).lower()  # the answer is not a threshold's
    at.slider(key="imaging_level_set").set_value(0.5).run()
    assert not at.exception
    assert "at 50%" in headline()
