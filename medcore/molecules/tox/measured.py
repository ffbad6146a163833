"""Measured Tox21 labels for molecules the data set holds, shown beside the prediction.

Why: a chemist who uploads acetaminophen should see that Tox21 measured it inactive in all
twelve assays, not only what the model predicts. Every Tox21 molecule is standardised the way
an upload is (``io.standardise``: parent, canonical SMILES) and keyed by that SMILES and by the
InChIKey of the parent; rows that reduce to the same parent are pooled (a label then reads
"1 of 2 active"). An upload matches on its canonical parent SMILES (free: a dictionary look-up);
one that does not but whose nearest training molecule has Tanimoto 1.0 is matched on its
InChIKey (few molecules, so the 2.4 s per 10,000 of InChI stays off the scoring path).

Shipped as ``measured.npz`` (written by ``calls.refresh`` or training) so the page needs no
data folder; ``in_training`` says whether the shipped model trained on it (random split).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

FILE = "measured.npz"


@dataclass(frozen=True)
class Table:
    smiles: dict[str, int]
    inchikey: dict[str, int]
    n_measured: np.ndarray   # (n, assays) uint8
    n_active: np.ndarray     # (n, assays) uint8
    in_training: np.ndarray  # (n,) bool


def inchikey(smiles: str) -> str | None:
    from rdkit import Chem

    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return None
    return Chem.MolToInchiKey(mol) or None


def build(t, train_index: np.ndarray) -> dict[str, np.ndarray]:
    """Arrays for ``measured.npz`` from the parsed Tox21 set (``data.load_tox21``)."""
    from medcore.molecules import io

    keys: dict[str, int] = {}
    smiles, ikeys, meas, act, train = [], [], [], [], []
    in_train = np.zeros(len(t.smiles), bool)
    in_train[train_index] = True
    for i, s in enumerate(t.smiles):
        parent = io.standardise(s).smiles
        if parent is None:
            continue
        k = keys.get(parent)
        if k is None:
            k = keys[parent] = len(smiles)
            smiles.append(parent)
            ikeys.append(inchikey(parent) or "")
            meas.append(np.zeros(t.labels.shape[1], np.uint8))
            act.append(np.zeros(t.labels.shape[1], np.uint8))
            train.append(False)
        y = t.labels[i]
        meas[k] += (~np.isnan(y)).astype(np.uint8)
        act[k] += (y == 1).astype(np.uint8)
        train[k] = train[k] or bool(in_train[i])
    return {"smiles": np.array(smiles), "inchikey": np.array(ikeys),
            "n_measured": np.array(meas), "n_active": np.array(act),
            "in_training": np.array(train)}


def save(folder: Path, arrays: dict[str, np.ndarray]) -> None:
    np.savez_compressed(Path(folder) / FILE, **arrays)


def load(folder: Path) -> Table | None:
    path = Path(folder) / FILE
    if not path.exists():
        return None
    with np.load(path) as z:
        return Table({s: i for i, s in enumerate(z["smiles"].tolist())},
                     {k: i for i, k in enumerate(z["inchikey"].tolist()) if k},
                     z["n_measured"], z["n_active"], z["in_training"])


def find(table: Table, smiles: list[str], nearest: list[float]) -> list[int | None]:
    """Each molecule's row in the table, or None (see the module docstring for the match)."""
    out: list[int | None] = []
    for s, sim in zip(smiles, nearest, strict=True):
        k = table.smiles.get(s)
        if k is None and sim >= 0.9999:
            key = inchikey(s)
            k = table.inchikey.get(key) if key else None
        out.append(k)
    return out


def labels(table: Table, k: int, assays: list[str]) -> dict[str, str]:
    """Per assay: "active", "inactive", "k of n active" (pooled duplicates) or "not measured"."""
    out = {}
    for j, a in enumerate(assays):
        n, act = int(table.n_measured[k, j]), int(table.n_active[k, j])
        out[a] = ("not measured" if n == 0 else "active" if act == n else
                  "inactive" if act == 0 else f"{act} of {n} active")
    return out


def summary(measured: dict[str, str], in_training: bool) -> str:
    """One line: where it was measured and what, e.g. "inactive in all 12 assays"."""
    where = "in training" if in_training else "held out from training"
    done = {a: v for a, v in measured.items() if v != "not measured"}
    act = [a for a, v in done.items() if v != "inactive"]
    if not done:
        return f"in Tox21 ({where}), not measured in any assay"
    if not act:
        return (f"measured in Tox21 ({where}): inactive in all {len(done)} assays measured"
                + ("" if len(done) == len(measured) else
                   f" ({len(measured) - len(done)} not measured)"))
    return (f"measured in Tox21 ({where}): " + ", ".join(f"{a} {done[a]}" for a in act)
            + f"; inactive in {len(done) - len(act)} of {len(done)} measured")
