"""The MOSES corpus (Polykovskiy et al., Front Pharmacol 2020): a seeded training subset for the
molecule generator and MOSES's reference sets for its distribution metrics (``moses_metrics``).

MOSES's 1.58 M training molecules (ZINC Clean Leads, already through MOSES's own filters) are far
more than two CPU cores can fit in the time a version gets, so the generator learns a seeded
subset; its SELFIES vocabulary comes from that subset only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

FILES = {"train": "moses_train.csv.gz", "test": "moses_test.csv.gz",
         "test_scaffolds": "moses_test_scaffolds.csv.gz"}


def read(data_dir: Path, which: str) -> list[str]:
    """All SMILES of one MOSES file (``train``, ``test`` or ``test_scaffolds``), in file order."""
    import pandas as pd

    path = Path(data_dir) / "molecules" / FILES[which]
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: the MOSES files live in the data folder's "
                                "molecules/ (see its README)")
    return pd.read_csv(path)["SMILES"].astype(str).tolist()


def subsample(smiles: list[str], n: int, seed: int) -> list[str]:
    """A seeded subset of n (all when fewer), in file order so the draw does not depend on
    anything but the file and the seed."""
    if n >= len(smiles):
        return list(smiles)
    keep = np.sort(np.random.default_rng(seed).choice(len(smiles), n, replace=False))
    return [smiles[i] for i in keep]


def corpus(data_dir: Path, n: int, seed: int = 0, min_token_count: int = 20) -> list[str]:
    """A seeded subset of n MOSES training molecules as RDKit canonical SMILES (stereo removed;
    MOSES has none), at most ``selfies_codec.MAX_LEN`` SELFIES tokens, built only from tokens
    that at least ``min_token_count`` molecules of the subset use (as the Tox21 corpus)."""
    import selfies as sf
    from rdkit import Chem

    from medcore.molecules import featurize
    from medcore.molecules.generate.selfies_codec import MAX_LEN, selfies_of

    featurize.silence_rdkit()
    seen: dict[str, list[str]] = {}
    for s in subsample(read(data_dir, "train"), n, seed):
        mol = Chem.MolFromSmiles(s)
        if mol is None:
            continue
        Chem.RemoveStereochemistry(mol)
        can = Chem.MolToSmiles(mol)
        try:
            toks = list(sf.split_selfies(selfies_of(can)))
        except Exception:  # noqa: BLE001 - selfies raises its own EncoderError subclasses
            continue
        if toks and len(toks) <= MAX_LEN:
            seen[can] = toks
    counts: dict[str, int] = {}
    for toks in seen.values():
        for t in set(toks):
            counts[t] = counts.get(t, 0) + 1
    return [s for s, toks in seen.items() if all(counts[t] >= min_token_count for t in toks)]
