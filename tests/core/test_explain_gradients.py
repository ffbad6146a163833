"""Input gradients: traced once per model, equal to the eager tape, and never keep a model alive."""

from __future__ import annotations

import gc
import weakref

import numpy as np


def _model(seed: int):
    import keras

    keras.utils.set_random_seed(seed)
    inp = keras.Input((5, 3))
    out = keras.layers.Dense(2)(keras.layers.GRU(4)(inp))
    return keras.Model(inp, out)


def test_traced_gradient_equals_eager_tape_for_each_output():
    import tensorflow as tf

    from medcore.explain import gradients

    model = _model(0)
    x = np.random.default_rng(0).normal(size=(3, 5, 3)).astype("float32")
    for output_index in (0, 1, None):
        xt = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            out = model(xt, training=False)
            target = tf.reduce_sum(out, -1) if output_index is None else out[:, output_index]
        eager = tape.gradient(target, xt).numpy()
        np.testing.assert_allclose(gradients.input_gradients(model, x, output_index), eager,
                                   atol=1e-6)
    # a different batch size reuses the model's traced function
    assert gradients.input_gradients(model, x[:1], 0).shape == (1, 5, 3)
    assert set(gradients._TRACED[model]) == {0, 1, None}


def test_cache_does_not_keep_models_alive():
    from medcore.explain import gradients

    model = _model(1)
    gradients.gradient_x_input(model, np.ones((2, 5, 3), "float32"), 0)
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None
