"""Per-atom SHAP for tox-cnn: expected gradients (``medcore.explain.shap_gradient``) on both
inputs of the two-branch model.

SMILES tokens: summed per token, then moved onto atoms (bond, branch and ring-closure tokens
credit the atom written before). ECFP4 bits the molecule has: spread evenly over the atoms of the
environments that set them. What cannot honestly sit on an atom is reported beside the drawing:
each descriptor's share (logP, charge, ...) and the total of substructures the molecule lacks.
"""

from __future__ import annotations

import numpy as np

from medcore.explain.shap_gradient import expected_gradients
from medcore.molecules import descriptors, featurize, smiles_cnn


def token_to_atom_values(tokens: list[str], token_values: np.ndarray, n_atoms: int
                         ) -> np.ndarray | None:
    """Sum token attributions onto RDKit atom indices; None if the token/atom counts differ."""
    positions = featurize.atom_token_positions(tokens)
    if len(positions) != n_atoms:
        return None
    out = np.zeros(n_atoms)
    atom = -1
    pos_to_atom = {p: a for a, p in enumerate(positions)}
    for i, v in enumerate(token_values[: len(tokens)]):
        atom = pos_to_atom.get(i, atom)
        out[max(atom, 0)] += v
    return out


def bits_to_atom_values(mol, bit_values: np.ndarray) -> tuple[np.ndarray, float]:
    """(per-atom share of the bits the molecule has, total of the bits it lacks)."""
    out = np.zeros(mol.GetNumAtoms())
    present = descriptors.bit_atoms(mol)
    for bit, envs in present.items():
        for atoms in envs:
            out[atoms] += bit_values[bit] / len(envs) / len(atoms)
    absent = np.ones(len(bit_values), bool)
    absent[list(present)] = False
    return out, float(bit_values[absent].sum())


def model_inputs(pre: dict, smiles: list[str], length: int) -> list[np.ndarray]:
    """The two-input model's [one-hot SMILES padded to ``length``, fingerprint] arrays."""
    return [featurize.one_hot(smiles, pre["vocab"], length), descriptors.from_smiles(smiles)]


def shap_parts(bundle, smiles: str, assay: int, nsamples: int = 200, seed: int = 0) -> dict:
    """One assay's SHAP for one molecule, split into what sits on atoms and what does not.

    Returns ``atoms`` (per-atom values, None when tokens and atoms do not line up),
    ``descriptors`` (name -> value), ``absent_substructures`` (sum over ECFP4 bits the molecule
    lacks), ``expected`` (mean probability over the background). All parts sum to
    f(x) - expected, up to the sampling error of expected gradients."""
    from rdkit import Chem

    from medcore.errors import InputError

    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise InputError(f"Not a valid SMILES: {smiles[:80]!r}.",
                         "Pass the canonical SMILES that medcore.molecules.io returned.")
    pre = bundle.extras["preprocess"]
    length = smiles_cnn.bucket_len(smiles)
    x = model_inputs(pre, [smiles], length)
    background = model_inputs(pre, pre["background"], length)
    tok_values, fp_values = (v[0] for v in expected_gradients(bundle.model, background, x,
                                                                assay, nsamples, seed))
    expected = float(np.mean(np.asarray(bundle.model(background, training=False))[:, assay]))
    all_tokens = featurize.tokenize(smiles)
    per_token = tok_values.sum(-1)
    if len(all_tokens) > length:
        per_token = np.concatenate([per_token, np.zeros(len(all_tokens) - length)])
    atoms = token_to_atom_values(all_tokens, per_token, mol.GetNumAtoms())
    bit_atoms, absent = bits_to_atom_values(mol, fp_values[: descriptors.N_BITS])
    return {"atoms": None if atoms is None else atoms + bit_atoms,
            "descriptors": dict(zip(descriptors.NAMES, fp_values[descriptors.N_BITS:].tolist(),
                                    strict=True)),
            "absent_substructures": absent, "expected": expected}


def atom_shap(bundle, smiles: str, assay: int, nsamples: int = 200, seed: int = 0
              ) -> np.ndarray | None:
    """Per-atom SHAP values for one assay's probability (see ``shap_parts``)."""
    return shap_parts(bundle, smiles, assay, nsamples, seed)["atoms"]


def top_descriptors(parts: dict, k: int = 8) -> list[tuple[str, float]]:
    """The k whole-molecule contributions with the largest |SHAP|, absent substructures
    included as one entry, for the bar beside the atom drawing."""
    items = [*parts["descriptors"].items(),
             ("substructures absent (ECFP4)", parts["absent_substructures"])]
    return sorted(items, key=lambda kv: -abs(kv[1]))[:k]


def top_atoms(smiles: str, values: np.ndarray, k: int = 5) -> list[dict]:
    """The k atoms with the largest |SHAP|, with their element symbols."""
    from rdkit import Chem

    mol = Chem.MolFromSmiles(smiles)
    order = np.argsort(-np.abs(values))[:k]
    return [{"atom": int(i), "symbol": mol.GetAtomWithIdx(int(i)).GetSymbol(),
             "shap": round(float(values[i]), 4)} for i in order]
