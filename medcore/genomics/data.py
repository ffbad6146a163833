"""The two splice data sets and their seeded splits (neither has an official one here).

UCI (primate, 60 nt, junction 30|31): stratified 20 % held-out test set (seed 0), 80 % training.
GUE (human, 400 nt, junction 200|201): the benchmark's development windows, split stratified
80/20 (seed 0) into training and this project's validation part; GUE's own test windows are not
in the data folder. Every record, whatever its length L, has its junction after base L // 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from medcore.errors import DataUnavailableError

CLASS_NAMES = ["EI", "IE", "N"]
WINDOW = 60  # UCI window
LONG_WINDOW = 400  # GUE window: the longest record classified as one window
SEED = 0
TEST_FRACTION = 0.2
DATASET = {
    "name": "UCI Molecular Biology (Splice-junction Gene Sequences)",
    "source": "https://archive.ics.uci.edu/dataset/69 "
              "(copy in the data folder: genomics/splice.data.csv)",
    "licence": "CC BY 4.0",
    "citation": "Towell, Noordewier & Shavlik 1991/1992; Dua & Graff, UCI ML Repository",
}


GUE_DATASET = {
    "name": "GUE splice / reconstructed, development windows (human, 400 nt)",
    "source": "DNABERT-2 GUE benchmark (Zhou et al., ICLR 2024), windows from SpliceFinder (Wang "
              "et al. 2019, GRCh38/Ensembl); copy in the data folder: genomics/gue_splice_dev.csv",
    "licence": "research benchmark (repository Apache-2.0; sequence from Ensembl, open)",
}


def junction_index(length: int) -> int:
    """0-based index of the first base after a record's junction (UCI 30|31, GUE 200|201)."""
    return length // 2


@dataclass
class Split:
    x_train: list[str]
    y_train: np.ndarray
    x_test: list[str]
    y_test: np.ndarray


def csv_path(data_dir: Path) -> Path:
    path = Path(data_dir) / "genomics" / "splice.data.csv"
    if not path.exists():
        raise DataUnavailableError(
            f"Splice data not found at {path}.",
            "Set MEDCORE_DATA_DIR to the folder holding genomics/splice.data.csv.",
        )
    return path


def load_splice(data_dir: Path) -> tuple[list[str], np.ndarray]:
    """All 3,190 sequences (upper case, IUPAC codes kept) and integer labels (EI, IE, N)."""
    seqs, labels = [], []
    lines = csv_path(data_dir).read_text().splitlines()
    for line in lines[1:]:
        parts = [p.strip() for p in line.split(",")]
        if len(parts) < 3 or not parts[2]:
            continue
        seqs.append(parts[2].upper())
        labels.append(CLASS_NAMES.index(parts[0]))
    return seqs, np.array(labels, dtype=np.int64)


def split(data_dir: Path) -> Split:
    """The seeded, stratified 80/20 split used by every genomics model."""
    from sklearn.model_selection import train_test_split

    seqs, y = load_splice(data_dir)
    idx = np.arange(len(seqs))
    tr, te = train_test_split(idx, test_size=TEST_FRACTION, stratify=y, random_state=SEED)
    return Split([seqs[i] for i in tr], y[tr], [seqs[i] for i in te], y[te])


def counts(y: np.ndarray) -> dict[str, int]:
    return {name: int((y == i).sum()) for i, name in enumerate(CLASS_NAMES)}


def split_description() -> str:
    return ("No official split exists: seeded (seed 0) stratified 80/20 train/test split; "
            "10-fold stratified cross-validation on the 80 % for the CV mean and spread; "
            "early stopping on a stratified 10 % validation slice of the 80 %; the test split is "
            "scored once, at the end of training.")


def load_gue(data_dir: Path) -> tuple[list[str], np.ndarray]:
    """The 4,562 GUE development windows (400 nt, A/C/G/T) and integer labels (EI, IE, N)."""
    import csv

    path = Path(data_dir) / "genomics" / "gue_splice_dev.csv"
    if not path.exists():
        raise DataUnavailableError(
            f"GUE splice windows not found at {path}.",
            "Set MEDCORE_DATA_DIR to the folder holding genomics/gue_splice_dev.csv.",
        )
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    return ([r["sequence"].upper() for r in rows],
            np.array([CLASS_NAMES.index(r["Class"]) for r in rows], dtype=np.int64))


def gue_split(data_dir: Path) -> Split:
    """Seeded stratified 80/20 split of the GUE windows: training part and validation part."""
    from sklearn.model_selection import train_test_split

    seqs, y = load_gue(data_dir)
    tr, va = train_test_split(np.arange(len(seqs)), test_size=TEST_FRACTION, stratify=y,
                              random_state=SEED)
    return Split([seqs[i] for i in tr], y[tr], [seqs[i] for i in va], y[va])
