"""The tf.data input pipeline trainers share: shuffled each epoch, batched, prefetched.

Why: measured by ``python -m medcore bench`` (``with tf.data`` column), prefetching lets the
next batch be prepared while the current one trains; on this CPU it beat passing arrays to
``fit`` for the history models. ``jit_compile=True`` was measured too and did not help here.
"""

from __future__ import annotations

import numpy as np


def dataset(x: np.ndarray | list[np.ndarray], y: np.ndarray, batch_size: int, seed: int = 0,
            shuffle: bool = True):
    """A ``tf.data.Dataset`` of (x, y) batches.

    Args:
        x: model input, or a list of inputs for a multi-input model.
        y: targets, first axis aligned with ``x``.
        batch_size: samples per batch (the last batch may be smaller).
        seed: shuffle seed; the order changes every epoch but is reproducible.
        shuffle: False for validation data.
    """
    import tensorflow as tf

    features = tuple(x) if isinstance(x, list) and len(x) > 1 else (
        x[0] if isinstance(x, list) else x)
    ds = tf.data.Dataset.from_tensor_slices((features, y))
    if shuffle:
        ds = ds.shuffle(len(y), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)
