"""Molecules as directed graphs for the message-passing network (``dmpnn``).

Each bond becomes two directed edges stored next to each other (edge ``2k`` is u -> v, edge
``2k + 1`` is v -> u), so an edge's reverse is found by swapping neighbours instead of carrying
an index. A batch is padded to its largest molecule: padded atoms have ``mask`` 0 and padded
edges point at atom -1, which matches no atom, so neither sends nor receives messages.
Atom and bond features follow Chemprop's (Yang et al. 2019), trimmed to what Tox21 holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ELEMENTS = ["C", "N", "O", "S", "F", "Cl", "Br", "I", "P", "B", "Si", "Se", "Na", "K", "Ca",
            "Fe", "Zn", "Cu", "Sn", "Hg", "As", "Al"]
DEGREES = [0, 1, 2, 3, 4, 5]
CHARGES = [-2, -1, 0, 1, 2]
HYDROGENS = [0, 1, 2, 3, 4]
HYBRID = ["SP", "SP2", "SP3", "SP3D", "SP3D2"]
CHIRAL = ["CHI_UNSPECIFIED", "CHI_TETRAHEDRAL_CW", "CHI_TETRAHEDRAL_CCW"]
RING_SIZES = [3, 4, 5, 6, 7, 8]
BONDS = ["SINGLE", "DOUBLE", "TRIPLE", "AROMATIC"]
STEREO = ["STEREONONE", "STEREOZ", "STEREOE", "STEREOCIS", "STEREOTRANS"]

# one-hot blocks carry an "other" slot, except the ring sizes (a set of flags)
N_ATOM = (len(ELEMENTS) + 1 + len(DEGREES) + 1 + len(CHARGES) + 1 + len(HYDROGENS) + 1
          + len(HYBRID) + 1 + len(CHIRAL) + 1 + len(RING_SIZES) + 3)
N_BOND = len(BONDS) + 1 + len(STEREO) + 1 + 2
N_EDGE = N_ATOM + N_BOND


@dataclass(frozen=True)
class Graph:
    """One molecule: atom features, directed-edge features (source atom's and the bond's),
    and each edge's source and destination atom."""

    atoms: np.ndarray   # (n_atoms, N_ATOM) float32
    bonds: np.ndarray   # (n_bonds, N_BOND) float32
    src: np.ndarray     # (2 * n_bonds,) int32
    dst: np.ndarray     # (2 * n_bonds,) int32

    def edges(self) -> np.ndarray:
        """(2 * n_bonds, N_EDGE): each directed edge's source atom and bond features (built
        when batching: a tenth of the bytes to pass between processes)."""
        return np.concatenate([self.atoms[self.src], np.repeat(self.bonds, 2, axis=0)], axis=1)


def _one_hot(value, choices: list) -> list[float]:
    out = [0.0] * (len(choices) + 1)
    out[choices.index(value) if value in choices else len(choices)] = 1.0
    return out


def atom_features(atom) -> list[float]:
    ring = atom.GetOwningMol().GetRingInfo()
    idx = atom.GetIdx()
    return (_one_hot(atom.GetSymbol(), ELEMENTS) + _one_hot(atom.GetTotalDegree(), DEGREES)
            + _one_hot(atom.GetFormalCharge(), CHARGES)
            + _one_hot(atom.GetTotalNumHs(), HYDROGENS)
            + _one_hot(str(atom.GetHybridization()), HYBRID)
            + _one_hot(str(atom.GetChiralTag()), CHIRAL)
            + [float(ring.IsAtomInRingOfSize(idx, k)) for k in RING_SIZES]
            + [float(atom.GetIsAromatic()), float(atom.IsInRing()), atom.GetMass() / 100.0])


def bond_features(bond) -> list[float]:
    return (_one_hot(str(bond.GetBondType()), BONDS) + _one_hot(str(bond.GetStereo()), STEREO)
            + [float(bond.GetIsConjugated()), float(bond.IsInRing())])


def from_mol(mol) -> Graph:
    """The directed graph of one RDKit molecule (heavy atoms only, as the SMILES has them)."""
    atoms = np.array([atom_features(a) for a in mol.GetAtoms()], np.float32).reshape(-1, N_ATOM)
    bonds, src, dst = [], [], []
    for bond in mol.GetBonds():
        u, v = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
        bonds.append(bond_features(bond))
        src += [u, v]
        dst += [v, u]
    b = np.array(bonds, np.float32).reshape(-1, N_BOND)
    return Graph(atoms, b, np.array(src, np.int32), np.array(dst, np.int32))


def from_smiles(smiles: list[str]) -> list[Graph]:
    """Graphs of canonical SMILES from ``io`` (they parse: io checked them)."""
    from rdkit import Chem

    return [from_mol(Chem.MolFromSmiles(s)) for s in smiles]


def pad_to(n: int, step: int = 8) -> int:
    """Round sizes up so a few padded shapes cover every batch."""
    return max(step, -(-n // step) * step)


def batch(graphs: list[Graph]) -> dict[str, np.ndarray]:
    """Pad a list of graphs into the network's inputs (``atoms``, ``mask``, ``edges``, ``src``,
    ``dst``); a molecule's scores do not depend on the padding (tested)."""
    n = pad_to(max((len(g.atoms) for g in graphs), default=1))
    e = pad_to(max((len(g.src) for g in graphs), default=2))
    out = {"atoms": np.zeros((len(graphs), n, N_ATOM), np.float32),
           "mask": np.zeros((len(graphs), n), np.float32),
           "edges": np.zeros((len(graphs), e, N_EDGE), np.float32),
           "src": np.full((len(graphs), e), -1, np.int32),
           "dst": np.full((len(graphs), e), -1, np.int32)}
    for i, g in enumerate(graphs):
        out["atoms"][i, :len(g.atoms)] = g.atoms
        out["mask"][i, :len(g.atoms)] = 1.0
        out["edges"][i, :len(g.src)] = g.edges()
        out["src"][i, :len(g.src)] = g.src
        out["dst"][i, :len(g.src)] = g.dst
    return out


def size_batches(graphs: list[Graph], size: int, rng: np.random.Generator | None = None
                 ) -> list[np.ndarray]:
    """Index batches of molecules of similar size (little padding); shuffled with ``rng``."""
    order = np.argsort([len(g.atoms) for g in graphs], kind="stable")
    if rng is not None:  # jitter sizes so batches differ between epochs
        keys = np.array([len(g.atoms) for g in graphs]) + rng.uniform(0, 4, len(graphs))
        order = np.argsort(keys, kind="stable")
    out = [order[k:k + size] for k in range(0, len(order), size)]
    if rng is not None:
        out = [out[i] for i in rng.permutation(len(out))]
    return out
