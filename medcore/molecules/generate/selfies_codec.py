"""SELFIES strings for the molecule generator: the training corpus, its vocabulary, one-hot
encoding and decoding back to SMILES.

SELFIES (Krenn et al. 2020) decode to a valid molecule for any token string, so validity comes
from the representation and the generator only has to learn diversity and drug-likeness.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from medcore.molecules import featurize

NOP = "[nop]"
MAX_LEN = 48
CORPUS = ("tox21.csv", "BBBP.csv", "clintox.csv", "delaney.csv")


def corpus(data_dir: Path, limit: int | None = None, min_token_count: int = 20) -> list[str]:
    """Canonical largest-fragment SMILES (stereo removed) from the MoleculeNet files,
    deduplicated, at most MAX_LEN SELFIES tokens, and only built from tokens that at least
    ``min_token_count`` molecules use (keeps the vocabulary and the model small)."""
    import pandas as pd
    import selfies as sf
    from rdkit import Chem

    featurize.silence_rdkit()
    seen: dict[str, None] = {}
    for name in CORPUS:
        path = Path(data_dir) / "molecules" / name
        col = next(c for c in pd.read_csv(path, nrows=1).columns if c.lower() == "smiles")
        for s in pd.read_csv(path, nrows=limit)[col].astype(str):
            mol = Chem.MolFromSmiles(s)
            if mol is None:
                continue
            mol, _ = featurize.largest_fragment(mol)
            Chem.RemoveStereochemistry(mol)
            if mol.GetNumHeavyAtoms() < 3:
                continue
            can = Chem.MolToSmiles(mol)
            try:
                enc = sf.encoder(can)
            except Exception:  # noqa: BLE001 - selfies raises its own EncoderError subclasses
                continue
            if enc and sf.len_selfies(enc) <= MAX_LEN:
                seen[can] = None
    tokens = {s: set(sf.split_selfies(sf.encoder(s))) for s in seen}
    counts: dict[str, int] = {}
    for toks in tokens.values():
        for t in toks:
            counts[t] = counts.get(t, 0) + 1
    return [s for s, toks in tokens.items() if all(counts[t] >= min_token_count for t in toks)]


def vocabulary(smiles: list[str]) -> list[str]:
    import selfies as sf

    tokens = sorted(sf.get_alphabet_from_selfies(sf.encoder(s) for s in smiles))
    return [NOP, *[t for t in tokens if t != NOP]]


def encode(smiles: list[str], vocab: list[str]) -> np.ndarray:
    """(n, MAX_LEN, V) one-hot SELFIES, padded with [nop]."""
    import selfies as sf

    index = {t: i for i, t in enumerate(vocab)}
    x = np.zeros((len(smiles), MAX_LEN, len(vocab)), np.float32)
    for r, s in enumerate(smiles):
        ids = [index[t] for t in sf.split_selfies(sf.encoder(s))]
        ids += [0] * (MAX_LEN - len(ids))
        x[r, np.arange(MAX_LEN), ids] = 1.0
    return x


def randomised(smiles: list[str], vocab: list[str], k: int, seed: int = 0) -> np.ndarray:
    """(n, k, MAX_LEN) uint8 token ids of the SELFIES of k randomised SMILES of each molecule
    (RDKit's random atom order, seeded), for a heteroencoder's input. A randomisation whose
    SELFIES is longer than MAX_LEN or uses a token outside ``vocab`` is replaced by the
    canonical string."""
    import selfies as sf
    from rdkit import Chem

    index = {t: i for i, t in enumerate(vocab)}
    out = np.zeros((len(smiles), k, MAX_LEN), np.uint8)

    def ids(s: str) -> list[int] | None:
        try:
            toks = list(sf.split_selfies(sf.encoder(s)))
        except Exception:  # noqa: BLE001 - selfies raises its own EncoderError subclasses
            return None
        if len(toks) > MAX_LEN or any(t not in index for t in toks):
            return None
        return [index[t] for t in toks]

    for r, s in enumerate(smiles):
        canonical = ids(s)
        variants = Chem.MolToRandomSmilesVect(Chem.MolFromSmiles(s), k, randomSeed=seed + r + 1)
        for j, v in enumerate(variants):
            row = ids(v) or canonical
            out[r, j, :len(row)] = row
    return out


def _silicon_bonds_like_carbon() -> None:
    """SELFIES has no valence rule for Si and lets it take up to 8 bonds, so a sample could
    decode to a five-bonded silicon that RDKit rightly rejects; give Si carbon's 4."""
    import selfies as sf

    rules = sf.get_semantic_constraints()
    if rules.get("Si") != 4:
        sf.set_semantic_constraints({**rules, "Si": 4})


def decode(token_ids: np.ndarray, vocab: list[str]) -> list[str]:
    """Token ids -> SMILES via SELFIES ('' when the string decodes to nothing)."""
    import selfies as sf

    _silicon_bonds_like_carbon()
    out = []
    for row in token_ids:
        try:
            out.append(sf.decoder("".join(vocab[i] for i in row if i)) or "")
        except Exception:  # noqa: BLE001 - treat any decoder failure as an invalid sample
            out.append("")
    return out


def is_atom_token(token: str) -> bool:
    """Tokens that place an atom (not [nop], branches or ring closures)."""
    return token != NOP and "Branch" not in token and "Ring" not in token


def atom_mask(vocab: list[str]) -> np.ndarray:
    """Which tokens may start a string (a SMILES must start with an atom, so no sample decodes
    to an empty molecule)."""
    return np.array([is_atom_token(t) for t in vocab], bool)


def draw_tokens(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One seeded categorical draw over the last axis (token ids); rows need not sum to 1, so
    masked-out tokens can simply be zeroed."""
    cum = np.asarray(probs, np.float64).cumsum(-1)
    u = rng.random((*cum.shape[:-1], 1))
    return np.minimum((u * cum[..., -1:] > cum).sum(-1), cum.shape[-1] - 1)
