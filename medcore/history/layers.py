"""GRU-D input decay as a registered, serialisable Keras layer (no Lambda, safe_mode loads it).

Che et al. 2018: an unobserved value decays from the last observation towards the training
mean (0 after standardising) at a learned per-variable rate, gamma = exp(-relu(w * delta + b)).
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="medcore")
class DecayImpute(keras.layers.Layer):
    """Input channels [value, mask, delta, last, static...] -> [decayed value, mask, delta,
    static...]. Observed hours keep their real value; the rest get gamma * last observation."""

    def __init__(self, n_vars: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.n_vars = int(n_vars)

    def build(self, input_shape) -> None:
        self.w = self.add_weight(shape=(self.n_vars,), initializer="zeros", name="decay_w")
        self.b = self.add_weight(shape=(self.n_vars,), initializer="zeros", name="decay_b")

    def call(self, x):
        n = self.n_vars
        value, mask, delta, last = x[..., :n], x[..., n:2 * n], x[..., 2 * n:3 * n], \
            x[..., 3 * n:4 * n]
        gamma = ops.exp(-ops.relu(delta * 48.0 * self.w + self.b))
        decayed = mask * value + (1.0 - mask) * gamma * last
        return ops.concatenate([decayed, mask, delta, x[..., 4 * n:]], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] - self.n_vars)

    def get_config(self) -> dict:
        return {**super().get_config(), "n_vars": self.n_vars}
