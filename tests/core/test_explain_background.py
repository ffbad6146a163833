"""SHAP backgrounds are weighted k-means summaries: no shipped row is one real input."""

from __future__ import annotations

import numpy as np
import pytest

from medcore.explain import background
from tests.conftest import ROOT

SHIPPED = ["history-rnn", "history-cnn", "dna-cnn"]


def test_summarise_counts_and_no_input_row():
    x = np.random.default_rng(0).normal(size=(300, 6, 3)).astype(np.float32)
    x[:2] += 50.0  # two outliers would be a cluster of their own
    centroids, counts = background.summarise(x, 12, min_members=10)
    assert centroids.shape[1:] == x.shape[1:] and counts.sum() == len(x)
    assert (counts >= 10).all()
    dist = ((centroids[:, None] - x[None]) ** 2).sum(axis=(2, 3))
    assert dist.min() > 1e-3


def test_summarise_needs_enough_inputs():
    with pytest.raises(ValueError, match="groups of 10"):
        background.summarise(np.zeros((5, 2)), 4, min_members=10)


def test_expand_follows_counts():
    rows = background.expand(np.arange(3, dtype=np.float32)[:, None], np.array([60, 30, 10]), 10)
    assert rows.ravel().tolist() == [0] * 6 + [1] * 3 + [2]


def test_save_writes_only_the_summary(tmp_path):
    x = np.random.default_rng(1).normal(size=(100, 4)).astype(np.float32)
    background.save(tmp_path / "bg.npz", x, 4)
    with np.load(tmp_path / "bg.npz") as f:
        assert sorted(f.files) == ["centroids", "counts"]
    assert background.load(tmp_path / "bg.npz", 16).shape == (16, 4)


@pytest.mark.parametrize("model_id", SHIPPED)
def test_shipped_backgrounds_are_summaries(model_id):
    path = ROOT / "assets" / "models" / model_id / "background.npz"
    if not path.exists():
        pytest.skip(f"{model_id} is not trained")
    with np.load(path) as f:
        assert sorted(f.files) == ["centroids", "counts"]
        assert (f["counts"] >= background.MIN_MEMBERS).all()
