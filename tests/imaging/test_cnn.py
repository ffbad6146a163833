"""xray-cnn: quick training end to end, and the shipped model's card, predictions, explanations."""

from __future__ import annotations

import numpy as np
import pytest

from medcore.cards import REQUIRED_FIELDS
from tests.bad_inputs.imaging import chest_like, encode


def test_quick_train_then_load(tmp_path, monkeypatch, data_dir):
    """Quick model end to end (evaluate == card is checked on the shipped model below)."""
    from medcore import registry
    from medcore.train import train

    monkeypatch.setenv("MEDCORE_MODELS_DIR", str(tmp_path))
    card = train("xray-cnn", quick=True)
    assert set(REQUIRED_FIELDS) <= set(card)
    for key in ("headline_metrics", "class_names", "curves"):
        assert card[key]
    m = card["metrics"]
    assert 0 < m["threshold"] < 1 and m["n"] == 624 and "ci95" in m
    assert "logreg_pixels" in m["baselines"] and "ood" in m
    bundle = registry.load("xray-cnn")  # sha256 checked, safe_mode
    assert not [la for la in bundle.model.layers if type(la).__name__ == "Lambda"]
    assert bundle.extras["threshold"] == pytest.approx(m["threshold"], abs=1e-4)


def test_shipped_evaluate_equals_card(cnn, data_dir):
    from medcore.imaging import cnn as module

    assert module.evaluate(cnn, data_dir) == cnn.card["metrics"]


def test_shipped_graph_applies_the_recorded_operating_point(cnn):
    """preprocess.json's temperature and prevalence offset are what the saved graph computes."""
    from medcore import calibration
    from medcore.imaging.cnn_model import logit_model

    x = np.stack([chest_like(28, s) for s in range(4)]).astype(np.float32)[..., None]
    z = np.asarray(logit_model(cnn.model).predict(x, verbose=0)).ravel()
    point = {"temperature": cnn.extras["temperature"], "offset": cnn.extras.get("offset", 0.0)}
    np.testing.assert_allclose(calibration.apply_operating_point(z, point),
                               cnn.model.predict(x, verbose=0).ravel(), atol=1e-4)
    if cnn.extras.get("prevalence") is not None:
        assert cnn.extras["threshold"] == 0.5
        assert point["offset"] == pytest.approx(calibration.prior_shift_offset(
            389 / 524, cnn.extras["prevalence"]), abs=1e-5)  # validation: 389 of 524 pneumonia


def test_at_prevalence_keeps_the_first_reading_at_the_model_prevalence(cnn):
    """Re-reading at the calibration prevalence changes nothing; a rarer disease lowers every
    probability, and both readings decide with the same rule."""
    from medcore.imaging import batch

    files = [(f"x{s}.png", encode(chest_like(64, s))) for s in range(6)]
    entries = list(batch.analyse_uploads(cnn, files).values())
    names, model_prev = cnn.extras["class_names"], cnn.extras.get("prevalence")
    if model_prev is None:
        pytest.skip("this xray-cnn records no calibration prevalence")
    for e in entries:
        same = batch.at_prevalence(e, model_prev, model_prev, names)
        assert same["p"] == pytest.approx(e["p"], abs=1e-9)
        assert same["summary"]["prediction"] == e["summary"]["prediction"]
        rare = batch.at_prevalence(e, model_prev, 0.05, names)
        assert rare["p"] < e["p"] or e["p"] in (0.0, 1.0)
        for reading in (e, rare):
            positive = reading["summary"]["prediction"] == names[1]
            assert positive == (reading["p"] >= e["threshold"])


def test_predict_paths_good_and_bad(cnn, tmp_path):
    from medcore.imaging import cnn as module

    good, bad = tmp_path / "good.png", tmp_path / "bad.png"
    good.write_bytes(encode(chest_like(200)))
    bad.write_bytes(b"not an image")
    out = module.predict_paths(cnn, [good, bad])
    assert 0 <= out[0]["probability_pneumonia"] <= 1
    assert out[0]["prediction"] in ("normal", "pneumonia")
    assert out[0]["gradcam_peak"]["of"] == cnn.extras["size"]
    assert set(out[1]) == {"file", "error"} and "PNG" in out[1]["error"]


def test_fast_predict_matches_keras_and_is_deterministic(cnn):
    from medcore.imaging.infer import predict_proba

    x = np.stack([chest_like(28, s) for s in range(5)]).astype(np.float32)[..., None]
    a, b = predict_proba(cnn, x), predict_proba(cnn, x)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, cnn.model.predict(x, verbose=0).ravel(), atol=1e-5)


def test_shap_warm_up_starts_once_per_image_shape():
    """The page calls it on every run; only the first call per shape may start the compile."""
    from medcore.explain import shap_image

    first = shap_image.warm_up((28, 28))
    assert shap_image.warm_up((28, 28)) is first
    first.join(180)
    assert not first.is_alive()


def test_gradcam_maps_depend_on_image(cnn):
    from medcore.explain.gradcam import gradcam

    x = np.stack([chest_like(28, 0), 255 - chest_like(28, 1)]).astype(np.float32)[..., None]
    cams, probs = gradcam(cnn.model, x)
    assert cams.shape == (2, 28, 28) and probs.shape == (2, 1)
    assert cams.min() >= 0 and cams.max() <= 1
    assert not np.allclose(cams[0], cams[1])


def test_shap_is_additive(cnn):
    from medcore.imaging.batch import explain_shap
    from medcore.imaging.infer import predict_logit, predict_proba

    img = chest_like(28, 3)
    values, base = explain_shap(cnn, img)
    x = img[None, ..., None].astype(np.float32)
    z = predict_logit(cnn, x)[0]
    assert 1 / (1 + np.exp(-z)) == pytest.approx(predict_proba(cnn, x)[0], abs=1e-5)
    assert values.shape == (28, 28) and np.abs(values).max() > 1e-3
    assert values.sum() + base == pytest.approx(z, abs=1e-3)


def test_ood_flags_noise_not_real_xrays(cnn, data_dir):
    from medcore.imaging import infer
    from medcore.imaging.data import load_splits
    from medcore.imaging.io import XrayImage

    test = load_splits(data_dir)["test"]
    real = [XrayImage(f"t{i}", test.x[i], "png", (28, 28)) for i in range(40)]
    rng = np.random.default_rng(0)
    noise = [XrayImage("n", rng.integers(0, 256, (200, 200)).astype(np.uint8), "png",
                       (200, 200)) for _ in range(5)]
    res = infer.analyse(cnn, real + noise, with_cam=False)
    assert sum(r.ood["flag"] for r in res[:40]) <= 2
    assert all(r.ood["flag"] for r in res[40:])
