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
    # a different batch size reuses the model's traced function: one trace per output
    assert gradients.input_gradients(model, x[:1], 0).shape == (1, 5, 3)
    assert set(gradients._grad_fn.built(model)) == {(0,), (1,), (None,)}
    assert gradients._grad_fn.built(model)[(0,)].experimental_get_tracing_count() == 1


def test_multi_input_gradients_use_one_trace_for_every_length():
    import keras

    from medcore.explain import gradients

    keras.utils.set_random_seed(2)
    seq, vec = keras.Input((None, 3)), keras.Input((4,))
    out = keras.layers.Dense(1)(keras.layers.Concatenate()([keras.layers.GRU(2)(seq), vec]))
    model = keras.Model([seq, vec], out)
    rng = np.random.default_rng(0)
    for n, length in ((2, 5), (3, 9)):
        x = [rng.normal(size=(n, length, 3)).astype("float32"),
             rng.normal(size=(n, 4)).astype("float32")]
        g_seq, g_vec = gradients.input_gradients(model, x, 0)
        assert g_seq.shape == (n, length, 3) and g_vec.shape == (n, 4)
    assert gradients._grad_fn.built(model)[(0,)].experimental_get_tracing_count() == 1


def test_cache_does_not_keep_models_alive():
    from medcore.explain import gradients

    model = _model(1)
    gradients.gradient_x_input(model, np.ones((2, 5, 3), "float32"), 0)
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None


def test_convolutional_models_run_eagerly_and_recurrent_ones_traced():
    """A trace costs seconds on this CPU: worth it only where eager GRUs step in Python."""
    import keras

    from medcore.explain import gradients

    inp = keras.Input((6, 4))
    conv = keras.Model(inp, keras.layers.Dense(1)(keras.layers.Flatten()(
        keras.layers.Conv1D(2, 3)(inp))))
    nested = keras.Model(inp, keras.layers.Average()([_model(3)(inp[:, :5, :3]),
                                                      _model(4)(inp[:, :5, :3])]))
    x = np.ones((2, 6, 4), "float32")
    for model in (conv, nested):
        assert gradients.input_gradients(model, x, 0).shape == x.shape
    assert not hasattr(gradients._grad_fn.built(conv)[(0,)], "experimental_get_tracing_count")
    assert gradients._grad_fn.built(nested)[(0,)].experimental_get_tracing_count() == 1


def test_warm_up_traces_in_the_background_once():
    from medcore.explain import gradients

    model = _model(5)
    gradients.warm_up(model, 0).join(60)
    fn = gradients._grad_fn.built(model)[(0,)]
    assert fn.experimental_get_tracing_count() == 1
    x = np.ones((7, 5, 3), "float32")
    assert gradients.gradient_x_input(model, x, 0).shape == x.shape
    assert fn.experimental_get_tracing_count() == 1  # the user's call reused the warm trace


def test_warm_up_can_trace_the_prediction_for_every_batch_size():
    from medcore.explain import gradients

    model = _model(5)
    gradients.warm_up(model, 0, predict=True).join(60)
    traced = model.predict_function.experimental_get_tracing_count()
    for n in (1, 2, 7, 300):
        assert model.predict_on_batch(np.ones((n, 5, 3), "float32")).shape[0] == n
    assert model.predict_function.experimental_get_tracing_count() == traced  # no new trace
