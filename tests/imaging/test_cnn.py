"""xray-cnn: quick training end to end, and the shipped model's card, predictions, explanations."""

from __future__ import annotations

import numpy as np
import pytest

from medcore.cards import REQUIRED_FIELDS
from tests.bad_inputs.imaging import chest_like, encode


@pytest.mark.slow
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
    assert "logreg_pixels" in m["baselines"]
    assert set(m["ood"]) == {"test_split", "not_xrays", "elsewhere", "n"}
    assert 0 <= m["gradcam_in_chest_box"]["mean_mass"] <= 1
    assert {"ood.npz", "xray_check.keras", "preprocess.json"} <= set(card["extra_files"])
    bundle = registry.load("xray-cnn")  # sha256 checked, safe_mode
    assert not [la for la in bundle.model.layers if type(la).__name__ == "Lambda"]
    assert bundle.extras["threshold"] == pytest.approx(m["threshold"], abs=1e-4)


@pytest.mark.slow
def test_shipped_evaluate_equals_card(cnn, data_dir):
    from medcore.imaging import cnn as module

    assert module.evaluate(cnn, data_dir) == cnn.card["metrics"]


def test_shipped_graph_applies_the_recorded_operating_point(cnn):
    """preprocess.json's temperature and prevalence offset are what the saved graph computes."""
    from medcore import calibration
    from medcore.imaging.cnn_model import logit_model

    size = cnn.extras["size"]
    x = np.stack([chest_like(size, s) for s in range(4)]).astype(np.float32)[..., None]
    z = np.asarray(logit_model(cnn.model).predict(x, verbose=0)).ravel()
    point = {"temperature": cnn.extras["temperature"], "offset": cnn.extras.get("offset", 0.0)}
    np.testing.assert_allclose(calibration.apply_operating_point(z, point),
                               cnn.model.predict(x, verbose=0).ravel(), atol=1e-4)
    if cnn.extras.get("prevalence") is not None:
        assert cnn.extras["threshold"] == 0.5
        val = cnn.card["dataset"]["counts"]["val"]
        assert point["offset"] == pytest.approx(calibration.prior_shift_offset(
            val["pneumonia"] / (val["pneumonia"] + val["normal"]), cnn.extras["prevalence"]),
            abs=1e-5)


def _films(data_dir, n: int, start: int = 0) -> list[np.ndarray]:
    from medcore.imaging.data import load_kermany

    test = load_kermany(data_dir)["test"]
    idx = np.linspace(0, len(test.y) - 1, n).astype(int) + start
    return [test.x[i % len(test.y)] for i in idx]


def test_set_level_moves_probability_set_and_answer_together(cnn, data_dir):
    """Re-reading at the calibration prevalence changes nothing; a rarer disease lowers every
    probability, and at each reading the answer is read from that reading's set."""
    from medcore.imaging import service

    files = [(f"x{i}.png", encode(f)) for i, f in enumerate(_films(data_dir, 6))]
    results = list(service.analyse_uploads(cnn, files).values())
    assert all(r.to_row()["status"] in ("decided", "uncertain", "fits_neither")
               for r in results)
    base = cnn.extras["answer"]["prevalence"]
    same = service.set_level(cnn, results, None, base)
    rare = service.set_level(cnn, results, None, 0.05)
    for r, s, low in zip(results, same, rare, strict=True):
        assert s.to_row()["probability_pneumonia"] == r.to_row()["probability_pneumonia"]
        assert s.to_row()["prediction_set"] == r.to_row()["prediction_set"]
        assert low.to_row()["probability_pneumonia"] < r.to_row()["probability_pneumonia"] \
            or r.probability in (0.0, 1.0)
        for reading in (r.to_row(), low.to_row()):
            _assert_one_answer(reading)


def _assert_one_answer(s: dict) -> None:
    """Status, decision, set and probability agree: one class decided, and the likelier one."""
    names = s["prediction_set"]
    if s["status"] in ("unlike_training", "not_chest_xray"):
        assert s["prediction"] is None and names is None
        return
    assert s["status"] == {0: "fits_neither", 1: "decided", 2: "uncertain"}[len(names)]
    assert s["prediction"] == (names[0] if len(names) == 1 else None)
    if s["prediction"] == "pneumonia":
        assert s["probability_pneumonia"] >= max(0.5, s["band"]["pneumonia_from"] - 1e-3)
    if s["prediction"] == "normal":
        assert s["probability_pneumonia"] <= min(0.5, s["band"]["normal_below"] + 1e-3)


@pytest.fixture(scope="module")
def every_film_probability(cnn, data_dir):
    """Recalibrated P(pneumonia) of every Kermany test film and every adult-normal film (one
    forward pass each, shared by the tests below)."""
    from medcore.imaging import answer
    from medcore.imaging.data import load_adult_normal, load_kermany
    from medcore.imaging.service import predict_proba

    adult = load_adult_normal(data_dir)
    x = np.concatenate([load_kermany(data_dir)["test"].x, adult["fit"].x, adult["aside"].x])
    p = np.concatenate([predict_proba(cnn, x[i:i + 256, ..., None].astype(np.float32))
                        for i in range(0, len(x), 256)])
    return answer.recalibrate(p, cnn.extras["answer"])


def test_decision_and_set_never_disagree_on_any_film(cnn, every_film_probability):
    """Every film of the test split and of the adult folder, as if every check passed, at the
    default level and the extremes, at the model's prevalence and a rare and a common one."""
    from medcore.imaging import service

    p = every_film_probability
    assert len(p) == 624 + 2000
    seen = set()
    for level in (None, 0.5, 0.99):
        for prevalence in (None, 0.05, 0.9):
            for row in service.readings(cnn, p, ["ok"] * len(p), level, prevalence):
                _assert_one_answer(row)
                seen.add(row["status"])
    assert {"decided", "uncertain"} <= seen


def test_predict_paths_good_and_bad(cnn, tmp_path, data_dir):
    from medcore.imaging import cnn as module

    good, bad = tmp_path / "good.png", tmp_path / "bad.png"
    good.write_bytes(encode(_films(data_dir, 1)[0]))
    bad.write_bytes(b"not an image")
    out = module.predict_paths(cnn, [good, bad])
    assert 0 <= out[0]["probability_pneumonia"] <= 1
    assert out[0]["status"] in ("decided", "uncertain", "fits_neither")
    _assert_one_answer(out[0])
    assert out[0]["model"].startswith("xray-cnn v") and "threshold" not in out[0]
    assert out[0]["level"] == cnn.extras["answer"]["level"]
    assert set(out[0]["prediction_set"]) <= {"normal", "pneumonia"}
    assert out[0]["gradcam_peak"]["of"] == cnn.extras["size"]
    assert set(out[1]) == {"file", "error"} and "PNG" in out[1]["error"]


def test_predict_proba_matches_keras_and_is_deterministic(cnn):
    from medcore.imaging.service import predict_proba

    x = np.stack([chest_like(cnn.extras["size"], s) for s in range(70)]
                 ).astype(np.float32)[..., None]  # more than one chunk
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

    size = cnn.extras["size"]
    x = np.stack([chest_like(size, 0), 255 - chest_like(size, 1)]).astype(np.float32)[..., None]
    cams, probs = gradcam(cnn.model, x)
    assert cams.shape == (2, size, size) and probs.shape == (2, 1)
    assert cams.min() >= 0 and cams.max() <= 1
    assert not np.allclose(cams[0], cams[1])


def test_shap_is_additive(cnn):
    from medcore.imaging.service import predict_logit, predict_proba, shap_values

    img = chest_like(cnn.extras["size"], 3)
    values, base = shap_values(cnn, img)
    x = img[None, ..., None].astype(np.float32)
    z = predict_logit(cnn, x)[0]
    assert 1 / (1 + np.exp(-z)) == pytest.approx(predict_proba(cnn, x)[0], abs=1e-5)
    assert values.shape == img.shape and np.abs(values).max() > 1e-3
    assert values.sum() + base == pytest.approx(z, abs=1e-3)


def test_checks_pass_real_films_and_name_what_else_an_image_looks_like(cnn, data_dir):
    """Real test films pass; noise, a document and a negative film are each called "not a chest
    X-ray" with their own words; a colour photo is refused for its colour."""
    from medcore.imaging import ood_probe, service
    from medcore.imaging.io import XrayImage

    rng = np.random.default_rng(3)
    real = [XrayImage(f"t{i}", f, "png", (224, 224)) for i, f in enumerate(_films(data_dir, 40))]
    others = {"noise": ood_probe.noise(rng, 1)[0], "document": ood_probe.documents(rng, 1)[0],
              "negative": 255 - _films(data_dir, 1, start=7)[0]}
    odd = [XrayImage(k, v, "png", v.shape[::-1]) for k, v in others.items()]
    photo, chroma = ood_probe.photos(rng, 1)
    odd.append(XrayImage("photo", photo[0], "jpeg", photo[0].shape[::-1], chroma=chroma[0]))
    res = service.analyse(cnn, real + odd, explain_top=0)
    assert not [r for r in res[:40] if r.check.status == "not_chest_xray"]
    assert all(r.check.status == "not_chest_xray" for r in res[40:])
    words = [r.check.message for r in res[40:]]
    assert "noise" in words[0] and "document" in words[1] and "negative" in words[2]
    assert "colour" in words[3]
    assert all("distance" not in w and "PCA" not in w for w in words)  # plain words only
    assert all(r.to_row()["prediction"] is None for r in res[40:])


@pytest.mark.xfail(strict=True, reason="known miss: the refitted 'unlike the training films' "
                   "check flags 6.4 % of the official test films (goal 5 %; card "
                   "metrics.answer.test_all_flagged); its limits are set on validation films, "
                   "which differ from the test films")
def test_few_real_test_films_are_flagged(cnn, data_dir):
    """At most 2 of 40 test films flagged (v3's pin, kept as it was)."""
    from medcore.imaging import service
    from medcore.imaging.io import XrayImage

    real = [XrayImage(f"t{i}", f, "png", (224, 224)) for i, f in enumerate(_films(data_dir, 40))]
    res = service.analyse(cnn, real, explain_top=0)
    assert sum(r.check.flagged for r in res) <= 2


def test_changed_films_are_not_called_not_an_xray(cnn, data_dir):
    """Exposure, markers, wires and rotation never make a film "not a chest X-ray"; a tight crop
    or a film inside a border sometimes does (1-2 % in the card's metrics.ood.elsewhere, a known
    limit: the detector reads some tight lung crops as negative films)."""
    from medcore.imaging import ood_probe, service
    from medcore.imaging.io import XrayImage

    rng = np.random.default_rng(5)
    changed = ood_probe.elsewhere(rng, np.stack(_films(data_dir, 6)))
    images = [XrayImage(f"{k}{i}", im, "png", im.shape[::-1])
              for k, v in changed.items() for i, im in enumerate(v)]
    res = service.analyse(cnn, images, explain_top=0)
    refused = [r.image.name[:-1] for r in res if r.check.status == "not_chest_xray"]
    assert not set(refused) & {"exposure", "markers", "devices", "rotated"}, refused
    assert all(refused.count(k) <= 1 for k in set(refused)), refused


def test_sets_follow_the_level(cnn):
    """A higher level never shrinks a film's set; the card's figures are what evaluate measures
    (checked by test_shipped_evaluate_equals_card)."""
    from medcore.imaging import service

    probs = np.linspace(0.0, 1.0, 41)
    low, high = (service.readings(cnn, probs, ["ok"] * len(probs), lv) for lv in (0.5, 0.99))
    assert all(set(a["prediction_set"]) <= set(b["prediction_set"])
               for a, b in zip(low, high, strict=True))
    assert any(len(b["prediction_set"]) > len(a["prediction_set"])
               for a, b in zip(low, high, strict=True))
    assert "answer" in cnn.card["metrics"]
