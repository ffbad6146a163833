"""Per-atom attribution for tox-cnn: integrated gradients through the whole model (D-MPNN
members and the fingerprint branch) from a featureless reference of the same molecule.

Graph features land on their atoms (a bond's on both ends, half each). ECFP4 bits the molecule
has: spread evenly over the atoms of the environments that set them. What cannot honestly sit
on an atom is reported beside the drawing: each descriptor's share (logP, charge, ...) and the
total of substructures the molecule lacks.
"""

from __future__ import annotations

import numpy as np

from medcore.molecules import featurize


def bits_to_atom_values(mol, bit_values: np.ndarray) -> tuple[np.ndarray, float]:
    """(per-atom share of the bits the molecule has, total of the bits it lacks)."""
    out = np.zeros(mol.GetNumAtoms())
    present = featurize.bit_atoms(mol)
    for bit, envs in present.items():
        for atoms in envs:
            out[atoms] += bit_values[bit] / len(envs) / len(atoms)
    absent = np.ones(len(bit_values), bool)
    absent[list(present)] = False
    return out, float(bit_values[absent].sum())


STEPS = 48  # integration steps; the attributions' sum is within ~1 % of f(x) - f(reference)


def _reference(model, x: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The featureless reference: the same bonds, no atom or bond features, no ECFP4 bits,
    descriptors at the training mean (the model's standardisation maps them to 0)."""
    ref = {k: v.copy() for k, v in x.items()}
    ref["atoms"][:] = 0.0
    ref["edges"][:] = 0.0
    member = next(m for m in model.layers if m.name.startswith("dmpnn"))
    mean = np.asarray(member.get_layer("standardise").mean).reshape(-1)
    ref["descriptors"][:] = mean
    if "fingerprint" in ref:
        ref["fingerprint"][:, :featurize.N_BITS] = 0.0
        ref["fingerprint"][:, featurize.N_BITS:] = mean
    return ref


def integrated_gradients(model, x: dict[str, np.ndarray], assay: int, steps: int = STEPS
                         ) -> tuple[dict[str, np.ndarray], float, float]:
    """Integrated gradients (Sundararajan et al. 2017) of one assay's probability for one
    molecule, all steps in one batch: (attribution per float input, f(x), f(reference)).

    Why not SHAP's expected gradients as before: interpolating between two molecules' graphs
    is undefined (their atoms do not correspond), while scaling one molecule's features keeps
    its graph; the attributions still add up to f(x) - f(reference)."""
    import tensorflow as tf

    ref = _reference(model, x)
    floats = [k for k in ("atoms", "edges", "descriptors", "fingerprint") if k in x]
    alphas = ((np.arange(steps) + 0.5) / steps).astype(np.float32)
    path = {k: np.repeat(v, steps, axis=0) for k, v in x.items()}
    for k in floats:
        shape = (steps,) + (1,) * (x[k].ndim - 1)
        path[k] = ref[k] + alphas.reshape(shape) * (x[k] - ref[k])
    # eager on purpose: tracing this gradient costs ~10 s once, more than a page ever saves
    tensors = {k: tf.constant(v) for k, v in path.items()}
    with tf.GradientTape() as tape:
        tape.watch([tensors[k] for k in floats])
        out = model(tensors, training=False)["assays"][:, assay]
    grads = tape.gradient(out, [tensors[k] for k in floats])
    attr = {k: ((x[k] - ref[k]) * np.asarray(g).mean(axis=0, keepdims=True))[0]
            for k, g in zip(floats, grads, strict=True)}
    ends = model({k: tf.constant(np.concatenate([x[k], ref[k]])) for k in x},
                 training=False)["assays"][:, assay]
    return attr, float(ends[0]), float(ends[1])


def graph_to_atoms(attr: dict[str, np.ndarray], g) -> np.ndarray:
    """Per atom: its own features' share, plus half of each bond feature's share on either
    end (a directed edge carries its source atom's features and its bond's)."""
    n = len(g.atoms)
    out = attr["atoms"][:n].sum(-1)
    edge = attr["edges"][:len(g.src)].sum(-1)
    np.add.at(out, g.src, edge / 2)
    np.add.at(out, g.dst, edge / 2)
    return out


def attribution(bundle, smiles: str, assay: int, steps: int = STEPS) -> dict:
    """One assay's attribution for one molecule, split into what sits on atoms and what does
    not: ``atoms`` (per atom: graph features and the ECFP4 substructures it is part of),
    ``descriptors`` (name -> value), ``absent_substructures`` (ECFP4 bits the molecule lacks:
    they count through the fingerprint branch), ``expected`` (the reference's probability).
    All parts sum to f(x) - expected (integration error ~1 %)."""
    from rdkit import Chem

    from medcore.errors import InputError
    from medcore.molecules.tox import dmpnn

    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise InputError(f"Not a valid SMILES: {smiles[:80]!r}.",
                         "Pass the canonical SMILES that medcore.molecules.io returned.")
    feats = featurize.of_mols([mol])
    x = dmpnn.batch_inputs(bundle.model, feats, np.array([0]))
    attr, fx, expected = integrated_gradients(bundle.model, x, assay, steps)
    atoms = graph_to_atoms(attr, feats.graphs[0])
    desc = attr["descriptors"].copy()
    absent = 0.0
    if "fingerprint" in attr:
        bit_atoms, absent = bits_to_atom_values(mol, attr["fingerprint"][:featurize.N_BITS])
        atoms = atoms + bit_atoms
        desc = desc + attr["fingerprint"][featurize.N_BITS:]
    return {"atoms": atoms, "descriptors": dict(zip(featurize.DESCRIPTOR_NAMES, desc.tolist(),
                                                    strict=True)),
            "absent_substructures": absent, "expected": expected, "probability": fx}


def atom_attribution(bundle, smiles: str, assay: int, steps: int = STEPS) -> np.ndarray:
    """Per-atom attribution for one assay's probability (see ``attribution``)."""
    return attribution(bundle, smiles, assay, steps)["atoms"]


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
             "attribution": round(float(values[i]), 4)} for i in order]
