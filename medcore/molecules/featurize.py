"""Molecule standardisation and the one ECFP4 definition, shared by training, prediction,
the applicability domain and explanation."""

from __future__ import annotations

import numpy as np


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


def ecfp4_generator(n_bits: int = 2048):
    """The one ECFP4 definition (Morgan radius 2): the bits the models read and the atoms an
    explanation maps them back to must come from the same generator."""
    from rdkit.Chem import rdFingerprintGenerator

    return rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=n_bits)


def ecfp4_bits(mols: list, n_bits: int = 2048) -> np.ndarray:
    """2048-bit ECFP4 (Morgan radius 2) as uint8, the RF baseline's input."""
    gen = ecfp4_generator(n_bits)
    return np.stack([gen.GetFingerprintAsNumPy(m).astype(np.uint8) for m in mols])
