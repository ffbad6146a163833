"""medcore's expected-gradients SHAP is shap.GradientExplainer's estimator, traced once."""

from __future__ import annotations

import numpy as np


def _models():
    import keras

    keras.utils.set_random_seed(0)
    seq = keras.Input((6, 3), name="seq")
    vec = keras.Input((4,), name="vec")
    h = keras.layers.Concatenate()([keras.layers.GRU(5)(seq), vec])
    out = keras.layers.Dense(2, activation="sigmoid")(keras.layers.Dense(8, activation="tanh")(h))
    two = keras.Model([seq, vec], out)
    one = keras.Model(seq, keras.layers.Dense(1, activation="sigmoid")(keras.layers.GRU(5)(seq)))
    return one, two


def test_matches_shap_gradient_explainer_and_sums_to_the_output_gap():
    import shap

    from medcore.explain.shap_gradient import expected_gradients

    one, _ = _models()
    rng = np.random.default_rng(0)
    bg = rng.normal(size=(20, 6, 3)).astype("float32")
    x = rng.normal(size=(2, 6, 3)).astype("float32")
    ours = expected_gradients(one, bg, x, 0, nsamples=4000, seed=1)
    theirs = np.asarray(shap.GradientExplainer(one, bg).shap_values(x, nsamples=4000, rseed=2))
    theirs = theirs.reshape(x.shape)
    scale = np.abs(theirs).max()
    assert np.abs(ours - theirs).max() < 0.1 * scale  # two independent 4,000-draw estimates
    gap = np.asarray(one(x)).ravel() - np.asarray(one(bg)).mean()
    np.testing.assert_allclose(ours.reshape(2, -1).sum(1), gap, atol=0.05 * np.abs(gap).max())
    # repeatable for a seed, different for another
    np.testing.assert_array_equal(expected_gradients(one, bg, x, 0, 50, seed=3),
                                  expected_gradients(one, bg, x, 0, 50, seed=3))
    assert not np.array_equal(expected_gradients(one, bg, x, 0, 50, seed=3),
                              expected_gradients(one, bg, x, 0, 50, seed=4))


def test_multi_input_parts_share_one_draw_and_sum_to_the_output_gap():
    from medcore.explain.shap_gradient import expected_gradients

    _, two = _models()
    rng = np.random.default_rng(1)
    bg = [rng.normal(size=(16, 6, 3)).astype("float32"), rng.normal(size=(16, 4)).astype("float32")]
    x = [rng.normal(size=(1, 6, 3)).astype("float32"), rng.normal(size=(1, 4)).astype("float32")]
    seq_vals, vec_vals = expected_gradients(two, bg, x, output_index=1, nsamples=3000)
    assert seq_vals.shape == (1, 6, 3) and vec_vals.shape == (1, 4)
    gap = float(np.asarray(two(x))[0, 1] - np.asarray(two(bg))[:, 1].mean())
    assert abs(seq_vals.sum() + vec_vals.sum() - gap) < 0.05 * abs(gap) + 1e-3
