"""MOSES / GuacaMol-style metrics of generated molecules against the training set.

validity (fraction RDKit parses, non-empty), uniqueness@1k/@10k (unique canonical SMILES among the
first k valid), novelty (unique valid not in training), IntDiv1 (1 - mean pairwise Tanimoto, ECFP4
1024 bits, all pairs incl. self as in MOSES), and QED / SA-score distributions with the
Wasserstein-1 distance to the training distribution; ring sizes and structural filters
(``realism``).
"""

from __future__ import annotations

import numpy as np

from medcore.molecules.generate import realism

DIGITS = 4


def _r(x: float) -> float:
    return round(float(x), DIGITS)


def canon_or_none(smiles: str) -> str | None:
    from rdkit import Chem

    from medcore.molecules.featurize import silence_rdkit

    silence_rdkit()
    if not smiles:
        return None
    mol = Chem.MolFromSmiles(smiles)
    if mol is None or mol.GetNumAtoms() == 0:
        return None
    return Chem.MolToSmiles(mol)


def fingerprints(smiles: list[str], n_bits: int = 1024) -> np.ndarray:
    from rdkit import Chem
    from rdkit.Chem import rdFingerprintGenerator

    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=n_bits)
    return np.stack([gen.GetFingerprintAsNumPy(Chem.MolFromSmiles(s)) for s in smiles]
                    ).astype(np.float32)


def internal_diversity(fps: np.ndarray, chunk: int = 2048) -> float:
    """1 - mean Tanimoto over all pairs, by chunked matrix products (exact, no sampling)."""
    ones = fps.sum(1)
    total = 0.0
    for a in range(0, len(fps), chunk):
        inter = fps[a:a + chunk] @ fps.T
        union = ones[a:a + chunk, None] + ones[None, :] - inter
        total += float(np.where(union > 0, inter / np.maximum(union, 1), 1.0).sum())
    return 1.0 - total / (len(fps) ** 2)


def properties(smiles: list[str]) -> dict[str, np.ndarray]:
    """QED and synthetic-accessibility score (Ertl & Schuffenhauer, RDKit Contrib) per molecule."""
    from rdkit import Chem
    from rdkit.Chem import QED
    from rdkit.Contrib.SA_Score import sascorer

    mols = [Chem.MolFromSmiles(s) for s in smiles]
    return {"qed": np.array([QED.qed(m) for m in mols]),
            "sa": np.array([sascorer.calculateScore(m) for m in mols])}


def _dist(values: np.ndarray) -> dict[str, float]:
    return {"mean": _r(values.mean()), "sd": _r(values.std()),
            "p10": _r(np.percentile(values, 10)), "p90": _r(np.percentile(values, 90))}


def generation_report(generated: list[str], train_set: set[str], train_props: dict) -> dict:
    """All metrics for ``generated`` raw SMILES (in generation order)."""
    from scipy.stats import wasserstein_distance

    canon = [canon_or_none(s) for s in generated]
    valid = [c for c in canon if c]
    out: dict = {"n_generated": len(generated), "validity": _r(len(valid) / max(len(generated), 1))}
    for k, label in ((1000, "uniqueness_1k"), (10000, "uniqueness_10k")):
        head = valid[:k]  # MOSES: first k valid; all valid when fewer (then n_valid < k)
        out[label] = _r(len(set(head)) / len(head)) if head else None
    out["n_valid"] = len(valid)
    unique = list(dict.fromkeys(valid))
    out["n_unique"] = len(unique)
    out["novelty"] = _r(sum(s not in train_set for s in unique) / max(len(unique), 1))
    out["int_div1"] = _r(internal_diversity(fingerprints(unique))) if unique else None
    props = properties(unique) if unique else {"qed": np.zeros(1), "sa": np.zeros(1)}
    for key in ("qed", "sa"):
        out[key] = _dist(props[key])
        out[f"{key}_wasserstein_to_train"] = _r(wasserstein_distance(props[key], train_props[key]))
    out["sa_mean_minus_train"] = _r(props["sa"].mean() - np.mean(train_props["sa"]))
    out.update(realism.summary(realism.features(unique)) if unique else realism.summary(
        {"max_ring": []}))
    return out
