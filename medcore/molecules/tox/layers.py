"""The D-MPNN's two layers as registered, serialisable Keras layers (safe_mode loads them)."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="medcore")
class DirectedMessagePassing(keras.layers.Layer):
    """Edge states h_vw, updated ``depth - 1`` times, then read onto atoms (B, N, hidden)."""

    def __init__(self, hidden: int = 300, depth: int = 3, dropout: float = 0.0, **kw):
        super().__init__(**kw)
        self.hidden, self.depth, self.dropout = hidden, depth, dropout
        self.w_in = keras.layers.Dense(hidden, use_bias=False, name="w_in")
        self.w_msg = keras.layers.Dense(hidden, use_bias=False, name="w_msg")
        self.w_atom = keras.layers.Dense(hidden, activation="relu", name="w_atom")
        self.drop = keras.layers.Dropout(dropout)

    def build(self, shapes):
        atoms, _, edges, _, _ = shapes
        self.w_in.build(edges)
        self.w_msg.build((None, None, self.hidden))
        self.w_atom.build((None, None, atoms[-1] + self.hidden))

    @staticmethod
    def reverse(h):
        """Each edge's reverse sits beside it: swap the pairs."""
        shape = ops.shape(h)
        pairs = ops.reshape(h, (shape[0], shape[1] // 2, 2, shape[2]))
        return ops.reshape(ops.flip(pairs, axis=2), shape)

    def call(self, inputs, training=None):
        atoms, mask, edges, src, dst = inputs
        ids = ops.arange(ops.shape(atoms)[1], dtype="int32")
        to_src = ops.cast(ops.expand_dims(src, -1) == ids, "float32")  # (B, E, N)
        to_dst = ops.cast(ops.expand_dims(dst, -1) == ids, "float32")
        h0 = self.w_in(edges)
        h = ops.relu(h0)
        for _ in range(self.depth - 1):
            into = ops.einsum("ben,beh->bnh", to_dst, h)          # sum of messages into atom
            m = ops.einsum("ben,bnh->beh", to_src, into) - self.reverse(h)
            h = self.drop(ops.relu(h0 + self.w_msg(m)), training=training)
        into = ops.einsum("ben,beh->bnh", to_dst, h)
        out = self.w_atom(ops.concatenate([atoms, into], axis=-1))
        return out * ops.expand_dims(mask, -1)

    def get_config(self):
        return super().get_config() | {"hidden": self.hidden, "depth": self.depth,
                                       "dropout": self.dropout}

@keras.saving.register_keras_serializable(package="medcore")
class MaskedMean(keras.layers.Layer):
    """Mean of the real atoms' states (padded atoms have mask 0)."""

    def call(self, inputs):
        h, mask = inputs
        total = ops.sum(h, axis=1)
        return total / ops.maximum(ops.sum(mask, axis=1, keepdims=True), 1.0)
