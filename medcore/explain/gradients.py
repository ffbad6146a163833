"""Gradient-based attributions for Keras models (one input, or a list of inputs).

Used where SHAP cannot run or is too slow; ``gradient_x_input`` is the DeepLIFT-style rescale
approximation.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np

from medcore import memo


def _signature(model) -> list:
    """One TensorSpec per model input with the batch (and any other free axis) left open, so a
    single trace serves every batch size: tracing the five-member history-rnn takes ~8 s."""
    import tensorflow as tf

    specs = [tf.TensorSpec(tuple(t.shape), tf.float32) for t in model.inputs]
    return specs if len(specs) == 1 else [specs]


def _recurrent(layer) -> bool:
    """Whether a model holds a recurrent layer anywhere, nested models included."""
    import keras

    if isinstance(layer, keras.layers.RNN):
        return True
    return any(_recurrent(sub) for sub in getattr(layer, "layers", []))


@memo.per_model
def _grad_fn(model, output_index: int | None):
    """The model's input-gradient function, made once per model and output.

    Why traced for recurrent models only: run eagerly, a Keras GRU steps through time in Python,
    so one patient's gradient took ~0.35 s on this CPU and the traced graph milliseconds; a
    convolutional model runs as fast eagerly, and its trace (seconds on this CPU) would only
    delay a user's first explanation. The lock keeps two Streamlit sessions from making two
    functions for one model; TensorFlow then makes a second caller wait for the first trace.
    """
    import tensorflow as tf

    ref = weakref.ref(model)  # a strong reference here would keep the key alive forever

    def fn(xt):
        with tf.GradientTape() as tape:
            tape.watch(xt)
            out = ref()(xt, training=False)
            if isinstance(out, (list, tuple)):
                out = out[0]
            target = out[:, output_index] if output_index is not None \
                else tf.reduce_sum(out, -1)
        return tape.gradient(target, xt)

    return tf.function(fn, input_signature=_signature(model)) if _recurrent(model) else fn


def input_gradients(model, x, output_index: int | None = None):
    """d output / d input for a batch (a list of arrays, one per input, for multi-input models),
    through the model's gradient function (traced once for recurrent models)."""
    import tensorflow as tf

    if isinstance(x, (list, tuple)):
        grads = _grad_fn(model, output_index)([tf.convert_to_tensor(v, tf.float32) for v in x])
        return [g.numpy() for g in grads]
    return _grad_fn(model, output_index)(tf.convert_to_tensor(x, tf.float32)).numpy()


def warm_up(model, output_index: int | None = None, predict: bool = False) -> threading.Thread:
    """Make the gradient function in a background thread, so a recurrent model's trace (~8 s for
    the five-member history-rnn on this CPU) runs while the user picks a file; a first real call
    that comes earlier waits for the same trace instead of starting another.

    Args:
        model: the Keras model whose input gradients will be asked for.
        output_index: the output column those gradients explain.
        predict: first trace the model's own ``predict_on_batch`` too (~3 s for history-rnn),
            so the page's first scores do not wait for it and show before the explanations.
            Two batch sizes, because Keras traces again for the second shape it sees and only
            then relaxes the batch axis.
    """
    zeros = [np.zeros([1 if d is None else d for d in t.shape], np.float32)
             for t in model.inputs]

    def run() -> None:
        if predict:
            for n in (1, 2):
                batch = [np.repeat(z, n, axis=0) for z in zeros]
                model.predict_on_batch(batch[0] if len(batch) == 1 else batch)
        input_gradients(model, zeros[0] if len(zeros) == 1 else zeros, output_index)

    thread = threading.Thread(target=run, name="medcore-gradient-warm-up", daemon=True)
    thread.start()
    return thread


def gradient_x_input(
    model, x: np.ndarray, output_index: int | None = None, baseline: np.ndarray | None = None
) -> np.ndarray:
    """(x - baseline) * d output / d x, one attribution per input element.

    Args:
        model: Keras model mapping ``x`` to scores (batch, outputs).
        x: batch of inputs.
        output_index: which output column to explain; None sums all outputs.
        baseline: reference input (zeros when None).
    """
    base = np.zeros_like(x) if baseline is None else baseline
    return (x - base) * input_gradients(model, x, output_index)

