"""GRU-D's two decays as registered, serialisable Keras layers (no Lambda, safe_mode loads them).

Che et al. 2018: an unobserved value decays from the last observation towards the training
mean (0 after standardising) at a learned per-variable rate, gamma = exp(-relu(w * delta + b));
optionally the GRU's hidden state decays the same way between steps (``DecayGRUCell``).
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
        # A positive start (half-life about 70 h): at w = b = 0 the relu has no gradient and
        # the decay would never train (it did not in history-rnn v1).
        self.w = self.add_weight(shape=(self.n_vars,), name="decay_w",
                                 initializer=keras.initializers.Constant(0.01))
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


@keras.saving.register_keras_serializable(package="medcore")
class DecayGRUCell(keras.layers.Layer):
    """GRU cell with GRU-D's hidden-state decay: before each step the previous state shrinks by
    gamma_h = exp(-relu(W delta + b)), so a long gap without measurements fades what the model
    remembered instead of carrying it unchanged. ``delta`` is read from the input channels
    [delta_start, delta_start + n_vars) (hours since last observation / 48)."""

    def __init__(self, units: int, n_vars: int, delta_start: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.units, self.n_vars, self.delta_start = int(units), int(n_vars), int(delta_start)
        self.state_size = self.units
        self.output_size = self.units
        self.cell = keras.layers.GRUCell(self.units, name="gru_cell")

    def build(self, input_shape) -> None:
        self.cell.build(input_shape)
        self.w_h = self.add_weight(shape=(self.n_vars, self.units),  # positive: see DecayImpute
                                   initializer=keras.initializers.RandomUniform(0.0, 0.05),
                                   name="decay_h_w")
        self.b_h = self.add_weight(shape=(self.units,), initializer="zeros", name="decay_h_b")

    def call(self, inputs, states, training=False):
        h = states[0] if isinstance(states, (list, tuple)) else states
        delta = inputs[:, self.delta_start:self.delta_start + self.n_vars]
        gamma = ops.exp(-ops.relu(ops.matmul(delta, self.w_h) + self.b_h))
        return self.cell(inputs, [h * gamma], training=training)

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units, "n_vars": self.n_vars,
                "delta_start": self.delta_start}


@keras.saving.register_keras_serializable(package="medcore")
class ChannelSlice(keras.layers.Layer):
    """Channels [start, stop) of a (batch, time, channels) input: how history-rnn separates the
    hourly grid from the whole-stay summary features that ride along as extra channels."""

    def __init__(self, start: int, stop: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.start, self.stop = int(start), int(stop)

    def call(self, x):
        return x[..., self.start:self.stop]

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.stop - self.start)

    def get_config(self) -> dict:
        return {**super().get_config(), "start": self.start, "stop": self.stop}
