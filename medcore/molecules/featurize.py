"""Molecule standardisation and featurisation shared by training, prediction and explanation.

The CNN reads canonical SMILES as one-hot token matrices (float, so gradient SHAP works on the
input directly); each atom token keeps its RDKit atom index so token attributions map to atoms.
"""

from __future__ import annotations

import re

import numpy as np

SMILES_REGEX = re.compile(
    r"(\[[^\]]+]|Br?|Cl?|N|O|S|P|F|I|b|c|n|o|s|p|\(|\)|\.|=|#|-|\+|\\|/|:|~|@|\?|>|\*|\$|%[0-9]{2}|[0-9])"
)
PAD, UNK = "<pad>", "<unk>"
ATOM_TOKEN = re.compile(r"^(\[[^\]]+]|Br|Cl|B|C|N|O|S|P|F|I|b|c|n|o|s|p|\*)$")
MAX_TOKENS = 160


def silence_rdkit() -> None:
    """RDKit logs parse errors to stderr; medcore reports them itself."""
    from rdkit import RDLogger

    RDLogger.DisableLog("rdApp.*")


def largest_fragment(mol):
    """Keep the fragment with most heavy atoms (salts, solvents); return (mol, n_dropped)."""
    from rdkit import Chem

    frags = Chem.GetMolFrags(mol, asMols=True, sanitizeFrags=True)
    if len(frags) <= 1:
        return mol, 0
    best = max(frags, key=lambda m: (m.GetNumHeavyAtoms(), m.GetNumAtoms()))
    return best, len(frags) - 1


def canonical(mol) -> str:
    from rdkit import Chem

    return Chem.MolToSmiles(mol)


def tokenize(smiles: str) -> list[str]:
    return SMILES_REGEX.findall(smiles)


def atom_token_positions(tokens: list[str]) -> list[int]:
    """Token index of each atom, in RDKit atom-index order (atoms are numbered as written)."""
    return [i for i, t in enumerate(tokens) if ATOM_TOKEN.match(t)]


def build_vocab(smiles: list[str], min_count: int = 3) -> list[str]:
    """Tokens seen at least ``min_count`` times in training SMILES; rarer ones become <unk>."""
    counts: dict[str, int] = {}
    for s in smiles:
        for t in tokenize(s):
            counts[t] = counts.get(t, 0) + 1
    kept = sorted(t for t, c in counts.items() if c >= min_count)
    return [PAD, UNK, *kept]


def one_hot(smiles: list[str], vocab: list[str], max_tokens: int = MAX_TOKENS) -> np.ndarray:
    """(n, max_tokens, len(vocab)) float32; longer SMILES are truncated (see ``truncated``)."""
    index = {t: i for i, t in enumerate(vocab)}
    x = np.zeros((len(smiles), max_tokens, len(vocab)), np.float32)
    for row, s in enumerate(smiles):
        toks = tokenize(s)[:max_tokens]
        ids = [index.get(t, 1) for t in toks]
        x[row, np.arange(len(ids)), ids] = 1.0
        x[row, len(ids):, 0] = 1.0
    return x


def ecfp4_generator(n_bits: int = 2048):
    """The one ECFP4 definition (Morgan radius 2): the bits the models read and the atoms an
    explanation maps them back to must come from the same generator."""
    from rdkit.Chem import rdFingerprintGenerator

    return rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=n_bits)


def ecfp4_bits(mols: list, n_bits: int = 2048) -> np.ndarray:
    """2048-bit ECFP4 (Morgan radius 2) as uint8, the RF baseline's input."""
    gen = ecfp4_generator(n_bits)
    return np.stack([gen.GetFingerprintAsNumPy(m).astype(np.uint8) for m in mols])
