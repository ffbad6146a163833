"""SHAP backgrounds that summarise the training inputs instead of shipping them.

Why: a background of real training rows would put patient grids or real sequences into the
repository. Weighted k-means centroids keep the spread of the training inputs that expected
gradients need, and every centroid is the mean of at least ``min_members`` inputs, so none of
them is an individual record. The file holds ``centroids`` and ``counts`` (inputs per centroid);
:func:`expand` turns them into the rows SHAP samples from, in proportion to the counts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

MIN_MEMBERS = 10


def _nearest(flat: np.ndarray, centres: np.ndarray) -> np.ndarray:
    d = (flat ** 2).sum(1)[:, None] - 2 * flat @ centres.T + (centres ** 2).sum(1)[None, :]
    return d.argmin(1)


def _means(flat: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    onehot = np.eye(k)[labels].T  # (k, inputs)
    counts = onehot.sum(1).astype(np.int64)
    return onehot @ flat / np.maximum(counts, 1)[:, None], counts


def summarise(x: np.ndarray, k: int, *, min_members: int = MIN_MEMBERS, seed: int = 0
              ) -> tuple[np.ndarray, np.ndarray]:
    """(centroids shaped like ``x[0]``, member counts) of seeded k-means over ``x``.

    Clusters with fewer than ``min_members`` inputs are dissolved into the nearest remaining
    centroids (and the means recomputed), so no centroid is close to being one real input.
    """
    from sklearn.cluster import KMeans

    if len(x) < min_members:
        raise ValueError(f"{len(x)} inputs cannot be summarised in groups of {min_members}.")
    flat = np.asarray(x, np.float64).reshape(len(x), -1)
    k = max(1, min(k, len(x) // min_members))
    labels = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(flat).labels_
    centres, counts = _means(flat, labels, k)
    while (counts < min_members).any():
        keep = counts >= min_members
        centres = centres[keep] if keep.any() else flat.mean(0, keepdims=True)
        centres, counts = _means(flat, _nearest(flat, centres), len(centres))
    return centres.reshape((len(centres), *x.shape[1:])).astype(np.float32), counts


def expand(centroids: np.ndarray, counts: np.ndarray, n: int) -> np.ndarray:
    """``n`` SHAP background rows, each centroid repeated in proportion to its count.

    Why rows: GradientExplainer samples background rows uniformly, so repeating centroids
    (largest-remainder rounding) is how the cluster weights reach it.
    """
    share = np.asarray(counts, float) / np.sum(counts) * n
    reps = np.floor(share).astype(int)
    order = np.argsort(-(share - reps), kind="stable")
    reps[order[: n - reps.sum()]] += 1
    return np.repeat(np.asarray(centroids, np.float32), reps, axis=0)


def save(path: Path, x: np.ndarray, k: int, *, min_members: int = MIN_MEMBERS) -> None:
    """Write the k-means summary of ``x`` (never ``x`` itself) to ``path``."""
    centroids, counts = summarise(x, k, min_members=min_members)
    np.savez_compressed(path, centroids=centroids, counts=counts.astype(np.int64))


def load(path: Path, n: int) -> np.ndarray:
    """The ``n`` background rows for SHAP from a file written by :func:`save`."""
    with np.load(path) as f:
        return expand(f["centroids"], f["counts"], n)
