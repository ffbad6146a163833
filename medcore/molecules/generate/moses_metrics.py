"""MOSES's distribution metrics (Polykovskiy et al., Front Pharmacol 2020) for generated molecules,
and the published figures of MOSES's baseline models to set beside them.

Definitions follow MOSES's ``moses.metrics``: SNN is the mean over generated molecules of the
highest Tanimoto similarity (Morgan radius 2, 1024 bits) to a reference molecule; Frag and Scaf
are cosine similarities of the count vectors of BRICS fragments (``FragmentOnBRICSBonds``) and of
Bemis-Murcko scaffolds with at least two rings. Generated molecules are the valid ones, repeats
included. Deviation from MOSES: each reference set is a fixed seeded subsample (``N_REFERENCE``
molecules), not all 176k, so ``evaluate`` fits the test suite's time.
"""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path

import numpy as np

from medcore.molecules.generate import moses

N_REFERENCE = 10_000
REFERENCE_SEED = 0
REFERENCE_SETS = {"test": "moses_test", "test_scaffolds": "moses_test_scaffolds"}

# The MOSES README's table (molecularsets/moses, master; means of 3 runs of 30,000 samples, the
# models trained on all 1.58 M training molecules). Novelty there is against MOSES's training set.
PUBLISHED_SOURCE = ("MOSES README table, github.com/molecularsets/moses (Polykovskiy et al., "
                    "Front Pharmacol 2020): means of 3 runs, 30,000 samples, trained on all "
                    "1.58 M MOSES training molecules")
PUBLISHED = {
    "CharRNN": {"validity": 0.9748, "unique_1k": 1.0, "unique_10k": 0.9994, "novelty": 0.8419,
                "filters": 0.9943, "int_div1": 0.8562, "snn_test": 0.6015,
                "snn_test_scaffolds": 0.5649, "frag_test": 0.9998,
                "frag_test_scaffolds": 0.9983, "scaf_test": 0.9242,
                "scaf_test_scaffolds": 0.1101},
    "VAE": {"validity": 0.9767, "unique_1k": 1.0, "unique_10k": 0.9984, "novelty": 0.6949,
            "filters": 0.997, "int_div1": 0.8558, "snn_test": 0.6257,
            "snn_test_scaffolds": 0.5783, "frag_test": 0.9994, "frag_test_scaffolds": 0.9984,
            "scaf_test": 0.9386, "scaf_test_scaffolds": 0.0588},
    "AAE": {"validity": 0.9368, "unique_1k": 1.0, "unique_10k": 0.9973, "novelty": 0.7931,
            "filters": 0.996, "int_div1": 0.8557, "snn_test": 0.6081,
            "snn_test_scaffolds": 0.5677, "frag_test": 0.991, "frag_test_scaffolds": 0.9905,
            "scaf_test": 0.9022, "scaf_test_scaffolds": 0.0789},
    "LatentGAN": {"validity": 0.8966, "unique_1k": 1.0, "unique_10k": 0.9968, "novelty": 0.9498,
                  "filters": 0.9735, "int_div1": 0.8565, "snn_test": 0.5371,
                  "snn_test_scaffolds": 0.5132, "frag_test": 0.9986,
                  "frag_test_scaffolds": 0.9972, "scaf_test": 0.8867,
                  "scaf_test_scaffolds": 0.1072},
}

ROWS = (("validity", "Valid molecules"),
        ("unique_1k", "Unique among the first 1,000"),
        ("unique_10k", "Unique among the first 10,000"),
        ("novelty", "Not in the model's training set"),
        ("filters", "Pass the structural filters"),
        ("int_div1", "Internal diversity (1 - mean pairwise Tanimoto)"),
        ("snn_test", "Nearest-neighbour similarity to unseen MOSES molecules"),
        ("snn_test_scaffolds", "Nearest-neighbour similarity to unseen scaffolds"),
        ("frag_test", "Fragment (BRICS) similarity to unseen MOSES molecules"),
        ("frag_test_scaffolds", "Fragment (BRICS) similarity to unseen scaffolds"),
        ("scaf_test", "Ring-scaffold similarity to unseen MOSES molecules"),
        ("scaf_test_scaffolds", "Ring-scaffold similarity to unseen scaffolds"))


def _r(x: float) -> float:
    return round(float(x), 4)


def fingerprints(mols: list) -> np.ndarray:
    """(n, 1024) 0/1 Morgan radius-2 fingerprints, as MOSES's SNN uses."""
    from rdkit.Chem import rdFingerprintGenerator

    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=1024)
    return np.stack([gen.GetFingerprintAsNumPy(m) for m in mols]).astype(np.float32)


def fragments(mols: list) -> Counter:
    """Counts of BRICS fragments (SMILES with their dummy attachment atoms), as MOSES."""
    from rdkit import Chem
    from rdkit.Chem import AllChem

    out: Counter = Counter()
    for m in mols:
        out.update(Chem.MolToSmiles(AllChem.FragmentOnBRICSBonds(m)).split("."))
    return out


def scaffolds(mols: list, min_rings: int = 2) -> Counter:
    """Counts of Bemis-Murcko scaffolds with at least ``min_rings`` rings, as MOSES."""
    from rdkit import Chem
    from rdkit.Chem.Scaffolds import MurckoScaffold

    out: Counter = Counter()
    for m in mols:
        try:
            scaf = MurckoScaffold.GetScaffoldForMol(m)
        except (ValueError, RuntimeError):
            continue
        smiles = Chem.MolToSmiles(scaf)
        if smiles and scaf.GetRingInfo().NumRings() >= min_rings:
            out[smiles] += 1
    return out


def cosine(ref: Counter, gen: Counter) -> float | None:
    """Cosine similarity of two count vectors over the union of their keys."""
    if not ref or not gen:
        return None
    keys = list(set(ref) | set(gen))
    a = np.array([ref.get(k, 0) for k in keys], np.float64)
    b = np.array([gen.get(k, 0) for k in keys], np.float64)
    return _r(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def snn(gen_fps: np.ndarray, ref_fps: np.ndarray, chunk: int = 2048) -> float:
    """Mean over generated of the highest Tanimoto to any reference fingerprint (two empty
    fingerprints count as 1, as MOSES)."""
    ref_ones = ref_fps.sum(1)
    best = []
    for a in range(0, len(gen_fps), chunk):
        g = gen_fps[a:a + chunk]
        inter = g @ ref_fps.T
        union = g.sum(1)[:, None] + ref_ones[None, :] - inter
        best.append(np.where(union > 0, inter / np.maximum(union, 1), 1.0).max(1))
    return _r(np.concatenate(best).mean())


def _mols(smiles: list[str]) -> list:
    from rdkit import Chem

    from medcore.molecules.featurize import silence_rdkit

    silence_rdkit()
    return [m for m in (Chem.MolFromSmiles(s) for s in smiles if s) if m is not None]


@functools.cache
def reference(data_dir: str, which: str, n: int = N_REFERENCE, seed: int = REFERENCE_SEED
              ) -> dict:
    """Fingerprints, fragment and scaffold counts of a seeded subsample of a MOSES reference set
    (``test`` or ``test_scaffolds``); cached for the process."""
    mols = _mols(moses.subsample(moses.read(Path(data_dir), which), n, seed))
    return {"fps": fingerprints(mols), "frag": fragments(mols), "scaf": scaffolds(mols),
            "n": len(mols)}


def distribution_metrics(valid: list[str], data_dir: Path, n_reference: int = N_REFERENCE
                         ) -> dict:
    """SNN, Frag and Scaf of valid generated SMILES (repeats kept) against both reference sets
    (a note instead where the MOSES files are not in the data folder)."""
    mols = _mols(valid)
    if not mols:
        return {}
    missing = [moses.FILES[w] for w in REFERENCE_SETS
               if not (Path(data_dir) / "molecules" / moses.FILES[w]).exists()]
    if missing:
        return {"not_measured": f"{', '.join(missing)} not in {Path(data_dir) / 'molecules'}"}
    fps, frag, scaf = fingerprints(mols), fragments(mols), scaffolds(mols)
    out = {}
    for which in REFERENCE_SETS:
        ref = reference(str(data_dir), which, n_reference)
        out[f"snn_{which}"] = snn(fps, ref["fps"])
        out[f"frag_{which}"] = cosine(ref["frag"], frag)
        out[f"scaf_{which}"] = cosine(ref["scaf"], scaf)
    return out


def table(generated: list[str], report: dict, data_dir: Path, n_reference: int = N_REFERENCE
          ) -> dict:
    """The MOSES table of a raw draw: ``report`` is its ``genmetrics.generation_report`` (validity,
    uniqueness, novelty against the model's training set, filters and internal diversity of the
    unique molecules); SNN, Frag and Scaf are added from ``generated``."""
    from medcore.molecules.generate import metrics as genmetrics

    valid = [c for c in map(genmetrics.canon_or_none, generated) if c]
    return {
        "validity": report["validity"], "unique_1k": report["uniqueness_1k"],
        "unique_10k": report["uniqueness_10k"], "novelty": report["novelty"],
        "filters": report["filters_pass"], "int_div1": report["int_div1"],
        **distribution_metrics(valid, data_dir, n_reference),
        "reference": {"n_per_set": n_reference, "seed": REFERENCE_SEED,
                      "sets": {k: moses.FILES[k] for k in REFERENCE_SETS}},
    }


def comparison(moses_table: dict) -> list[dict]:
    """Rows for a page: each MOSES figure of this model beside the published baselines
    (None where a figure is missing)."""
    return [{"figure": label, "this model": moses_table.get(key),
             **{name: fig.get(key) for name, fig in PUBLISHED.items()}}
            for key, label in ROWS]
