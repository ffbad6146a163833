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
               convs: tuple[int, ...] | None = None, augment: dict | None = None):
    """Train one member on ``split`` (+ optional ``extra`` images, e.g. synthetic ones).

    ``steps`` fixes the number of optimiser steps (a same-budget comparison), else
    ``epochs`` passes over the data. ``convs``: convolutions per block, ``augment``: augmentation
    ranges (both default to v1's, see ``cnn_model``).
    """
    import keras

    from medcore.imaging.cnn_model import CONVS, build_member

    x, y = split.x, split.y
    if extra is not None:
        x, y = np.concatenate([x, extra.x]), np.concatenate([y, extra.y])
    x = x[..., None].astype(np.float32)
    y = y.astype(np.float32)
    per_epoch = int(np.ceil(len(x) / batch_size))
    total = steps or epochs * per_epoch
    n_epochs = int(np.ceil(total / per_epoch))
    model = build_member(size, width, prefix, seed=seed, convs=convs or CONVS,
                         augment=augment)
    schedule = keras.optimizers.schedules.CosineDecay(2e-3, total, alpha=0.02)
    model.compile(keras.optimizers.Adam(schedule),
                  keras.losses.BinaryCrossentropy(from_logits=True))
    pos = float(y.mean())
    weights = {0: 0.5 / max(1 - pos, 1e-6), 1: 0.5 / max(pos, 1e-6)}
    rng = np.random.default_rng(seed)
    idx = np.concatenate([rng.permutation(len(x)) for _ in range(n_epochs)])[: total * batch_size]
    start = time.time()
    model.fit(x[idx], y[idx], batch_size=batch_size, epochs=1, shuffle=False, verbose=0,
              class_weight=weights)
    log.info("%s: %d steps in %.0f s", prefix, total, time.time() - start)
    return model
