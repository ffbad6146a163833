"""X-ray data: the Kermany 224 px films (xray-cnn) and PneumoniaMNIST (xray-gan), read from the
data folder (never copied)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from medcore.checksums import sha256_of
from medcore.datasets import DATASETS
from medcore.errors import DataUnavailableError

CLASS_NAMES = ["normal", "pneumonia"]
# Share of pneumonia where xray-cnn is used: the official test split's published class counts
# (MedMNIST v2: 390 of 624), a population with more normals than training's 74 %.
DEPLOYMENT_PREVALENCE = 0.625
KERMANY = {
    "name": "Kermany et al. 2018 pediatric chest X-rays, 224x224 copy (xray/kermany224)",
    "source": "Mendeley Data doi:10.17632/rscbjbr9sj.2 (resized to 224x224 without keeping the "
              "aspect ratio)",
    "licence": "CC BY 4.0",
    "citation": "Kermany et al., 'Identifying medical diagnoses and treatable diseases by "
                "image-based deep learning', Cell 2018.",
    "split": "official test folder (624 films) scored once; validation = 10 % of the training "
             "folder, one fold of a seeded StratifiedGroupKFold grouped by patient (identical "
             "files share a group), the rest trains.",
    "population": "children aged 1-5, one hospital in Guangzhou, frontal films, normal vs "
                  "pneumonia (bacterial and viral) only",
}
VAL_FOLDS = 10
_PATIENT = re.compile(r"^(person\d+|NORMAL2-IM-\d+|IM-\d+)")
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


def class_counts(splits: dict[str, Split]) -> dict[str, dict[str, int]]:
    return {
        s: {name: int((sp.y == i).sum()) for i, name in enumerate(CLASS_NAMES)}
        for s, sp in splits.items()
    }


def subset(split: Split, n: int, seed: int = 0) -> Split:
    """A seeded random slice (the train array is ordered by class, so never take the head)."""
    idx = np.sort(np.random.default_rng(seed).permutation(len(split.y))[:n])
    return Split(split.x[idx], split.y[idx])


def patient_of(path: str) -> str:
    """The patient part of a Kermany file name (``person123_bacteria_4.jpeg`` -> ``person123``)."""
    name = Path(path).name
    match = _PATIENT.match(name)
    return match.group(1) if match else name


def load_kermany(data_dir: Path, size: int = 224) -> dict[str, Split]:
    """Train / val / test of ``xray/kermany224`` as uint8 (n, size, size), decoded once per
    process (a new dict each call, so a caller may replace a split without touching the cache).

    Films are stretched to ``size`` (as the copy was made); validation is grouped by patient so
    no child is on both sides.
    """
    return dict(_kermany(Path(data_dir), size))


def _checked_folder(data_dir: Path, name: str) -> Path:
    """The folder of a registered film set whose manifest matches its sha256 in ``datasets``
    (each film's own sha256 is in the manifest)."""
    manifest = data_dir / DATASETS[name].path
    if not manifest.exists():
        raise DataUnavailableError(f"{manifest} not found.",
                                   f"Set MEDCORE_DATA_DIR to the folder holding "
                                   f"{manifest.parent.relative_to(data_dir)} (see the data "
                                   "README).")
    if sha256_of(manifest) != DATASETS[name].sha256:
        raise DataUnavailableError(f"{manifest} is not the registered copy.",
                                   f"Restore {manifest.parent.relative_to(data_dir)} from the "
                                   "data README's source.")
    return manifest.parent


def _read_film(path: Path, size: int) -> np.ndarray:
    """One film as uint8 grayscale, stretched to ``size`` x ``size`` as the copies were made."""
    from PIL import Image

    with Image.open(path) as im:
        im = im.convert("L")
        if im.size != (size, size):
            im = im.resize((size, size), Image.Resampling.BICUBIC)
        return np.asarray(im, np.uint8)


@functools.lru_cache(maxsize=2)
def _kermany(data_dir: Path, size: int) -> dict[str, Split]:
    import pandas as pd
    from sklearn.model_selection import StratifiedGroupKFold

    folder = _checked_folder(Path(data_dir), "kermany224")
    manifest = pd.read_csv(folder / "manifest.csv")
    x = np.stack([_read_film(folder / p, size) for p in manifest["path"]])
    y = manifest["label"].to_numpy(int)
    is_test = (manifest["split"] == "test").to_numpy()
    train_rows = np.flatnonzero(~is_test)
    first_patient: dict[str, str] = {}
    groups = [first_patient.setdefault(sha, patient_of(path)) for sha, path in
              zip(manifest["sha256"].iloc[train_rows], manifest["path"].iloc[train_rows],
                  strict=True)]
    folds = StratifiedGroupKFold(VAL_FOLDS, shuffle=True, random_state=0)
    fit_idx, val_idx = next(folds.split(train_rows, y[train_rows], groups))
    test_rows = np.flatnonzero(is_test)
    return {"train": Split(x[train_rows[fit_idx]], y[train_rows[fit_idx]]),
            "val": Split(x[train_rows[val_idx]], y[train_rows[val_idx]]),
            "test": Split(x[test_rows], y[test_rows])}


ADULT_NORMAL = {
    "name": "adult-normal: 2,000 adult frontal chest films, all normal (xray/adult-normal)",
    "source": "NIH ChestX-ray14 films the RSNA Pneumonia Detection Challenge labelled Normal, via "
              "the COVID-19 Radiography Database; 224x224 grayscale JPEG",
    "citation": "Wang et al., ChestX-ray8, CVPR 2017; Shih et al., Radiology: AI 2019; "
                "Chowdhury et al. 2020; Rahman et al. 2021",
    "use": "never as pneumonia negatives (a model would learn 'adult means normal'): only to "
           "teach and measure the 'unlike the training films' check and to count false "
           "positives on adults",
    "split": "the 2,000 file names sorted, permuted by numpy.random.default_rng(0); the first "
             "25 % (500 films) are kept aside to measure the checks, the other 1,500 fit them",
}
ADULT_ASIDE = 0.25


def load_adult_normal(data_dir: Path, size: int = 224) -> dict[str, Split]:
    """``fit`` (1,500) and ``aside`` (500) adult normal films, uint8 (n, size, size), label 0."""
    return dict(_adult(Path(data_dir), size))


@functools.lru_cache(maxsize=1)
def _adult(data_dir: Path, size: int) -> dict[str, Split]:
    import pandas as pd

    folder = _checked_folder(Path(data_dir), "adult-normal")
    paths = sorted(pd.read_csv(folder / "manifest.csv")["path"])
    order = np.random.default_rng(0).permutation(len(paths))
    n_aside = int(round(ADULT_ASIDE * len(paths)))
    x = np.stack([_read_film(folder / paths[i], size) for i in order])
    zeros = np.zeros(len(paths), int)
    return {"aside": Split(x[:n_aside], zeros[:n_aside]),
            "fit": Split(x[n_aside:], zeros[n_aside:])}
