"""Tox21 loading and the two splits reported on the card (seeded random 80/10/10, scaffold)."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from medcore.errors import DataUnavailableError
from medcore.molecules import featurize

log = logging.getLogger(__name__)

ASSAYS = ["NR-AR", "NR-AR-LBD", "NR-AhR", "NR-Aromatase", "NR-ER", "NR-ER-LBD",
          "NR-PPAR-gamma", "SR-ARE", "SR-ATAD5", "SR-HSE", "SR-MMP", "SR-p53"]
SEED = 0


@dataclass
class Tox21:
    smiles: list[str]          # canonical SMILES of the largest fragment
    mols: list                 # RDKit molecules matching ``smiles``
    labels: np.ndarray         # (n, 12) float32 with NaN where not measured
    skipped: list[str]         # raw SMILES RDKit cannot parse
    n_raw: int


def tox21_path(data_dir: Path) -> Path:
    path = Path(data_dir) / "molecules" / "tox21.csv"
    if not path.exists():
        raise DataUnavailableError(f"{path} not found.", "Set MEDCORE_DATA_DIR to the data folder.")
    return path


@functools.lru_cache(maxsize=4)
def load_tox21(data_dir: Path, nrows: int | None = None) -> Tox21:
    """Parse rows (all, or the first ``nrows``), standardise to the largest fragment, and skip
    (and count) unparsable ones. Cached: training and evaluation reuse one parse."""
    import pandas as pd
    from rdkit import Chem

    featurize.silence_rdkit()
    df = pd.read_csv(tox21_path(data_dir), nrows=nrows)
    smiles, mols, rows, skipped = [], [], [], []
    for i, s in enumerate(df["smiles"]):
        mol = Chem.MolFromSmiles(s)
        if mol is None:
            skipped.append(s)
            continue
        mol, _ = featurize.largest_fragment(mol)
        can = featurize.canonical(mol)
        smiles.append(can)
        mols.append(Chem.MolFromSmiles(can))
        rows.append(i)
    labels = df[ASSAYS].to_numpy(np.float32)[rows]
    log.info("tox21: %d parsed, %d skipped", len(smiles), len(skipped))
    return Tox21(smiles, mols, labels, skipped, len(df))


def random_split(n: int, seed: int = SEED) -> dict[str, np.ndarray]:
    """MoleculeNet-style seeded random 80/10/10."""
    idx = np.random.default_rng(seed).permutation(n)
    a, b = int(0.8 * n), int(0.9 * n)
    return {"train": np.sort(idx[:a]), "valid": np.sort(idx[a:b]), "test": np.sort(idx[b:])}


def scaffold_split(mols: list) -> dict[str, np.ndarray]:
    """DeepChem-style Bemis-Murcko split: biggest scaffold groups to train, rarest to test."""
    from rdkit.Chem.Scaffolds import MurckoScaffold

    groups: dict[str, list[int]] = {}
    for i, m in enumerate(mols):
        groups.setdefault(MurckoScaffold.MurckoScaffoldSmiles(mol=m), []).append(i)
    ordered = sorted(groups.values(), key=lambda g: (-len(g), g[0]))
    n = len(mols)
    out: dict[str, list[int]] = {"train": [], "valid": [], "test": []}
    for g in ordered:
        if len(out["train"]) + len(g) <= 0.8 * n:
            out["train"] += g
        elif len(out["valid"]) + len(g) <= 0.1 * n:
            out["valid"] += g
        else:
            out["test"] += g
    return {k: np.sort(np.array(v, int)) for k, v in out.items()}


def splits(t: Tox21) -> dict[str, dict[str, np.ndarray]]:
    """The two splits every tox-cnn figure is reported on."""
    return {"random": random_split(len(t.smiles)), "scaffold": scaffold_split(t.mols)}


def counts(labels: np.ndarray, split: dict[str, np.ndarray]) -> dict:
    """Positives / negatives / missing per assay per split, for the card."""
    out = {}
    for name, idx in split.items():
        y = labels[idx]
        out[name] = {"n_molecules": int(len(idx))} | {
            a: {"positive": int(np.nansum(y[:, j] == 1)), "negative": int(np.nansum(y[:, j] == 0)),
                "missing": int(np.isnan(y[:, j]).sum())}
            for j, a in enumerate(ASSAYS)
        }
    return out
