"""Model building, save/load under safe_mode, quick training and card == evaluate."""

from __future__ import annotations

import numpy as np
import pytest

from medcore.cards import REQUIRED_FIELDS
from medcore.history import cnn, grid, rnn, summary
from medcore.history import variables as V

SHAPE = (grid.HOURS, grid.n_channels())
WIDE = (grid.HOURS, grid.n_channels() + summary.n_channels())


@pytest.mark.parametrize(("mod", "shape"), [(rnn, SHAPE), (rnn, WIDE), (cnn, SHAPE)],
                         ids=["rnn", "rnn-summary", "cnn"])
def test_build_save_load_same_output(mod, shape, tmp_path):
    import keras

    model = mod.build(shape)
    x = np.random.default_rng(0).normal(size=(3, *shape)).astype("float32")
    p = model.predict(x, verbose=0)
    assert p.shape == (3, 1) and ((p > 0) & (p < 1)).all()
    model.save(tmp_path / "m.keras")
    back = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True, compile=False,
                                   custom_objects=mod.CUSTOM_OBJECTS)
    np.testing.assert_allclose(back.predict(x, verbose=0), p, rtol=1e-5)


def test_summary_channels_reach_the_output_only_through_their_branch():
    model = rnn.build(WIDE, units=4)
    x = np.zeros((1, *WIDE), "float32")
    base = float(model(x)[0, 0])
    x[..., grid.n_channels():] = 1.0
    assert float(model(x)[0, 0]) != pytest.approx(base, abs=1e-6)
    names = [layer.name for layer in model.layers]
    assert "hourly" in names and "stay_summary" in names
    assert model.get_layer("gru").input.shape[-1] == grid.n_channels() - len(V.TIME_SERIES)


def test_decay_keeps_observed_and_decays_missing():
    from medcore.history.layers import DecayImpute

    nv = len(V.TIME_SERIES)
    layer = DecayImpute(nv)
    x = np.zeros((1, 2, grid.n_channels()), "float32")
    x[0, 0, 0], x[0, 0, nv] = 2.0, 1.0  # observed value 2
    x[0, 1, 2 * nv], x[0, 1, 3 * nv] = 1 / 48, 2.0  # unobserved, last value 2, 1 h ago
    out = np.asarray(layer(x))
    assert out[0, 0, 0] == pytest.approx(2.0)
    assert out[0, 1, 0] == pytest.approx(2.0 * np.exp(-0.01))  # initial rate: 1 % per hour
    layer.w.assign(np.full(nv, 1.0, "float32"))
    out = np.asarray(layer(x))
    assert out[0, 1, 0] == pytest.approx(2.0 * np.exp(-1.0), rel=1e-5)  # decays towards mean 0
    assert out.shape[-1] == grid.n_channels() - nv


def test_both_decays_get_gradients_from_the_first_step():
    """history-rnn v1 started its decay at w = b = 0, where relu has no gradient: the decay never
    trained. Both GRU-D decays must move on the first optimiser step."""
    import keras

    model = rnn.build(SHAPE, units=8, hidden_decay=True)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, *SHAPE)).astype("float32")
    x[..., 2 * len(V.TIME_SERIES):3 * len(V.TIME_SERIES)] = rng.random((16, SHAPE[0],
                                                                        len(V.TIME_SERIES)))
    y = rng.integers(0, 2, (16, 1)).astype("float32")
    decays = [v for v in model.trainable_weights if v.name.startswith("decay_")]
    assert len(decays) == 4  # input decay w, b; hidden decay W, b
    before = [np.array(v) for v in decays]
    model.compile(keras.optimizers.SGD(0.1), "binary_crossentropy")
    model.train_on_batch(x, y)
    moved = [not np.allclose(b, np.array(v)) for b, v in zip(before, decays, strict=True)]
    assert all(moved), [v.path for v, m in zip(decays, moved, strict=True) if not m]


@pytest.mark.slow
def test_quick_train_card_and_evaluate_agree(tmp_path, data_dir):
    from medcore import registry
    from medcore.train import train

    card = train("history-rnn", tmp_path / "m", quick=True)
    assert not [f for f in REQUIRED_FIELDS if f not in card]
    assert set(card["metrics"]["baselines"]) == {"saps1", "logistic_regression",
                                                 "gradient_boosting"}
    assert "ci95" in card["metrics"] and card["architecture"]["params"] > 1000
    import keras

    model = keras.saving.load_model(tmp_path / "m" / "model.keras", safe_mode=True,
                                    compile=False, custom_objects=rnn.CUSTOM_OBJECTS)
    bundle = registry.Bundle("history-rnn", model, card, tmp_path / "m",
                             rnn.load_extras(tmp_path / "m", card))
    assert rnn.evaluate(bundle, data_dir) == card["metrics"]


@pytest.mark.slow
@pytest.mark.parametrize("fixture", ["rnn_bundle", "cnn_bundle"])
def test_shipped_evaluate_equals_card(fixture, request, data_dir):
    """Full check incl. 1000-sample bootstrap intervals (minutes on 2 busy cores: in .ci/run)."""
    bundle = request.getfixturevalue(fixture)
    mod = rnn if bundle.id == "history-rnn" else cnn
    assert mod.evaluate(bundle, data_dir) == bundle.card["metrics"]
    assert bundle.model.count_params() < 1_000_000


@pytest.mark.slow
def test_shipped_rnn_point_metrics_equal_card(rnn_bundle, data_dir):
    """Fast default check: same code path as evaluate, bootstrap switched off."""
    from medcore.history import deep

    extras = {**rnn_bundle.extras,
              "preprocess": {**rnn_bundle.extras["preprocess"], "n_boot": 0}}
    got = deep.held_out_metrics(rnn_bundle.model, extras, data_dir)
    got.pop("_pred")
    card = rnn_bundle.card["metrics"]
    assert {k: v for k, v in got.items() if k != "baselines"} == \
        {k: v for k, v in card.items() if k not in ("baselines", "ci95")}
    for name, rep in got["baselines"].items():
        assert rep == {k: v for k, v in card["baselines"][name].items() if k != "ci95"}


@pytest.mark.slow
def test_shipped_calibration_is_held_out_set_a(rnn_bundle, data_dir):
    """conformal.npz holds the out-of-fold set-A risks the card's validation figures came from:
    recomputed from the weights, they give the card's validation ROC-AUC and threshold."""
    from medcore import calibration
    from medcore import metrics as mx
    from medcore.history import deep

    pre = rnn_bundle.extras["preprocess"]
    cal = rnn_bundle.extras["calibration"]
    p, y = deep.held_out_set_a(rnn_bundle.model, pre, rnn_bundle.card["validation"]["folds"],
                               data_dir)
    assert len(y) == rnn_bundle.card["metrics"]["conformal"]["n_calibration"] == len(cal["y"])
    assert (y == cal["y"]).all() and np.allclose(p, cal["p"], atol=1e-5)
    auc = mx.binary_point_metrics(y, p, pre["threshold"])["roc_auc"]
    assert round(float(auc), 4) == rnn_bundle.card["validation"]["roc_auc"]
    assert calibration.youden_threshold(y, p) == pytest.approx(pre["threshold"], abs=1e-6)


@pytest.mark.parametrize("fixture", ["rnn_bundle", "cnn_bundle"])
def test_card_conformal_coverage_near_nominal(fixture, request):
    """Measured on set C, the 90 % sets hold the outcome within 2 points of 90 %, per class too."""
    conf = request.getfixturevalue(fixture).card["metrics"]["conformal"]
    assert conf["level"] == 0.9 and abs(conf["coverage"] - 0.9) <= 0.02
    assert all(abs(c["coverage"] - 0.9) <= 0.03 for c in conf["per_class"].values())
    assert 1 < conf["set_size"] < 2 and conf["share_empty"] == 0
