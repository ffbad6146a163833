"""The shared tf.data pipeline: every sample once per epoch, reshuffled, reproducible."""

import numpy as np

from medcore.pipeline import dataset


def _epoch(ds) -> list[int]:
    return [int(v) for _, y in ds for v in np.asarray(y)]


def test_each_epoch_sees_every_sample_once_in_a_new_order():
    x = np.arange(20, dtype=np.float32)[:, None]
    y = np.arange(20)
    ds = dataset(x, y, batch_size=6, seed=3)
    first, second = _epoch(ds), _epoch(ds)
    assert sorted(first) == sorted(second) == list(range(20))
    assert first != second  # reshuffled between epochs
    assert _epoch(dataset(x, y, batch_size=6, seed=3)) == first  # same seed, same first epoch


def test_validation_order_is_kept_and_multi_input_batches_align():
    x = [np.arange(10, dtype=np.float32)[:, None], -np.arange(10, dtype=np.float32)[:, None]]
    y = np.arange(10)
    ds = dataset(x, y, batch_size=4, shuffle=False)
    assert _epoch(ds) == list(range(10))
    (a, b), yb = next(iter(ds))
    assert np.array_equal(np.asarray(a).ravel(), -np.asarray(b).ravel())
    assert np.array_equal(np.asarray(a).ravel(), np.asarray(yb))
