"""PneumoniaMNIST loading: the official split, read from the data folder (never copied)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from medcore.errors import DataUnavailableError

CLASS_NAMES = ["normal", "pneumonia"]
# Share of pneumonia where xray-cnn is used: the official test split's published class counts
# (MedMNIST v2: 390 of 624), a population with more normals than training's 74 %.
DEPLOYMENT_PREVALENCE = 0.625
DATASET = {
    "name": "PneumoniaMNIST (MedMNIST v2)",
    "source": "https://zenodo.org/records/6496656/files/pneumoniamnist.npz",
    "licence": "CC BY 4.0",
    "citation": "Yang et al., 'MedMNIST v2', Scientific Data 2023; Kermany et al., Cell 2018.",
    "split": "official MedMNIST split: train 4708 / val 524 / test 624. Validation has the "
             "training class ratio (74% pneumonia); test has more normals (62.5% pneumonia).",
}


@dataclass
class Split:
    x: np.ndarray  # (n, size, size) uint8
    y: np.ndarray  # (n,) int


def npz_path(data_dir: Path, size: int = 28) -> Path:
    """``xray/pneumoniamnist.npz`` for 28 px, ``xray/pneumoniamnist_<size>.npz`` (MedMNIST+)."""
    name = "pneumoniamnist.npz" if size == 28 else f"pneumoniamnist_{size}.npz"
    return Path(data_dir) / "xray" / name


def load_splits(data_dir: Path, size: int = 28) -> dict[str, Split]:
    path = npz_path(data_dir, size)
    if not path.exists():
        raise DataUnavailableError(
            f"{path} not found.",
            "Set MEDCORE_DATA_DIR to the folder holding xray/pneumoniamnist*.npz "
            "(download from https://zenodo.org/records/6496656).",
        )
    with np.load(path) as f:
        return {
            s: Split(f[f"{s}_images"].astype(np.uint8), f[f"{s}_labels"].astype(int).ravel())
            for s in ("train", "val", "test")
        }


def class_counts(splits: dict[str, Split]) -> dict[str, dict[str, int]]:
    return {
        s: {name: int((sp.y == i).sum()) for i, name in enumerate(CLASS_NAMES)}
        for s, sp in splits.items()
    }


def subset(split: Split, n: int, seed: int = 0) -> Split:
    """A seeded random slice (the train array is ordered by class, so never take the head)."""
    idx = np.sort(np.random.default_rng(seed).permutation(len(split.y))[:n])
    return Split(split.x[idx], split.y[idx])
