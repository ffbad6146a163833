"""Fit one ensemble member: class-balanced loss, cosine learning rate, in-model augmentation.

No early stopping and no test data: the epoch budget is fixed in advance and validation is
used only afterwards (temperature and threshold), so nothing here looks at held-out labels.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from medcore.imaging.data import Split

log = logging.getLogger(__name__)


def fit_member(split: Split, size: int, width: int, epochs: int, seed: int, prefix: str,
               extra: Split | None = None, steps: int | None = None, batch_size: int = 64,
               convs: tuple[int, ...] | None = None, augment: dict | None = None,
               stem: int = 0):
    """Train one member on ``split`` (+ optional ``extra`` images, e.g. synthetic ones).

    ``steps`` fixes the number of optimiser steps (a same-budget comparison), else
    ``epochs`` passes over the data. ``convs``: convolutions per block, ``augment``: augmentation
    ranges (both default to v1's), ``stem``: see ``cnn_model``. Batches are cast to float32 one
    at a time: the epochs' index list over 224 px films would not fit in memory as floats.
    """
    import keras
    import tensorflow as tf

    from medcore.imaging.cnn_model import CONVS, build_member

    x, y = split.x, split.y
    if extra is not None:
        x, y = np.concatenate([x, extra.x]), np.concatenate([y, extra.y])
    y = y.astype(np.float32)
    per_epoch = int(np.ceil(len(x) / batch_size))
    total = steps or epochs * per_epoch
    n_epochs = int(np.ceil(total / per_epoch))
    model = build_member(size, width, prefix, seed=seed, convs=convs or CONVS,
                         augment=augment, stem=stem)
    schedule = keras.optimizers.schedules.CosineDecay(2e-3, total, alpha=0.02)
    model.compile(keras.optimizers.Adam(schedule),
                  keras.losses.BinaryCrossentropy(from_logits=True))
    pos = float(y.mean())
    weights = {0: 0.5 / max(1 - pos, 1e-6), 1: 0.5 / max(pos, 1e-6)}
    rng = np.random.default_rng(seed)
    idx = np.concatenate([rng.permutation(len(x)) for _ in range(n_epochs)])[: total * batch_size]
    sample_w = np.where(y == 1, weights[1], weights[0]).astype(np.float32)

    def batches():
        for i in range(0, len(idx), batch_size):
            b = idx[i:i + batch_size]
            yield x[b][..., None].astype(np.float32), y[b], sample_w[b]

    spec = (tf.TensorSpec((None, size, size, 1), tf.float32), tf.TensorSpec((None,), tf.float32),
            tf.TensorSpec((None,), tf.float32))
    data = tf.data.Dataset.from_generator(batches, output_signature=spec).prefetch(2)
    start = time.time()
    model.fit(data, epochs=1, steps_per_epoch=int(np.ceil(len(idx) / batch_size)), verbose=0)
    log.info("%s: %d steps in %.0f s", prefix, total, time.time() - start)
    return model
