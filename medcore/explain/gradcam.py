"""Grad-CAM (Selvaraju et al. 2017) for functional Keras models, ensembles included.

``keras.Model(m.inputs, [conv.output, m.output])`` + ``tf.GradientTape`` works on a
functional model. For an ensemble every member's ``*_last_conv`` map is weighted by its own
gradients and the maps are averaged, so the heat map explains the averaged prediction.
"""

from __future__ import annotations

import numpy as np

from medcore import memo


def conv_layer_names(model) -> list[str]:
    """Layers named ``*last_conv`` (the convention of medcore's CNNs)."""
    names = [layer.name for layer in model.layers if layer.name.endswith("last_conv")]
    if not names:
        raise ValueError("Model has no layer named '*last_conv' to explain with Grad-CAM.")
    return names


@memo.per_model
def _cam_fn(model, layer_names: tuple[str, ...]):
    """A compiled tf.function: images -> (cams at conv resolution, model output)."""
    import keras
    import tensorflow as tf

    outputs = [model.get_layer(n).output for n in layer_names]
    grad_model = keras.Model(model.inputs, [*outputs, model.output])

    @tf.function(reduce_retracing=True)
    def run(x):
        with tf.GradientTape() as tape:
            *convs, out = grad_model(x, training=False)
            score = tf.reduce_sum(out[:, 0])
        grads = tape.gradient(score, convs)
        cams = []
        for conv, grad in zip(convs, grads, strict=True):
            weights = tf.reduce_mean(grad, axis=(1, 2), keepdims=True)
            cams.append(tf.nn.relu(tf.reduce_sum(weights * conv, axis=-1)))
        return tf.add_n(cams) / len(cams), out

    return run


def gradcam(model, x: np.ndarray, layer_names: list[str] | None = None,
            output_size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Heat maps in [0, 1] of shape (n, H, W) for output column 0, and the model output.

    Args:
        model: functional Keras model with one image input and a (n, 1) output.
        x: (n, H, W, C) float32 batch in the model's input range.
        layer_names: conv layers to use; default every ``*last_conv`` layer.
        output_size: resize the maps to this square size (default: the input size).
    """
    import tensorflow as tf

    names = tuple(layer_names or conv_layer_names(model))
    cams, out = _cam_fn(model, names)(tf.convert_to_tensor(x, tf.float32))
    size = output_size or x.shape[1]
    cams = tf.image.resize(cams[..., None], (size, size), method="bilinear")[..., 0].numpy()
    peak = cams.reshape(len(cams), -1).max(axis=1).reshape(-1, 1, 1)
    cams = np.where(peak > 0, cams / np.maximum(peak, 1e-12), 0.0)
    return cams.astype(np.float32), out.numpy()
